// Users and module records through HTTP: creation, rectification tracked beside the original
// with optimistic concurrency, deactivation, erasure by crypto-shredding, and idempotent writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';

interface UserBody {
  userId: string;
  status: string;
  name?: string;
  email?: string;
  department?: string;
  rectifications?: { at: string; by: string; reason: string; changes: Record<string, { from: unknown; to: unknown }> }[];
}

interface RecordBody {
  recordId: string;
  status: string;
  erasure?: string;
  data?: Record<string, unknown>;
  original?: Record<string, unknown>;
  corrections?: { reason: string; changes: Record<string, { from: unknown; to: unknown }> }[];
}

describe('users and module records', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system);
  });
  after(async () => {
    await system?.stop();
  });

  const userPath = (userId: string): string => `/api/tenants/${tenant.tenantId}/users/${userId}`;

  test('a created user reads back with an ETag, and the same email cannot be used twice', async () => {
    const user = await createUser(system, tenant, { name: 'Ada Lovelace', email: 'ada@customer.test' });
    const read = await system.get<UserBody>(userPath(user.userId), tenant.adminToken);
    assert.equal(read.status, 200);
    assert.equal(read.body.name, 'Ada Lovelace');
    assert.equal(read.body.email, 'ada@customer.test');
    assert.equal(read.headers.get('etag'), '"1"');
    const duplicate = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Other', email: 'ADA@customer.test' },
    });
    assert.equal(duplicate.status, 409);
  });

  test('rectification keeps the original and the correction side by side with who, when and why', async () => {
    const user = await createUser(system, tenant, { name: 'Grace Hoper', department: 'Ops' });
    const missing = await system.request('PATCH', userPath(user.userId), {
      token: tenant.adminToken,
      body: { name: 'Grace Hopper', reason: 'typo in surname' },
    });
    assert.equal(missing.status, 428, 'If-Match is required');
    const rectified = await system.request<UserBody>('PATCH', userPath(user.userId), {
      token: tenant.adminToken,
      body: { name: 'Grace Hopper', department: null, reason: 'typo in surname; department no longer used' },
      headers: { 'if-match': user.etag },
    });
    assert.equal(rectified.status, 200, JSON.stringify(rectified.body));
    assert.equal(rectified.body.name, 'Grace Hopper');
    assert.equal(rectified.body.department, undefined);
    assert.equal(rectified.headers.get('etag'), '"2"');
    const [correction] = rectified.body.rectifications ?? [];
    assert.equal(correction?.reason, 'typo in surname; department no longer used');
    assert.equal(correction?.by, `admin-of-${tenant.tenantId}`);
    assert.deepEqual(correction?.changes, { name: { from: 'Grace Hoper', to: 'Grace Hopper' }, department: { from: 'Ops', to: null } });
    const stale = await system.request('PATCH', userPath(user.userId), {
      token: tenant.adminToken,
      body: { name: 'G. Hopper', reason: 'x' },
      headers: { 'if-match': user.etag },
    });
    assert.equal(stale.status, 412, 'a correction based on an old version is refused');
    const audit = await system.get<{ entries: { action: string; details: unknown }[] }>(`/api/tenants/${tenant.tenantId}/audit?limit=50`, tenant.adminToken);
    const entry = audit.body.entries.find((e) => e.action === 'user.rectified');
    assert.deepEqual(entry?.details, { fields: ['name', 'department'], reason: 'typo in surname; department no longer used' });
  });

  test('an email change moves the uniqueness claim to the new address', async () => {
    const user = await createUser(system, tenant, { email: 'old.address@customer.test' });
    const changed = await system.request('PATCH', userPath(user.userId), {
      token: tenant.adminToken,
      body: { email: 'new.address@customer.test', reason: 'married name' },
      headers: { 'if-match': user.etag },
    });
    assert.equal(changed.status, 200);
    const reuseOld = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Someone', email: 'old.address@customer.test' },
    });
    assert.equal(reuseOld.status, 201, 'the old address is free again');
    const takeNew = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'Someone else', email: 'new.address@customer.test' },
    });
    assert.equal(takeNew.status, 409);
  });

  test('erasure leaves a tombstone without personal data and makes the subject unreadable everywhere', async () => {
    const user = await createUser(system, tenant, { name: 'Erin Erasable', email: 'erin@customer.test' });
    const etag = (
      await system.request('PATCH', userPath(user.userId), {
        token: tenant.adminToken,
        body: { name: 'Erin Erased', reason: 'spelling' },
        headers: { 'if-match': user.etag },
      })
    ).headers.get('etag')!;
    assert.equal(etag, '"2"');
    const shift = await createRecord(system, tenant, 'shift-logs', { subjectUserId: user.userId, data: { date: '2026-11-02', notes: 'Erin covered nights' } });
    const erased = await system.request<UserBody>('DELETE', `${userPath(user.userId)}?reason=data%20subject%20request`, { token: tenant.adminToken });
    assert.equal(erased.status, 200);
    assert.deepEqual(Object.keys(erased.body).sort(), ['createdAt', 'erasedAt', 'status', 'updatedAt', 'userId']);
    assert.equal(erased.body.status, 'erased');
    const again = await system.request<UserBody>('DELETE', userPath(user.userId), { token: tenant.adminToken });
    assert.equal(again.status, 200, 'erasing twice is harmless');

    const record = await system.get<RecordBody>(`/api/tenants/${tenant.tenantId}/modules/shift-logs/records/${shift.recordId}`, tenant.adminToken);
    assert.equal(record.body.status, 'erased');
    assert.equal(record.body.erasure, 'subject-erased');
    assert.equal(record.body.data, undefined);

    const audit = await system.get<{ entries: { action: string; target: { id: string }; details: unknown }[] }>(
      `/api/tenants/${tenant.tenantId}/audit?limit=100`,
      tenant.adminToken,
    );
    const rectified = audit.body.entries.find((e) => e.action === 'user.rectified' && e.target.id === user.userId);
    assert.equal(rectified?.details, 'erased', "the audit entry stays, but the erased person's details cannot be read");
    const verify = await system.get<{ valid: boolean }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
    assert.equal(verify.body.valid, true, 'the chain still verifies after erasure');

    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId);
    assert.ok(!stored.some((d) => d['id'] === `key:subject:${user.userId}`), "the subject's key is destroyed");
    const userDoc = stored.find((d) => d['id'] === `user:${user.userId}`)!;
    assert.equal(userDoc['profile'], undefined);
    assert.equal(userDoc['rectifications'], undefined);
    assert.equal(userDoc['emailIndex'], undefined);
    const reuse = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { name: 'New Erin', email: 'erin@customer.test' },
    });
    assert.equal(reuse.status, 201, 'the erased email claim is gone');
  });

  test('a deactivated user keeps their data but can no longer be used in new records', async () => {
    const user = await createUser(system, tenant, { name: 'Dee Activated' });
    const deactivated = await system.request<UserBody>('POST', `${userPath(user.userId)}/deactivate`, { token: tenant.adminToken });
    assert.equal(deactivated.status, 200);
    assert.equal(deactivated.body.status, 'deactivated');
    assert.equal(deactivated.body.name, 'Dee Activated');
    const refused = await system.request<{ errors: { path: string }[] }>('POST', `/api/tenants/${tenant.tenantId}/modules/schedules/records`, {
      token: tenant.adminToken,
      body: { peopleUserIds: [user.userId], data: { week: 47 } },
    });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.errors[0]?.path, 'peopleUserIds.0');
  });

  test('record corrections are tracked alongside the original; per-record erasure leaves a tombstone', async () => {
    const approver = await createUser(system, tenant);
    const created = await createRecord(system, tenant, 'approval-chains', {
      peopleUserIds: [approver.userId],
      data: { request: 'overtime', hours: 6, approvedBy: approver.userId },
    });
    const path = `/api/tenants/${tenant.tenantId}/modules/approval-chains/records/${created.recordId}`;
    const corrected = await system.request<RecordBody>('PATCH', path, {
      token: tenant.adminToken,
      body: { data: { hours: 4 }, reason: 'hours were entered wrongly' },
      headers: { 'if-match': created.etag },
    });
    assert.equal(corrected.status, 200);
    assert.deepEqual(corrected.body.data, { request: 'overtime', hours: 4, approvedBy: approver.userId });
    assert.deepEqual(corrected.body.original, { request: 'overtime', hours: 6, approvedBy: approver.userId });
    const correction = corrected.body.corrections?.[0] as { at: string; by: string; reason: string; changes: unknown } | undefined;
    assert.equal(correction?.at, (await system.now()).toISOString());
    assert.equal(correction?.by, `admin-of-${tenant.tenantId}`);
    assert.equal(correction?.reason, 'hours were entered wrongly');
    assert.deepEqual(correction?.changes, { hours: { from: 6, to: 4 } });
    const erased = await system.request<RecordBody>('DELETE', path, { token: tenant.adminToken });
    assert.equal(erased.body.status, 'erased');
    assert.equal(erased.body.erasure, 'record-erased');
    const raw = (await system.allDocuments('uksouth')).find((d) => d['id'] === `record:approval-chains:${created.recordId}`)!;
    assert.equal(raw['current'], undefined);
    assert.equal(raw['original'], undefined);
    assert.equal(raw['corrections'], undefined);
  });

  test('an unknown module is a 400 naming the module', async () => {
    const response = await system.request<{ errors: { path: string }[] }>('POST', `/api/tenants/${tenant.tenantId}/modules/payroll/records`, {
      token: tenant.adminToken,
      body: { data: { a: 1 } },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.errors[0]?.path, 'path:module');
  });

  test('a create retried with the same Idempotency-Key returns the first result and creates nothing more', async () => {
    const body = { name: 'Idem Potent', email: 'idem@customer.test' };
    const headers = { 'idempotency-key': 'create-idem-potent-1' };
    const first = await system.request<UserBody>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body, headers });
    const second = await system.request<UserBody>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body, headers });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.body.userId, first.body.userId);
    const users = (await system.allDocuments('uksouth')).filter(
      (d) => d['tenantId'] === tenant.tenantId && d['type'] === 'user' && d['userId'] === first.body.userId,
    );
    assert.equal(users.length, 1);
    const reused = await system.request('POST', `/api/tenants/${tenant.tenantId}/users`, {
      token: tenant.adminToken,
      body: { ...body, name: 'Different' },
      headers,
    });
    assert.equal(reused.status, 422, 'the same key with a different body is refused');
  });
});
