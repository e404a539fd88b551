// The retention schedule as data, published; the daily retention sweep deleting exactly what the
// schedule says when it says it (virtual clock); and a terminated tenant leaving no orchestration
// instance in the task hub once its termination has completed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createUser, opsToken, provisionTenant, sweepAtOrAfter } from '../support/builders.js';

const DAY = 24 * 3600_000;

describe('retention', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('the schedule names every category stored, with its retention and legal basis, to any signed-in caller', async () => {
    const tenant = await provisionTenant(system);
    assert.equal((await system.get('/api/retention-schedule')).status, 401);
    const schedule = await system.get<{
      categories: { category: string; days: number | null; retention: string; basis: string; enforcedBy: string }[];
    }>('/api/retention-schedule', tenant.adminToken);
    assert.equal(schedule.status, 200);
    const names = schedule.body.categories.map((c) => c.category);
    for (const category of [
      'users',
      'module records',
      'audit log',
      'DSAR records',
      'breach notices',
      'exports and packages',
      'idempotency records',
      'deletion log',
      'certificates',
      'breach register',
      'task-hub history',
      'telemetry',
      'backups',
    ]) {
      assert.ok(names.includes(category), `${category} is in the schedule`);
    }
    for (const entry of schedule.body.categories)
      assert.ok(entry.retention !== '' && entry.basis !== '' && entry.enforcedBy !== '', `${entry.category} says how long, why and by what`);
  });

  test('the sweep deletes an export at the first run after it is 7 days old, not before, and records the run', async () => {
    const tenant = await provisionTenant(system);
    await createUser(system, tenant);
    const exportFiles = async (): Promise<string[]> => (await system.blobNames('uksouth', 'exports')).filter((n) => n.startsWith(`${tenant.tenantId}/`));
    const created = await system.now();
    const started = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await system.settle();
    const files = await exportFiles();
    assert.ok(files.length > 0, 'the export wrote its file');

    const due = sweepAtOrAfter(new Date(created.getTime() + 7 * DAY));
    // The sweep before (a week earlier), when the file was less than 7 days old.
    const previous = new Date(due.getTime() - 7 * DAY);
    if (previous.getTime() > (await system.now()).getTime()) await system.advanceTo(previous);
    await system.advance('PT1M');
    assert.deepEqual(await exportFiles(), files, 'the sweep a week earlier keeps the file');
    const younger = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'audit', format: 'csv' }, tenant.adminToken);
    assert.equal(younger.status, 202);
    await system.settle();
    const youngerFiles = (await exportFiles()).filter((n) => !files.includes(n));
    assert.ok(youngerFiles.length > 0);

    await system.advanceTo(due);
    await system.advance('PT1M');
    assert.deepEqual(await exportFiles(), youngerFiles, 'the 7-day-old file is gone, the younger one stays');

    const sweeps = await system.get<{ sweeps: { at: string; filesDeleted: Record<string, number> }[] }>(
      `/api/ops/retention-sweeps?day=${due.toISOString().slice(0, 10)}`,
      await opsToken(system),
    );
    assert.equal(sweeps.status, 200);
    const run = sweeps.body.sweeps.find((s) => s.at === due.toISOString());
    assert.ok(run, 'the run is recorded');
    assert.ok((run.filesDeleted['uksouth'] ?? 0) >= files.length);
  });

  test('once its termination has completed, a terminated tenant leaves no orchestration instance in the task hub; its termination record stays', async () => {
    const tenant = await provisionTenant(system, { name: 'Purged Instances Ltd' });
    const user = await createUser(system, tenant);
    const dsar = await system.post<{ dsarId: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      { type: 'access', subject: { userId: user.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(dsar.status, 201);
    await system.settle();
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/dsars/${dsar.body.dsarId}/cancel`, undefined, tenant.adminToken)).status, 200);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'json' }, tenant.adminToken)).status, 202);
    await system.settle();
    const instancesOfTenant = async (): Promise<string[]> =>
      (await system.get<{ instanceId: string }[]>('/runtime/webhooks/durabletask/instances?top=1000')).body
        .map((i) => i.instanceId)
        .filter((id) => id.includes(tenant.tenantId));
    assert.ok((await instancesOfTenant()).length >= 2, 'the request and the export have instances');

    const terminated = await system.post(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Purged Instances Ltd' },
      tenant.adminToken,
    );
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();
    await system.advance('P38D');
    const termination = await system.get<{ phase: string }>(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken);
    assert.equal(termination.body.phase, 'completed');
    await system.advance('P7D');
    assert.deepEqual(await instancesOfTenant(), [], 'no instance of the tenant is left');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken)).status, 200, 'the termination record stays');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken)).status, 200, 'and so does the certificate');
  });

  test("the final certificate's store list matches what is left in every stand-in, names the stores without one, and claims only what was checked", async () => {
    const tenant = await provisionTenant(system, { name: 'Inventory Ltd' });
    await createUser(system, tenant);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken)).status, 202);
    await system.settle();
    assert.equal(
      (
        await system.post(
          `/api/tenants/${tenant.tenantId}/termination`,
          { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Inventory Ltd' },
          tenant.adminToken,
        )
      ).status,
      202,
    );
    await system.settle();
    await system.advance('P38D');
    const certificate = await system.get<{
      claims: {
        kind: string;
        statement: string;
        stores: { store: string; deleted: number | null; remaining: number | null; remains: string; why: string }[];
        subProcessors: { name: string; retentionDays: number }[];
      };
    }>(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken);
    assert.equal(certificate.body.claims.kind, 'final');
    const stores = new Map(certificate.body.claims.stores.map((s) => [s.store, s]));

    const tenantData = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.equal(stores.get('cosmos:tenant-data')?.remaining, tenantData.length);
    assert.equal(tenantData.length, 0);
    assert.ok((stores.get('cosmos:tenant-data')?.deleted ?? 0) > 0);
    for (const container of ['exports', 'packages', 'evidence'] as const) {
      const found = (await system.blobNames('uksouth', container)).filter((n) => n.startsWith(`${tenant.tenantId}/`)).length;
      assert.equal(stores.get(`blob:${container}`)?.remaining, found, `the certificate counts what is left in ${container}`);
    }
    assert.ok((stores.get('blob:exports')?.deleted ?? 0) >= 1, 'the export file was deleted and counted');
    const records = (await system.allDocuments('uksouth', 'certificates')).filter((d) => d['tenantId'] === tenant.tenantId);
    const byType = new Map<string, number>();
    for (const doc of records) byType.set(String(doc['type']), (byType.get(String(doc['type'])) ?? 0) + 1);
    const expected = [...byType]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, n]) => `${n} ${type}`)
      .join(', ');
    assert.equal(stores.get('cosmos:certificates')?.remains, expected, 'the records kept are exactly those the certificate lists');
    for (const store of ['task hub (Durable Functions)', 'blob:erasure-ledger', 'cosmos:control breach register (UK South)'])
      assert.ok(stores.get(store)?.why, `${store} is named with the reason it keeps something`);
    const subProcessors = certificate.body.claims.subProcessors.map((s) => s.name);
    for (const name of ['Azure Communication Services (email)', 'Sentry (error reports)', 'Application Insights (telemetry)'])
      assert.ok(subProcessors.includes(name), `${name} is named`);
    assert.ok(
      certificate.body.claims.subProcessors.every((s) => s.retentionDays > 0),
      'each with its declared retention',
    );
    assert.doesNotMatch(certificate.body.claims.statement, /all customer data|cannot be decrypted/i, 'no claim beyond what was checked');
    assert.match(certificate.body.claims.statement, /none found remaining/);
  });
});
