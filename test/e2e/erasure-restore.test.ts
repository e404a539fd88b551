// The restore drill: erase a person, a record and a whole tenant, put the region's Cosmos DB back
// to a point before those erasures (what a point-in-time restore put in service does), and check
// that the region is refused until ops replay the erasure ledger, after which every erasure holds
// again and the tenant's audit log records the replay.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, opsToken, provisionTenant } from '../support/builders.js';


describe('erasure that survives a restore', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  const tenantDocs = async (tenantId: string): Promise<Record<string, unknown>[]> =>
    (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenantId);

  test('after a restore to before a person, a record and a tenant were erased, the replay erases each again; the region is refused until then', async () => {
    const ops = await opsToken(system);
    // A tenant whose termination deletes it a little after the restore point.
    const leaving = await provisionTenant(system);
    await createUser(system, leaving);
    const terminated = await system.post<{ graceEndsAt: string }>(
      `/api/tenants/${leaving.tenantId}/termination`,
      { disposition: 'delete' },
      leaving.adminToken,
    );
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();

    const tenant = await provisionTenant(system);
    const person = await createUser(system, tenant);
    const colleague = await createUser(system, tenant);
    const aboutPerson = await createRecord(system, tenant, 'shift-logs', { subjectUserId: person.userId, data: { note: 'late shift' } });
    const tenantRecord = await createRecord(system, tenant, 'schedules', { data: { week: 12 } });

    const graceEnd = new Date(terminated.body.graceEndsAt);
    await system.advanceTo(new Date(graceEnd.getTime() - 3600_000));
    const restorePoint = await system.now();
    await system.advance('PT2H');
    assert.deepEqual(await tenantDocs(leaving.tenantId), [], 'the terminated tenant was deleted after the restore point');

    const erased = await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${person.userId}`, { token: tenant.adminToken });
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.equal(
      (
        await system.request('DELETE', `/api/tenants/${tenant.tenantId}/modules/schedules/records/${tenantRecord.recordId}`, {
          token: tenant.adminToken,
        })
      ).status,
      200,
    );
    assert.ok(!(await tenantDocs(tenant.tenantId)).some((d) => d['id'] === `key:subject:${person.userId}`), "the person's key is gone");

    const restored = await system.post<{ changesUndone: number }>('/runtime/dev/restore', { region: 'uksouth', to: restorePoint.toISOString() });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const back = await tenantDocs(tenant.tenantId);
    assert.ok(back.some((d) => d['id'] === `key:subject:${person.userId}`), "the restore brought the person's key back");
    assert.ok((await tenantDocs(leaving.tenantId)).length > 0, "the restore brought the deleted tenant's documents back");

    // Within a minute every instance has noticed that the region's data is older than its ledger.
    await system.advance('PT1M');
    const refused = await system.get<{ code: string }>(`/api/tenants/${tenant.tenantId}/users/${person.userId}`, tenant.adminToken);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'REGION.ERASURES_NOT_REPLAYED');
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/users/${colleague.userId}`, tenant.adminToken)).status,
      503,
      'nothing of the region is served',
    );

    assert.equal(
      (await system.post('/api/ops/erasures/replay', { region: 'uksouth', since: restorePoint.toISOString() }, tenant.adminToken)).status,
      403,
      'a tenant admin cannot replay',
    );
    const invalid = await system.post<{ errors: { path: string }[] }>('/api/ops/erasures/replay', { region: 'mars', since: 'yesterday' }, ops);
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.errors.map((e) => e.path).sort(), ['region', 'since']);

    const replay = await system.post<{ entries: number; reErased: { subjects: number; records: number; tenants: number; tenantDocuments: number } }>(
      '/api/ops/erasures/replay',
      { region: 'uksouth', since: restorePoint.toISOString() },
      ops,
    );
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.reErased.subjects, 1);
    assert.equal(replay.body.reErased.records, 1);
    assert.equal(replay.body.reErased.tenants, 1);
    assert.ok(replay.body.reErased.tenantDocuments > 0);

    const user = await system.get<{ status: string; name?: string }>(`/api/tenants/${tenant.tenantId}/users/${person.userId}`, tenant.adminToken);
    assert.equal(user.status, 200, JSON.stringify(user.body));
    assert.equal(user.body.status, 'erased');
    assert.equal(user.body.name, undefined);
    const record = await system.get<{ status: string; erasure?: string; data?: unknown }>(
      `/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${aboutPerson.recordId}`,
      tenant.adminToken,
    );
    assert.equal(record.body.status, 'erased', 'a record about the person is unreadable again');
    assert.equal(record.body.erasure, 'subject-erased');
    const erasedRecord = await system.get<{ status: string; erasure?: string }>(
      `/api/tenants/${tenant.tenantId}/modules/schedules/records/${tenantRecord.recordId}`,
      tenant.adminToken,
    );
    assert.equal(erasedRecord.body.erasure, 'record-erased');
    assert.equal(
      (await system.get<{ status: string }>(`/api/tenants/${tenant.tenantId}/users/${colleague.userId}`, tenant.adminToken)).body.status,
      'active',
      'nobody else is touched',
    );

    const docs = await tenantDocs(tenant.tenantId);
    assert.ok(!docs.some((d) => d['id'] === `key:subject:${person.userId}`), "the person's key is gone again");
    const userDoc = docs.find((d) => d['id'] === `user:${person.userId}`)!;
    assert.equal(userDoc['profile'], undefined, 'the user document is a tombstone again');
    assert.deepEqual(await tenantDocs(leaving.tenantId), [], 'the terminated tenant is deleted again');

    const audit = await system.get<{ entries: { action: string; target: { type: string; id: string }; actor: { sub: string } }[] }>(
      `/api/tenants/${tenant.tenantId}/audit?limit=50`,
      tenant.adminToken,
    );
    const replayed = audit.body.entries.filter((e) => e.action === 'erasure.replayed');
    assert.deepEqual(replayed.map((e) => e.target.id).sort(), [person.userId, tenantRecord.recordId].sort(), 'the audit log records what the replay re-erased');
    assert.ok(replayed.every((e) => e.actor.sub === 'ops.platform-staff-1'));

    const again = await system.post<{ reErased: { subjects: number; records: number; tenants: number } }>(
      '/api/ops/erasures/replay',
      { region: 'uksouth', since: restorePoint.toISOString() },
      ops,
    );
    assert.deepEqual(again.body.reErased, { subjects: 0, records: 0, tenants: 0, tenantDocuments: 0 }, 'a second replay finds nothing left to erase');
  });
  test("a host that dies between an erasure's commit and its ledger entry: the reconciler enters it at restart, and a restore is replayed as that erasure", async () => {
    const ops = await opsToken(system);
    const tenant = await provisionTenant(system, { region: 'eu' });
    const person = await createUser(system, tenant);
    const restorePoint = await system.now();
    await system.advance('PT1M');
    const ledgerNames = async (): Promise<string[]> => (await system.blobNames('eu', 'erasure-ledger')).filter((n) => n.includes(person.userId));

    // Every Cosmos DB write after the erasure's batch (the first one to delete documents) is held: the ledger append never comes.
    await system.platformControl('POST', '/cosmos/eu/hold', { afterDeletes: 1 });
    const erasing = system
      .request('DELETE', `/api/tenants/${tenant.tenantId}/users/${person.userId}`, { token: tenant.adminToken })
      .catch(() => 'host killed');
    for (let i = 0; i < 400; i++) {
      if (((await system.platformControl<{ heldRequests: number }>('GET', '/cosmos/eu/stats'))?.heldRequests ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const committed = (await system.allDocuments('eu')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.equal(committed.find((d) => d['id'] === `user:${person.userId}`)?.['status'], 'erased', 'the erasure committed');
    assert.ok(
      committed.some((d) => d['id'] === `erasure-pending:subject:${person.userId}`),
      'with its marker, in the same batch',
    );
    assert.deepEqual(await ledgerNames(), [], 'but no ledger entry yet');
    await system.crashAndRestartHost();
    await system.platformControl('POST', '/cosmos/eu/release');
    assert.equal(await erasing, 'host killed', 'the request died with the host and is never retried');

    // The restarted host's reconciler enters the erasure without any retry of the request.
    for (let i = 0; i < 400 && (await ledgerNames()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.equal((await ledgerNames()).length, 1, 'the ledger has the erasure');
    await system.settle();
    const after = (await system.allDocuments('eu')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.ok(!after.some((d) => d['type'] === 'erasurePending'), 'the marker is gone once the entry is written');

    const restored = await system.post('/runtime/dev/restore', { region: 'eu', to: restorePoint.toISOString() });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    await system.advance('PT1M');
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/users/${person.userId}`, tenant.adminToken)).status,
      503,
      'the restored region is refused',
    );
    const replay = await system.post<{ reErased: { subjects: number } }>(
      '/api/ops/erasures/replay',
      { region: 'eu', since: restorePoint.toISOString() },
      ops,
    );
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.body.reErased.subjects, 1, 'the erasure the crash cut short is replayed');
    assert.equal(
      (await system.get<{ status: string }>(`/api/tenants/${tenant.tenantId}/users/${person.userId}`, tenant.adminToken)).body.status,
      'erased',
    );
  });
});
