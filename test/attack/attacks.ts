// Every attack of the security review (issue 11), replayable against a running local host: each
// states what a secure system answers and reports what this one did. Findings are numbered as in
// the issue; an attack "holds" when the system answered as expected.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { opsToken, tenantBody, victimTenant, victimUser, type VictimTenant } from './fixtures.js';
import type { AttackTarget, HttpAnswer } from './target.js';

export interface AttackOutcome {
  held: boolean;
  observed: string;
}

export interface Attack {
  id: string;
  finding: string;
  attack: string;
  expected: string;
  run(target: AttackTarget): Promise<AttackOutcome>;
}

interface AuditEntry {
  chain: string;
  seq: number;
  action: string;
  outcome: string;
  reason?: string;
  requestId: string;
  correlationId?: string;
  actor: { sub: string; tenantId?: string };
  target: { type: string; id: string };
}

interface Verification {
  valid: boolean;
  entries: number;
  head: { seq: number };
}

interface SecurityLogDay {
  counters: { route: string; status: number; code: string; count: number }[];
}

/** `3x201 1x409`: how many answers had each value. */
const count = (values: (string | number | undefined)[]): string =>
  Object.entries(values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [String(v)]: (acc[String(v)] ?? 0) + 1 }), {}))
    .map(([v, n]) => `${n}x${v}`)
    .join(' ');

/** Runs `tasks` with at most `width` in flight. */
async function inParallel<T>(width: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]!();
      }
    }),
  );
  return results;
}

async function verify(target: AttackTarget, tenant: VictimTenant): Promise<Verification> {
  return (await target.request<Verification>('GET', `/api/tenants/${tenant.tenantId}/audit/verify`, { token: tenant.adminToken })).body;
}

async function auditEntries(target: AttackTarget, tenant: VictimTenant, log: 'activity' | 'security'): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await target.request<{ entries: AuditEntry[]; nextCursor?: string }>(
      'GET',
      `/api/tenants/${tenant.tenantId}/audit?limit=500&log=${log}${cursor ? `&cursor=${cursor}` : ''}`,
      { token: tenant.adminToken },
    );
    entries.push(...page.body.entries);
    cursor = page.body.nextCursor;
  } while (cursor);
  return entries;
}

async function securityCounters(target: AttackTarget): Promise<SecurityLogDay['counters']> {
  const day = (await target.now()).toISOString().slice(0, 10);
  return (await target.request<SecurityLogDay>('GET', `/api/ops/security-log?day=${day}`, { token: await opsToken(target) })).body.counters;
}

const counted = (counters: SecurityLogDay['counters'], code: string, route?: string): number =>
  counters.filter((c) => c.code === code && (!route || c.route === route)).reduce((sum, c) => sum + c.count, 0);

const errorPath = (answer: HttpAnswer): string | undefined => (answer.body as { errors?: { path: string }[] }).errors?.[0]?.path;

