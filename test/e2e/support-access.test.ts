// The lockbox end to end on the virtual clock: support staff see nothing of a tenant without a
// grant; a grant is requested, approved, used within its scope and refused outside it, refused
// again the moment its duration is over (even when its timer is late), denied, revoked, lapses
// after 24 hours undecided; break-glass notifies at once and is reviewed; every access is logged
// with the grant id and marks transfers; another tenant's admin can neither see nor decide; every
// lockbox route refuses bad input with a 400 naming the field and writes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';
import { grantAccessViewSchema, grantLogSchema } from '../../shared/support-access/access-log.js';
import { grantViewSchema } from '../../shared/support-access/grant.js';

interface Grant {
  grantId: string;
  status: string;
  engineer: string;
  emergency: boolean;
  scope: string[];
  origin: { country: string; source: string };
  transfer: { from: string; to: string; basis: string; instrument: string; tiaReference?: string } | null;
  activatedAt?: string;
  expiresAt?: string;
  decideBy: string;
  review?: { required: boolean; reviewedAt?: string; outcome?: string };
}

interface AccessEntry {
  grantId: string;
  at: string;
  route: string;
  status: number;
  outcome: string;
  code?: string;
  scope: string | null;
  origin: string;
  originSource: string;
  transfer: Grant['transfer'];
}

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

const TOKEN_LIFETIME = { lifetimeSeconds: 400 * 24 * 3600 };
const REQUEST = {
  reason: 'Users report a login loop after the SSO change',
  ticket: 'SUP-4711',
  scope: ['users:read', 'config:read'],
  duration: 'PT2H',
  origin: 'GB',
};

