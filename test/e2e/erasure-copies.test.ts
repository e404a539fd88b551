// Copies after an erasure: no export file and no stored idempotent reply still holds the person.
// Export records say why their file is gone; a repeated request whose reply named the person is
// refused instead of replaying it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant } from '../support/builders.js';

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
    const created = await system.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: person,
      headers: { 'idempotency-key': 'create-erin' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userId = created.body.userId;
    const record = await system.request<{ recordId: string }>('POST', `/api/tenants/${tenant.tenantId}/modules/shift-logs/records`, {
      token: tenant.adminToken,
      body: { subjectUserId: userId, data: { note: 'Erin covered nights' } },
      headers: { 'idempotency-key': 'record-erin' },
    });
    assert.equal(record.status, 201, JSON.stringify(record.body));

    const started = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
    assert.equal(started.status, 202);
    await system.settle();
    const exportFiles = async (): Promise<string[]> =>
      (await system.blobNames('uksouth', 'exports')).filter((n) => n.startsWith(`${tenant.tenantId}/${started.body.exportId}/`));
    assert.equal((await exportFiles()).length, 1, 'the export holds the person');
    const ready = await system.get<{ status: string; download?: { url: string } }>(
      `/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`,
      tenant.adminToken,
    );
    assert.ok((await (await fetch(ready.body.download!.url)).text()).includes('erin.erased@customer.test'));

    const replayed = await system.request<{ name: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: person,
      headers: { 'idempotency-key': 'create-erin' },
    });
    assert.equal(replayed.body.name, 'Erin Erased', 'before erasure a retried request is answered with the stored reply');

    assert.equal((await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${userId}`, { token: tenant.adminToken })).status, 200);

    assert.deepEqual(await exportFiles(), [], 'the export file is gone');
    const withdrawn = await system.get<{ status: string; download?: unknown; withdrawn?: { reason: string } }>(
      `/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`,
      tenant.adminToken,
    );
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
    assert.ok(
      stored.some((d) => (d['response'] as { k: string }).k === `subject:${userId}`),
      "the person's replies were sealed under their (now destroyed) key",
    );

    const later = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
    await system.settle();
    const fresh = await system.get<{ download?: { url: string } }>(`/api/tenants/${tenant.tenantId}/exports/${later.body.exportId}`, tenant.adminToken);
    assert.doesNotMatch(await (await fetch(fresh.body.download!.url)).text(), /erin/i, 'a new export has no trace of the person');
  });
  test('free text typed about a person in their requests (asks, extension and refusal reasons) is sealed under their key and unreadable after their erasure', async () => {
    const tenant = await provisionTenant(system);
    const created = await system.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Dana Doe', email: 'dana.doe@customer.test' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const userId = created.body.userId;
    const dsars = `/api/tenants/${tenant.tenantId}/dsars`;
    const receivedAt = (await system.now()).toISOString();
    const request = await system.post<{ dsarId: string }>(
      dsars,
      { type: 'access', subject: { userId }, receivedAt, jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(request.status, 201, JSON.stringify(request.body));
    const dsar = `${dsars}/${request.body.dsarId}`;
    const texts = {
      extension: 'Dana Doe asked for records from six rota systems',
      ask: 'Dana, which of the two Ward 3 rotas do you mean?',
      refusal: 'Dana Doe confirmed by phone that she withdraws the request',
    };
    const extended = await system.request('POST', `${dsar}/extend`, {
      token: tenant.adminToken,
      body: { reason: texts.extension },
      headers: { 'idempotency-key': 'extend-dana' },
    });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal((await system.post(`${dsar}/request-clarification`, { question: texts.ask }, tenant.adminToken)).status, 200);
    assert.equal((await system.post(`${dsar}/refuse`, { reason: texts.refusal }, tenant.adminToken)).status, 200);

    type View = { extension?: { reason: string }; refusal?: { reason: string }; asked: { ask: string }[] };
    const before = (await system.get<View>(dsar, tenant.adminToken)).body;
    assert.deepEqual(
      [before.extension?.reason, before.asked[0]?.ask, before.refusal?.reason],
      [texts.extension, texts.ask, texts.refusal],
      'readable while the person exists',
    );
    const sealedUnder = (doc: Record<string, unknown>): string[] => {
      const dsarDoc = doc as { extension: { reason: { k: string } }; refusal: { reason: { k: string } }; asked: { ask: { k: string } }[] };
      return [dsarDoc.extension.reason.k, dsarDoc.asked[0]!.ask.k, dsarDoc.refusal.reason.k];
    };
    const storedDsar = async (): Promise<Record<string, unknown>> =>
      (await system.allDocuments('uksouth')).find((d) => d['id'] === `dsar:${request.body.dsarId}`)!;
    assert.deepEqual(sealedUnder(await storedDsar()), Array(3).fill(`subject:${userId}`), "each text is sealed under the person's key");

    assert.equal((await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${userId}`, { token: tenant.adminToken })).status, 200);
    const after = (await system.get<View>(dsar, tenant.adminToken)).body;
    assert.deepEqual(
      [after.extension?.reason, after.asked[0]?.ask, after.refusal?.reason],
      ['erased', 'erased', 'erased'],
      'the view says the text was erased',
    );
    const stored = JSON.stringify((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId));
    for (const text of Object.values(texts)) assert.ok(!stored.includes(text), `no stored document holds "${text}"`);
    const retried = await system.request<{ code: string }>('POST', `${dsar}/extend`, {
      token: tenant.adminToken,
      body: { reason: texts.extension },
      headers: { 'idempotency-key': 'extend-dana' },
    });
    assert.equal(retried.status, 409, JSON.stringify(retried.body));
    assert.equal(retried.body.code, 'IDEMPOTENCY.REPLY_ERASED', 'the stored reply with the reason went with the person');
  });
  test('records that name an erased person keep an "erased-subject" reference instead of their id', async () => {
    const tenant = await provisionTenant(system);
    const erased = await createUser(system, tenant);
    const colleague = await createUser(system, tenant);
    const aboutColleague = await createRecord(system, tenant, 'approval-chains', {
      subjectUserId: colleague.userId,
      peopleUserIds: [erased.userId, colleague.userId],
      data: { step: 'approved' },
    });
    const aboutErased = await createRecord(system, tenant, 'shift-logs', {
      subjectUserId: erased.userId,
      peopleUserIds: [colleague.userId],
      data: { shift: 'late' },
    });

    assert.equal((await system.request('DELETE', `/api/tenants/${tenant.tenantId}/users/${erased.userId}`, { token: tenant.adminToken })).status, 200);

    type RecordBody = { status: string; erasure?: string; subjectUserId?: string; peopleUserIds: string[]; data?: unknown };
    const naming = (
      await system.get<RecordBody>(`/api/tenants/${tenant.tenantId}/modules/approval-chains/records/${aboutColleague.recordId}`, tenant.adminToken)
    ).body;
    assert.deepEqual(naming.peopleUserIds, ['erased-subject', colleague.userId], 'the reference says "erased subject" where the id was');
    assert.equal(naming.subjectUserId, colleague.userId);
    assert.deepEqual(naming.data, { step: 'approved' }, "the colleague's record itself stays");
    const about = (await system.get<RecordBody>(`/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${aboutErased.recordId}`, tenant.adminToken)).body;
    assert.equal(about.subjectUserId, 'erased-subject');
    assert.equal(about.erasure, 'subject-erased');
    assert.deepEqual(about.peopleUserIds, [colleague.userId]);

    const records = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'record');
    assert.equal(records.length, 2);
    assert.ok(!JSON.stringify(records).includes(erased.userId), "no record holds the erased person's id");
    const audit = await system.get<{ entries: { action: string; target: { id: string } }[] }>(
      `/api/tenants/${tenant.tenantId}/audit?limit=50`,
      tenant.adminToken,
    );
    assert.ok(audit.body.entries.some((e) => e.action === 'records.erased-references'), 'the change is audited');
  });
});
