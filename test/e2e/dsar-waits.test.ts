// Data-subject requests that wait on the person, end to end on the virtual clock: identity evidence
// asked for after intake (the clock stops, and restarts from its receipt), the UK clarification
// pause for access requests (Art 12A: no reminder or escalation while it lasts, the due date moved
// by its length), closure as not verified when nothing comes within the period allowed, reminders
// moved off bank holidays, and every kind of fulfilment during the termination grace window.
// Dates were worked out by hand from a calendar (Europe/London: BST from 30 March 2031).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';

interface DsarBody {
  dsarId: string;
  status: string;
  open: boolean;
  dueOn: string;
  startsOn: string;
  clockStartedBy: string;
  pausedDays: number;
  daysLeft: number | null;
  awaiting?: { kind: string; since: string; closesAt: string };
  asked: { kind: string; at: string; answeredAt?: string; ask: string }[];
  schedule: { kind: string; at: string }[];
  notices: { kind: string; dueOn?: string; sentAt: string }[];
  fulfilment?: { state: string; outcome?: { kind: string }; failure?: { code: string } };
  closedAt?: string;
  duplicateLinked?: boolean;
}

interface Problem {
  code: string;
  errors?: { path: string }[];
}

describe('data-subject requests waiting on the person', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    await system.advanceTo(new Date('2031-03-15T10:00:00Z'));
  });
  after(async () => {
    await system?.stop();
  });

  const dsars = (tenant: TenantFixture): string => `/api/tenants/${tenant.tenantId}/dsars`;
  async function submit(tenant: TenantFixture, body: Record<string, unknown>): Promise<DsarBody> {
    const response = await system.post<DsarBody>(dsars(tenant), body, tenant.adminToken);
    assert.ok(response.status === 201 || response.status === 200, JSON.stringify(response.body));
    await system.settle();
    return response.body;
  }
  async function act<T = DsarBody>(tenant: TenantFixture, dsarId: string, action: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await system.post<T>(`${dsars(tenant)}/${dsarId}/${action}`, body, tenant.adminToken);
    await system.settle();
    return response;
  }
  const read = async (tenant: TenantFixture, dsarId: string): Promise<DsarBody> =>
    (await system.get<DsarBody>(`${dsars(tenant)}/${dsarId}`, tenant.adminToken)).body;
  const mailsAbout = async (dsarId: string) => (await system.outbox()).filter((m) => m.subject.includes(dsarId));

  test('a reminder that would fall on a bank holiday goes out on the previous working day', async () => {
    const tenant = await provisionTenant(system);
    // Received Sat 15 March 2031: due Tue 15 April. The day before is Easter Monday and the Friday
    // before it Good Friday: the 1-day reminder goes out on Thursday 10 April, 09:00 BST.
    const created = await submit(tenant, {
      type: 'access',
      subject: { email: 'someone@elsewhere.test' },
      receivedAt: '2031-03-15T10:00:00Z',
      jurisdiction: 'GB-ENG',
    });
    assert.equal(created.dueOn, '2031-04-15');
    assert.deepEqual(created.schedule.map((s) => [s.kind, s.at]), [
      ['reminder-7d', '2031-04-08T08:00:00.000Z'],
      ['reminder-1d', '2031-04-10T08:00:00.000Z'],
      ['escalation', '2031-04-15T23:00:00.000Z'],
    ]);
    await system.advanceTo(new Date('2031-04-10T07:59:59Z'));
    assert.deepEqual((await mailsAbout(created.dsarId)).map((m) => m.sentAt), ['2031-04-08T08:00:00.000Z']);
    await system.advance('PT1S');
    const sent = await mailsAbout(created.dsarId);
    assert.deepEqual(sent.map((m) => m.sentAt), ['2031-04-08T08:00:00.000Z', '2031-04-10T08:00:00.000Z']);
    assert.match(sent[1]!.subject, /1 day left/);
  });

  test('a UK access request paused for clarification gets no reminder during the pause, and its due date moves by the paused days', async () => {
    await system.advanceTo(new Date('2031-04-16T10:00:00Z'));
    const tenant = await provisionTenant(system);
    const created = await submit(tenant, {
      type: 'access',
      subject: { email: 'wide.request@elsewhere.test' },
      receivedAt: '2031-04-14T09:00:00Z',
      jurisdiction: 'GB-ENG',
    });
    assert.equal(created.dueOn, '2031-05-14');
    assert.equal(created.daysLeft, 28, 'days left in the jurisdiction calendar');

    const missing = await act<Problem>(tenant, created.dsarId, 'request-clarification', {});
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.errors?.map((e) => e.path), ['question']);
    const asked = await act(tenant, created.dsarId, 'request-clarification', { question: 'Which of your three accounts, and which years?' });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    assert.equal(asked.body.status, 'awaiting-clarification');
    assert.equal(asked.body.daysLeft, null);
    assert.deepEqual(asked.body.awaiting, { kind: 'clarification', since: '2031-04-16T10:00:00.000Z', closesAt: '2031-05-16T23:00:00.000Z' });
    assert.equal(asked.body.asked[0]!.ask, 'Which of your three accounts, and which years?');
    const fulfilWhilePaused = await act<Problem>(tenant, created.dsarId, 'fulfil');
    assert.equal(fulfilWhilePaused.status, 409);

    // The 7-day reminder for 14 May (7 May) and the due date itself pass during the pause: nothing fires.
    await system.advanceTo(new Date('2031-05-15T10:00:00Z'));
    assert.deepEqual(await mailsAbout(created.dsarId), [], 'no reminder or escalation while paused');
    const early = await act<Problem>(tenant, created.dsarId, 'clarification', { receivedAt: '2031-04-15T10:00:00Z' });
    assert.equal(early.status, 400, 'an answer cannot come before the question');
    // The answer came on 9 May: 16 April to 9 May, both included, is 24 days. 14 May + 24 days is
    // Saturday 7 June, so the deadline is Monday 9 June.
    const answered = await act(tenant, created.dsarId, 'clarification', { receivedAt: '2031-05-09T12:00:00Z' });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.status, 'received', 'back where it was');
    assert.equal(answered.body.pausedDays, 24);
    assert.equal(answered.body.dueOn, '2031-06-09');
    assert.equal(answered.body.asked[0]!.answeredAt, '2031-05-09T12:00:00.000Z');
    await system.advanceTo(new Date('2031-06-02T08:00:00Z'));
    const reminders = await mailsAbout(created.dsarId);
    assert.deepEqual(
      reminders.map((m) => [m.sentAt, m.subject]),
      [['2031-06-02T08:00:00.000Z', `Data-subject request ${created.dsarId} is due on 2031-06-09: 7 days left`]],
    );
    const audit = (await system.get<{ entries: { action: string }[] }>(`/api/tenants/${tenant.tenantId}/audit`, tenant.adminToken)).body.entries.map(
      (e) => e.action,
    );
    assert.ok(audit.includes('dsar.clarification-requested') && audit.includes('dsar.clarification-received'));
    assert.ok(!audit.includes('dsar.deadline-missed'), 'no permanent deadline-missed entry for a lawful pause');

    // An extended request paused for clarification returns to extended, its extended due date moved too.
    const big = await submit(tenant, {
      type: 'access',
      subject: { email: 'big.request@elsewhere.test' },
      receivedAt: '2031-06-02T08:00:00Z',
      jurisdiction: 'GB-ENG',
    });
    assert.equal((await act(tenant, big.dsarId, 'extend', { reason: 'Six systems to search' })).body.dueOn, '2031-09-02');
    assert.equal((await act(tenant, big.dsarId, 'request-clarification', { question: 'Which systems?' })).body.status, 'awaiting-clarification');
    const resumed = await act(tenant, big.dsarId, 'clarification', { receivedAt: '2031-06-02T08:00:00Z' });
    assert.deepEqual(
      [resumed.body.status, resumed.body.pausedDays, resumed.body.dueOn],
      ['extended', 1, '2031-09-03'],
      'one paused day (asked and answered the same day)',
    );
    const list = await system.get<{ dsars: { dsarId: string; daysLeft: number | null }[] }>(dsars(tenant), tenant.adminToken);
    assert.equal(list.body.dsars.find((d) => d.dsarId === big.dsarId)?.daysLeft, 93, 'the open list carries daysLeft too');

    // Outside the UK there is no such pause: refused, and nothing is written.
    const eu = await provisionTenant(system, { region: 'eu' });
    const euRequest = await submit(eu, {
      type: 'access',
      subject: { email: 'eu.person@elsewhere.test' },
      receivedAt: '2031-06-02T08:00:00Z',
      jurisdiction: 'FR',
    });
    const refused = await act<Problem>(eu, euRequest.dsarId, 'request-clarification', { question: 'Which account?' });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.code, 'DEADLINE.PAUSE_NOT_ALLOWED');
    assert.equal((await read(eu, euRequest.dsarId)).status, 'received');
  });

  test('identity asked for later stops the clock, which restarts on its receipt; if it never comes the request is closed as not verified', async () => {
    await system.advanceTo(new Date('2031-06-02T10:00:00Z'));
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);

    // Asked, and answered three days later: the month starts again on the day the evidence came.
    const answered = await submit(tenant, { type: 'access', subject: { userId: user.userId }, receivedAt: '2031-06-02T09:00:00Z', jurisdiction: 'GB-ENG' });
    const askedOnce = await act(tenant, answered.dsarId, 'request-identity', { reason: 'The request came from an address we do not hold.' });
    assert.equal(askedOnce.status, 200, JSON.stringify(askedOnce.body));
    assert.equal(askedOnce.body.status, 'awaiting-identity');
    await system.advanceTo(new Date('2031-06-05T10:00:00Z'));
    const evidence = await act(tenant, answered.dsarId, 'identity', { receivedAt: '2031-06-05T09:30:00Z' });
    assert.equal(evidence.status, 200, JSON.stringify(evidence.body));
    assert.deepEqual(
      [evidence.body.status, evidence.body.startsOn, evidence.body.clockStartedBy, evidence.body.dueOn],
      ['received', '2031-06-05', 'identity evidence', '2031-07-07'],
    );
    const closed = await act(tenant, answered.dsarId, 'cancel');
    assert.equal(closed.body.status, 'cancelled');
    assert.equal((await act<Problem>(tenant, answered.dsarId, 'request-identity', { reason: 'again' })).status, 409, 'not from a closed request');

    // Asked, and never answered: one month from the day it was asked (5 June), it closes at the first moment of 6 July.
    const silent = await submit(tenant, { type: 'erasure', subject: { userId: user.userId }, receivedAt: '2031-06-05T09:00:00Z', jurisdiction: 'GB-ENG' });
    const asked = await act(tenant, silent.dsarId, 'request-identity', { reason: 'Erasure needs proof of identity.' });
    assert.deepEqual(asked.body.awaiting, { kind: 'identity', since: '2031-06-05T10:00:00.000Z', closesAt: '2031-07-05T23:00:00.000Z' });
    await system.advanceTo(new Date('2031-07-05T22:59:59Z'));
    assert.equal((await read(tenant, silent.dsarId)).status, 'awaiting-identity');
    assert.deepEqual(await mailsAbout(silent.dsarId), [], 'no reminder while waiting (the 7-day one would have been on 28 June)');
    await system.advance('PT1S');
    const notVerified = await read(tenant, silent.dsarId);
    assert.equal(notVerified.status, 'not-verified');
    assert.equal(notVerified.open, false);
    assert.equal(notVerified.closedAt, '2031-07-05T23:00:00.000Z');
    const notice = await mailsAbout(silent.dsarId);
    assert.deepEqual(
      notice.map((m) => [m.to[0], m.subject, m.sentAt]),
      [[tenant.contacts.privacy[0]!.email, `Data-subject request ${silent.dsarId} closed as not verified`, '2031-07-05T23:00:00.000Z']],
    );
    assert.ok(!notice[0]!.text?.includes(user.email), 'the notice names no data subject');
    const again = await submit(tenant, { type: 'erasure', subject: { userId: user.userId }, receivedAt: '2031-07-05T23:00:00Z', jurisdiction: 'GB-ENG' });
    assert.notEqual(again.dsarId, silent.dsarId, 'a new request from the person is new, not linked to the closed one');
    assert.equal(again.duplicateLinked, undefined);
  });

  test('every kind of fulfilment works during the termination grace window', async () => {
    const tenant = await provisionTenant(system);
    const rectify = await createUser(system, tenant);
    const erase = await createUser(system, tenant);
    const restrict = await createUser(system, tenant);
    const access = await createUser(system, tenant);
    await createRecord(system, tenant, 'shift-logs', { subjectUserId: erase.userId, data: { shift: 'night' } });
    const terminated = await system.post(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete' }, tenant.adminToken);
    assert.equal(terminated.status, 202, JSON.stringify(terminated.body));
    await system.settle();
    assert.equal(
      (await system.post<Problem>(`/api/tenants/${tenant.tenantId}/users`, { name: 'New', email: 'new@customer.test' }, tenant.adminToken)).body.code,
      'TENANT.READ_ONLY',
      'the tenant is read-only',
    );

    const receivedAt = (await system.now()).toISOString();
    const requests: [string, Record<string, unknown>, string][] = [
      ['rectification', { subject: { userId: rectify.userId }, changes: { department: 'Logistics' } }, 'rectified'],
      ['erasure', { subject: { userId: erase.userId } }, 'erased'],
      ['restriction', { subject: { userId: restrict.userId } }, 'restricted'],
      ['access', { subject: { userId: access.userId } }, 'package'],
      ['portability', { subject: { userId: access.userId } }, 'package'],
      ['objection', { subject: { userId: access.userId } }, 'routed-to-controller'],
    ];
    for (const [type, body, outcome] of requests) {
      const created = await submit(tenant, { type, receivedAt, jurisdiction: 'GB-ENG', ...body });
      const fulfil = await act(tenant, created.dsarId, 'fulfil');
      assert.equal(fulfil.status, 202, JSON.stringify(fulfil.body));
      const done = await read(tenant, created.dsarId);
      assert.deepEqual([type, done.status, done.fulfilment?.outcome?.kind, done.fulfilment?.failure], [type, 'completed', outcome, undefined]);
    }
    const user = await system.get<{ department?: string }>(`/api/tenants/${tenant.tenantId}/users/${rectify.userId}`, tenant.adminToken);
    assert.equal(user.body.department, 'Logistics');
    assert.equal((await system.get<{ status: string }>(`/api/tenants/${tenant.tenantId}/users/${erase.userId}`, tenant.adminToken)).body.status, 'erased');
  });
});
