// Breach notification end to end on the virtual clock: notices to each tenant's nominated contacts
// (once per contact, even across a host crash), the 72-hour clock's reminders and escalation at their
// instants, a late notice refused without a reason, phased updates to every affected tenant,
// acknowledgements that stop the 24-hourly re-sends, tenant isolation, and the register.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';

const HOUR = 3600_000;
const OPS_MAILBOX = 'breach-team@ops.notifications.local';
const ESCALATION_MAILBOX = 'breach-escalation@ops.notifications.local';

interface NoticeStatus {
  noticeId: string;
  seq: number;
  kind: string;
  firstSentAt: string | null;
  lastSentAt: string | null;
  resends: number;
  recipients: number;
  acknowledgedAt: string | null;
}

interface BreachBody {
  breachId: string;
  status: string;
  phase: string;
  closed?: { outcome: string } | null;
  awareAt: string;
  notifyBy: string;
  notification: { releasedAt: string; late: boolean; delayReason: string | null } | null;
  facts: { summary: string; approxSubjects: number | null };
  remedialAction: { measures: string };
  updates: { seq: number; noticeId: string | null }[];
  affectedTenants: { resolvedAt: string | null; count: number | null };
  clock: { kind: string; sentAt: string }[];
  tenants: { tenantId: string; notices: NoticeStatus[]; alerts: { cause: string }[] }[];
}

interface NoticeView {
  noticeId: string;
  breachId: string;
  kind: string;
  seq: number;
  references?: string;
  content: { content: { measures: string }; late: boolean; delayReason?: string; furtherInformation: { seq: number }[] };
  firstSentAt: string | null;
  resends: number;
  deliveries: { attempt: number; sentAt: string; recipients: { email: string; roles: string[] }[] }[];
  acknowledged: { at: string; by: string } | null;
}

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

/** The same instant written with another UTC offset (`+02:00`, `-05:00`). */
function withOffset(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const abs = Math.abs(offsetMinutes);
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function breachRequest(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    summary: 'Support mailbox forwarded to a wrong address',
    nature: 'A forwarding rule sent support emails to an external address for six hours.',
    categoriesOfData: ['names', 'work email addresses', 'shift schedules'],
    categoriesOfSubjects: ['employees of the customer'],
    approxSubjects: 40,
    approxRecords: 310,
    likelyConsequences: 'Targeted phishing of the people named.',
    measures: 'Rule removed; the recipient was asked to delete the emails.',
    ...overrides,
  };
}

