// What each customer is told about a breach, end to end: only its own figures (never another
// tenant's or a vendor-wide total), a tenant found to be affected later catching up on every notice,
// a draft closed as not notifiable and kept in the register, and the internal notification target
// (BREACH_NOTIFY_TARGET) alerting ops at its instant and requiring a reason for the delay after it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

const HOUR = 3600_000;
const OPS_MAILBOX = 'breach-team@ops.notifications.local';

interface TenantEntry {
  tenantId: string;
  addedBy: number;
  facts: { approxSubjects: number | null; approxRecords: number | null } | null;
  awarenessToNoticeMinutes: number | null;
  notices: { seq: number; firstSentAt: string | null }[];
}

interface BreachBody {
  breachId: string;
  status: string;
  notifyTarget: string;
  facts: {
    approxSubjects: number | null;
    approxRecords: number | null;
    tenantTotals: { approxSubjects: number; tenantsWithFigures: number };
    occurredFrom: string | null;
    status: string | null;
  };
  closed: { outcome: string; notifiable: boolean; reasoning: string | null } | null;
  clock: { kind: string; sentAt: string }[];
  tenants: (TenantEntry & { alerts: { noticeId: string; cause: string; refused?: number }[] })[];
  notification: { afterTarget: boolean; late: boolean; delayReason: string | null } | null;
}

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

function facts(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    summary: 'Reporting database snapshot exposed',
    nature: 'A snapshot of the reporting database was shared by a misconfigured link.',
    categoriesOfData: ['names', 'work email addresses'],
    likelyConsequences: 'Phishing aimed at the people named.',
    measures: 'Link revoked; access logs reviewed.',
    ...overrides,
  };
}

