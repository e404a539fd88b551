// Copies after an erasure: no export file and no stored idempotent reply still holds the person.
// Export records say why their file is gone; a repeated request whose reply named the person is
// refused instead of replaying it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { provisionTenant } from '../support/builders.js';

describe('copies after erasure', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('erasing a person deletes earlier exports and makes stored replies naming them unreadable', async () => {
    const tenant = await provisionTenant(system);
    const person = { name: 'Erin Erased', email: 'erin.erased@customer.test', role: 'Nurse', department: 'Ward 3' };
    const created = await system.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body: person, headers: { 'idempotency-key': 'create-erin' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userId = created.body.userId;
    const record = await system.request<{ recordId: string }>('POST', `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, { token: tenant.adminToken, body: { subjectUserId: userId, data: { note: 'Erin covered nights' } }, headers: { 'idempotency-key': 'record-erin' } });
    assert.equal(record.status, 201, JSON.stringify(record.body));

    const started = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
    assert.equal(started.status, 202);
    await system.settle();
    const exportFiles = async (): Promise<string[]> => (await system.blobNames('uksouth', 'exports')).filter((n) => n.startsWith(`${tenant.tenantId}/${started.body.exportId}/`));
    assert.equal((await exportFiles()).length, 1, 'the export holds the person');
    const ready = await system.get<{ status: string; download?: { url: string } }>(`/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`, tenant.adminToken);
    assert.ok((await (await fetch(ready.body.download!.url)).text()).includes('erin.erased@customer.test'));

    const replayed = await system.request<{ name: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body: person, headers: { 'idempotency-key': 'create-erin' } });
    assert.equal(replayed.body.name, 'Erin Erased', 'before erasure a retried request is answered with the stored reply');

    assert.equal((await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${userId}`, { token: tenant.adminToken })).status, 200);

    assert.deepEqual(await exportFiles(), [], 'the export file is gone');
    const withdrawn = await system.get<{ status: string; download?: unknown; withdrawn?: { reason: string } }>(`/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`, tenant.adminToken);
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.body.download, undefined, 'no link to a deleted file');
    assert.match(withdrawn.body.withdrawn?.reason ?? '', /erased/, 'the requester is told why');

    for (const key of ['create-erin', 'record-erin']) {
      const path = key === 'create-erin' ? `/api/tenants/${tenant.tenantId}/users` : `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`;
      const body = key === 'create-erin' ? person : { subjectUserId: userId, data: { note: 'Erin covered nights' } };
      const again = await system.request<{ code: string }>('POST', path, { token: tenant.adminToken, body, headers: { 'idempotency-key': key } });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.code, 'IDEMPOTENCY.REPLY_ERASED');
      assert.doesNotMatch(JSON.stringify(again.body), /Erin/);
    }
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'idempotency');
    assert.ok(stored.length >= 2);
    for (const doc of stored) {
      const sealedUnder = (doc['response'] as { k: string }).k;
      assert.ok(sealedUnder === `subject:${userId}` || sealedUnder === 'tenant');
    }
    assert.ok(stored.some((d) => (d['response'] as { k: string }).k === `subject:${userId}`), "the person's replies were sealed under their (now destroyed) key");

    const later = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
    await system.settle();
    const fresh = await system.get<{ download?: { url: string } }>(`/api/tenants/${tenant.tenantId}/exports/${later.body.exportId}`, tenant.adminToken);
    assert.doesNotMatch(await (await fetch(fresh.body.download!.url)).text(), /erin/i, 'a new export has no trace of the person');
  });
});
