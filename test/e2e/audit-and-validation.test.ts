// The audit log pages newest first, verifies its hash chain, and reports the first broken link
// when an entry is edited or removed behind the API's back. Bad input on every write route is a
// 400 problem naming the field, and writes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { auditHead, createRecord, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

interface AuditPage {
  entries: { seq: number; action: string; at: string; requestId: string }[];
  nextCursor?: string;
}

describe('audit log', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system);
    for (let i = 0; i < 5; i++) await createUser(system, tenant);
  });
  after(async () => {
    await system?.stop();
  });

  test('entries page newest first with a cursor, and every mutation is there with its request id', async () => {
    const response = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body: { name: 'Traced', email: 'traced@customer.test' }, headers: { 'x-request-id': 'portal-req-42' } });
    assert.equal(response.headers.get('x-request-id'), 'portal-req-42');
    const first = await system.get<AuditPage>(`/api/tenants/${tenant.tenantId}/audit?limit=3`, tenant.adminToken);
    assert.equal(first.body.entries.length, 3);
    assert.equal(first.body.entries[0]!.action, 'user.created');
    assert.equal(first.body.entries[0]!.requestId, 'portal-req-42');
    const seqs = first.body.entries.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a));
    const all: number[] = [...seqs];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const page = await system.get<AuditPage>(`/api/tenants/${tenant.tenantId}/audit?limit=3&cursor=${cursor}`, tenant.adminToken);
      all.push(...page.body.entries.map((e) => e.seq));
      cursor = page.body.nextCursor;
    }
    assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => all.length - i), 'every entry exactly once, down to 1');
    assert.equal(all.length, 7, 'provisioning, five users and the traced one');
  });

  test('the chain verifies, and an entry edited in the database breaks it at that entry', async () => {
    const clean = await system.get<{ valid: boolean; entries: number; head: { seq: number } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(clean.body.valid, true);
    assert.equal(clean.body.entries, clean.body.head.seq);

    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const id = 'audit:000000000003';
    const { resource } = await container.item(id, tenant.tenantId).read<Record<string, unknown>>();
    await container.item(id, tenant.tenantId).replace({ ...resource!, action: 'user.read' });
    const tampered = await system.get<{ valid: boolean; firstBreak: { seq: number; problem: string } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(tampered.body.valid, false);
    assert.deepEqual({ seq: tampered.body.firstBreak.seq, problem: tampered.body.firstBreak.problem }, { seq: 3, problem: 'altered' });
    await container.item(id, tenant.tenantId).replace(resource!);
  });

  test('an entry deleted in the database is reported as missing', async () => {
    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const id = 'audit:000000000004';
    const { resource } = await container.item(id, tenant.tenantId).read<Record<string, unknown>>();
    await container.item(id, tenant.tenantId).delete();
    const result = await system.get<{ valid: boolean; firstBreak: { seq: number; problem: string } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(result.body.valid, false);
    assert.deepEqual({ seq: result.body.firstBreak.seq, problem: result.body.firstBreak.problem }, { seq: 4, problem: 'missing' });
    await container.items.create(resource!);
    const restored = await system.get<{ valid: boolean }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(restored.body.valid, true);
  });

  test('a log cut short and its head rewritten still fails verification against the nightly signed anchor', async () => {
    await system.advance('P1D'); // past 02:00 UTC: the nightly anchor signs every head
    const anchored = await system.get<{ valid: boolean; anchoredThrough: { seq: number }; head: { seq: number } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(anchored.body.valid, true);
    assert.ok(anchored.body.anchoredThrough.seq >= 3, 'the head was anchored');
    const anchors = (await system.allDocuments('uksouth', 'certificates')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'auditAnchor');
    assert.ok(anchors.length >= 1);
    const [header] = String(anchors[0]!['signed']).split('.');
    assert.equal(JSON.parse(Buffer.from(header!, 'base64url').toString())['alg'], 'ES256', 'the anchor is a signed JWS');

    // The attack: drop the newest entries up to and beyond the anchor, and point the head at what is left.
    const container = system.cosmosContainer('uksouth', 'tenant-data');
    const keep = anchored.body.anchoredThrough.seq - 2;
    const { resources: entries } = await container.items.query<{ id: string; seq: number; hash: string }>({ query: "SELECT c.id, c.seq, c.hash FROM c WHERE c.tenantId = @t AND c.type = 'audit'", parameters: [{ name: '@t', value: tenant.tenantId }] }).fetchAll();
    for (const entry of entries.filter((e) => e.seq > keep)) await container.item(entry.id, tenant.tenantId).delete();
    const last = entries.find((e) => e.seq === keep)!;
    await container.items.upsert({ id: 'audit-head', tenantId: tenant.tenantId, type: 'auditHead', seq: keep, hash: last.hash });

    const cut = await system.get<{ valid: boolean; firstBreak: { seq: number; problem: string } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(cut.body.valid, false, 'the shortened chain alone would verify; the anchor does not');
    assert.deepEqual({ seq: cut.body.firstBreak.seq, problem: cut.body.firstBreak.problem }, { seq: anchored.body.anchoredThrough.seq, problem: 'anchor-mismatch' });
  });

  test('bad input on every write route is a 400 problem naming the field, and writes nothing', async () => {
    const user = await createUser(system, tenant);
    const record = await createRecord(system, tenant, 'shift-logs', { subjectUserId: user.userId, data: { date: '2026-11-03' } });
    const ops = await opsToken(system);
    const cases: { method: string; path: string; token: string; body: unknown; field: string; headers?: Record<string, string> }[] = [
      { method: 'POST', path: '/api/tenants', token: ops, body: { name: 'X', region: 'mars', contacts: { security: [{ name: 'a', email: 'a@b.test' }], privacy: [{ name: 'b', email: 'b@b.test' }] } }, field: 'region' },
      { method: 'POST', path: '/api/tenants', token: ops, body: { name: 'X', contacts: { security: [{ name: 'a', email: 'not-an-email' }], privacy: [{ name: 'b', email: 'b@b.test' }] } }, field: 'contacts.security.0.email' },
      { method: 'POST', path: '/api/tenants', token: ops, body: { name: 'X', regoin: 'eu', contacts: { security: [{ name: 'a', email: 'a@b.test' }], privacy: [{ name: 'b', email: 'b@b.test' }] } }, field: 'regoin' },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/users`, token: tenant.adminToken, body: { name: 'No Email' }, field: 'email' },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/users`, token: tenant.adminToken, body: { name: 'A', email: 'a@b.test', avatarUrl: 'http://insecure.test/a.png' }, field: 'avatarUrl' },
      { method: 'PATCH', path: `/api/tenants/${tenant.tenantId}/users/${user.userId}`, token: tenant.adminToken, body: { name: 'Renamed' }, field: 'reason', headers: { 'if-match': user.etag } },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, token: tenant.adminToken, body: { subjectUserId: 'bob', data: { a: 1 } }, field: 'subjectUserId' },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, token: tenant.adminToken, body: { data: {} }, field: 'data' },
      { method: 'PATCH', path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${record.recordId}`, token: tenant.adminToken, body: { data: { a: 2 } }, field: 'reason', headers: { 'if-match': record.etag } },
      { method: 'DELETE', path: `/api/tenants/${tenant.tenantId}/users/${user.userId}?reason=`, token: tenant.adminToken, body: undefined, field: 'query:reason' },
      { method: 'DELETE', path: `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${record.recordId}?reason=&purge=1`, token: tenant.adminToken, body: undefined, field: 'query:reason' },
      { method: 'POST', path: `/api/tenants/${tenant.tenantId}/users/${user.userId}/deactivate?now=1`, token: tenant.adminToken, body: undefined, field: 'query:now' },
    ];
    for (const c of cases) {
      const before = await auditHead(system, tenant);
      const documentsBefore = (await system.allDocuments('uksouth')).length;
      const response = await system.request<{ status: number; errors: { path: string; message: string }[] }>(c.method, c.path, {
        token: c.token,
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      assert.equal(response.status, 400, `${c.method} ${c.path}: ${JSON.stringify(response.body)}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.ok(response.body.errors.some((e) => e.path === c.field), `${c.method} ${c.path} names ${c.field}: ${JSON.stringify(response.body.errors)}`);
      const after = await auditHead(system, tenant);
      assert.equal(after.seq, before.seq + 1, 'only the verify call itself was audited');
      assert.equal((await system.allDocuments('uksouth')).length, documentsBefore + 1, 'nothing but that audit entry was written');
    }
  });

  test('a body that is not JSON is refused before anything happens', async () => {
    const notJson = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, rawBody: '{"name": ', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    const wrongType = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, rawBody: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(wrongType.status, 415);
  });
});
