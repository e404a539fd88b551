// Drill: the whole local system (platform and host) killed with SIGKILL at 20 points of one scripted
// scenario running a termination, a breach, a DSAR and an export together, and brought back with
// --keep-state each time. Every flow completes, the counts and the certificates are right, and no
// email goes out twice. The kill points come from a fixed seed (printed in the test name), so a
// failure reproduces with the same points.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, opsToken, provisionTenant, type TenantFixture, type UserFixture } from '../support/builders.js';

const SEED = 0x5191;
const KILLS = 20;
const START = '2031-03-03T08:00:00.000Z';
const DAY = 24 * 3600_000;
/** The scenario's span on the virtual clock: 30 days of grace, then about 31 until the backups expire. */
const SPAN = 64 * DAY;

/** mulberry32: a small seeded generator, so the same seed gives the same kill points. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The scripted actions (each API call left in flight, not settled, when a kill follows it). */
const ACTIONS = ['terminate', 'open-breach', 'submit-dsar', 'start-export', 'breach-update', 'fulfil-dsar', 'close-breach'] as const;
type Action = (typeof ACTIONS)[number];
/** When each action happens, as an offset from the scenario's start; the first four start the flows together. */
const ACTION_AT: Record<Action, number> = {
  terminate: 0,
  'open-breach': 0,
  'submit-dsar': 0,
  'start-export': 0,
  'breach-update': 3 * DAY,
  'fulfil-dsar': 10 * DAY,
  'close-breach': 20 * DAY,
};

/** Kill points: right after some actions (chosen by the seed), the rest at seeded instants across the span. */
function killPlan(seed: number): { afterAction: Set<Action>; atOffsets: number[] } {
  const random = seeded(seed);
  const afterAction = new Set(ACTIONS.filter(() => random() < 0.5));
  const atOffsets = Array.from({ length: KILLS - afterAction.size }, () => Math.round((random() * SPAN) / 60_000) * 60_000).sort((a, b) => a - b);
  return { afterAction, atOffsets };
}

