// The retention schedule as data, published; the daily retention sweep deleting exactly what the
// schedule says when it says it (virtual clock); and a terminated tenant leaving no orchestration
// instance in the task hub once its termination has completed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createUser, opsToken, provisionTenant } from '../support/builders.js';

const DAY = 24 * 3600_000;

/** The first daily sweep (02:15 UTC) at or after `at`. */
function sweepAtOrAfter(at: Date): Date {
  const sweep = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), 2, 15));
  return sweep.getTime() >= at.getTime() ? sweep : new Date(sweep.getTime() + DAY);
}

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
    const schedule = await system.get<{ categories: { category: string; days: number | null; retention: string; basis: string; enforcedBy: string }[] }>('/api/retention-schedule', tenant.adminToken);
    assert.equal(schedule.status, 200);
    const names = schedule.body.categories.map((c) => c.category);
    for (const category of ['users', 'module records', 'audit log', 'DSAR records', 'breach notices', 'exports and packages', 'idempotency records', 'deletion log', 'certificates', 'breach register', 'task-hub history', 'telemetry', 'backups']) {
      assert.ok(names.includes(category), `${category} is in the schedule`);
    }
    for (const entry of schedule.body.categories) assert.ok(entry.retention !== '' && entry.basis !== '' && entry.enforcedBy !== '', `${entry.category} says how long, why and by what`);
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
    await system.advanceTo(new Date(due.getTime() - DAY));
    await system.advance('PT1M');
    assert.deepEqual(await exportFiles(), files, 'the sweep a day earlier keeps the file (6 days old)');
    const younger = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'audit', format: 'csv' }, tenant.adminToken);
    assert.equal(younger.status, 202);
    await system.settle();
    const youngerFiles = (await exportFiles()).filter((n) => !files.includes(n));
    assert.ok(youngerFiles.length > 0);

    await system.advanceTo(due);
    await system.advance('PT1M');
    assert.deepEqual(await exportFiles(), youngerFiles, 'the 7-day-old file is gone, the younger one stays');

    const sweeps = await system.get<{ sweeps: { at: string; filesDeleted: Record<string, number> }[] }>(`/api/ops/retention-sweeps?day=${due.toISOString().slice(0, 10)}`, await opsToken(system));
    assert.equal(sweeps.status, 200);
    const run = sweeps.body.sweeps.find((s) => s.at === due.toISOString());
    assert.ok(run, 'the run is recorded');
    assert.ok((run.filesDeleted['uksouth'] ?? 0) >= files.length);
  });

  test('once its termination has completed, a terminated tenant leaves no orchestration instance in the task hub; its termination record stays', async () => {
    const tenant = await provisionTenant(system, { name: 'Purged Instances Ltd' });
    const user = await createUser(system, tenant);
    const dsar = await system.post<{ dsarId: string }>(`/api/tenants/${tenant.tenantId}/dsars`, { type: 'access', subject: { userId: user.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' }, tenant.adminToken);
    assert.equal(dsar.status, 201);
    await system.settle();
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/dsars/${dsar.body.dsarId}/cancel`, undefined, tenant.adminToken)).status, 200);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'json' }, tenant.adminToken)).status, 202);
    await system.settle();
    const instancesOfTenant = async (): Promise<string[]> =>
      (await system.get<{ instanceId: string }[]>('/runtime/webhooks/durabletask/instances?top=1000')).body.map((i) => i.instanceId).filter((id) => id.includes(tenant.tenantId));
    assert.ok((await instancesOfTenant()).length >= 2, 'the request and the export have instances');

    const terminated = await system.post(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete', waiveGrace: true, confirmTenantName: 'Purged Instances Ltd' }, tenant.adminToken);
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();
    await system.advance('P38D');
    const termination = await system.get<{ phase: string }>(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken);
    assert.equal(termination.body.phase, 'completed');
    await system.advance('P1D');
    assert.deepEqual(await instancesOfTenant(), [], 'no instance of the tenant is left');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken)).status, 200, 'the termination record stays');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken)).status, 200, 'and so does the certificate');
  });
});