export const ATTACKS: Attack[] = [
  {
    id: 'provisioning-race',
    finding: '1',
    attack: '8 concurrent POST /api/tenants with one Idempotency-Key and body, then users created and read back',
    expected: 'one tenant: one 201 and 7 replays of it; tenant and users readable',
    async run(target) {
      const ops = await opsToken(target);
      const headers = { 'idempotency-key': `attack-provision-${randomUUID()}` };
      const body = tenantBody(randomUUID().slice(0, 8));
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => target.request<{ tenantId?: string }>('POST', '/api/tenants', { token: ops, body, headers })),
      );
      const ids = new Set(answers.map((a) => a.body.tenantId));
      const originals = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') !== 'true').length;
      const tenantId = answers.find((a) => a.body.tenantId)?.body.tenantId;
      let readable = 'no tenant';
      if (tenantId) {
        const admin = await target.token({ sub: `admin-${tenantId}`, roles: ['tenant.admin'], tid: tenantId });
        const reads: number[] = [(await target.request('GET', `/api/tenants/${tenantId}`, { token: admin })).status];
        for (let i = 0; i < 3; i++) {
          const created = await target.request<{ userId: string }>('POST', `/api/tenants/${tenantId}/users`, {
            token: admin,
            body: { name: `Racer ${i}`, email: `racer${i}.${randomUUID().slice(0, 6)}@victim.test` },
          });
          reads.push(
            created.status === 201
              ? (await target.request('GET', `/api/tenants/${tenantId}/users/${created.body.userId}`, { token: admin })).status
              : created.status,
          );
        }
        readable = `reads ${count(reads)}`;
      }
      const held = answers.every((a) => a.status === 201) && ids.size === 1 && originals === 1 && readable === 'reads 4x200';
      return { held, observed: `${count(answers.map((a) => a.status))}; ${ids.size} tenant id(s); ${originals} original(s); ${readable}` };
    },
  },
  {
    id: 'audit-50-way',
    finding: '2',
    attack: "a tenant's own admin: 50 concurrent user creations and 50 concurrent reads of one user",
    expected: 'all 100 succeed; the log holds exactly one entry per request and every chain verifies',
    async run(target) {
      const tenant = await victimTenant(target);
      const user = await victimUser(target, tenant);
      const before = await verify(target, tenant);
      const writes = Array.from(
        { length: 50 },
        (_, i) => () =>
          target.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
            token: tenant.adminToken,
            body: { name: `Crowd ${i}`, email: `crowd${i}.${randomUUID().slice(0, 6)}@victim.test` },
          }),
      );
      const reads = Array.from(
        { length: 50 },
        () => () => target.request('GET', `/api/tenants/${tenant.tenantId}/users/${user.userId}`, { token: tenant.adminToken }),
      );
      const answers = await inParallel(100, [...writes, ...reads]);
      const after = await verify(target, tenant);
      const added = after.head.seq - before.head.seq - 1; // the first verify call records itself too
      const held = answers.every((a) => a.status === 200 || a.status === 201) && after.valid && added === 100;
      return { held, observed: `${count(answers.map((a) => a.status))}; chains ${after.valid ? 'verify' : 'BROKEN'}; ${added} entries added` };
    },
  },
  {
    id: 'cross-tenant-flood',
    finding: '2',
    attack: "tenant A's admin sends 1,000 refused reads at tenant B at concurrency 20 while B's admin makes 50 writes",
    expected:
      "B's writes all succeed and its chains verify; A is throttled (429); each refusal B recorded is in B's security log, none in its activity log; throttled requests are counted in the vendor log",
    async run(target) {
      const a = await victimTenant(target);
      const b = await victimTenant(target, 'eu');
      const user = await victimUser(target, b);
      const countersBefore = await securityCounters(target);
      const flood = Array.from(
        { length: 1000 },
        () => () => target.request('GET', `/api/tenants/${b.tenantId}/users/${user.userId}`, { token: a.adminToken }),
      );
      const own = Array.from(
        { length: 50 },
        (_, i) => () =>
          target.request('POST', `/api/tenants/${b.tenantId}/users`, {
            token: b.adminToken,
            body: { name: `Own ${i}`, email: `own${i}.${randomUUID().slice(0, 6)}@victim.test` },
          }),
      );
      const [floodAnswers, ownAnswers] = await Promise.all([inParallel(20, flood), inParallel(10, own)]);
      const refused = floodAnswers.filter((x) => x.status === 403).length;
      const throttled = floodAnswers.filter((x) => x.status === 429).length;
      const security = (await auditEntries(target, b, 'security')).filter((e) => e.actor.tenantId === a.tenantId);
      const activity = (await auditEntries(target, b, 'activity')).filter((e) => e.actor.tenantId === a.tenantId);
      const chains = await verify(target, b);
      const countedThrottles =
        counted(await securityCounters(target), 'RATE_LIMITED', 'getUser') - counted(countersBefore, 'RATE_LIMITED', 'getUser');
      const retryAfter = floodAnswers.find((x) => x.status === 429)?.headers.get('retry-after');
      const held =
        ownAnswers.every((x) => x.status === 201) &&
        floodAnswers.every((x) => x.status === 403 || x.status === 429) &&
        throttled > 0 &&
        retryAfter !== null &&
        retryAfter !== undefined &&
        security.length === refused &&
        activity.length === 0 &&
        chains.valid &&
        countedThrottles === throttled;
      return {
        held,
        observed: `B's writes ${count(ownAnswers.map((x) => x.status))}; flood ${count(floodAnswers.map((x) => x.status))} (Retry-After ${retryAfter ?? 'none'}); B security log ${security.length}, activity log ${activity.length} entries from A; B chains ${chains.valid ? 'verify' : 'BROKEN'}; vendor log counted ${countedThrottles} throttled`,
      };
    },
  },
  {
    id: 'dsar-intake-oracle',
    finding: '3',
    attack: 'ops.platform records erasure requests for a known and an unknown email, by user id, and for a person with an open request of the admin',
    expected: 'the same receipt for known and unknown (no user id); a user id refused (400); the admin request neither returned nor changed',
    async run(target) {
      const tenant = await victimTenant(target);
      const email = `known.${randomUUID().slice(0, 6)}@victim.test`;
      const known = await target.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
        token: tenant.adminToken,
        body: { name: 'Known Person', email },
      });
      const receivedAt = (await target.now()).toISOString();
      const adminRequest = await target.request<{ dsarId: string }>('POST', `/api/tenants/${tenant.tenantId}/dsars`, {
        token: tenant.adminToken,
        body: { type: 'erasure', subject: { email }, receivedAt, jurisdiction: 'GB-ENG' },
      });
      const readAdmin = async (): Promise<string> =>
        JSON.stringify(
          (
            await target.request<Record<string, unknown>>('GET', `/api/tenants/${tenant.tenantId}/dsars/${adminRequest.body.dsarId}`, {
              token: tenant.adminToken,
            })
          ).body,
        );
      const adminBefore = await readAdmin();
      const ops = await opsToken(target);
      const submit = (subject: Record<string, string>): Promise<HttpAnswer<Record<string, unknown>>> =>
        target.request('POST', `/api/tenants/${tenant.tenantId}/dsars`, {
          token: ops,
          body: { type: 'erasure', subject, receivedAt, jurisdiction: 'GB-ENG' },
        });
      const forKnown = await submit({ email });
      const forUnknown = await submit({ email: `nobody.${randomUUID().slice(0, 6)}@victim.test` });
      const byUserId = await submit({ userId: known.body.userId });
      const adminAfter = await readAdmin();
      const shape = (answer: HttpAnswer<Record<string, unknown>>): string => `${answer.status}:${Object.keys(answer.body).sort().join(',')}`;
      const leaks = [forKnown, forUnknown].some(
        (x) => JSON.stringify(x.body).includes(known.body.userId) || JSON.stringify(x.body).includes(adminRequest.body.dsarId),
      );
      const held =
        forKnown.status === 201 && shape(forKnown) === shape(forUnknown) && !leaks && byUserId.status === 400 && adminBefore === adminAfter;
      return {
        held,
        observed: `known ${shape(forKnown)}; unknown ${shape(forUnknown)}; ${leaks ? 'LEAKS ids' : 'no ids'}; by user id ${byUserId.status}; admin request ${adminBefore === adminAfter ? 'unchanged' : 'CHANGED'}`,
      };
    },
  },
  {
    id: 'body-before-auth',
    finding: '4',
    attack: 'a 5 MB body from a token with no role; a 5 MB body from an admin, declared and chunked; JSON nested 5,000 deep; application/json-seq',
    expected: '403 before the body is parsed; 413 for both large bodies; 400 for the nesting; 415 for json-seq; the host stays responsive',
    async run(target) {
      const tenant = await victimTenant(target);
      const noRole = await target.token({ sub: `nobody-${randomUUID()}`, roles: [] });
      const big = Buffer.alloc(5 * 1024 * 1024, 'a');
      const bigJson = Buffer.concat([Buffer.from('{"name":"'), big, Buffer.from('"}')]);
      const path = `/api/tenants/${tenant.tenantId}/users`;
      const json = { 'content-type': 'application/json' };
      const [unauthorised, health] = await Promise.all([
        target.request('POST', path, { token: noRole, rawBody: bigJson, headers: json }),
        target.request('GET', '/api/health'),
      ]);
      const declared = await target.request('POST', path, { token: tenant.adminToken, rawBody: bigJson, headers: json });
      const chunked = await target.request('POST', path, {
        token: tenant.adminToken,
        rawBody: Readable.toWeb(Readable.from([bigJson])) as ReadableStream<Uint8Array>,
        headers: json,
      });
      const deep = await target.request('POST', path, { token: tenant.adminToken, rawBody: `${'['.repeat(5000)}${']'.repeat(5000)}`, headers: json });
      const seq = await target.request('POST', path, {
        token: tenant.adminToken,
        rawBody: '{"name":"A","email":"a@victim.test"}',
        headers: { 'content-type': 'application/json-seq' },
      });
      const held =
        unauthorised.status === 403 &&
        health.status === 200 &&
        declared.status === 413 &&
        chunked.status === 413 &&
        deep.status === 400 &&
        seq.status === 415;
      return {
        held,
        observed: `no role ${unauthorised.status}; health ${health.status}; declared ${declared.status}; chunked ${chunked.status}; deep ${deep.status}; json-seq ${seq.status}`,
      };
    },
  },
  {
    id: 'unauthenticated-refusals',
    finding: '5',
    attack: 'requests at tenant B with no token and with a garbage token',
    expected: "401; nothing written into B's logs; counted in the vendor security log",
    async run(target) {
      const b = await victimTenant(target);
      const before = await verify(target, b);
      const countersBefore = await securityCounters(target);
      const answers = [
        await target.request('GET', `/api/tenants/${b.tenantId}/audit`),
        await target.request('GET', `/api/tenants/${b.tenantId}/audit`, { headers: { authorization: 'Bearer not.a.token' } }),
      ];
      const after = await verify(target, b);
      const countersAfter = await securityCounters(target);
      const countedNow =
        counted(countersAfter, 'AUTH.MISSING_TOKEN', 'listAuditEntries') -
        counted(countersBefore, 'AUTH.MISSING_TOKEN', 'listAuditEntries') +
        counted(countersAfter, 'AUTH.INVALID_TOKEN', 'listAuditEntries') -
        counted(countersBefore, 'AUTH.INVALID_TOKEN', 'listAuditEntries');
      const added = after.head.seq - before.head.seq - 1;
      const held = answers.every((x) => x.status === 401) && added === 0 && countedNow === 2;
      return { held, observed: `${count(answers.map((x) => x.status))}; ${added} entries in B's logs; ${countedNow} counted in the vendor log` };
    },
  },
  {
    id: 'refusals-audited',
    finding: '5',
    attack: "B's admin: 400, 404, 409, 412, 415, 422; an outsider's 403 on termination, certificate and cancel",
    expected: "each refusal recorded with its code: the admin's in B's activity log, the outsider's in B's security log",
    async run(target) {
      const b = await victimTenant(target);
      const outsider = await victimTenant(target);
      const user = await victimUser(target, b);
      const t = `/api/tenants/${b.tenantId}`;
      const admin = { token: b.adminToken };
      const taken = (await target.request<{ email: string }>('GET', `${t}/users/${user.userId}`, admin)).body.email;
      const own = [
        await target.request('POST', `${t}/users`, { ...admin, body: { name: 'No Email' } }),
        await target.request('GET', `${t}/users/u-00000000000000000000`, admin),
        await target.request('POST', `${t}/users`, { ...admin, body: { name: 'Twin', email: taken } }),
        await target.request('PATCH', `${t}/users/${user.userId}`, {
          ...admin,
          body: { name: 'Stale', reason: 'x' },
          headers: { 'if-match': '"999"' },
        }),
        await target.request('POST', `${t}/users`, { ...admin, rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }),
        await target.request('POST', `${t}/dsars`, {
          ...admin,
          body: {
            type: 'access',
            subject: { userId: 'u-00000000000000000000' },
            receivedAt: (await target.now()).toISOString(),
            jurisdiction: 'GB-ENG',
          },
        }),
      ];
      const foreign = [
        await target.request('POST', `${t}/termination`, { token: outsider.adminToken, body: { disposition: 'delete' } }),
        await target.request('GET', `${t}/deletion-certificate`, { token: outsider.adminToken }),
        await target.request('POST', `${t}/termination/cancel`, { token: outsider.adminToken }),
      ];
      const activity = (await auditEntries(target, b, 'activity')).filter((e) => e.action === 'request.refused');
      const security = (await auditEntries(target, b, 'security')).filter((e) => e.action === 'request.refused');
      const codes = (answers: HttpAnswer[]): string[] => answers.map((x) => (x.body as { code?: string }).code ?? '?').sort();
      const held =
        own.map((x) => x.status).join(',') === '400,404,409,412,415,422' &&
        foreign.every((x) => x.status === 403) &&
        JSON.stringify(activity.map((e) => e.reason).sort()) === JSON.stringify(codes(own)) &&
        security.length === 3 &&
        security.every((e) => e.actor.tenantId === outsider.tenantId && e.outcome === 'denied');
      return {
        held,
        observed: `admin ${own.map((x) => x.status).join(',')}, recorded ${activity.map((e) => e.reason).join(',')}; outsider ${foreign.map((x) => x.status).join(',')}, ${security.length} in the security log`,
      };
    },
  },
  {
    id: 'request-id-spoof',
    finding: '5',
    attack: "x-request-id 'system:dsar-workflow:escalation', and a well-formed x-request-id",
    expected:
      'request ids are ours (UUIDs) in answers and audit entries; a malformed caller id is dropped, a well-formed one kept only as correlationId',
    async run(target) {
      const b = await victimTenant(target);
      const spoof = await target.request('GET', `/api/tenants/${b.tenantId}`, {
        token: b.adminToken,
        headers: { 'x-request-id': 'system:dsar-workflow:escalation' },
      });
      const honest = await target.request('GET', `/api/tenants/${b.tenantId}`, { token: b.adminToken, headers: { 'x-request-id': 'portal-42' } });
      const entries = (await auditEntries(target, b, 'activity')).filter((e) => e.action === 'tenant.read');
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
      const spoofed = entries.find((e) => e.requestId === spoof.headers.get('x-request-id'));
      const traced = entries.find((e) => e.requestId === honest.headers.get('x-request-id'));
      const held =
        uuid.test(spoof.headers.get('x-request-id') ?? '') &&
        entries.every((e) => uuid.test(e.requestId)) &&
        spoofed !== undefined &&
        spoofed.correlationId === undefined &&
        traced?.correlationId === 'portal-42' &&
        !JSON.stringify(entries).includes('system:dsar-workflow');
      return {
        held,
        observed: `answer ids ${spoof.headers.get('x-request-id')}, ${honest.headers.get('x-request-id')}; correlation ${spoofed?.correlationId ?? 'none'} / ${traced?.correlationId ?? 'none'}`,
      };
    },
  },
  {
    id: 'idempotent-create-race',
    finding: '6',
    attack: '30 parallel POST .../users with one Idempotency-Key and body',
    expected: 'all 201 with one user id',
    async run(target) {
      const tenant = await victimTenant(target);
      const body = { name: 'Once Only', email: `once.${randomUUID().slice(0, 6)}@victim.test` };
      const headers = { 'idempotency-key': `attack-user-${randomUUID()}` };
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          target.request<{ userId?: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body, headers }),
        ),
      );
      const ids = new Set(answers.map((a) => a.body.userId));
      return {
        held: answers.every((a) => a.status === 201) && ids.size === 1,
        observed: `${count(answers.map((a) => a.status))}; ${ids.size} user id(s)`,
      };
    },
  },
  {
    id: 'termination-race',
    finding: '6',
    attack: '20 parallel POST .../termination {"disposition":"delete"}',
    expected: 'one termination: every answer names it, and it is the one the tenant shows',
    async run(target) {
      const tenant = await victimTenant(target);
      const answers = await Promise.all(
        Array.from({ length: 20 }, () =>
          target.request<{ terminationId?: string }>('POST', `/api/tenants/${tenant.tenantId}/termination`, {
            token: tenant.adminToken,
            body: { disposition: 'delete' },
          }),
        ),
      );
      const ids = new Set(answers.map((a) => a.body.terminationId));
      const shown = (
        await target.request<{ terminationId: string }>('GET', `/api/tenants/${tenant.tenantId}/termination`, { token: tenant.adminToken })
      ).body.terminationId;
      const held = answers.every((a) => a.status === 202) && ids.size === 1 && ids.has(shown);
      return { held, observed: `${count(answers.map((a) => a.status))}; ${ids.size} termination id(s); shown ${shown}` };
    },
  },
  {
    id: 'if-match-star',
    finding: '6',
    attack: 'PATCH a user with If-Match: * and with a list of ETags',
    expected: '400 naming header:If-Match; the user unchanged',
    async run(target) {
      const tenant = await victimTenant(target);
      const user = await victimUser(target, tenant);
      const path = `/api/tenants/${tenant.tenantId}/users/${user.userId}`;
      const star = await target.request('PATCH', path, {
        token: tenant.adminToken,
        body: { name: 'Overwritten', reason: 'x' },
        headers: { 'if-match': '*' },
      });
      const list = await target.request('PATCH', path, {
        token: tenant.adminToken,
        body: { name: 'Overwritten', reason: 'x' },
        headers: { 'if-match': `"7", ${user.etag}` },
      });
      const after = await target.request<{ name: string }>('GET', path, { token: tenant.adminToken });
      const held = star.status === 400 && errorPath(star) === 'header:If-Match' && list.status === 400 && after.body.name !== 'Overwritten';
      return { held, observed: `* ${star.status} (${errorPath(star)}); list ${list.status}; name ${after.body.name}` };
    },
  },
  {
    id: 'hostile-text',
    finding: '6',
    attack: 'user names with NUL, a right-to-left override, an unpaired surrogate, zero-width characters only',
    expected: '400 naming "name" for each; nothing created',
    async run(target) {
      const tenant = await victimTenant(target);
      const names = ['Ada\u0000Lovelace', 'Ada \u202eecalevol', '"Ada \\ud800"', '"\\u200b\\u200b"'];
      const answers: HttpAnswer[] = [];
      for (const name of names) {
        const email = `hostile.${randomUUID().slice(0, 6)}@victim.test`;
        const rawBody = name.startsWith('"') ? `{"name":${name},"email":"${email}"}` : JSON.stringify({ name, email });
        answers.push(
          await target.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
            token: tenant.adminToken,
            rawBody,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
      const held = answers.every((a) => a.status === 400 && errorPath(a) === 'name');
      return { held, observed: answers.map((a) => `${a.status}:${errorPath(a) ?? '-'}`).join(' ') };
    },
  },
  {
    id: 'ids-with-separators',
    finding: '6',
    attack: 'user and record ids containing /, # and \\ (percent-encoded)',
    expected: 'refused as bad input (400) or not found (404); never a 500',
    async run(target) {
      const tenant = await victimTenant(target);
      const t = `/api/tenants/${tenant.tenantId}`;
      const paths = [
        `${t}/users/u-1%2F2`,
        `${t}/users/u-1%232`,
        `${t}/users/u-1%5C2`,
        `${t}/modules/shift-logs/records/r-1%2F2`,
        `${t}/modules/shift-logs/records/r-1%5C2`,
      ];
      const answers = await Promise.all(paths.map((p) => target.request('GET', p, { token: tenant.adminToken })));
      return { held: answers.every((a) => a.status === 400 || a.status === 404), observed: count(answers.map((a) => a.status)) };
    },
  },
  {
    id: 'implausible-instants',
    finding: '6',
    attack: 'a DSAR received in 1900, and one received tomorrow',
    expected: '400 naming receivedAt; no request recorded and nothing mailed',
    async run(target) {
      const tenant = await victimTenant(target);
      const mailsBefore = ((await target.request<unknown[]>('GET', '/runtime/dev/outbox')).body ?? []).length;
      const tomorrow = new Date((await target.now()).getTime() + 24 * 3600_000).toISOString();
      const answers = [
        await target.request('POST', `/api/tenants/${tenant.tenantId}/dsars`, {
          token: tenant.adminToken,
          body: { type: 'access', subject: { email: 'old@victim.test' }, receivedAt: '1900-01-01T00:00:00Z', jurisdiction: 'GB-ENG' },
        }),
        await target.request('POST', `/api/tenants/${tenant.tenantId}/dsars`, {
          token: tenant.adminToken,
          body: { type: 'access', subject: { email: 'old@victim.test' }, receivedAt: tomorrow, jurisdiction: 'GB-ENG' },
        }),
      ];
      const open = (await target.request<{ dsars: unknown[] }>('GET', `/api/tenants/${tenant.tenantId}/dsars`, { token: tenant.adminToken })).body
        .dsars.length;
      const mailsAfter = ((await target.request<unknown[]>('GET', '/runtime/dev/outbox')).body ?? []).length;
      const held = answers.every((a) => a.status === 400 && errorPath(a) === 'receivedAt') && open === 0 && mailsAfter === mailsBefore;
      return {
        held,
        observed: `${answers.map((a) => `${a.status}:${errorPath(a) ?? '-'}`).join(' ')}; ${open} open request(s); ${mailsAfter - mailsBefore} mail(s)`,
      };
    },
  },
  {
    id: 'token-lifetime',
    finding: '6',
    attack: 'a token that expires in a century; a token issued an hour in the future',
    expected: '401 for both',
    async run(target) {
      const now = await target.now();
      const century = await target.token({ sub: 'long-lived', roles: ['ops.platform'] }, { lifetimeSeconds: 100 * 365 * 24 * 3600 });
      const future = await target.token({ sub: 'time-traveller', roles: ['ops.platform'] }, { issuedAt: new Date(now.getTime() + 3600_000) });
      const answers = [
        await target.request('GET', '/api/tenants', { token: century }),
        await target.request('GET', '/api/tenants', { token: future }),
      ];
      return {
        held: answers.every((a) => a.status === 401),
        observed: answers.map((a) => `${a.status}:${(a.body as { code?: string }).code ?? '-'}`).join(' '),
      };
    },
  },
];
