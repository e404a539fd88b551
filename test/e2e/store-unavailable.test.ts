// While Cosmos DB does not answer, the API answers 503 STORE.UNAVAILABLE (problem+json with
// Retry-After), never a 500, writes nothing, and reports it to ops as an error-level log line
// without personal data; once the store is back, the same request (same Idempotency-Key) succeeds
// exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem, type HttpResult } from '../support/local-system.js';
import { createUser, opsToken, provisionTenant, type TenantFixture, type UserFixture } from '../support/builders.js';

interface Problem {
  code: string;
  status: number;
  requestId: string;
}

describe('API requests while Cosmos DB is unavailable', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;
  let user: UserFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system);
    user = await createUser(system, tenant, { name: 'Outage Person', email: 'outage.person@customer.test' });
  });
  after(async () => {
    await system?.stop();
  });

  const dsars = (): string => `/api/tenants/${tenant.tenantId}/dsars`;
  const records = (): string => `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`;

  async function outage(region?: 'uksouth' | 'eu'): Promise<string> {
    const fault = await system.post<{ faultId: string }>('/runtime/dev/faults', {
      service: 'cosmos',
      ...(region ? { region } : {}),
      mode: 'unavailable',
      duration: 'PT1H',
    });
    assert.equal(fault.status, 201, JSON.stringify(fault.body));
    return fault.body.faultId;
  }

  async function recover(faultId: string): Promise<void> {
    assert.equal((await system.request('DELETE', `/runtime/dev/faults/${faultId}`)).status, 204);
  }

  function assertStoreUnavailable(answer: HttpResult<unknown>, what: string): Problem {
    const problem = answer.body as Problem;
    assert.equal(answer.status, 503, `${what}: ${JSON.stringify(answer.body)}`);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
    assert.equal(problem.code, 'STORE.UNAVAILABLE', what);
    assert.equal(problem.status, 503, what);
    assert.match(answer.headers.get('retry-after') ?? '', /^[1-9]\d*$/, `${what}: Retry-After in seconds`);
    return problem;
  }

  async function auditRequestIds(): Promise<string[]> {
    const page = await system.get<{ entries: { requestId: string }[] }>(`${`/api/tenants/${tenant.tenantId}`}/audit?limit=100`, tenant.adminToken);
    assert.equal(page.status, 200);
    return page.body.entries.map((e) => e.requestId);
  }

  test('a write (create record, create DSAR) and a read (DSAR list, user) answer 503 STORE.UNAVAILABLE with nothing stored; the same key then creates once', async () => {
    const receivedAt = (await system.now()).toISOString();
    const dsarBody = { type: 'erasure', subject: { userId: user.userId }, receivedAt, jurisdiction: 'GB-NIR' };
    const recordBody = { subjectUserId: user.userId, data: { shift: 'night', notes: 'handover by outage.person@customer.test' } };
    const dsarKey = { 'idempotency-key': 'outage-dsar-1' };
    const recordKey = { 'idempotency-key': 'outage-record-1' };
    const before = await system.get<{ valid: boolean; head: { seq: number } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(before.body.valid, true);
    const logFrom = system.host.log.length;

    const faultId = await outage();
    const refused = [
      assertStoreUnavailable(
        await system.request('POST', records(), { token: tenant.adminToken, body: recordBody, headers: recordKey }),
        'create record',
      ),
      assertStoreUnavailable(await system.request('POST', dsars(), { token: tenant.adminToken, body: dsarBody, headers: dsarKey }), 'create DSAR'),
      assertStoreUnavailable(await system.request('GET', dsars(), { token: tenant.adminToken }), 'list DSARs'),
      assertStoreUnavailable(await system.request('GET', `/api/tenants/${tenant.tenantId}/users/${user.userId}`, { token: tenant.adminToken }), 'read user'),
    ];

    // Reported to ops: one error-level structured line per refused request, naming the code and the route, with no personal data.
    const log = system.host.log.slice(logFrom).join('');
    for (const { requestId } of refused) {
      const line = log.split('\n').find((l) => l.includes(requestId) && l.includes('ops.service-unavailable'));
      assert.ok(line, `an ops line for request ${requestId} in:\n${log}`);
      assert.match(line, /^\S+ error /, 'error level');
      assert.match(line, /"code":"STORE\.UNAVAILABLE"/);
    }
    for (const personal of ['outage.person@customer.test', 'Outage Person', 'handover']) assert.ok(!log.includes(personal), `no "${personal}" in the log`);

    await recover(faultId);
    // Nothing half-written: no record, no DSAR, no idempotency reply, no audit entry for the refused requests.
    const documents = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.deepEqual(
      documents.filter((d) => ['record', 'dsar', 'dsarClaim', 'idempotency'].includes(String(d['type']))),
      [],
      'nothing stored for the refused writes',
    );
    assert.deepEqual((await system.get<{ dsars: unknown[] }>(dsars(), tenant.adminToken)).body.dsars, []);
    const verified = await system.get<{ valid: boolean; head: { seq: number } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(verified.body.valid, true);
    const audited = await auditRequestIds();
    for (const { requestId } of refused) assert.ok(!audited.includes(requestId), `no audit entry for refused request ${requestId}`);

    // The caller's retry with the same keys after the outage: created once, and a second retry replays it.
    const record = await system.request<{ recordId: string }>('POST', records(), { token: tenant.adminToken, body: recordBody, headers: recordKey });
    assert.equal(record.status, 201, JSON.stringify(record.body));
    const recordAgain = await system.request<{ recordId: string }>('POST', records(), { token: tenant.adminToken, body: recordBody, headers: recordKey });
    assert.deepEqual([recordAgain.status, recordAgain.body.recordId], [201, record.body.recordId]);
    const dsar = await system.request<{ dsarId: string }>('POST', dsars(), { token: tenant.adminToken, body: dsarBody, headers: dsarKey });
    assert.equal(dsar.status, 201, JSON.stringify(dsar.body));
    const dsarAgain = await system.request<{ dsarId: string }>('POST', dsars(), { token: tenant.adminToken, body: dsarBody, headers: dsarKey });
    assert.deepEqual([dsarAgain.status, dsarAgain.body.dsarId], [201, dsar.body.dsarId]);
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.equal(stored.filter((d) => d['type'] === 'record').length, 1, 'exactly one record');
    assert.deepEqual(
      (await system.get<{ dsars: { dsarId: string }[] }>(dsars(), tenant.adminToken)).body.dsars.map((d) => d.dsarId),
      [dsar.body.dsarId],
      'exactly one DSAR',
    );
    assert.equal((await system.get<{ valid: boolean }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken)).body.valid, true);
  });

  test('the control region failing after an EU DSAR was stored: 503, and the retry with the same key announces that one DSAR once', async () => {
    const eu = await provisionTenant(system, { region: 'eu' });
    const euUser = await createUser(system, eu);
    const path = `/api/tenants/${eu.tenantId}/dsars`;
    const body = { type: 'erasure', subject: { userId: euUser.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'DE' };
    const headers = { 'idempotency-key': 'outage-eu-dsar-1' };
    // The DSAR commits in the EU store; counting it in the open-flow index (UK South) fails.
    const faultId = await outage('uksouth');
    assertStoreUnavailable(await system.request('POST', path, { token: eu.adminToken, body, headers }), 'create DSAR, index unavailable');
    await recover(faultId);
    const stored = (await system.allDocuments('eu')).filter((d) => d['tenantId'] === eu.tenantId && d['type'] === 'dsar');
    assert.equal(stored.length, 1, 'the DSAR was stored before the index failed (commit first, then announce)');

    const retried = await system.request<{ dsarId: string }>('POST', path, { token: eu.adminToken, body, headers });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    const again = await system.request<{ dsarId: string }>('POST', path, { token: eu.adminToken, body, headers });
    assert.deepEqual([again.status, again.body.dsarId], [201, retried.body.dsarId]);
    const listed = await system.get<{ dsars: { dsarId: string }[] }>(path, eu.adminToken);
    assert.deepEqual(
      listed.body.dsars.map((d) => d.dsarId),
      [stored[0]!['dsarId']],
      'one DSAR: the one stored during the outage',
    );
    await system.settle();
    const flows = (await system.get<{ flows: { kind: string; tenantId: string | null; instanceStatus: string }[] }>('/api/ops/workflows', await opsToken(system))).body.flows;
    const euFlows = flows.filter((f) => f.tenantId === eu.tenantId);
    assert.equal(euFlows.length, 1, JSON.stringify(euFlows));
    assert.equal(euFlows[0]!.instanceStatus, 'Running', JSON.stringify(euFlows));
  });

  test('a read of a vendor-level list in the control container (tenants) answers 503 too', async () => {
    const ops = await opsToken(system);
    const faultId = await outage('uksouth');
    try {
      assertStoreUnavailable(await system.request('GET', '/api/tenants', { token: ops }), 'list tenants');
    } finally {
      await recover(faultId);
    }
    assert.equal((await system.request('GET', '/api/tenants', { token: ops })).status, 200);
  });
});