describe('breach facts per tenant', () => {
  let system: LocalSystem;
  let ops: string;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    ops = await opsToken(system, 'ops.breach');
  });
  after(async () => {
    await system?.stop();
  });

  async function open(body: Record<string, unknown>): Promise<BreachBody> {
    const response = await system.post<BreachBody>('/api/breaches', body, ops);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    await system.settle();
    return response.body;
  }
  const breach = async (id: string): Promise<BreachBody> => (await system.get<BreachBody>(`/api/breaches/${id}`, ops)).body;
  const addressesOf = (tenant: TenantFixture): string[] => [...tenant.contacts.security, ...tenant.contacts.privacy].map((c) => c.email);
  const mailsTo = async (breachId: string, tenant: TenantFixture) =>
    (await system.outbox()).filter((m) => m.subject.includes(breachId) && addressesOf(tenant).includes(m.to[0]!));

  test('two tenants in one breach each get only their own figures; the register keeps both and the total', async () => {
    const a = await provisionTenant(system);
    const b = await provisionTenant(system, { region: 'eu' });
    const opened = await open(
      facts({
        awareAt: (await system.now()).toISOString(),
        occurredFrom: '2026-11-30T22:00:00+01:00',
        status: 'contained',
        affectedTenants: [
          { tenantId: a.tenantId, approxSubjects: 1234, approxRecords: 56789 },
          { tenantId: b.tenantId, approxSubjects: 87, approxRecords: 901, categoriesOfData: ['names'] },
        ],
      }),
    );
    const toA = await mailsTo(opened.breachId, a);
    const toB = await mailsTo(opened.breachId, b);
    assert.equal(toA.length, 2);
    assert.equal(toB.length, 2);
    for (const mail of toA) {
      assert.match(mail.text ?? '', /Approximate number of data subjects: 1234\n/);
      assert.match(mail.text ?? '', /Approximate number of records: 56789\n/);
      assert.doesNotMatch(mail.text ?? '', /\b87\b|\b901\b|1321|57690/, 'nothing of the other tenant, no total');
      assert.match(mail.text ?? '', /Status of the breach: contained/);
      assert.match(mail.text ?? '', /When it happened: 2026-11-30T21:00:00\.000Z/);
    }
    for (const mail of toB) {
      assert.match(mail.text ?? '', /Approximate number of data subjects: 87\n/);
      assert.match(mail.text ?? '', /Categories of personal data: names\n/);
      assert.doesNotMatch(mail.text ?? '', /1234|56789|1321|57690/);
    }
    const register = await breach(opened.breachId);
    assert.deepEqual([register.facts.approxSubjects, register.facts.approxRecords], [1321, 57690], 'the vendor-wide total is kept');
    assert.deepEqual(register.tenants.map((t) => [t.tenantId, t.facts?.approxSubjects]), [[a.tenantId, 1234], [b.tenantId, 87]]);
    assert.equal(register.facts.occurredFrom, '2026-11-30T21:00:00.000Z');
    assert.ok(register.tenants.every((t) => t.awarenessToNoticeMinutes === 0), 'awareness-to-notice time per tenant');

    // Figures corrected for one tenant by an update reach that tenant alone.
    const update = await system.post(
      `/api/breaches/${opened.breachId}/updates`,
      { information: 'Count confirmed from the logs.', tenantFacts: [{ tenantId: b.tenantId, approxSubjects: 92, approxRecords: 950 }] },
      ops,
    );
    assert.equal(update.status, 202, JSON.stringify(update.body));
    await system.settle();
    const updateToB = (await mailsTo(opened.breachId, b)).filter((m) => m.subject.startsWith('Update 1'));
    const updateToA = (await mailsTo(opened.breachId, a)).filter((m) => m.subject.startsWith('Update 1'));
    assert.equal(updateToB.length, 2);
    assert.match(updateToB[0]!.text ?? '', /Changed since the previous notice: Approximate number of data subjects, Approximate number of records/);
    assert.match(updateToB[0]!.text ?? '', /Approximate number of data subjects: 92\n/);
    assert.equal(updateToA.length, 2);
    assert.doesNotMatch(updateToA[0]!.text ?? '', /Changed since the previous notice|\b92\b|\b950\b/);
    assert.match(updateToA[0]!.text ?? '', /Approximate number of data subjects: 1234\n/);
  });

  test('a tenant found to be affected by an update gets the initial notice and every update so far', async () => {
    const first = await provisionTenant(system);
    const late = await provisionTenant(system);
    const opened = await open(
      facts({ awareAt: (await system.now()).toISOString(), affectedTenants: [{ tenantId: first.tenantId, approxSubjects: 10, approxRecords: 20 }] }),
    );
    assert.equal((await system.post(`/api/breaches/${opened.breachId}/updates`, { information: 'Logs reviewed.', status: 'contained' }, ops)).status, 202);
    await system.settle();
    assert.equal((await mailsTo(opened.breachId, late)).length, 0);

    const refused = await system.post<Problem>(`/api/breaches/${opened.breachId}/updates`, { information: 'again', addTenants: [first.tenantId] }, ops);
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors?.map((e) => e.path), ['addTenants.0']);

    const added = await system.post(
      `/api/breaches/${opened.breachId}/updates`,
      { information: 'A second customer was in the same snapshot.', addTenants: [{ tenantId: late.tenantId, approxSubjects: 3, approxRecords: 7 }] },
      ops,
    );
    assert.equal(added.status, 202, JSON.stringify(added.body));
    await system.settle();
    const toLate = await mailsTo(opened.breachId, late);
    const subjects = [...new Set(toLate.map((m) => m.subject.replace(/:.*$/, '')))].sort();
    assert.deepEqual(subjects, [
      `Personal data breach notice ${opened.breachId}`,
      `Update 1 to personal data breach notice ${opened.breachId}`,
      `Update 2 to personal data breach notice ${opened.breachId}`,
    ]);
    assert.equal(toLate.length, 6, 'each notice once to each contact');
    for (const mail of toLate) {
      assert.match(mail.text ?? '', /Approximate number of data subjects: 3\n/, 'its own figures from the start');
      assert.doesNotMatch(mail.text ?? '', /Approximate number of data subjects: 10\n/);
    }
    assert.equal((await mailsTo(opened.breachId, first)).filter((m) => m.subject.startsWith('Update 2')).length, 2, 'the first tenant gets the update too');
    const register = await breach(opened.breachId);
    assert.deepEqual(register.tenants.map((t) => [t.tenantId, t.addedBy, t.notices.map((n) => n.firstSentAt !== null)]), [
      [first.tenantId, 0, [true, true, true]],
      [late.tenantId, 2, [true, true, true]],
    ]);
  });

  test('a draft closes as not notifiable, its clock stops and it stays in the register', async () => {
    const tenant = await provisionTenant(system);
    const awareAt = await system.now();
    const opened = await open(facts({ awareAt: awareAt.toISOString(), draft: true, affectedTenants: [tenant.tenantId] }));
    const missingReasoning = await system.post<Problem>(`/api/breaches/${opened.breachId}/close`, { outcome: 'Encrypted laptop lost', notifiable: false }, ops);
    assert.equal(missingReasoning.status, 400);
    assert.deepEqual(missingReasoning.body.errors?.map((e) => e.path), ['reasoning']);
    const notNotified = await system.post<Problem>(`/api/breaches/${opened.breachId}/close`, { outcome: 'Encrypted laptop lost' }, ops);
    assert.equal(notNotified.status, 409, 'a draft closes only as not notifiable');

    const reasoning = 'The laptop was fully encrypted and the key was not with it: unlikely to result in a risk (Art 33(1)).';
    const closed = await system.post<BreachBody>(
      `/api/breaches/${opened.breachId}/close`,
      { outcome: 'Laptop lost; remote wipe confirmed.', notifiable: false, reasoning },
      ops,
    );
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    await system.advance('P4D');
    assert.deepEqual((await breach(opened.breachId)).clock, [], 'no target alert, reminder or escalation after the close');
    assert.equal((await system.outbox()).filter((m) => m.subject.includes(opened.breachId)).length, 0, 'nothing was sent');
    assert.equal((await system.instance(`breach-${opened.breachId}`)).runtimeStatus, 'Completed');
    const inRegister = (await system.get<{ breaches: BreachBody[] }>('/api/breaches', ops)).body.breaches.find((b) => b.breachId === opened.breachId);
    assert.deepEqual([inRegister?.status, inRegister?.closed?.notifiable, inRegister?.closed?.reasoning], ['closed', false, reasoning]);
    const release = await system.post<Problem>(`/api/breaches/${opened.breachId}/notify`, { delayReason: 'changed our mind' }, ops);
    assert.equal(release.status, 409);
    const csv = (await system.request<string>('GET', '/api/breaches?format=csv', { token: ops })).body;
    assert.ok(csv.includes(opened.breachId), 'the CSV register lists it');
  });

  test('the internal target alerts ops at its instant and a notice after it needs a reason for the delay', async () => {
    const tenant = await provisionTenant(system);
    const awareAt = new Date((await system.now()).getTime() - 2 * HOUR);
    const opened = await open(facts({ awareAt: awareAt.toISOString(), draft: true, affectedTenants: [tenant.tenantId] }));
    assert.equal(opened.notifyTarget, new Date(awareAt.getTime() + 24 * HOUR).toISOString(), 'BREACH_NOTIFY_TARGET defaults to 24 hours after awareness');
    const alerts = async () => (await system.outbox()).filter((m) => m.subject.includes(opened.breachId) && m.to.includes(OPS_MAILBOX));
    await system.advanceTo(new Date(awareAt.getTime() + 24 * HOUR - 1000));
    assert.equal((await alerts()).length, 0);
    await system.advance('PT1S');
    const [target] = await alerts();
    assert.equal(target?.sentAt, new Date(awareAt.getTime() + 24 * HOUR).toISOString());
    assert.match(target?.subject ?? '', /^Target missed/);
    const onTarget = (await breach(opened.breachId)).notification;
    assert.equal(onTarget, null);
    await system.advance('PT1M');

    const refused = await system.post<Problem>(`/api/breaches/${opened.breachId}/notify`, {}, ops);
    assert.equal(refused.status, 422, 'after the target, well before 72 hours, a reason is required');
    assert.deepEqual(refused.body.errors?.map((e) => e.path), ['delayReason']);
    const reason = 'The affected customer could only be identified from the vendor’s backups.';
    const released = await system.post<BreachBody>(`/api/breaches/${opened.breachId}/notify`, { delayReason: reason }, ops);
    assert.equal(released.status, 202, JSON.stringify(released.body));
    assert.deepEqual([released.body.notification?.afterTarget, released.body.notification?.late], [true, false]);
    await system.settle();
    const notices = await mailsTo(opened.breachId, tenant);
    assert.equal(notices.length, 2);
    assert.ok(notices.every((m) => m.text?.includes(`Reason for the delay: ${reason}`)));
    assert.ok(notices.every((m) => !m.text?.includes('after our 72-hour commitment')), 'on time for the 72-hour promise');
    const entry = (await breach(opened.breachId)).tenants[0]!;
    assert.equal(entry.awarenessToNoticeMinutes, 24 * 60 + 1, 'the register shows awareness-to-notice time');
  });

  test('a notice the email service refuses for a contact alerts ops once, naming the tenant and notice, never the address', async () => {
    const tenant = await provisionTenant(system);
    const bounced = tenant.contacts.privacy[0]!.email;
    // The address is on the service's suppression list (it bounced before): the send is accepted, then fails.
    const faults = await fetch(`${system.platform!.addresses.email.url}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ suppress: [bounced] }),
    });
    assert.equal(faults.status, 200);
    const opened = await open(facts({ awareAt: (await system.now()).toISOString(), affectedTenants: [tenant.tenantId] }));
    const delivered = await mailsTo(opened.breachId, tenant);
    assert.deepEqual(delivered.map((m) => m.to[0]), [tenant.contacts.security[0]!.email], 'the other contact still gets it');
    const alerts = (await system.outbox()).filter((m) => m.to.includes(OPS_MAILBOX) && m.subject.includes(opened.breachId));
    assert.equal(alerts.length, 1);
    assert.ok(alerts[0]!.subject.includes(tenant.tenantId) && alerts[0]!.subject.includes(`${opened.breachId}-n0`) && /refused/.test(alerts[0]!.subject));
    assert.ok(!alerts[0]!.text?.includes(bounced), 'no address in the alert');
    const entry = (await breach(opened.breachId)).tenants[0]!;
    assert.deepEqual(entry.alerts.map((a) => [a.noticeId, a.cause, a.refused]), [[`${opened.breachId}-n0`, 'refused', 1]]);
  });
});