/** Verifies a compact ES256 JWS with node's crypto against the public JWKS. */
function verifyJws(jws: string, jwks: { keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }): Record<string, unknown> {
  const [header, payload, signature] = jws.split('.');
  const { kid } = JSON.parse(Buffer.from(header!, 'base64url').toString()) as { kid: string };
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, `the JWKS publishes key ${kid}`);
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  const valid = verifySignature('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature!, 'base64url'));
  assert.equal(valid, true, 'the certificate signature verifies');
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

const plan = killPlan(SEED);
const planText = `after [${[...plan.afterAction].join(', ')}]; at +[${plan.atOffsets.map((o) => `${(o / DAY).toFixed(2)}d`).join(', ')}]`;

describe(`drill: the whole system SIGKILLed at ${KILLS} points (seed 0x${SEED.toString(16)})`, () => {
  let system: LocalSystem;
  before(async () => {
    // A fixed start instant, so the seeded kill points fall at the same wall-clock instants in every run.
    const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-'));
    writeFileSync(join(stateDir, 'clock.json'), JSON.stringify({ now: START }));
    system = await LocalSystem.start({ withPlatform: true, persist: true }, stateDir);
  });
  after(async () => {
    await system?.stop();
  });

  test(`a termination, a breach, a DSAR and an export all complete, counts and certificates right, no email twice: kills ${planText}`, async () => {
    const leaving = await provisionTenant(system);
    const staying = await provisionTenant(system, { region: 'eu' });
    const leavers: UserFixture[] = [await createUser(system, leaving), await createUser(system, leaving)];
    for (let i = 0; i < 3; i++) await createRecord(system, leaving, 'shift-logs', { subjectUserId: leavers[i % 2]!.userId, data: { shift: `s${i}` } });
    const subject = await createUser(system, staying);
    await createUser(system, staying);
    await createRecord(system, staying, 'shift-logs', { subjectUserId: subject.userId, data: { shift: 'early' } });
    await system.settle();
    const start = (await system.now()).getTime();
    const ops = await opsToken(system, 'ops.breach');

    let kills = 0;
    const kill = async (where: string): Promise<void> => {
      kills++;
      console.log(`kill ${kills}/${KILLS} ${where} (virtual ${(await system.now()).toISOString()})`);
      await system.killAndRestartAll();
    };

    let terminationGraceEnd = '';
    let breachId = '';
    let dsarId = '';
    let exportId = '';
    const act: Record<Action, (tenant: TenantFixture) => Promise<void>> = {
      terminate: async () => {
        const r = await system.post<{ graceEndsAt: string }>(`/api/tenants/${leaving.tenantId}/termination`, { disposition: 'delete' }, leaving.adminToken);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        terminationGraceEnd = r.body.graceEndsAt;
      },
      'open-breach': async () => {
        const r = await system.request<{ breachId: string }>('POST', '/api/breaches', {
          token: ops,
          body: {
            summary: 'Drill: support mailbox forwarded to a wrong address',
            nature: 'A forwarding rule sent support emails to an external address.',
            categoriesOfData: ['work email addresses'],
            categoriesOfSubjects: ['employees of the customer'],
            approxSubjects: 10,
            approxRecords: 20,
            likelyConsequences: 'Phishing.',
            measures: 'Rule removed.',
            awareAt: (await system.now()).toISOString(),
            affectedTenants: [staying.tenantId],
          },
        });
        assert.equal(r.status, 202, JSON.stringify(r.body));
        breachId = r.body.breachId;
      },
      'submit-dsar': async () => {
        const body = { type: 'access', subject: { email: subject.email }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' };
        const r = await system.post<{ dsarId: string }>(`/api/tenants/${staying.tenantId}/dsars`, body, staying.adminToken);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        dsarId = r.body.dsarId;
      },
      'start-export': async () => {
        const r = await system.post<{ exportId: string }>(`/api/tenants/${staying.tenantId}/exports`, { kind: 'users', format: 'csv' }, staying.adminToken);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        exportId = r.body.exportId;
      },
      'breach-update': async () => {
        const r = await system.request('POST', `/api/breaches/${breachId}/updates`, { token: ops, body: { information: 'The recipient confirmed deletion.' } });
        assert.equal(r.status, 202, JSON.stringify(r.body));
      },
      'fulfil-dsar': async () => {
        const r = await system.post(`/api/tenants/${staying.tenantId}/dsars/${dsarId}/fulfil`, undefined, staying.adminToken);
        assert.equal(r.status, 202, JSON.stringify(r.body));
      },
      'close-breach': async () => {
        const r = await system.request('POST', `/api/breaches/${breachId}/close`, { token: ops, body: { outcome: 'Contained; no misuse seen.' } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      },
    };

    // One timeline: actions and clock kill points in order of their instant (an action first when both fall together).
    const rank = (action: Action | undefined): number => (action ? ACTIONS.indexOf(action) : ACTIONS.length);
    const timeline = [
      ...ACTIONS.map((action) => ({ at: ACTION_AT[action], action: action as Action | undefined })),
      ...plan.atOffsets.map((at) => ({ at, action: undefined })),
    ].sort((a, b) => a.at - b.at || rank(a.action) - rank(b.action));
    for (const point of timeline) {
      if ((await system.now()).getTime() < start + point.at) await system.advanceTo(new Date(start + point.at));
      if (point.action) {
        await act[point.action](staying);
        if (plan.afterAction.has(point.action)) await kill(`right after ${point.action}`);
      } else {
        await kill(`at +${(point.at / DAY).toFixed(2)} days`);
      }
    }
    assert.equal(kills, KILLS);
    await system.advanceTo(new Date(Math.max(start + SPAN, Date.parse(terminationGraceEnd) + 33 * DAY)));
    await system.settle();

    // The termination: completed, every created document deleted and counted once, the final certificate verifies.
    const termination = await system.get<{
      phase: string;
      deletion: { stores: { items: number; byType: Record<string, number> }[] };
    }>(`/api/tenants/${leaving.tenantId}/termination`, leaving.adminToken);
    assert.equal(termination.body.phase, 'completed', JSON.stringify(termination.body));
    const { byType, items } = termination.body.deletion.stores[0]!;
    assert.deepEqual([byType['user'], byType['record'], byType['tenant'], byType['tenantKey']], [2, 3, 1, 1], JSON.stringify(byType));
    assert.equal(items, Object.values(byType).reduce((a, b) => a + b, 0), 'the items total is the sum of the types');
    assert.deepEqual((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === leaving.tenantId), [], 'nothing of the tenant is left');
    const jwks = (await system.get<{ keys: { kid: string; kty: string; crv: string; x: string; y: string }[] }>('/api/.well-known/jwks.json')).body;
    const certificate = await system.get<{ certificate: string }>(`/api/tenants/${leaving.tenantId}/deletion-certificate`, leaving.adminToken);
    assert.equal(certificate.status, 200);
    const claims = verifyJws(certificate.body.certificate, jwks);
    assert.deepEqual([claims['kind'], claims['sub'], claims['outstanding']], ['final', leaving.tenantId, []]);

    // The breach: closed, its workflow completed; the DSAR fulfilled; the export ready with every user.
    const breach = await system.request<{ closed: { outcome: string } | null }>('GET', `/api/breaches/${breachId}`, { token: ops });
    assert.equal(breach.body.closed?.outcome, 'Contained; no misuse seen.');
    assert.equal((await system.instance(`breach-${breachId}`)).runtimeStatus, 'Completed');
    const dsar = await system.get<{ status: string }>(`/api/tenants/${staying.tenantId}/dsars/${dsarId}`, staying.adminToken);
    assert.equal(dsar.body.status, 'completed', JSON.stringify(dsar.body));
    const exported = await system.get<{ status: string; rows: number }>(`/api/tenants/${staying.tenantId}/exports/${exportId}`, staying.adminToken);
    assert.deepEqual([exported.body.status, exported.body.rows], ['ready', 2], JSON.stringify(exported.body));

    // Email: every notice owed went out, and none twice (counted per recipient and subject).
    const outbox = await system.outbox();
    const perKey = new Map<string, number>();
    for (const mail of outbox) for (const to of mail.to) perKey.set(`${to} | ${mail.subject}`, (perKey.get(`${to} | ${mail.subject}`) ?? 0) + 1);
    const twice = [...perKey].filter(([, n]) => n > 1).map(([key, n]) => `${n}x ${key}`);
    assert.deepEqual(twice, [], 'no email twice');
    const to = (address: string, pattern: RegExp): number => outbox.filter((m) => m.to.includes(address) && pattern.test(m.subject)).length;
    for (const contact of [leaving.contacts.privacy[0]!.email, leaving.contacts.security[0]!.email]) {
      for (const notice of [/grace window started/, /7 days until deletion/, /1 day until deletion/, /Deletion certificate \(interim\)/, /Deletion certificate \(final\)/])
        assert.equal(to(contact, notice), 1, `${notice} to ${contact}`);
    }
    for (const contact of [staying.contacts.privacy[0]!.email, staying.contacts.security[0]!.email])
      assert.ok(to(contact, new RegExp(breachId)) >= 2, `the breach notice and its update reached ${contact}`);
  });
});