describe('breach notification', () => {
  let system: LocalSystem;
  let ops: string;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    ops = await opsToken(system, 'ops.breach');
  });
  after(async () => {
    await system?.stop();
  });

  async function open(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<BreachBody> {
    const response = await system.request<BreachBody>('POST', '/api/breaches', { token: ops, body, headers });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.equal(response.headers.get('location'), `/api/breaches/${response.body.breachId}`);
    await system.settle();
    return response.body;
  }

  async function breach(breachId: string): Promise<BreachBody> {
    const response = await system.get<BreachBody>(`/api/breaches/${breachId}`, ops);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  }

  async function notices(tenant: TenantFixture): Promise<NoticeView[]> {
    const response = await system.get<{ notices: NoticeView[] }>(`/api/tenants/${tenant.tenantId}/breach-notices`, tenant.adminToken);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body.notices;
  }

  /** Emails about one breach (its id is in every subject), by recipient. */
  async function mailsOf(breachId: string) {
    return (await system.outbox()).filter((m) => m.subject.includes(breachId));
  }

  const addressesOf = (tenant: TenantFixture): string[] => [...tenant.contacts.security, ...tenant.contacts.privacy].map((c) => c.email);

  function countPerAddress(mails: { to: string[] }[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const m of mails) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  }

  test('notices sent on time reach each nominated contact once, and a tenant sees only its own', async () => {
    const uk = await provisionTenant(system);
    const eu = await provisionTenant(system, { region: 'eu' });
    const bystander = await provisionTenant(system);
    const now = await system.now();
    const awareAt = withOffset(new Date(now.getTime() - 5 * HOUR), 120);

    const opened = await open(breachRequest({ awareAt, affectedTenants: [uk.tenantId, eu.tenantId] }));
    assert.equal(opened.notifyBy, new Date(now.getTime() + 67 * HOUR).toISOString(), 'notifyBy is awareAt + 72 hours, in UTC');
    assert.match(opened.notifyBy, /Z$/);
    assert.equal(opened.awareAt, new Date(now.getTime() - 5 * HOUR).toISOString());

    const mails = await mailsOf(opened.breachId);
    const counts = countPerAddress(mails);
    for (const address of [...addressesOf(uk), ...addressesOf(eu)]) assert.equal(counts.get(address), 1, `${address} got the notice once`);
    for (const address of addressesOf(bystander)) assert.equal(counts.get(address), undefined, 'a tenant not affected gets nothing');
    assert.equal(mails.length, 4);
    for (const mail of mails) {
      assert.equal(mail.to.length, 1, 'one message per contact');
      assert.equal(mail.sentAt, now.toISOString(), 'sent at once');
      assert.match(mail.text ?? '', /A forwarding rule sent support emails/);
      assert.match(mail.text ?? '', /Data Protection Officer, dpo@vendor\.notifications\.local/, 'the contact point is the vendor DPO by default');
    }
    const ukMail = mails.find((m) => m.to[0] === uk.contacts.privacy[0]!.email)!;
    assert.ok(ukMail.text?.includes(uk.tenantId) && !ukMail.text.includes(eu.tenantId), 'a notice names only its own tenant');
    assert.match(ukMail.text ?? '', new RegExp(`/api/tenants/${uk.tenantId}/breach-notices/${opened.breachId}-n0/acknowledge`));

    const ukNotices = await notices(uk);
    assert.equal(ukNotices.length, 1);
    assert.equal(ukNotices[0]!.kind, 'initial');
    assert.equal(ukNotices[0]!.firstSentAt, now.toISOString());
    assert.deepEqual(ukNotices[0]!.deliveries[0]!.recipients.map((r) => r.email).sort(), addressesOf(uk).sort(), 'what was sent to whom');
    assert.ok(!JSON.stringify(ukNotices).includes(eu.tenantId), "the UK tenant's notices say nothing of the EU tenant");
    assert.ok(!JSON.stringify(await notices(eu)).includes(uk.tenantId));
    assert.deepEqual(await notices(bystander), [], 'a tenant not affected has no notice');

    assert.equal((await system.get(`/api/tenants/${eu.tenantId}/breach-notices`, uk.adminToken)).status, 403, "another tenant's notices are refused");
    assert.equal((await system.get(`/api/tenants/${eu.tenantId}/breach-notices/${opened.breachId}-n0`, uk.adminToken)).status, 403);
    assert.equal((await system.post(`/api/tenants/${eu.tenantId}/breach-notices/${opened.breachId}-n0/acknowledge`, undefined, uk.adminToken)).status, 403);
    assert.equal((await system.get(`/api/tenants/${bystander.tenantId}/breach-notices/${opened.breachId}-n0`, bystander.adminToken)).status, 404);
    assert.equal((await system.get(`/api/tenants/${uk.tenantId}/breach-notices`, ops)).status, 403, 'ops.breach do not read a tenant\'s notice records');

    const register = await breach(opened.breachId);
    assert.equal(register.phase, 'notified');
    for (const t of register.tenants) {
      assert.equal(t.notices[0]!.firstSentAt, now.toISOString());
      assert.equal(t.notices[0]!.recipients, 2);
      assert.equal(t.notices[0]!.acknowledgedAt, null);
    }

    const audit = await system.get<{ entries: { action: string }[] }>(`/api/tenants/${uk.tenantId}/audit`, uk.adminToken);
    const actions = audit.body.entries.map((e) => e.action);
    for (const action of ['breach.notice.created', 'breach.notice.sent', 'breach.notices.read'])
      assert.ok(actions.includes(action), `${action} is audited in the tenant's log`);
    assert.equal((await system.get<{ valid: boolean }>(`/api/tenants/${uk.tenantId}/audit/verify`, uk.adminToken)).body.valid, true);

    const control = JSON.stringify(await system.allDocuments('uksouth', 'control'));
    const tenantData = JSON.stringify([...(await system.allDocuments('uksouth')), ...(await system.allDocuments('eu'))]);
    for (const address of [...addressesOf(uk), ...addressesOf(eu)]) {
      assert.ok(!control.includes(address), 'no contact of a tenant is in the control plane');
      assert.ok(!tenantData.includes(address), 'recipients are stored encrypted');
    }
    const euDocs = await system.allDocuments('eu');
    assert.ok(euDocs.some((d) => d['tenantId'] === eu.tenantId && d['type'] === 'breachNotice'), "the EU tenant's notice record is in the EU");
    assert.ok(!(await system.allDocuments('uksouth')).some((d) => d['tenantId'] === eu.tenantId), 'and nothing of it in UK South');
  });

  test('while notices are unsent, ops are reminded at 24, 48 and 66 hours and escalated at 70; a late notice needs a reason', async () => {
    const tenant = await provisionTenant(system);
    const awareAt = await system.now();
    const opened = await open(breachRequest({ awareAt: withOffset(awareAt, -300), draft: true, affectedTenants: [tenant.tenantId] }));
    assert.equal(opened.status, 'draft');
    assert.equal(opened.notifyBy, new Date(awareAt.getTime() + 72 * HOUR).toISOString());
    const at = (hours: number): string => new Date(awareAt.getTime() + hours * HOUR).toISOString();
    const alerts = async () => (await mailsOf(opened.breachId)).filter((m) => m.to.includes(OPS_MAILBOX) || m.to.includes(ESCALATION_MAILBOX));

    await system.advanceTo(new Date(awareAt.getTime() + 24 * HOUR - 1000));
    assert.equal((await alerts()).length, 0, 'nothing before 24 hours');
    await system.advance('PT1S');
    assert.deepEqual((await alerts()).map((m) => [m.to[0], m.sentAt]), [[OPS_MAILBOX, at(24)]]);
    assert.match((await alerts())[0]!.subject, /^Target missed: .* 48 hours to the 72-hour deadline/);

    // Phased information while still a draft goes into the initial notice.
    const draftUpdate = await system.post<{ seq: number; noticeId: string | null }>(
      `/api/breaches/${opened.breachId}/updates`,
      { information: 'Logs show the forwarding began at 02:10.', approxSubjects: 44 },
      ops,
    );
    assert.equal(draftUpdate.status, 202);
    assert.equal(draftUpdate.body.noticeId, null);

    await system.advanceTo(new Date(awareAt.getTime() + 66 * HOUR - 1000));
    assert.deepEqual((await alerts()).map((m) => m.sentAt), [at(24), at(48)]);
    await system.advanceTo(new Date(awareAt.getTime() + 72 * HOUR));
    const sent = await alerts();
    assert.deepEqual(sent.map((m) => [m.to[0], m.sentAt]), [[OPS_MAILBOX, at(24)], [OPS_MAILBOX, at(48)], [OPS_MAILBOX, at(66)], [ESCALATION_MAILBOX, at(70)]]);
    assert.match(sent[3]!.subject, /^ESCALATION/);
    assert.deepEqual(
      (await breach(opened.breachId)).clock.map((c) => [c.kind, c.sentAt]),
      [
        ['notify-target', at(24)],
        ['reminder-48h', at(48)],
        ['reminder-66h', at(66)],
        ['escalation-70h', at(70)],
      ],
    );
    for (const address of addressesOf(tenant)) assert.ok(!(await mailsOf(opened.breachId)).some((m) => m.to.includes(address)), 'no notice while a draft');

    // At notifyBy exactly the notice would still be on time; a second later it is late.
    await system.advance('PT1S');
    const refused = await system.post<Problem>(`/api/breaches/${opened.breachId}/notify`, {}, ops);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 'BREACH.DELAY_REASON_REQUIRED');
    assert.deepEqual(refused.body.errors?.map((e) => e.path), ['delayReason']);
    await system.settle();
    assert.equal((await breach(opened.breachId)).status, 'draft', 'nothing changed');
    assert.equal((await mailsOf(opened.breachId)).length, 4, 'nothing sent');

    const reason = 'The scope could only be established once the mail provider returned its logs.';
    const released = await system.post<BreachBody>(`/api/breaches/${opened.breachId}/notify`, { delayReason: reason }, ops);
    assert.equal(released.status, 202, JSON.stringify(released.body));
    assert.equal(released.body.notification?.late, true);
    await system.settle();
    const delivered = (await mailsOf(opened.breachId)).filter((m) => addressesOf(tenant).includes(m.to[0]!));
    assert.equal(delivered.length, 2, 'the notice reached both contacts');
    for (const mail of delivered) {
      assert.ok(mail.text?.includes(`Reason for the delay: ${reason}`), 'the late notice gives the reason');
      assert.match(mail.text ?? '', /Update 1 \(.*\): Logs show the forwarding began at 02:10\./, 'and the information added in draft');
      assert.match(mail.text ?? '', /Approximate number of data subjects: 44/);
    }
    assert.equal((await notices(tenant)).length, 1, 'the draft update is part of the initial notice, not a notice of its own');
    const register = await breach(opened.breachId);
    assert.equal(register.notification?.delayReason, reason);
    assert.equal(register.updates[0]!.noticeId, `${opened.breachId}-n0`);

    const again = await system.post<BreachBody>(`/api/breaches/${opened.breachId}/notify`, {}, ops);
    assert.equal(again.status, 202, 'releasing again is answered with the breach');
    await system.settle();
    assert.equal((await mailsOf(opened.breachId)).filter((m) => addressesOf(tenant).includes(m.to[0]!)).length, 2, 'and sends nothing twice');
    assert.equal((await system.post<Problem>(`/api/breaches/${opened.breachId}/notify`, { delayReason: 'another reason' }, ops)).status, 409);

    // Opening a breach ready to notify after the deadline needs the reason too, and writes nothing without it.
    const before = (await system.get<{ breaches: unknown[] }>('/api/breaches', ops)).body.breaches.length;
    const lateOpen = await system.post<Problem>(
      '/api/breaches',
      breachRequest({ awareAt: withOffset(new Date(awareAt.getTime() - 10 * HOUR), 60), affectedTenants: [tenant.tenantId] }),
      ops,
    );
    assert.equal(lateOpen.status, 422);
    assert.deepEqual(lateOpen.body.errors?.map((e) => e.path), ['delayReason']);
    assert.equal((await system.get<{ breaches: unknown[] }>('/api/breaches', ops)).body.breaches.length, before);
  });

  test('a draft whose awareness is given a moment ahead (within the clock-skew tolerance) waits for its first alert in daily slices and notifies when released', async () => {
    const tenant = await provisionTenant(system);
    const now = await system.now();
    // A browser clock two minutes ahead of the server: the first alert is more than 24 hours away.
    const opened = await open(
      breachRequest({ awareAt: new Date(now.getTime() + 2 * 60_000).toISOString(), draft: true, affectedTenants: [tenant.tenantId] }),
    );
    assert.equal(opened.status, 'draft');
    await system.advance('PT25H');
    assert.equal((await system.instance(`breach-${opened.breachId}`)).runtimeStatus, 'Running', 'the draft workflow waits on');
    const alerts = (await mailsOf(opened.breachId)).filter((m) => m.to.includes(OPS_MAILBOX));
    assert.equal(alerts.length, 1, 'the 24-hour alert went out once');
    const delayReason = 'The affected tenants were confirmed only after the target.';
    const released = await system.post<BreachBody>(`/api/breaches/${opened.breachId}/notify`, { delayReason }, ops);
    assert.equal(released.status, 202, JSON.stringify(released.body));
    await system.settle();
    assert.equal(
      (await mailsOf(opened.breachId)).filter((m) => addressesOf(tenant).includes(m.to[0]!)).length,
      2,
      'the notice reached both contacts',
    );
  });

  test('an update reaches every affected tenant and references the initial notice', async () => {
    const eu1 = await provisionTenant(system, { region: 'eu' });
    const eu2 = await provisionTenant(system, { region: 'eu' });
    const uk = await provisionTenant(system);
    const euTenants = (await system.get<{ tenants: { tenantId: string }[] }>('/api/tenants?region=eu', ops)).body.tenants.map((t) => t.tenantId);
    const opened = await open(breachRequest({ awareAt: (await system.now()).toISOString(), affectedTenants: { region: 'eu' } }));
    const resolved = await breach(opened.breachId);
    assert.equal(resolved.affectedTenants.count, euTenants.length, 'the selector was resolved once, when the notices were sent');
    assert.deepEqual(resolved.tenants.map((t) => t.tenantId).sort(), [...euTenants].sort());

    const update = await system.request<{ seq: number; noticeId: string }>('POST', `/api/breaches/${opened.breachId}/updates`, {
      token: ops,
      body: { information: 'The external recipient confirmed deletion.', measures: 'Rule removed; deletion confirmed in writing; DLP rule added.' },
      headers: { 'idempotency-key': `update-${opened.breachId}` },
    });
    assert.equal(update.status, 202, JSON.stringify(update.body));
    assert.equal(update.body.seq, 1);
    assert.equal(update.body.noticeId, `${opened.breachId}-n1`);
    const retried = await system.request<{ seq: number }>('POST', `/api/breaches/${opened.breachId}/updates`, {
      token: ops,
      body: { information: 'The external recipient confirmed deletion.', measures: 'Rule removed; deletion confirmed in writing; DLP rule added.' },
      headers: { 'idempotency-key': `update-${opened.breachId}` },
    });
    assert.equal(retried.body.seq, 1, 'a retry with the same Idempotency-Key is the same update');
    const reused = await system.request<Problem>('POST', `/api/breaches/${opened.breachId}/updates`, {
      token: ops,
      body: { information: 'Something else' },
      headers: { 'idempotency-key': `update-${opened.breachId}` },
    });
    assert.equal(reused.status, 422);
    await system.settle();

    const updates = (await mailsOf(opened.breachId)).filter((m) => m.subject.startsWith('Update 1 to personal data breach notice'));
    const counts = countPerAddress(updates);
    for (const tenant of [eu1, eu2]) for (const address of addressesOf(tenant)) assert.equal(counts.get(address), 1, `${address} got the update once`);
    for (const address of addressesOf(uk)) assert.equal(counts.get(address), undefined, 'a tenant outside the selector gets nothing');
    for (const mail of updates) {
      assert.ok(mail.text?.includes(`to notice ${opened.breachId}-n0`), 'the update references the initial notice');
      assert.match(mail.text ?? '', /The external recipient confirmed deletion\./);
      assert.match(mail.text ?? '', /Changed since the previous notice: Measures taken or proposed/);
    }
    const [latest, initial] = await notices(eu1);
    assert.equal(latest!.kind, 'update');
    assert.equal(latest!.references, initial!.noticeId);
    assert.equal(latest!.content.content.measures, 'Rule removed; deletion confirmed in writing; DLP rule added.');
    assert.equal((await breach(opened.breachId)).remedialAction.measures, 'Rule removed; deletion confirmed in writing; DLP rule added.');
    assert.deepEqual((await notices(uk)).filter((n) => n.breachId === opened.breachId), []);

    const closed = await system.request<{ closed: { outcome: string } | null }>('POST', `/api/breaches/${opened.breachId}/close`, {
      token: ops,
      body: { outcome: 'Contained; no misuse seen after 30 days of monitoring.' },
    });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.closed?.outcome, 'Contained; no misuse seen after 30 days of monitoring.');
    await system.settle();
    const workflow = await system.instance(`breach-${opened.breachId}`);
    assert.equal(workflow.runtimeStatus, 'Completed', 'the breach workflow stops waiting for updates');
    const late = await system.request<Problem>('POST', `/api/breaches/${opened.breachId}/updates`, { token: ops, body: { information: 'More facts' } });
    assert.equal(late.status, 409);
    assert.equal(late.body.code, 'BREACH.CLOSED');
    assert.equal((await breach(opened.breachId)).closed?.outcome, 'Contained; no misuse seen after 30 days of monitoring.', 'the register keeps the outcome');
  });

  test('acknowledgement stops re-sends; unacknowledged notices are re-sent every 24 hours, at most three times', async () => {
    const acknowledging = await provisionTenant(system);
    const silent = await provisionTenant(system, { region: 'eu' });
    const sentAt = await system.now();
    const opened = await open(breachRequest({ awareAt: sentAt.toISOString(), affectedTenants: [acknowledging.tenantId, silent.tenantId] }));
    const noticeId = `${opened.breachId}-n0`;
    const resendsTo = async (tenant: TenantFixture) =>
      (await mailsOf(opened.breachId)).filter((m) => m.subject.startsWith('Reminder') && addressesOf(tenant).includes(m.to[0]!));

    await system.advance('PT1H');
    const ack = await system.post<NoticeView>(
      `/api/tenants/${acknowledging.tenantId}/breach-notices/${noticeId}/acknowledge`,
      undefined,
      acknowledging.adminToken,
    );
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    assert.deepEqual(ack.body.acknowledged, { at: new Date(sentAt.getTime() + HOUR).toISOString(), by: `admin-of-${acknowledging.tenantId}` });
    await system.settle();

    await system.advanceTo(new Date(sentAt.getTime() + 24 * HOUR - 1000));
    assert.equal((await resendsTo(silent)).length, 0, 'nothing before 24 hours');
    await system.advance('PT1S');
    const first = await resendsTo(silent);
    assert.equal(first.length, 2, 'the unacknowledged notice went to both contacts again');
    assert.ok(first.every((m) => m.sentAt === new Date(sentAt.getTime() + 24 * HOUR).toISOString() && m.subject.startsWith('Reminder 1 of 3')));
    await system.advance('P5D');
    const all = await resendsTo(silent);
    assert.deepEqual(
      all.map((m) => m.sentAt),
      [24, 24, 48, 48, 72, 72].map((h) => new Date(sentAt.getTime() + h * HOUR).toISOString()),
      're-sent at 24, 48 and 72 hours, and never a fourth time',
    );
    assert.equal((await resendsTo(acknowledging)).length, 0, 'an acknowledged notice is not re-sent');
    // 24 hours after the last re-send, ops are told once, naming the tenant and the notice, never an address.
    const unacknowledged = (await mailsOf(opened.breachId)).filter((m) => m.to.includes(OPS_MAILBOX) && m.subject.includes('unacknowledged'));
    assert.deepEqual(unacknowledged.map((m) => m.sentAt), [new Date(sentAt.getTime() + 96 * HOUR).toISOString()]);
    assert.ok(unacknowledged[0]!.subject.includes(noticeId) && unacknowledged[0]!.subject.includes(silent.tenantId));
    for (const address of [...addressesOf(silent), ...addressesOf(acknowledging)])
      assert.ok(!unacknowledged[0]!.text?.includes(address), 'no contact address in the alert');
    const alertedIn = (await breach(opened.breachId)).tenants.map((t) => [t.tenantId, t.alerts.map((a) => a.cause)]);
    assert.deepEqual(
      new Map(alertedIn as [string, string[]][]),
      new Map([
        [acknowledging.tenantId, []],
        [silent.tenantId, ['unacknowledged']],
      ]),
      'the register shows the alert',
    );

    const late = await system.post<NoticeView>(`/api/tenants/${silent.tenantId}/breach-notices/${noticeId}/acknowledge`, undefined, silent.adminToken);
    assert.equal(late.status, 200);
    const twice = await system.post<NoticeView>(`/api/tenants/${silent.tenantId}/breach-notices/${noticeId}/acknowledge`, undefined, silent.adminToken);
    assert.deepEqual(twice.body.acknowledged, late.body.acknowledged, 'acknowledging again keeps the first acknowledgement');
    const silentView = (await notices(silent))[0]!;
    assert.equal(silentView.resends, 3);
    assert.deepEqual(silentView.deliveries.map((d) => d.attempt), [0, 1, 2, 3]);

    const register = await breach(opened.breachId);
    const byTenant = new Map(register.tenants.map((t) => [t.tenantId, t.notices[0]!]));
    assert.equal(byTenant.get(acknowledging.tenantId)!.resends, 0);
    assert.equal(byTenant.get(acknowledging.tenantId)!.acknowledgedAt, new Date(sentAt.getTime() + HOUR).toISOString());
    assert.equal(byTenant.get(silent.tenantId)!.resends, 3);
    const actions = (
      await system.get<{ entries: { action: string }[] }>(`/api/tenants/${acknowledging.tenantId}/audit`, acknowledging.adminToken)
    ).body.entries.map((e) => e.action);
    assert.ok(actions.includes('breach.notice.acknowledged'));
    assert.equal(
      (
        await system.post(
          `/api/tenants/${acknowledging.tenantId}/breach-notices/${opened.breachId}-n7/acknowledge`,
          undefined,
          acknowledging.adminToken,
        )
      ).status,
      404,
    );
  });

  test('a host killed in the middle of the fan-out sends no notice twice', async () => {
    const tenants = [
      await provisionTenant(system),
      await provisionTenant(system),
      await provisionTenant(system, { region: 'eu' }),
      await provisionTenant(system),
    ];
    const emailUrl = system.platform!.addresses.email.url;
    // Three sends fail (retryable 503): those activities wait for their retry, some with a contact already sent.
    const faults = await fetch(`${emailUrl}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: 3 }),
    });
    assert.equal(faults.status, 200);
    const opened = await open(breachRequest({ awareAt: (await system.now()).toISOString(), affectedTenants: tenants.map((t) => t.tenantId) }));
    const midway = (await mailsOf(opened.breachId)).length;
    assert.ok(midway > 0 && midway < 8, `killed mid-fan-out (${midway} of 8 notices sent)`);

    await system.crashAndRestartHost();
    await system.advance('PT1M');
    await system.settle();
    const counts = countPerAddress(await mailsOf(opened.breachId));
    for (const tenant of tenants) for (const address of addressesOf(tenant)) assert.equal(counts.get(address), 1, `${address} got the notice exactly once`);
    for (const t of (await breach(opened.breachId)).tenants) assert.ok(t.notices[0]!.firstSentAt, `${t.tenantId} recorded as sent`);

    // And a crash right after an update is accepted, wherever the fan-out is at that moment.
    const update = await system.post(`/api/breaches/${opened.breachId}/updates`, { information: 'Scope narrowed to one mailbox.' }, ops);
    assert.equal(update.status, 202);
    await system.crashAndRestartHost();
    await system.settle();
    const updates = countPerAddress((await mailsOf(opened.breachId)).filter((m) => m.subject.startsWith('Update 1 to')));
    for (const tenant of tenants) for (const address of addressesOf(tenant)) assert.equal(updates.get(address), 1, `${address} got the update exactly once`);
  });

  test('every breach route needs a token, breaches are for ops.breach only, and notices for the tenant\'s own admins', async () => {
    const tenant = await provisionTenant(system);
    const id = 'b-00000000000000000000';
    const routes: [string, string][] = [
      ['POST', '/api/breaches'],
      ['GET', '/api/breaches'],
      ['GET', `/api/breaches/${id}`],
      ['POST', `/api/breaches/${id}/notify`],
      ['POST', `/api/breaches/${id}/updates`],
      ['GET', `/api/tenants/${tenant.tenantId}/breach-notices`],
      ['GET', `/api/tenants/${tenant.tenantId}/breach-notices/${id}-n0`],
      ['POST', `/api/tenants/${tenant.tenantId}/breach-notices/${id}-n0/acknowledge`],
    ];
    for (const [method, path] of routes) {
      const response = await system.request(method, path, method === 'GET' ? {} : { body: {} });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    for (const token of [tenant.adminToken, await opsToken(system, 'ops.platform'), await opsToken(system, 'support')]) {
      for (const [method, path] of routes.filter(([, p]) => p.startsWith('/api/breaches'))) {
        assert.equal((await system.request(method, path, { token, ...(method === 'GET' ? {} : { body: {} }) })).status, 403, `${method} ${path}`);
      }
    }
    for (const token of [ops, await opsToken(system, 'support')]) {
      assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/breach-notices`, token)).status, 403);
      assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/breach-notices/${id}-n0/acknowledge`, undefined, token)).status, 403);
    }
    const refusals = (
      await system.get<{ entries: { action: string; outcome: string }[] }>(`/api/tenants/${tenant.tenantId}/audit?log=security`, tenant.adminToken)
    ).body.entries.filter((e) => e.action === 'request.refused' && e.outcome === 'denied');
    assert.ok(refusals.length >= 4, "vendor staff's refusals on the tenant are in its security log");
  });

  test('bad input is refused naming the field, and writes nothing', async () => {
    const tenant = await provisionTenant(system);
    const count = async () => (await system.get<{ breaches: unknown[] }>('/api/breaches', ops)).body.breaches.length;
    const before = await count();
    const now = await system.now();
    const post = (body: Record<string, unknown>, token = ops) => system.post<Problem>('/api/breaches', body, token);
    const valid = breachRequest({ awareAt: now.toISOString(), affectedTenants: [tenant.tenantId] });

    const { nature: _dropped, ...noNature } = valid;
    const cases: [Record<string, unknown>, string][] = [
      [noNature, 'nature'],
      [{ ...valid, awareAt: '2026-01-01T09:00:00' }, 'awareAt'],
      [{ ...valid, awareAt: new Date(now.getTime() + 2 * HOUR).toISOString() }, 'awareAt'],
      [{ ...valid, affectedTenants: ['t-uks-aaaaaaaaaaaaaaaaaaaa'] }, 'affectedTenants.0'],
      [{ ...valid, affectedTenants: [tenant.tenantId, 'not-a-tenant'] }, 'affectedTenants.1'],
      [{ ...valid, affectedTenants: { region: 'mars' } }, 'affectedTenants'],
      [{ ...valid, approxSubjects: -1 }, 'approxSubjects'],
      [{ ...valid, categoriesOfData: [] }, 'categoriesOfData'],
      [{ ...valid, surprise: true }, 'surprise'],
    ];
    for (const [body, path] of cases) {
      const response = await post(body);
      assert.equal(response.status, 400, `${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.errors?.[0]?.path, path);
    }
    assert.equal((await post(valid, tenant.adminToken)).status, 403, 'a tenant admin cannot open a breach');
    assert.equal((await post(valid, await opsToken(system, 'ops.platform'))).status, 403, 'nor can ops.platform');
    assert.equal((await system.request('POST', '/api/breaches', { body: valid })).status, 401);
    assert.equal((await system.get('/api/breaches', await opsToken(system, 'support'))).status, 403);
    assert.equal((await system.get('/api/breaches/b-00000000000000000000', ops)).status, 404);
    assert.equal((await system.post('/api/breaches/b-00000000000000000000/updates', { information: 'x' }, ops)).status, 404);
    assert.equal((await system.post<Problem>('/api/breaches/b-00000000000000000000/updates', {}, ops)).body.errors?.[0]?.path, 'information');
    assert.equal(await count(), before, 'nothing was written');
    assert.deepEqual(await notices(tenant), []);

    const key = { 'idempotency-key': `open-${tenant.tenantId}` };
    const first = await system.request<BreachBody>('POST', '/api/breaches', { token: ops, body: valid, headers: key });
    const second = await system.request<BreachBody>('POST', '/api/breaches', { token: ops, body: valid, headers: key });
    assert.equal(first.status, 202);
    assert.equal(second.body.breachId, first.body.breachId, 'a retry with the same Idempotency-Key is the same breach');
    assert.equal((await system.request<Problem>('POST', '/api/breaches', { token: ops, body: { ...valid, summary: 'Different' }, headers: key })).status, 422);
    await system.settle();
    assert.equal((await mailsOf(first.body.breachId)).length, 2, 'one notice per contact, not two');
    assert.equal(await count(), before + 1);
  });

  test('the register keeps a tenant\'s notice times after the tenant is terminated and its data deleted', async () => {
    const leaving = await provisionTenant(system);
    const sentAt = await system.now();
    const opened = await open(breachRequest({ awareAt: sentAt.toISOString(), affectedTenants: [leaving.tenantId] }));
    await system.post(`/api/tenants/${leaving.tenantId}/breach-notices/${opened.breachId}-n0/acknowledge`, undefined, leaving.adminToken);
    const termination = await system.post<{ graceEndsAt: string }>(
      `/api/tenants/${leaving.tenantId}/termination`,
      { disposition: 'delete' },
      leaving.adminToken,
    );
    assert.equal(termination.status, 202);
    await system.settle();
    await system.advanceTo(new Date(Date.parse(termination.body.graceEndsAt) + HOUR));
    assert.ok(
      !(await system.allDocuments('uksouth')).some((d) => d['tenantId'] === leaving.tenantId),
      "the tenant's data, its notice records included, is gone",
    );
    const notice = (await breach(opened.breachId)).tenants.find((t) => t.tenantId === leaving.tenantId)!.notices[0]!;
    assert.equal(notice.firstSentAt, sentAt.toISOString(), 'the register still says when the notice was sent');
    assert.equal(notice.acknowledgedAt, sentAt.toISOString());
    assert.equal(notice.recipients, 2);
  });

  test('the register lists every breach with its facts, effects, remedial action and per-tenant notices, also as CSV', async () => {
    const tenant = await provisionTenant(system);
    const opened = await open(
      breachRequest({
        awareAt: (await system.now()).toISOString(),
        summary: '=HYPERLINK("http://evil.test","open me")',
        affectedTenants: [tenant.tenantId],
      }),
    );
    const json = await system.get<{ breaches: BreachBody[] }>('/api/breaches', ops);
    assert.equal(json.status, 200);
    const entry = json.body.breaches.find((b) => b.breachId === opened.breachId)!;
    assert.equal(entry.facts.summary, '=HYPERLINK("http://evil.test","open me")');
    assert.equal(entry.tenants[0]!.notices[0]!.recipients, 2);

    const csv = await system.request<string>('GET', '/api/breaches?format=csv', { token: ops });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
    const rows = parseCsv(csv.body);
    const header = rows[0]!;
    const row = rows.find((r) => r[0] === opened.breachId)!;
    const cell = (name: string): string => row[header.indexOf(name)]!;
    assert.equal(cell('summary'), `'=HYPERLINK("http://evil.test","open me")`, 'a formula is neutralised');
    assert.equal(cell('tenantId'), tenant.tenantId);
    assert.equal(cell('noticeFirstSentAt'), entry.tenants[0]!.notices[0]!.firstSentAt);
    assert.equal(cell('acknowledgedAt'), '');
    assert.ok(!csv.body.includes(tenant.contacts.privacy[0]!.email), 'the register shows counts and times, not addresses');
    assert.ok(new Set(rows.slice(1).map((r) => r[0])).size >= json.body.breaches.length, 'every breach has its row');
    assert.equal((await system.get('/api/breaches?format=xml', ops)).status, 400);
  });
});
