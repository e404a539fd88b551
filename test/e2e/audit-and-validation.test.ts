// The audit log pages newest first, verifies its hash chain, and reports the first broken link
// when an entry is edited or removed behind the API's back. Bad input on every write route is a
// 400 problem naming the field, and writes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { auditHead, createRecord, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

interface AuditEntryBody {
  chain: string;
  seq: number;
  action: string;
  at: string;
  requestId: string;
  correlationId?: string;
  outcome: string;
  reason?: string;
}

interface AuditPage {
  entries: AuditEntryBody[];
  nextCursor?: string;
}

interface Verification {
  valid: boolean;
  entries: number;
  head: { seq: number; hash: string };
  chains: { chain: string; seq: number; hash: string }[];
  firstBreak?: { chain: string; seq: number; problem: string };
  anchoredThrough?: { seq: number; at: string };
}

describe('audit log', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    // Two chains per log, so a chain long enough to cut short below its anchor is certain.
    system = await LocalSystem.start({ withPlatform: true, settings: { AUDIT_CHAIN_LANES: '2' } });
    tenant = await provisionTenant(system);
    for (let i = 0; i < 5; i++) await createUser(system, tenant);
  });
  after(async () => {
    await system?.stop();
  });

  const verify = async (): Promise<Verification> => (await system.get<Verification>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken)).body;
  const storedEntries = async (): Promise<{ id: string; pk: string; chain: string; seq: number; hash: string; action: string }[]> =>
    (
      await system
        .cosmosContainer('uksouth', 'tenant-data')
        .items.query<{ id: string; pk: string; chain: string; seq: number; hash: string; action: string }>({
          query: "SELECT c.id, c.pk, c.chain, c.seq, c.hash, c.action FROM c WHERE c.tenantId = @t AND c.type = 'audit'",
          parameters: [{ name: '@t', value: tenant.tenantId }],
        })
        .fetchAll()
    ).resources;

  test('entries page newest first with a cursor, and every mutation is there with our request id and the caller\'s correlation id', async () => {
    const response = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Traced', email: 'traced@customer.test' },
      headers: { 'x-request-id': 'portal-req-42' },
    });
    const requestId = response.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^[0-9a-f-]{36}$/, 'the request id is ours, not the caller\'s');
    assert.equal(response.headers.get('x-correlation-id'), 'portal-req-42', 'the caller\'s id comes back as the correlation id');
    const first = await system.get<AuditPage>(`/api/tenants/${tenant.tenantId}/audit?limit=3`, tenant.adminToken);
    assert.equal(first.body.entries.length, 3);
    assert.equal(first.body.entries[0]!.action, 'user.created');
    assert.equal(first.body.entries[0]!.requestId, requestId);
    assert.equal(first.body.entries[0]!.correlationId, 'portal-req-42');
    const all: AuditEntryBody[] = [...first.body.entries];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await system.get<AuditPage>(`/api/tenants/${tenant.tenantId}/audit?limit=3&cursor=${cursor}`, tenant.adminToken);
      all.push(...page.body.entries);
      cursor = page.body.nextCursor;
    }
    assert.equal(new Set(all.map((e) => `${e.chain}/${e.seq}`)).size, all.length, 'every entry exactly once');
    assert.equal(all.length, 7, 'provisioning, five users and the traced one');
    assert.deepEqual(
      all.map((e) => e.action),
      ['user.created', 'user.created', 'user.created', 'user.created', 'user.created', 'user.created', 'tenant.provisioned'],
      'newest first',
    );
    const byChain = new Map<string, number[]>();
    for (const e of all) byChain.set(e.chain, [...(byChain.get(e.chain) ?? []), e.seq]);
    for (const [chain, seqs] of byChain) assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), `chain ${chain} newest first`);
  });

  test('the chains verify, and an entry edited in the database breaks its chain at that entry', async () => {
    const clean = await verify();
    assert.equal(clean.valid, true);
    assert.equal(clean.entries, clean.head.seq);
    assert.equal(clean.chains.reduce((sum, c) => sum + c.seq, 0), clean.head.seq);

    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const victim = (await storedEntries()).find((e) => e.seq === 2)!;
    const { resource } = await container.item(victim.id, [tenant.tenantId, victim.pk]).read<Record<string, unknown>>();
    await container.item(victim.id, [tenant.tenantId, victim.pk]).replace({ ...resource!, action: 'user.read' });
    const tampered = await verify();
    assert.equal(tampered.valid, false);
    assert.deepEqual(
      tampered.firstBreak && { chain: tampered.firstBreak.chain, seq: tampered.firstBreak.seq, problem: tampered.firstBreak.problem },
      { chain: victim.chain, seq: 2, problem: 'altered' },
    );
    await container.item(victim.id, [tenant.tenantId, victim.pk]).replace(resource!);
  });

  test('an entry deleted in the database is reported as missing', async () => {
    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const victim = (await storedEntries()).find((e) => e.seq === 2)!;
    const { resource } = await container.item(victim.id, [tenant.tenantId, victim.pk]).read<Record<string, unknown>>();
    await container.item(victim.id, [tenant.tenantId, victim.pk]).delete();
    const result = await verify();
    assert.equal(result.valid, false);
    assert.deepEqual(result.firstBreak && { chain: result.firstBreak.chain, seq: result.firstBreak.seq, problem: result.firstBreak.problem }, {
      chain: victim.chain,
      seq: 2,
      problem: 'missing',
    });
    await container.items.create(resource!);
    assert.equal((await verify()).valid, true);
  });

  test('a chain cut short and its head rewritten still fails verification against the nightly signed anchor', async () => {
    await system.advance('P1D'); // past 02:00 UTC: the nightly anchor signs every head
    const anchored = await verify();
    assert.equal(anchored.valid, true);
    assert.ok(anchored.anchoredThrough && anchored.anchoredThrough.seq >= 7, 'the heads were anchored');
    const anchors = (await system.allDocuments('uksouth', 'certificates')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'auditAnchor');
    assert.ok(anchors.length >= 1);
    const [header] = String(anchors[0]!['signed']).split('.');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString())['alg'], 'ES256', 'the anchor is a signed JWS');

    // The attack: in the longest chain, drop the newest entries up to and beyond its anchored head,
    // and point that chain's head at what is left.
    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const longest = [...anchored.chains].sort((a, b) => b.seq - a.seq)[0]!;
    assert.ok(longest.seq >= 3);
    const keep = longest.seq - 2;
    const entries = (await storedEntries()).filter((e) => e.chain === longest.chain);
    for (const entry of entries.filter((e) => e.seq > keep)) await container.item(entry.id, [tenant.tenantId, entry.pk]).delete();
    const last = entries.find((e) => e.seq === keep)!;
    const headId = `audit-head:${longest.chain}`;
    const { resource: head } = await container.item(headId, [tenant.tenantId, last.pk]).read<Record<string, unknown>>();
    await container.items.upsert({ ...head!, seq: keep, hash: last.hash });

    const cut = await verify();
    assert.equal(cut.valid, false, 'the shortened chain alone would verify; the anchor does not');
    assert.deepEqual(cut.firstBreak && { chain: cut.firstBreak.chain, problem: cut.firstBreak.problem }, { chain: longest.chain, problem: 'anchor-mismatch' });
  });

  test('bad input on every write route is a 400 problem naming the field, and writes nothing', async () => {
    const user = await createUser(system, tenant);
    const record = await createRecord(system, tenant, 'shift-logs', { subjectUserId: user.userId, data: { date: '2026-11-03' } });
    const ops = await opsToken(system);
    const cases: { method: string; path: string; token: string; body: unknown; field: string; headers?: Record<string, string> }[] = [
      {
        method: 'POST',
        path: '/api/tenants',
        token: ops,
        body: { name: 'X', region: 'mars', contacts: { security: [{ name: 'a', email: 'a@b.test' }], privacy: [{ name: 'b', email: 'b@b.test' }] } },
        field: 'region',
      },
      {
        method: 'POST',
        path: '/api/tenants',
        token: ops,
        body: { name: 'X', contacts: { security: [{ name: 'a', email: 'not-an-email' }], privacy: [{ name: 'b', email: 'b@b.test' }] } },
        field: 'contacts.security.0.email',
      },
      {
        method: 'POST',
        path: '/api/tenants',
        token: ops,
        body: { name: 'X', regoin: 'eu', contacts: { security: [{ name: 'a', email: 'a@b.test' }], privacy: [{ name: 'b', email: 'b@b.test' }] } },
        field: 'regoin',
      },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/users`, token: tenant.adminToken, body: { name: 'No Email' }, field: 'email' },
      {
        method: 'POST',
        path: `/api/tenants/${tenant.tenantId}/users`,
        token: tenant.adminToken,
        body: { name: 'A', email: 'a@b.test', avatarUrl: 'http://insecure.test/a.png' },
        field: 'avatarUrl',
      },
      {
        method: 'PATCH',
        path: `/api/tenants/${tenant.tenantId}/users/${user.userId}`,
        token: tenant.adminToken,
        body: { name: 'Renamed' },
        field: 'reason',
        headers: { 'if-match': user.etag },
      },
      {
        method: 'POST',
        path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`,
        token: tenant.adminToken,
        body: { subjectUserId: 'bob', data: { a: 1 } },
        field: 'subjectUserId',
      },
      {
        method: 'POST',
        path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`,
        token: tenant.adminToken,
        body: { data: {} },
        field: 'data',
      },
      {
        method: 'PATCH',
        path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${record.recordId}`,
        token: tenant.adminToken,
        body: { data: { a: 2 } },
        field: 'reason',
        headers: { 'if-match': record.etag },
      },
      {
        method: 'DELETE',
        path: `/api/tenants/${tenant.tenantId}/users/${user.userId}?reason=`,
        token: tenant.adminToken,
        body: undefined,
        field: 'query:reason',
      },
      {
        method: 'DELETE',
        path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${record.recordId}?reason=&purge=1`,
        token: tenant.adminToken,
        body: undefined,
        field: 'query:reason',
      },
      {
        method: 'POST',
        path: `/api/tenants/${tenant.tenantId}/users/${user.userId}/deactivate?now=1`,
        token: tenant.adminToken,
        body: undefined,
        field: 'query:now',
      },
    ];
    for (const c of cases) {
      const before = await auditHead(system, tenant);
      const documentsBefore = new Set((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId).map((d) => String(d['id'])));
      const response = await system.request<{ status: number; errors: { path: string; message: string }[] }>(c.method, c.path, {
        token: c.token,
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      assert.equal(response.status, 400, `${c.method} ${c.path}: ${JSON.stringify(response.body)}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.ok(response.body.errors.some((e) => e.path === c.field), `${c.method} ${c.path} names ${c.field}: ${JSON.stringify(response.body.errors)}`);
      const after = await auditHead(system, tenant);
      // A refusal on a vendor route (provisioning) belongs to the vendor's security log, not the tenant's.
      const onTenant = c.path.startsWith(`/api/tenants/${tenant.tenantId}`);
      assert.equal(after.seq, before.seq + (onTenant ? 2 : 1), 'only the refusal and the verify call itself were audited');
      const addedHere = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && !documentsBefore.has(String(d['id'])));
      assert.ok(addedHere.every((d) => d['type'] === 'audit' || d['type'] === 'auditHead'), 'nothing but audit entries (and a chain head) was written');
      assert.deepEqual(
        addedHere
          .filter((d) => d['type'] === 'audit')
          .map((d) => `${String(d['action'])}:${String(d['reason'] ?? '')}`)
          .sort(),
        onTenant ? ['audit.verified:', 'request.refused:REQUEST.INVALID'] : ['audit.verified:'],
      );
    }
  });

  test('a body that is not JSON is refused before anything happens', async () => {
    const notJson = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      rawBody: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(notJson.status, 400);
    const wrongType = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(wrongType.status, 415);
  });
});
