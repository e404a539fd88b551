// Restriction of processing (Art 18) beyond the write routes, end to end: while a person is
// restricted their data is stored, shown only to the controller's admins and marked restricted;
// anyone else's read is refused and audited; tenant exports leave it out and say so; the person's
// own access request still gets their data; lifting the restriction restores everything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';

interface ExportBody {
  exportId: string;
  status: string;
  rows?: number;
  withheld?: { reason: string; users: number; records: number };
  download?: { url: string };
}

describe('restriction of processing in reads and exports', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  async function exportOf(tenant: TenantFixture, body: Record<string, unknown>): Promise<ExportBody> {
    const started = await system.post<ExportBody>(`/api/tenants/${tenant.tenantId}/exports`, body, tenant.adminToken);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await system.settle();
    const done = await system.get<ExportBody>(`/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`, tenant.adminToken);
    assert.equal(done.body.status, 'ready', JSON.stringify(done.body));
    return done.body;
  }
  const csvColumn = async (url: string, column: string): Promise<string[]> => {
    const rows = parseCsv(await (await fetch(url)).text());
    return rows.slice(1).map((r) => r[rows[0]!.indexOf(column)]!);
  };

  test('a restricted person is shown only to the controller\'s admins, left out of exports with a note, and restored when lifted', async () => {
    const tenant = await provisionTenant(system);
    const support = await opsToken(system, 'support');
    const rita = await createUser(system, tenant, { name: 'Rita Restricted' });
    const other = await createUser(system, tenant, { name: 'Oscar Other' });
    const ritaRecord = await createRecord(system, tenant, 'schedules', { subjectUserId: rita.userId, data: { week: 1 } });
    await createRecord(system, tenant, 'schedules', { subjectUserId: other.userId, data: { week: 1 } });
    const dsars = `/api/tenants/${tenant.tenantId}/dsars`;
    const restriction = await system.post<{ dsarId: string }>(
      dsars,
      { type: 'restriction', subject: { userId: rita.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    await system.settle();
    assert.equal((await system.post(`${dsars}/${restriction.body.dsarId}/fulfil`, undefined, tenant.adminToken)).status, 202);
    await system.settle();

    // The controller's admins read it, marked.
    const userPath = `/api/tenants/${tenant.tenantId}/users/${rita.userId}`;
    const recordPath = `/api/tenants/${tenant.tenantId}/modules/schedules/records/${ritaRecord.recordId}`;
    const adminRead = await system.get<{ name: string; restricted?: { dsarId: string } }>(userPath, tenant.adminToken);
    assert.equal(adminRead.status, 200);
    assert.equal(adminRead.body.name, 'Rita Restricted');
    assert.equal(adminRead.body.restricted?.dsarId, restriction.body.dsarId);
    assert.equal((await system.get<{ restricted?: unknown }>(recordPath, tenant.adminToken)).body.restricted !== undefined, true);
    // Anyone else is refused, support under an approved lockbox grant included, and the refusal is in the tenant's audit log.
    const grant = await system.post<{ grantId: string }>(
      `/api/tenants/${tenant.tenantId}/support-access`,
      { reason: 'Checking a reported sync problem', ticket: 'SUP-1', scope: ['users:read', 'records:read'], duration: 'PT2H', origin: 'GB' },
      support,
    );
    assert.equal(grant.status, 201);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/support-access/${grant.body.grantId}/approve`, undefined, tenant.adminToken)).status, 200);
    for (const path of [userPath, recordPath]) {
      const refused = await system.get<{ code: string }>(path, support);
      assert.deepEqual([refused.status, refused.body.code], [403, 'SUBJECT.RESTRICTED'], path);
    }
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${other.userId}`, support)).status, 200, 'other people are not affected');
    const audit = (await system.get<{ entries: { action: string; outcome?: string }[] }>(`/api/tenants/${tenant.tenantId}/audit`, tenant.adminToken))
      .body.entries;
    assert.ok(audit.some((e) => e.action === 'user.read-refused-restricted'));
    assert.ok(audit.some((e) => e.action === 'record.read-refused-restricted'));

    // Exports for other purposes leave the person out and say so.
    const users = await exportOf(tenant, { kind: 'users', format: 'csv' });
    assert.deepEqual(users.withheld, { reason: 'restriction of processing (Art 18)', users: 1, records: 0 });
    assert.deepEqual((await csvColumn(users.download!.url, 'userId')).sort(), [other.userId].sort());
    const schedules = await exportOf(tenant, { kind: 'module', module: 'schedules', format: 'csv' });
    assert.deepEqual([schedules.rows, schedules.withheld?.records], [1, 1]);
    assert.ok(!(await csvColumn(schedules.download!.url, 'subjectUserId')).includes(rita.userId));
    const withheldAudit = (
      await system.get<{ entries: { action: string }[] }>(`/api/tenants/${tenant.tenantId}/audit`, tenant.adminToken)
    ).body.entries.filter((e) => e.action === 'export.restricted-withheld');
    assert.equal(withheldAudit.length, 2);

    // Her own access request is not another purpose: her package holds her data.
    const access = await system.post<{ dsarId: string }>(
      dsars,
      { type: 'access', subject: { userId: rita.userId }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    await system.settle();
    await system.post(`${dsars}/${access.body.dsarId}/fulfil`, undefined, tenant.adminToken);
    await system.settle();
    const accessed = await system.get<{ fulfilment: { outcome: { counts: { users: number; records: Record<string, number> } } } }>(
      `${dsars}/${access.body.dsarId}`,
      tenant.adminToken,
    );
    assert.equal(accessed.body.fulfilment.outcome.counts.users, 1);
    assert.equal(accessed.body.fulfilment.outcome.counts.records['schedules'], 1);

    // Lifting restores reads and exports.
    assert.equal((await system.post(`${dsars}/${restriction.body.dsarId}/lift-restriction`, undefined, tenant.adminToken)).status, 200);
    assert.equal((await system.get<{ restricted?: unknown }>(userPath, tenant.adminToken)).body.restricted, undefined);
    assert.equal((await system.get(userPath, support)).status, 200);
    const after = await exportOf(tenant, { kind: 'users', format: 'csv' });
    assert.equal(after.withheld, undefined);
    assert.ok((await csvColumn(after.download!.url, 'userId')).includes(rita.userId));
  });
});