describe('support access (lockbox)', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;
  let userId: string;
  let engineer: string;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    await system.advanceTo(new Date('2031-05-05T09:00:00Z'));
    tenant = await provisionTenant(system);
    userId = (await createUser(system, tenant)).userId;
    engineer = await supportToken('support-eng-1');
  });
  after(async () => {
    await system?.stop();
  });

  const base = (t: TenantFixture = tenant): string => `/api/tenants/${t.tenantId}/support-access`;
  const supportToken = (sub: string, ctry?: string): Promise<string> => system.token({ sub, roles: ['support'], ...(ctry ? { ctry } : {}) }, TOKEN_LIFETIME);
  const mailsTo = async (address: string): Promise<{ subject: string; text: string | null }[]> =>
    (await system.outbox()).filter((m) => m.to.some((to) => to.includes(address)));

  async function requestGrant(body: Record<string, unknown> = REQUEST, token = engineer, t = tenant): Promise<Grant> {
    const response = await system.post<Grant>(base(t), body, token);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    assert.equal(response.headers.get('location'), `${base(t)}/${response.body.grantId}`);
    grantViewSchema.strict().parse(response.body);
    await system.settle();
    return response.body;
  }

  async function approve(grant: Grant, t = tenant): Promise<Grant> {
    const response = await system.post<Grant>(`${base(t)}/${grant.grantId}/approve`, undefined, t.adminToken);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    grantViewSchema.strict().parse(response.body);
    await system.settle();
    return response.body;
  }

  async function accessLog(grant: Grant, token = tenant.adminToken, t = tenant): Promise<AccessEntry[]> {
    const response = await system.get<{ entries: AccessEntry[] }>(`${base(t)}/${grant.grantId}/log`, token);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    grantLogSchema.strict().parse(response.body);
    for (const entry of response.body.entries) grantAccessViewSchema.strict().parse(entry);
    return response.body.entries;
  }

  const readUser = (token = engineer) => system.get<Problem>(`/api/tenants/${tenant.tenantId}/users/${userId}`, token);

  test('support is refused without a grant; approved, it reads within scope only, until one second past its duration', async () => {
    const refused = await readUser();
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'SUPPORT.NO_GRANT');

    const grant = await requestGrant();
    assert.equal(grant.status, 'pending');
    assert.deepEqual(grant.origin, { country: 'GB', source: 'declared', declared: 'GB' });
    assert.equal(grant.transfer, null, 'GB to a uksouth tenant is no transfer');
    const [requested] = await mailsTo(tenant.contacts.privacy[0]!.email);
    assert.match(requested?.subject ?? '', /Support access requested/);
    assert.match(requested?.text ?? '', new RegExp(`${grant.grantId}[\\s\\S]*support-eng-1[\\s\\S]*GB \\(declared by the engineer\\)`));
    assert.equal((await mailsTo(tenant.contacts.security[0]!.email)).length, 0, 'a normal request goes to the privacy contacts');
    assert.equal((await readUser()).body.code, 'SUPPORT.NO_GRANT', 'a pending request opens nothing');

    const active = await approve(grant);
    assert.equal(active.status, 'active');
    const expiresAt = new Date(active.expiresAt!);
    assert.equal(expiresAt.getTime() - new Date(active.activatedAt!).getTime(), 2 * 3600_000);

    assert.equal((await readUser()).status, 200, 'users:read is in scope');
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}`, engineer)).status, 200, 'config:read is in scope');
    const outOfScope = [
      await system.get<Problem>(`/api/tenants/${tenant.tenantId}/audit`, engineer),
      await system.get<Problem>(`/api/tenants/${tenant.tenantId}/dsars`, engineer),
      await system.post<Problem>(`/api/tenants/${tenant.tenantId}/users`, { name: 'Not Allowed', email: 'no@customer.test' }, engineer),
    ];
    for (const response of outOfScope) {
      assert.equal(response.status, 403);
      assert.equal(response.body.code, 'SUPPORT.OUT_OF_SCOPE');
    }

    // The tenant's audit log names the grant, its scope and the origin on the engineer's read.
    type Entries = {
      entries: { action: string; actor: { sub: string; supportGrant?: { grantId: string; scope: string; origin: string; originSource: string } } }[];
    };
    const audit = await system.get<Entries>(`/api/tenants/${tenant.tenantId}/audit?limit=100`, tenant.adminToken);
    const read = audit.body.entries.find((e) => e.action === 'user.read' && e.actor.sub === 'support-eng-1');
    assert.deepEqual(read?.actor.supportGrant, { grantId: grant.grantId, scope: 'users:read', origin: 'GB', originSource: 'declared' });

    // A timer that fires late opens nothing: hold the grant's workflow, and the clock still ends it.
    const instanceId = `support-grant-${tenant.tenantId}-${grant.grantId}`;
    assert.equal((await system.post(`/runtime/webhooks/durabletask/instances/${instanceId}/suspend?reason=late-timer`)).status, 202);
    await system.advanceTo(new Date(expiresAt.getTime() - 1000));
    assert.equal((await readUser()).status, 200, 'one second before the end');
    await system.advanceTo(new Date(expiresAt.getTime() + 1000));
    const late = await readUser();
    assert.equal(late.status, 403, 'one second past the end');
    assert.equal(late.body.code, 'SUPPORT.NO_GRANT');
    const stored = (await system.allDocuments('uksouth')).find((d) => d['id'] === `support-grant:${grant.grantId}`);
    assert.equal(stored?.['status'], 'active', 'the record was not yet updated by the held workflow');
    assert.equal((await system.get<Grant>(`${base()}/${grant.grantId}`, tenant.adminToken)).body.status, 'expired', 'but it reads as expired by the clock');
    assert.equal((await system.post(`/runtime/webhooks/durabletask/instances/${instanceId}/resume?reason=done`)).status, 202);
    await system.settle();
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Completed');
    const ended = (await system.allDocuments('uksouth')).find((d) => d['id'] === `support-grant:${grant.grantId}`);
    assert.equal(ended?.['status'], 'expired');
    assert.equal(ended?.['endedAt'], expiresAt.toISOString(), 'recorded as ended at its expiry, not when the timer ran');
    assert.ok((await mailsTo(tenant.contacts.privacy[0]!.email)).some((m) => /Support access has ended/.test(m.subject)));

    // The log: every access under the grant, served and refused, with route, scope and origin.
    const entries = await accessLog(grant);
    assert.deepEqual(
      entries.map((e) => [e.route, e.status, e.outcome, e.scope]),
      [
        ['getUser', 200, 'served', 'users:read'],
        ['getTenant', 200, 'served', 'config:read'],
        ['listAuditEntries', 403, 'refused', null],
        ['listDsars', 403, 'refused', null],
        ['createUser', 403, 'refused', null],
        ['getUser', 200, 'served', 'users:read'],
      ],
    );
    for (const entry of entries) {
      assert.equal(entry.grantId, grant.grantId);
      assert.equal(entry.origin, 'GB');
      assert.equal(entry.transfer, null);
    }
    const csv = await system.request<string>('GET', `${base()}/${grant.grantId}/log?format=csv`, { token: tenant.adminToken });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = parseCsv(csv.body);
    assert.equal(rows.length, entries.length + 1);
    assert.equal(rows[1]![rows[0]!.indexOf('grantId')], grant.grantId);
    assert.equal(rows[1]![rows[0]!.indexOf('transfer')], 'none');
  });

  test('a denied request opens nothing; another tenant\'s admin can neither see nor decide it; engineers see only their own grants', async () => {
    const other = await provisionTenant(system);
    const grant = await requestGrant();
    const foreignApprove = await system.post<Problem>(`${base()}/${grant.grantId}/approve`, undefined, other.adminToken);
    assert.equal(foreignApprove.status, 403);
    assert.equal((await system.get(base(), other.adminToken)).status, 403);
    assert.equal((await system.get(`${base()}/${grant.grantId}/log`, other.adminToken)).status, 403);
    assert.equal(
      (await system.post(`${base(other)}/${grant.grantId}/approve`, undefined, other.adminToken)).status,
      404,
      'the grant is not in the other tenant',
    );

    const colleague = await supportToken('support-eng-2');
    assert.equal((await system.post(`${base()}/${grant.grantId}/approve`, undefined, colleague)).status, 403, 'support cannot approve');
    assert.equal((await system.get(`${base()}/${grant.grantId}`, colleague)).status, 404, "another engineer's grant is invisible");
    const theirs = await system.get<{ grants: Grant[] }>(base(), colleague);
    assert.deepEqual(theirs.body.grants, []);
    const mine = await system.get<{ grants: Grant[] }>(base(), engineer);
    assert.ok(mine.body.grants.every((g) => g.engineer === 'support-eng-1') && mine.body.grants.some((g) => g.grantId === grant.grantId));

    const denied = await system.post<Grant>(`${base()}/${grant.grantId}/deny`, { reason: 'Use the test tenant instead' }, tenant.adminToken);
    assert.equal(denied.status, 200);
    assert.equal(denied.body.status, 'denied');
    await system.settle();
    assert.equal((await readUser()).body.code, 'SUPPORT.NO_GRANT');
    const again = await system.post<Problem>(`${base()}/${grant.grantId}/approve`, undefined, tenant.adminToken);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'SUPPORT.GRANT_NOT_PENDING');
  });

  test('a pending request lapses after 24 hours and can no longer be approved', async () => {
    const grant = await requestGrant({ ...REQUEST, ticket: 'SUP-4712' });
    await system.advance('PT23H59M');
    assert.equal((await system.get<Grant>(`${base()}/${grant.grantId}`, tenant.adminToken)).body.status, 'pending');
    await system.advance('PT2M');
    await system.settle();
    const lapsed = await system.get<Grant>(`${base()}/${grant.grantId}`, tenant.adminToken);
    assert.equal(lapsed.body.status, 'expired');
    const late = await system.post<Problem>(`${base()}/${grant.grantId}/approve`, undefined, tenant.adminToken);
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'SUPPORT.GRANT_NOT_PENDING');
    assert.equal((await readUser()).body.code, 'SUPPORT.NO_GRANT');

    // Approved one second before the deadline: the lapse timer fires, finds it active, and waits for its expiry instead.
    const close = await requestGrant({ ...REQUEST, ticket: 'SUP-4713' });
    await system.advanceTo(new Date(new Date(close.decideBy).getTime() - 1000));
    const approved = await approve(close);
    await system.advance('PT1M');
    await system.settle();
    assert.equal((await system.get<Grant>(`${base()}/${close.grantId}`, tenant.adminToken)).body.status, 'active');
    assert.equal((await readUser()).status, 200);
    await system.advanceTo(new Date(approved.expiresAt!));
    await system.settle();
    assert.equal((await readUser()).body.code, 'SUPPORT.NO_GRANT');
    const stored = (await system.allDocuments('uksouth')).find((d) => d['id'] === `support-grant:${close.grantId}`);
    assert.equal(stored?.['status'], 'expired');
  });

  test('approve and deny racing for one request: one wins, the other is refused, and the record says who won', async () => {
    const grant = await requestGrant({ ...REQUEST, ticket: 'SUP-race' });
    const [approved, denied] = await Promise.all([
      system.post<Grant & Problem>(`${base()}/${grant.grantId}/approve`, undefined, tenant.adminToken),
      system.post<Grant & Problem>(`${base()}/${grant.grantId}/deny`, { reason: 'No' }, tenant.adminToken),
    ]);
    const winners = [approved, denied].filter((r) => r.status === 200);
    assert.equal(winners.length, 1, `${approved.status} ${denied.status}`);
    const loser = approved.status === 200 ? denied : approved;
    assert.ok([409, 412].includes(loser.status), `the loser is refused: ${loser.status} ${loser.body.code}`);
    await system.settle();
    const final = await system.get<Grant>(`${base()}/${grant.grantId}`, tenant.adminToken);
    assert.equal(final.body.status, winners[0]!.body.status);
    assert.equal((await readUser()).status, final.body.status === 'active' ? 200 : 403);
    if (final.body.status === 'active') assert.equal((await system.post(`${base()}/${grant.grantId}/revoke`, {}, tenant.adminToken)).status, 200);
  });

  test("a grant opens its own tenant only, and only to the engineer it was given to", async () => {
    const other = await provisionTenant(system);
    const otherUser = (await createUser(system, other)).userId;
    const grant = await approve(await requestGrant({ ...REQUEST, ticket: 'SUP-own-tenant' }));
    assert.equal((await readUser()).status, 200);
    assert.equal((await system.get<Problem>(`/api/tenants/${other.tenantId}/users/${otherUser}`, engineer)).body.code, 'SUPPORT.NO_GRANT');
    assert.equal((await readUser(await supportToken('support-eng-4'))).status, 403, 'a colleague has no part in it');
    assert.equal((await system.post(`${base()}/${grant.grantId}/revoke`, {}, engineer)).status, 200);
  });

  test('the engineer or the tenant admin revokes an active grant, which ends access at once', async () => {
    for (const [who, token] of [['engineer', engineer], ['admin', tenant.adminToken]] as const) {
      const grant = await approve(await requestGrant({ ...REQUEST, ticket: `SUP-rev-${who}` }));
      assert.equal((await readUser()).status, 200);
      const revoked = await system.post<Grant>(`${base()}/${grant.grantId}/revoke`, { reason: 'Done' }, token);
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.equal(revoked.body.status, 'revoked');
      assert.equal((await readUser()).body.code, 'SUPPORT.NO_GRANT', `revoked by the ${who}`);
      await system.settle();
      assert.equal((await system.instance(`support-grant-${tenant.tenantId}-${grant.grantId}`)).runtimeStatus, 'Completed');
      const replay = await system.post<Grant>(`${base()}/${grant.grantId}/revoke`, { reason: 'Done' }, token);
      assert.equal(replay.body.status, 'revoked', 'revoking twice answers the same');
    }
  });

  test('break-glass is active at once for at most an hour, emails privacy and security contacts immediately, marks transfers, and is reviewed', async () => {
    const eu = await provisionTenant(system, { region: 'eu' });
    const euUser = (await createUser(system, eu)).userId;
    const record = await createRecord(system, eu, 'shift-logs', { subjectUserId: euUser, data: { date: '2031-05-05', hours: 8 } });
    const fromUs = await supportToken('support-eng-us', 'US');
    const tooLong = await system.post<Problem>(base(eu), { ...REQUEST, scope: ['records:read'], duration: 'PT2H', emergency: true, origin: 'US' }, fromUs);
    assert.equal(tooLong.status, 400);
    assert.deepEqual(tooLong.body.errors?.map((e) => e.path), ['duration']);

    // Declared DE, but the token says US: the issuer's origin is recorded, and it is a transfer under the EU SCCs.
    const grant = await requestGrant({ ...REQUEST, scope: ['records:read'], duration: 'PT1H', emergency: true, origin: 'DE' }, fromUs, eu);
    assert.equal(grant.status, 'active');
    assert.equal(grant.emergency, true);
    assert.deepEqual(grant.origin, { country: 'US', source: 'token', declared: 'DE' });
    assert.deepEqual(grant.transfer, { from: 'EEA', to: 'US', basis: 'eu-sccs', instrument: 'SCC-2021/914-M3-2026-001', tiaReference: 'TIA-US-2026-01' });
    for (const address of [eu.contacts.privacy[0]!.email, eu.contacts.security[0]!.email]) {
      const mails = await mailsTo(address);
      assert.equal(mails.length, 1, address);
      assert.match(mails[0]!.subject, /Break-glass/);
    }

    const path = `/api/tenants/${eu.tenantId}/modules/shift-logs/records/${record.recordId}`;
    assert.equal((await system.get(path, fromUs)).status, 200);
    assert.equal((await system.get<Problem>(`/api/tenants/${eu.tenantId}/users/${euUser}`, fromUs)).body.code, 'SUPPORT.OUT_OF_SCOPE');
    const moved = await supportToken('support-eng-us', 'IN');
    assert.equal((await system.get<Problem>(path, moved)).body.code, 'SUPPORT.ORIGIN_CHANGED', 'the grant holds for the origin it was given for');
    const entries = await accessLog(grant, eu.adminToken, eu);
    assert.deepEqual(
      entries.map((e) => [e.route, e.outcome, e.code ?? null]),
      [
        ['getRecord', 'served', null],
        ['getUser', 'refused', 'SUPPORT.OUT_OF_SCOPE'],
        ['getRecord', 'refused', 'SUPPORT.ORIGIN_CHANGED'],
      ],
    );
    for (const entry of entries)
      assert.deepEqual(
        [entry.origin, entry.originSource, entry.transfer?.basis, entry.transfer?.tiaReference],
        ['US', 'token', 'eu-sccs', 'TIA-US-2026-01'],
      );

    const notGlass = await system.post<Problem>(
      `${base()}/${(await requestGrant({ ...REQUEST, ticket: 'SUP-nr' })).grantId}/review`,
      { outcome: 'justified', notes: 'n/a' },
      tenant.adminToken,
    );
    assert.equal(notGlass.status, 409);
    assert.equal(notGlass.body.code, 'SUPPORT.NOT_BREAK_GLASS');
    await system.advance('PT1H');
    await system.settle();
    assert.equal((await system.get<Problem>(path, fromUs)).body.code, 'SUPPORT.NO_GRANT');
    assert.ok((await mailsTo(eu.contacts.security[0]!.email)).some((m) => /has ended/.test(m.subject) && /review it/.test(m.text ?? '')));
    const reviewed = await system.post<Grant>(
      `${base(eu)}/${grant.grantId}/review`,
      { outcome: 'justified', notes: 'Outage INC-88; access matched the ticket.' },
      eu.adminToken,
    );
    assert.equal(reviewed.status, 200);
    assert.equal(reviewed.body.review?.outcome, 'justified');
    assert.equal(
      (await system.post<Problem>(`${base(eu)}/${grant.grantId}/review`, { outcome: 'justified', notes: 'again' }, eu.adminToken)).body.code,
      'SUPPORT.ALREADY_REVIEWED',
    );

    const list = await system.request<string>('GET', `${base(eu)}?format=csv`, { token: eu.adminToken });
    const rows = parseCsv(list.body);
    assert.deepEqual(
      [rows[1]![rows[0]!.indexOf('grantId')], rows[1]![rows[0]!.indexOf('transferBasis')], rows[1]![rows[0]!.indexOf('reviewOutcome')]],
      [grant.grantId, 'eu-sccs', 'justified'],
    );

    // Both are part of the tenant's exports.
    const logExport = await exported(eu, { kind: 'support-access-log', format: 'csv' });
    const [header, ...logRows] = parseCsv(logExport);
    assert.deepEqual(
      logRows.map((r) => [
        r[header!.indexOf('grantId')],
        r[header!.indexOf('route')],
        r[header!.indexOf('transferBasis')],
        r[header!.indexOf('tiaReference')],
      ]),
      [
        [grant.grantId, 'getRecord', 'eu-sccs', 'TIA-US-2026-01'],
        [grant.grantId, 'getUser', 'eu-sccs', 'TIA-US-2026-01'],
        [grant.grantId, 'getRecord', 'eu-sccs', 'TIA-US-2026-01'],
      ],
    );
    const grantsExport = JSON.parse(await exported(eu, { kind: 'support-access', format: 'json' })) as Grant[];
    assert.deepEqual(grantsExport.map((g) => [g.grantId, g.status, g.review?.outcome]), [[grant.grantId, 'expired', 'justified']]);
  });

  test("the tenant's admins are emailed at their notification addresses: a request names the engineer by id and origin only; break-glass reaches admins, privacy and security contacts once each", async () => {
    const adminA = `admin.a.${randomUUID().slice(0, 8)}@customer.test`;
    const adminB = `admin.b.${randomUUID().slice(0, 8)}@customer.test`;
    const t = await provisionTenant(system, { adminNotificationContacts: [adminA] });
    assert.deepEqual(
      (await system.get<{ adminNotificationContacts: string[] }>(`/api/tenants/${t.tenantId}`, t.adminToken)).body.adminNotificationContacts,
      [adminA],
    );
    // The engineer's token carries a display name: it must not reach the customer.
    const named = await system.token({ sub: 'support-eng-named', roles: ['support'], name: 'Erin Engineerson' }, TOKEN_LIFETIME);
    const mailsOf = async (address: string, grantId: string, subject: RegExp) =>
      (await system.outbox()).filter(
        (m) => m.to.some((to) => to.toLowerCase().includes(address.toLowerCase())) && subject.test(m.subject) && (m.text ?? '').includes(grantId),
      );

    const request = await requestGrant({ ...REQUEST, ticket: 'SUP-admins' }, named, t);
    const [toAdmin, ...more] = await mailsOf(adminA, request.grantId, /Support access requested/);
    assert.ok(toAdmin && more.length === 0, 'the admin address gets the request once');
    assert.match(toAdmin.text ?? '', /support-eng-named[\s\S]*GB \(declared by the engineer\)/);
    assert.doesNotMatch(`${toAdmin.text ?? ''}${toAdmin.html ?? ''}`, /Erin|Engineerson/, 'nothing of the engineer beyond id and origin');
    assert.equal((await mailsOf(t.contacts.privacy[0]!.email, request.grantId, /Support access requested/)).length, 1, 'and the privacy contact');
    assert.equal(
      (await mailsOf(t.contacts.security[0]!.email, request.grantId, /./)).length,
      0,
      'a normal request goes to admins and privacy contacts',
    );

    const patch = (body: unknown, etag: string) =>
      system.request<{ adminNotificationContacts: string[]; errors?: { path: string }[] }>('PATCH', `/api/tenants/${t.tenantId}`, {
        token: t.adminToken,
        body,
        headers: { 'if-match': etag },
      });
    assert.deepEqual(
      (await patch({ reason: 'x', adminNotificationContacts: ['not-an-address'] }, '"1"')).body.errors?.map((e) => e.path),
      ['adminNotificationContacts.0'],
    );
    assert.deepEqual(
      (await patch({ reason: 'x', adminNotificationContacts: [adminB, adminB.toUpperCase()] }, '"1"')).body.errors?.map((e) => e.path),
      ['adminNotificationContacts.1'],
    );
    // The security lead is also an admin (written differently): one message for both roles.
    const both = t.contacts.security[0]!.email.toUpperCase();
    const changed = await patch(
      { reason: 'Admin A moved on; the security lead now also administers.', adminNotificationContacts: [adminB, both] },
      '"1"',
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.adminNotificationContacts, [adminB, both]);

    const glass = await requestGrant({ ...REQUEST, ticket: 'SUP-admins-glass', scope: ['users:read'], duration: 'PT1H', emergency: true }, named, t);
    for (const address of [adminB, t.contacts.privacy[0]!.email, t.contacts.security[0]!.email]) {
      assert.equal((await mailsOf(address, glass.grantId, /Break-glass/)).length, 1, `${address} is told once`);
    }
    const all = (await system.outbox()).filter((m) => /Break-glass/.test(m.subject) && (m.text ?? '').includes(glass.grantId));
    assert.equal(all.length, 3, 'three addresses, three messages');
    assert.equal((await mailsOf(adminA, glass.grantId, /./)).length, 0, 'the replaced admin address gets nothing');
    assert.doesNotMatch(all.map((m) => `${m.text ?? ''}${m.html ?? ''}`).join(''), /Erin|Engineerson/);

    const history = await system.get<{
      changes: {
        fields: string[];
        before: { adminNotificationContacts?: string[] } | null;
        after: { adminNotificationContacts?: string[] } | null;
      }[];
    }>(`/api/tenants/${t.tenantId}/history`, t.adminToken);
    const [provisioned, adminChange] = history.body.changes;
    assert.deepEqual(provisioned?.after?.adminNotificationContacts, [adminA]);
    assert.deepEqual(
      [adminChange?.fields, adminChange?.before?.adminNotificationContacts, adminChange?.after?.adminNotificationContacts],
      [['adminNotificationContacts'], [adminA], [adminB, both]],
    );
  });

  test('a retried request with the same Idempotency-Key makes one grant and one notice; nobody else revokes an engineer\'s grant', async () => {
    const body = { ...REQUEST, ticket: 'SUP-idem' };
    const send = () => system.request<Grant>('POST', base(), { token: engineer, body, headers: { 'idempotency-key': 'sup-idem-1' } });
    const [first, second] = [await send(), await send()];
    assert.equal(first.status, 201);
    assert.equal(second.body.grantId, first.body.grantId);
    await system.settle();
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['type'] === 'supportGrant' && d['ticket'] === 'SUP-idem');
    assert.equal(stored.length, 1);
    const notices = (await mailsTo(tenant.contacts.privacy[0]!.email)).filter((m) => (m.text ?? '').includes(first.body.grantId));
    assert.equal(notices.length, 1, 'the request is announced once');

    const colleague = await supportToken('support-eng-3');
    assert.equal((await system.post(`${base()}/${first.body.grantId}/revoke`, {}, colleague)).status, 404);
    assert.equal((await system.get<Grant>(`${base()}/${first.body.grantId}`, tenant.adminToken)).body.status, 'pending');
  });

  test('an email outage delays the break-glass notice, which is retried and sent to each contact once, and never extends the access', async () => {
    const t = await provisionTenant(system);
    const user = (await createUser(system, t)).userId;
    const faults = await fetch(`${system.platform!.addresses.email.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 2 }),
    });
    assert.equal(faults.status, 200);
    const grant = await requestGrant({ ...REQUEST, scope: ['users:read'], duration: 'PT30M', emergency: true }, engineer, t);
    const addresses = [t.contacts.security[0]!.email, t.contacts.privacy[0]!.email];
    const sentDuringOutage = (await Promise.all(addresses.map(mailsTo))).flat().length;
    assert.ok(sentDuringOutage < 2, `the outage held the notice back (${sentDuringOutage} sent)`);
    assert.equal((await system.get(`/api/tenants/${t.tenantId}/users/${user}`, engineer)).status, 200, 'break-glass access does not wait for the mail service');
    await system.advance('PT5M');
    await system.settle();
    for (const address of addresses) assert.equal((await mailsTo(address)).filter((m) => /Break-glass/.test(m.subject)).length, 1, address);
    await system.advanceTo(new Date(grant.expiresAt!));
    await system.settle();
    assert.equal((await system.get<Problem>(`/api/tenants/${t.tenantId}/users/${user}`, engineer)).body.code, 'SUPPORT.NO_GRANT');
    for (const address of addresses) assert.equal((await mailsTo(address)).filter((m) => /has ended/.test(m.subject)).length, 1, address);
  });

  test('access from a country without a transfer impact assessment is refused and nothing is written', async () => {
    const before = await lockboxDocuments(tenant);
    const response = await system.post<Problem>(base(), { ...REQUEST, origin: 'BR' }, engineer);
    assert.equal(response.status, 422);
    assert.equal(response.body.code, 'SUPPORT.NO_TRANSFER_BASIS');
    assert.deepEqual(await lockboxDocuments(tenant), before);
  });

  test('every lockbox route refuses bad input with a 400 naming the field, and writes nothing', async () => {
    const pending = await requestGrant({ ...REQUEST, ticket: 'SUP-bad-input' });
    const active = await approve(await requestGrant({ ...REQUEST, ticket: 'SUP-bad-input-2' }));
    const before = await lockboxDocuments(tenant);
    const cases: [string, string, unknown, string, string][] = [
      ['POST', base(), { ...REQUEST, scope: ['dsars:read'] }, engineer, 'scope.0'],
      ['POST', base(), { ...REQUEST, scope: [] }, engineer, 'scope'],
      ['POST', base(), { ...REQUEST, duration: 'PT9H' }, engineer, 'duration'],
      ['POST', base(), { ...REQUEST, duration: 'P1D' }, engineer, 'duration'],
      ['POST', base(), { ...REQUEST, origin: 'XX' }, engineer, 'origin'],
      ['POST', base(), { ...REQUEST, reason: '' }, engineer, 'reason'],
      ['POST', base(), { ...REQUEST, ticket: 'a\u202eb' }, engineer, 'ticket'],
      ['POST', base(), { ...REQUEST, emergency: 'yes' }, engineer, 'emergency'],
      ['POST', base(), { ...REQUEST, admin: true }, engineer, 'admin'],
      ['POST', `${base()}/g-nothex/approve`, undefined, tenant.adminToken, 'path:grantId'],
      ['POST', `${base()}/${pending.grantId}/deny`, {}, tenant.adminToken, 'reason'],
      ['POST', `${base()}/${active.grantId}/revoke`, { reason: 'x', why: 'y' }, tenant.adminToken, 'why'],
      ['POST', `${base()}/${active.grantId}/review`, { outcome: 'fine', notes: 'x' }, tenant.adminToken, 'outcome'],
      ['GET', `${base()}?format=xml`, undefined, tenant.adminToken, 'query:format'],
      ['GET', `${base()}/${active.grantId}?format=csv`, undefined, tenant.adminToken, 'query:format'],
      ['GET', `${base()}/${active.grantId}/log?format=pdf`, undefined, tenant.adminToken, 'query:format'],
      ['GET', `${base()}/G-0000000000000000/log`, undefined, tenant.adminToken, 'path:grantId'],
    ];
    for (const [method, path, body, token, field] of cases) {
      const response = await system.request<Problem>(method, path, { token, ...(body !== undefined ? { body } : {}) });
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.ok(response.body.errors?.some((e) => e.path === field), `${method} ${path} names ${field}: ${JSON.stringify(response.body.errors)}`);
    }
    assert.deepEqual(await lockboxDocuments(tenant), before);
  });

  /** Runs an export job of the tenant to completion and downloads its file. */
  async function exported(t: TenantFixture, body: Record<string, unknown>): Promise<string> {
    const started = await system.post<{ exportId: string }>(`/api/tenants/${t.tenantId}/exports`, body, t.adminToken);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await system.settle();
    const done = await system.get<{ status: string; download?: { url: string } }>(`/api/tenants/${t.tenantId}/exports/${started.body.exportId}`, t.adminToken);
    assert.equal(done.body.status, 'ready', JSON.stringify(done.body));
    return (await fetch(done.body.download!.url)).text();
  }

  /** The tenant's grants and access-log entries as stored. */
  async function lockboxDocuments(t: TenantFixture): Promise<unknown[]> {
    const docs = await system.allDocuments(t.region);
    return docs
      .filter((d) => d['tenantId'] === t.tenantId && (d['type'] === 'supportGrant' || d['type'] === 'supportAccess'))
      .map(({ _ts, _rid, _self, _attachments, ...rest }) => rest)
      .sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
  }
});
