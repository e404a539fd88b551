// A tenant's configuration after provisioning, end to end: the name and nominated contacts change
// only with If-Match and a reason, by the tenant's own admins or vendor platform staff; every change
// is kept in the configuration history (who, when, why, before and after); and a flow already
// running writes to the contacts nominated now, never to the ones replaced; a replaced contact's
// details leave the history a year after they were replaced (the retention sweep), the rest stays.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, sweepAtOrAfter } from '../support/builders.js';

const DAY = 24 * 3600_000;

interface TenantBody {
  tenantId: string;
  name: string;
  contacts: { security: { name: string; email: string }[]; privacy: { name: string; email: string }[] };
}

interface HistoryBody {
  changes: {
    version: number;
    at: string;
    by: { sub: string };
    action: string;
    fields: string[];
    reason: string | null;
    before: { name?: string; contacts?: { privacy?: { email: string }[] } } | null;
    after: { name?: string; contacts?: { privacy?: { email: string }[] } } | null;
  }[];
}

interface Problem {
  code: string;
  errors?: { path: string }[];
}

describe('tenant configuration and its history', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('nominated contacts change with If-Match and a reason, and the history shows who, when, why, before and after', async () => {
    const tenant = await provisionTenant(system);
    const other = await provisionTenant(system);
    const path = `/api/tenants/${tenant.tenantId}`;
    const read = await system.get<TenantBody>(path, tenant.adminToken);
    const etag = read.headers.get('etag');
    assert.equal(etag, '"1"');
    const newPrivacy = [{ name: 'New DPO', email: `new.dpo.${tenant.tenantId}@customer.test` }];

    const patch = (body: unknown, token: string, headers: Record<string, string> = {}) =>
      system.request<TenantBody & Problem>('PATCH', path, { token, body, headers });
    assert.equal((await patch({ reason: 'DPO left', contacts: { privacy: newPrivacy } }, tenant.adminToken)).status, 428, 'If-Match is required');
    assert.equal((await patch({ reason: 'DPO left', contacts: { privacy: newPrivacy } }, tenant.adminToken, { 'if-match': '"7"' })).status, 412);
    const noReason = await patch({ contacts: { privacy: newPrivacy } }, tenant.adminToken, { 'if-match': etag! });
    assert.equal(noReason.status, 400);
    assert.deepEqual(noReason.body.errors?.map((e) => e.path), ['reason']);
    assert.equal(
      (await patch({ reason: 'x', contacts: { privacy: [] } }, tenant.adminToken, { 'if-match': etag! })).status,
      400,
      'at least one privacy contact stays nominated',
    );
    assert.equal(
      (await patch({ reason: 'x', name: 'Hijack' }, other.adminToken, { 'if-match': etag! })).status,
      403,
      "another tenant's admin cannot change it",
    );
    assert.equal((await patch({ reason: 'x', name: 'Hijack' }, await opsToken(system, 'ops.breach'), { 'if-match': etag! })).status, 403);
    assert.equal(
      (await system.get<TenantBody>(path, tenant.adminToken)).body.contacts.privacy[0]!.email,
      tenant.contacts.privacy[0]!.email,
      'nothing was written',
    );

    const changed = await patch({ reason: 'Our DPO left; the new DPO takes over.', contacts: { privacy: newPrivacy } }, tenant.adminToken, {
      'if-match': etag!,
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.headers.get('etag'), '"2"');
    assert.deepEqual(changed.body.contacts.privacy, newPrivacy);
    assert.deepEqual(changed.body.contacts.security, tenant.contacts.security, 'the security contacts are kept');
    assert.equal(
      (await patch({ reason: 'stale', name: 'Renamed' }, tenant.adminToken, { 'if-match': etag! })).status,
      412,
      'a change based on the old version is refused',
    );
    const renamed = await patch({ reason: 'Company renamed after the merger.', name: 'Renamed Ltd' }, await opsToken(system, 'ops.platform'), {
      'if-match': '"2"',
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));

    const history = await system.get<HistoryBody>(`${path}/history`, tenant.adminToken);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    const [provisioned, contactChange, nameChange] = history.body.changes;
    assert.equal(history.body.changes.length, 3);
    assert.equal(provisioned!.action, 'tenant.provisioned');
    assert.deepEqual(contactChange!.fields, ['contacts.privacy']);
    assert.equal(contactChange!.by.sub, `admin-of-${tenant.tenantId}`);
    assert.equal(contactChange!.reason, 'Our DPO left; the new DPO takes over.');
    assert.deepEqual(contactChange!.before?.contacts?.privacy?.map((c) => c.email), [tenant.contacts.privacy[0]!.email]);
    assert.deepEqual(contactChange!.after?.contacts?.privacy?.map((c) => c.email), [newPrivacy[0]!.email]);
    assert.deepEqual(
      [nameChange!.fields, nameChange!.before?.name, nameChange!.after?.name, nameChange!.by.sub],
      [['name'], read.body.name, 'Renamed Ltd', 'ops.platform-staff-1'],
    );
    assert.equal((await system.get(`${path}/history`, other.adminToken)).status, 403);
    // The history's personal data is ciphertext at rest, like the contacts themselves.
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'tenantConfigChange');
    assert.equal(stored.length, 3);
    assert.ok(!JSON.stringify(stored).includes(newPrivacy[0]!.email) && !JSON.stringify(stored).includes('Our DPO left'), 'no contact or reason in clear');
    const actions = (await system.get<{ entries: { action: string }[] }>(`${path}/audit`, tenant.adminToken)).body.entries.map((e) => e.action);
    assert.ok(actions.includes('tenant.configured') && actions.includes('tenant.history.read'));
  });

  test('a changed privacy contact receives the next DSAR reminder and the old one does not', async () => {
    const tenant = await provisionTenant(system);
    const created = await system.post<{ dsarId: string; dueOn: string }>(
      `/api/tenants/${tenant.tenantId}/dsars`,
      { type: 'access', subject: { email: 'person@elsewhere.test' }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' },
      tenant.adminToken,
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await system.settle();
    const newPrivacy = [{ name: 'Successor DPO', email: `successor.${tenant.tenantId}@customer.test` }];
    const changed = await system.request('PATCH', `/api/tenants/${tenant.tenantId}`, {
      token: tenant.adminToken,
      body: { reason: 'DPO replaced', contacts: { privacy: newPrivacy } },
      headers: { 'if-match': '"1"' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await system.advance('P40D');
    const reminders = (await system.outbox()).filter((m) => m.subject.includes(created.body.dsarId));
    const to = (address: string) => reminders.filter((m) => m.to.includes(address)).map((m) => m.subject);
    assert.ok(
      to(newPrivacy[0]!.email).some((s) => /7 days left/.test(s)) && to(newPrivacy[0]!.email).some((s) => /1 day left/.test(s)),
      'the new contact gets the reminders',
    );
    assert.deepEqual(to(tenant.contacts.privacy[0]!.email), [], 'the old contact gets nothing');
  });

  test('contacts can still change during the termination grace window, when the deletion certificate is on its way to them', async () => {
    const tenant = await provisionTenant(system);
    const terminated = await system.post(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete' }, tenant.adminToken);
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();
    const etag = (await system.get(`/api/tenants/${tenant.tenantId}`, tenant.adminToken)).headers.get('etag')!;
    const changed = await system.request<TenantBody>('PATCH', `/api/tenants/${tenant.tenantId}`, {
      token: tenant.adminToken,
      body: {
        reason: 'Security lead replaced before the shutdown',
        contacts: { security: [{ name: 'New Lead', email: `lead.${tenant.tenantId}@customer.test` }] },
      },
      headers: { 'if-match': etag },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.contacts.security[0]!.email, `lead.${tenant.tenantId}@customer.test`);
  });
  /** A year of timers in month-long moves: each clock request ends well within the HTTP client's timeout. */
  async function advanceInSteps(to: Date): Promise<void> {
    for (let now = await system.now(); now < to; ) now = await system.advanceTo(new Date(Math.min(to.getTime(), now.getTime() + 30 * DAY)));
  }

  // Last in the file: it moves the clock a year on.
  test("a replaced contact's details leave the configuration history at the first retention sweep a year after the change; who, when, why and current contacts stay", async () => {
    const oldAdmin = `old.admin.${Date.now()}@customer.test`;
    const newAdmin = `new.admin.${Date.now()}@customer.test`;
    const tenant = await provisionTenant(system, { adminNotificationContacts: [oldAdmin] });
    const path = `/api/tenants/${tenant.tenantId}`;
    const patch = (body: unknown, etag: string) =>
      system.request<TenantBody>('PATCH', path, { token: tenant.adminToken, body, headers: { 'if-match': etag } });
    const newPrivacy = [{ name: 'Next DPO', email: `next.dpo.${tenant.tenantId}@customer.test` }];
    const replacedAt = await system.now();
    assert.equal(
      (await patch({ reason: 'DPO and admin replaced', contacts: { privacy: newPrivacy }, adminNotificationContacts: [newAdmin] }, '"1"')).status,
      200,
    );
    await advanceInSteps(new Date(replacedAt.getTime() + 200 * DAY));
    const newSecurity = [{ name: 'Next Lead', email: `next.lead.${tenant.tenantId}@customer.test` }];
    assert.equal((await patch({ reason: 'Security lead replaced', contacts: { security: newSecurity } }, '"2"')).status, 200);
    const [oldPrivacy, oldSecurity] = [tenant.contacts.privacy[0]!, tenant.contacts.security[0]!];

    const history = async () => {
      const response = await system.get<HistoryBody & { changes: { formerContactsRedactedAt: string | null }[] }>(
        `${path}/history`,
        tenant.adminToken,
      );
      assert.equal(response.status, 200);
      return response.body.changes;
    };
    // The sweep just before the year is up keeps everything.
    const due = sweepAtOrAfter(new Date(replacedAt.getTime() + 365 * DAY));
    await advanceInSteps(new Date(due.getTime() - 7 * DAY + 60_000));
    assert.ok(JSON.stringify(await history()).includes(oldPrivacy.email), 'kept until a year has passed');

    await advanceInSteps(new Date(due.getTime() + 60_000));
    const [provisioned, firstChange, secondChange] = await history();
    const text = JSON.stringify([provisioned, firstChange, secondChange]);
    for (const gone of [oldPrivacy.email, oldPrivacy.name, oldAdmin]) assert.ok(!text.includes(gone), `${gone} is no longer in the history`);
    // What the history is for stays: who changed what, when, why, and that a contact was replaced.
    assert.deepEqual(
      [firstChange!.version, firstChange!.action, firstChange!.fields, firstChange!.by.sub, firstChange!.reason],
      [2, 'tenant.configured', ['contacts.privacy', 'adminNotificationContacts'], `admin-of-${tenant.tenantId}`, 'DPO and admin replaced'],
    );
    assert.deepEqual(firstChange!.before?.contacts?.privacy, [{ name: null, email: null }]);
    assert.deepEqual(firstChange!.after?.contacts?.privacy, newPrivacy, 'current contacts are untouched');
    assert.deepEqual((firstChange as { before: { adminNotificationContacts?: unknown } }).before.adminNotificationContacts, [null]);
    assert.deepEqual(provisioned!.after?.contacts?.privacy, [{ name: null, email: null }]);
    assert.equal(provisioned!.formerContactsRedactedAt, due.toISOString());
    // The security lead was replaced only 165 days ago: still shown.
    assert.ok(text.includes(oldSecurity.email), 'a contact replaced less than a year ago stays');
    assert.equal(secondChange!.formerContactsRedactedAt, null);
    const current = await system.get<TenantBody & { adminNotificationContacts: string[] }>(path, tenant.adminToken);
    assert.deepEqual(
      [current.body.contacts.privacy, current.body.contacts.security, current.body.adminNotificationContacts],
      [newPrivacy, newSecurity, [newAdmin]],
    );

    // The sweep's record counts the entries changed; the tenant's audit log has one entry per change.
    const sweeps = await system.get<{ sweeps: { at: string; formerContactsRemoved: { tenantId: string; changes: number }[] }[] }>(
      `/api/ops/retention-sweeps?day=${due.toISOString().slice(0, 10)}`,
      await opsToken(system),
    );
    assert.deepEqual(
      sweeps.body.sweeps.find((s) => s.at === due.toISOString())?.formerContactsRemoved.find((t) => t.tenantId === tenant.tenantId),
      { tenantId: tenant.tenantId, changes: 2 },
    );
    const audit = (await system.get<{ entries: { action: string; actor: { sub: string } }[] }>(`${path}/audit`, tenant.adminToken)).body.entries;
    assert.equal(audit.filter((e) => e.action === 'tenant.history.former-contacts-removed' && e.actor.sub === 'system:retention-sweep').length, 2);
  });
});
