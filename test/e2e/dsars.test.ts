// Data-subject requests end to end on the virtual clock: intake with the statutory deadline,
// reminders at 09:00 local time 7 days and 1 day before the due date, escalation at the first moment
// after it, the clock restarting on identity evidence, extension and its time limit, UK clarification
// pauses, duplicates linked not doubled, a request the vendor received forwarded to the controller,
// bad input, and tenant isolation. The clock starts at fixed dates (always moving forward), so every
// expected date and instant below was worked out by hand from a calendar and the zone's offsets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { auditHead, createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';

interface DsarBody {
  dsarId: string;
  type: string;
  status: string;
  open: boolean;
  receivedBy: string;
  receivedAt: string;
  dueOn: string;
  legalDueOn: string;
  operationalTargetOn: string;
  extensionNoticeBy: string;
  extendedDueOn?: string;
  startsOn: string;
  clockStartedBy: string;
  pausedDays: number;
  subject: { userId?: string; email?: string };
  schedule: { kind: string; at: string; dueOn: string; done: boolean }[];
  notices: { kind: string; dueOn?: string; sentAt: string; recipients: number }[];
  possibleDuplicateOf?: string;
  duplicates: { at: string; receivedBy: string }[];
  duplicateLinked?: boolean;
  escalatedAt?: string;
  fulfilment?: { state: string };
  transitions: { action: string; from: string | null; to: string }[];
  extension?: { reason: string };
}

interface Problem {
  code: string;
  errors?: { path: string; message: string }[];
}

type Mail = Awaited<ReturnType<LocalSystem['outbox']>>[number];

describe('data-subject requests', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    await system.advanceTo(new Date('2031-03-03T10:00:00Z'));
  });
  after(async () => {
    await system?.stop();
  });

  const dsars = (tenant: TenantFixture): string => `/api/tenants/${tenant.tenantId}/dsars`;

  async function submit(tenant: TenantFixture, body: Record<string, unknown>, token = tenant.adminToken): Promise<DsarBody> {
    const response = await system.post<DsarBody>(dsars(tenant), body, token);
    assert.equal(response.status, 201, JSON.stringify(response.body));
    // Vendor staff get a receipt, not a link to a request they may not read.
    assert.equal(response.headers.get('location'), response.body.receivedBy === 'vendor' ? null : `${dsars(tenant)}/${response.body.dsarId}`);
    await system.settle();
    return response.body;
  }

  async function read(tenant: TenantFixture, dsarId: string): Promise<DsarBody> {
    const response = await system.get<DsarBody>(`${dsars(tenant)}/${dsarId}`, tenant.adminToken);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  }

  async function act<T = DsarBody>(tenant: TenantFixture, dsarId: string, action: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await system.post<T>(`${dsars(tenant)}/${dsarId}/${action}`, body, tenant.adminToken);
    await system.settle();
    return response;
  }

  async function mailsTo(address: string): Promise<Mail[]> {
    return (await system.outbox()).filter((m) => m.to.some((t) => t.includes(address)));
  }

  const privacy = (tenant: TenantFixture): string => tenant.contacts.privacy[0]!.email;
  const security = (tenant: TenantFixture): string => tenant.contacts.security[0]!.email;

  test('a request gets its statutory deadline, reminders at 09:00 London time 7 days and 1 day before, and an escalation when it passes unanswered', async () => {
    const tenant = await provisionTenant(system);
    const alice = await createUser(system, tenant, { name: 'Alice Example', email: 'alice.deadline@customer.test' });
    // Monday 3 March 2031 in England: due Thursday 3 April; UK clocks go forward on Sunday 30 March.
    const created = await submit(tenant, {
      type: 'access',
      subject: { userId: alice.userId },
      receivedAt: '2031-03-03T10:00:00Z',
      jurisdiction: 'GB-ENG',
    });
    assert.equal(created.status, 'received');
    assert.equal(created.dueOn, '2031-04-03');
    assert.equal(created.legalDueOn, '2031-04-03');
    assert.equal(created.operationalTargetOn, '2031-03-31', '28 days, the ICO operational target');
    assert.equal(created.extensionNoticeBy, '2031-04-03');
    assert.deepEqual(
      created.schedule.map((s) => [s.kind, s.at]),
      [
        ['reminder-7d', '2031-03-27T09:00:00.000Z'], // 09:00 GMT
        ['reminder-1d', '2031-04-02T08:00:00.000Z'], // 09:00 BST
        ['escalation', '2031-04-03T23:00:00.000Z'], // 00:00 BST on 4 April
      ],
    );
    assert.equal(
      (await system.instance(`dsar-${tenant.tenantId}-${created.dsarId}`)).runtimeStatus,
      'Running',
      'one workflow per request, named after it',
    );

    const list = await system.get<{ dsars: { dsarId: string; dueOn: string; status: string }[] }>(dsars(tenant), tenant.adminToken);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.dsars.map((d) => [d.dsarId, d.dueOn, d.status]),
      [[created.dsarId, '2031-04-03', 'received']],
    );

    await system.advanceTo(new Date('2031-03-27T08:59:59Z'));
    assert.deepEqual(await mailsTo(privacy(tenant)), [], 'nothing before the first reminder');

    // A host killed while the workflow waits resumes on restart, and no reminder is sent twice.
    await system.crashAndRestartHost();
    await system.advanceTo(new Date('2031-04-04T00:00:00Z'));
    const toPrivacy = await mailsTo(privacy(tenant));
    assert.deepEqual(
      toPrivacy.map((m) => [m.sentAt, m.subject]),
      [
        ['2031-03-27T09:00:00.000Z', `Data-subject request ${created.dsarId} is due on 2031-04-03: 7 days left`],
        ['2031-04-02T08:00:00.000Z', `Data-subject request ${created.dsarId} is due on 2031-04-03: 1 day left`],
        ['2031-04-03T23:00:00.000Z', `Overdue: data-subject request ${created.dsarId} was due on 2031-04-03`],
      ],
    );
    const toSecurity = await mailsTo(security(tenant));
    assert.deepEqual(
      toSecurity.map((m) => m.subject),
      [`Overdue: data-subject request ${created.dsarId} was due on 2031-04-03`],
      'security contacts hear only of the escalation',
    );
    for (const mail of toPrivacy) {
      for (const secret of ['alice.deadline@customer.test', 'Alice Example', alice.userId]) {
        assert.ok(!`${mail.subject}${mail.text}${mail.html}`.includes(secret), `no personal data of the subject in "${mail.subject}"`);
      }
    }

    const escalated = await read(tenant, created.dsarId);
    assert.equal(escalated.escalatedAt, '2031-04-03T23:00:00.000Z');
    assert.equal(escalated.status, 'received', 'escalation does not close the request: it still has to be answered');
    assert.deepEqual(
      escalated.schedule.map((s) => s.done),
      [true, true, true],
    );
    const audit = await system.get<{ entries: { action: string; target: { id: string }; actor: { sub: string } }[] }>(
      `/api/tenants/${tenant.tenantId}/audit`,
      tenant.adminToken,
    );
    const missed = audit.body.entries.find((e) => e.action === 'dsar.deadline-missed');
    assert.ok(missed, 'the missed deadline is in the audit log');
    assert.equal(missed.target.id, created.dsarId);
    assert.equal(missed.actor.sub, 'system:dsar-workflow');

    const cancelled = await act(tenant, created.dsarId, 'cancel');
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(
      (await system.instance(`dsar-${tenant.tenantId}-${created.dsarId}`)).runtimeStatus,
      'Completed',
      'closing the request ends its workflow',
    );
    assert.deepEqual((await system.get<{ dsars: unknown[] }>(dsars(tenant), tenant.adminToken)).body.dsars, [], 'no longer open');
  });

  test('the clock waits for identity evidence and restarts on its receipt; an answered request is never escalated', async () => {
    await system.advanceTo(new Date('2031-05-05T10:00:00Z'));
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);
    // Received on the early May bank holiday (day 1 all the same): due Thursday 5 June unless identity restarts it.
    const created = await submit(tenant, {
      type: 'access',
      subject: { email: user.email },
      receivedAt: '2031-05-05T10:00:00+01:00',
      jurisdiction: 'GB-WLS',
      identityRequired: true,
    });
    assert.equal(created.status, 'awaiting-identity');
    assert.equal(created.subject.userId, user.userId, 'the email finds the user');
    assert.equal(created.dueOn, '2031-06-05');

    const early = await act<Problem>(tenant, created.dsarId, 'fulfil');
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'DSAR.INVALID_TRANSITION');

    await system.advanceTo(new Date('2031-06-01T12:00:00Z'));
    assert.deepEqual(await mailsTo(privacy(tenant)), [], 'no reminder while the clock waits for identity (the old 7-day reminder would have been on 29 May)');

    const future = await act<Problem>(tenant, created.dsarId, 'identity', { receivedAt: '2031-06-02T12:00:00Z' });
    assert.equal(future.status, 400);
    assert.equal(future.body.errors?.[0]?.path, 'receivedAt');
    const identity = await act(tenant, created.dsarId, 'identity', { receivedAt: '2031-06-01T11:30:00Z' });
    assert.equal(identity.status, 200, JSON.stringify(identity.body));
    assert.equal(identity.body.status, 'received');
    assert.equal(identity.body.startsOn, '2031-06-01', 'Sunday 1 June is day 1');
    assert.equal(identity.body.clockStartedBy, 'identity evidence');
    assert.equal(identity.body.dueOn, '2031-07-01');
    assert.deepEqual(identity.body.schedule.map((s) => s.at), ['2031-06-24T08:00:00.000Z', '2031-06-30T08:00:00.000Z', '2031-07-01T23:00:00.000Z']);
    const again = await act<Problem>(tenant, created.dsarId, 'identity', { receivedAt: '2031-06-01T11:30:00Z' });
    assert.equal(again.status, 409, 'identity evidence arrives once');

    await system.advanceTo(new Date('2031-06-30T12:00:00Z'));
    assert.deepEqual((await mailsTo(privacy(tenant))).map((m) => m.sentAt), ['2031-06-24T08:00:00.000Z', '2031-06-30T08:00:00.000Z']);
    const fulfil = await act(tenant, created.dsarId, 'fulfil');
    assert.equal(fulfil.status, 202);
    assert.equal((await read(tenant, created.dsarId)).status, 'completed');
    await system.advanceTo(new Date('2031-07-03T00:00:00Z'));
    assert.equal((await mailsTo(privacy(tenant))).length, 2, 'answered in time: no escalation');
    assert.equal((await mailsTo(security(tenant))).length, 0);
  });

  test('an extension moves the reminders to the extended due date, only once, and only within the first month; the retired pause route answers 410', async () => {
    await system.advanceTo(new Date('2031-07-07T10:00:00Z'));
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);
    const created = await submit(tenant, {
      type: 'portability',
      subject: { userId: user.userId },
      receivedAt: '2031-07-07T09:00:00+01:00',
      jurisdiction: 'GB-SCT',
    });
    assert.equal(created.dueOn, '2031-08-07');

    const missingReason = await act<Problem>(tenant, created.dsarId, 'extend', {});
    assert.equal(missingReason.status, 400);
    assert.equal(missingReason.body.errors?.[0]?.path, 'reason');
    const extendOnce = (): Promise<{ status: number; body: DsarBody }> =>
      system.request<DsarBody>('POST', `${dsars(tenant)}/${created.dsarId}/extend`, {
        token: tenant.adminToken,
        body: { reason: 'Records span six systems and two years' },
        headers: { 'idempotency-key': 'extend-1' },
      });
    const extended = await extendOnce();
    assert.equal(extended.status, 200);
    const retried = await extendOnce();
    assert.equal(retried.status, 200, 'a retry with the same Idempotency-Key returns the first answer');
    assert.deepEqual(retried.body, extended.body);
    assert.equal(extended.body.status, 'extended');
    assert.equal(extended.body.extendedDueOn, '2031-10-07', 'three months from the start, not one plus two');
    assert.equal(extended.body.dueOn, '2031-10-07');
    assert.equal(extended.body.extension?.reason, 'Records span six systems and two years');
    const twice = await act<Problem>(tenant, created.dsarId, 'extend', { reason: 'again' });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.code, 'DSAR.INVALID_TRANSITION');

    await system.advanceTo(new Date('2031-07-10T10:00:00Z'));
    // Pauses recorded after the fact are retired: the clarification pause is a state now (see dsar-waits.test.ts).
    const paused = await act<Problem>(tenant, created.dsarId, 'pause', { from: '2031-07-07', to: '2031-07-09' });
    assert.equal(paused.status, 410);
    assert.equal(paused.body.code, 'DSAR.PAUSE_RETIRED');
    // Art 12A pauses the clock for access requests only.
    const notAccess = await act<Problem>(tenant, created.dsarId, 'request-clarification', { question: 'Which years?' });
    assert.equal(notAccess.status, 422);
    assert.equal(notAccess.body.code, 'DSAR.CLARIFICATION_NOT_ALLOWED');
    assert.equal((await read(tenant, created.dsarId)).pausedDays, 0, 'nothing was written');

    await system.advanceTo(new Date('2031-09-30T07:59:59Z'));
    assert.deepEqual(await mailsTo(privacy(tenant)), [], 'no reminder for the original 7 August, none yet for 7 October');
    await system.advanceTo(new Date('2031-09-30T08:00:00Z'));
    const reminders = await mailsTo(privacy(tenant));
    assert.deepEqual(
      reminders.map((m) => [m.sentAt, m.subject]),
      [['2031-09-30T08:00:00.000Z', `Data-subject request ${created.dsarId} is due on 2031-10-07: 7 days left`]],
    );
    await system.advanceTo(new Date('2031-10-03T08:00:00Z'));

    // An EU request: no clarification pause; and recorded late, it can no longer be extended, and is escalated at once.
    const eu = await provisionTenant(system, { region: 'eu' });
    const euUser = await createUser(system, eu);
    const late = await submit(eu, { type: 'erasure', subject: { userId: euUser.userId }, receivedAt: '2031-08-20T10:00:00Z', jurisdiction: 'DE' });
    assert.equal(late.dueOn, '2031-09-22', 'Saturday 20 September moves to Monday 22 September');
    const tooLate = await act<Problem>(eu, late.dsarId, 'extend', { reason: 'complex' });
    assert.equal(tooLate.status, 422);
    assert.equal(tooLate.body.code, 'DSAR.EXTENSION_TOO_LATE');
    const euMails = await mailsTo(eu.contacts.privacy[0]!.email);
    assert.deepEqual(
      euMails.map((m) => m.subject),
      [`Overdue: data-subject request ${late.dsarId} was due on 2031-09-22`],
      'only the most urgent overdue step, never a burst of stale reminders',
    );
    assert.equal((await read(eu, late.dsarId)).escalatedAt, '2031-10-03T08:00:00.000Z');
  });

  test('the same request for the same person while one is open is linked to it, not doubled', async () => {
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);
    const body = { type: 'erasure', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:00:00Z', jurisdiction: 'GB-NIR' };
    const send = (): Promise<{ status: number; body: DsarBody }> =>
      system.request<DsarBody>('POST', dsars(tenant), { token: tenant.adminToken, body, headers: { 'idempotency-key': 'portal-submit-1' } });
    const firstResponse = await send();
    assert.equal(firstResponse.status, 201);
    const first = firstResponse.body;
    const retry = await send();
    assert.deepEqual(
      [retry.status, retry.body.dsarId, retry.body.duplicates.length],
      [201, first.dsarId, 0],
      'a retried submission (same Idempotency-Key) is the same submission, not a duplicate',
    );
    await system.settle();
    const again = await system.post<DsarBody>(
      dsars(tenant),
      { type: 'erasure', subject: { email: user.email.toUpperCase() }, receivedAt: '2031-10-03T07:30:00Z', jurisdiction: 'GB-NIR' },
      tenant.adminToken,
    );
    assert.equal(again.status, 200, 'answered with the open request');
    assert.equal(again.body.dsarId, first.dsarId);
    assert.equal(again.body.duplicateLinked, true);
    assert.equal(again.body.duplicates.length, 1);
    const ops = await opsToken(system);
    const byUserId = await system.post<Problem>(
      dsars(tenant),
      { type: 'erasure', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:40:00Z', jurisdiction: 'GB-NIR' },
      ops,
    );
    assert.deepEqual([byUserId.status, byUserId.body.errors?.[0]?.path], [400, 'subject.userId'], 'vendor staff name the person by email, never by user id');
    const viaVendor = await system.post<DsarBody>(
      dsars(tenant),
      { type: 'erasure', subject: { email: user.email }, receivedAt: '2031-10-03T07:40:00Z', jurisdiction: 'GB-NIR' },
      ops,
    );
    assert.equal(viaVendor.status, 201, 'recorded on its own: the vendor never sees or changes the open request');
    assert.notEqual(viaVendor.body.dsarId, first.dsarId);
    assert.equal(viaVendor.body.duplicates, undefined, 'the receipt says nothing about other requests');
    await system.settle();
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'dsar');
    assert.equal(stored.length, 2, "the controller's request (with its own duplicate linked) and the vendor-received one");
    assert.deepEqual((await read(tenant, first.dsarId)).duplicates.map((d) => d.receivedBy), ['controller'], 'the open request is unchanged by the vendor');
    assert.equal((await read(tenant, viaVendor.body.dsarId)).possibleDuplicateOf, first.dsarId, 'the controller sees which request it may duplicate');
    assert.equal((await mailsTo(privacy(tenant))).length, 1, "a linked duplicate is not forwarded again; the vendor-received one is forwarded");

    const otherType = await submit(tenant, { type: 'access', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:00:00Z', jurisdiction: 'GB-NIR' });
    assert.notEqual(otherType.dsarId, first.dsarId, 'another right is another request');

    assert.equal((await act(tenant, first.dsarId, 'refuse', { reason: 'Recorded against the wrong tenant' })).body.status, 'refused');
    const afterClose = await submit(tenant, { type: 'erasure', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:50:00Z', jurisdiction: 'GB-NIR' });
    assert.notEqual(afterClose.dsarId, first.dsarId, 'once closed, the next one is a new request');
  });

  test('the same request submitted six times at once is one request with five duplicates linked: the losers of the race are linked, not refused', async () => {
    const tenant = await provisionTenant(system);
    // Named by an address that is no user's: nothing but the request's claim is written, so the racers meet at the claim.
    const body = {
      type: 'access',
      subject: { email: `racer.${tenant.tenantId.slice(-6)}@people.test` },
      receivedAt: '2031-03-03T09:00:00Z',
      jurisdiction: 'GB-ENG',
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => system.post<DsarBody>(dsars(tenant), body, tenant.adminToken)));
    await system.settle();
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 201], JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.dsarId)).size, 1, 'every answer names the one request');
    const stored = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'dsar');
    assert.equal(stored.length, 1);
    assert.equal((await read(tenant, answers[0]!.body.dsarId)).duplicates.length, 5);
  });

  test('a request the vendor received is recorded and forwarded to the privacy contacts without the data subject\'s details', async () => {
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant, { name: 'Victor Vendorcase', email: 'victor.v@customer.test' });
    const ops = await opsToken(system);
    const forwarded = await submit(
      tenant,
      { type: 'objection', subject: { email: 'victor.v@customer.test' }, receivedAt: '2031-10-02T16:00:00Z', jurisdiction: 'GB-ENG' },
      ops,
    );
    assert.equal(forwarded.receivedBy, 'vendor');
    assert.equal(forwarded.subject, undefined, 'the receipt names nobody');
    assert.equal((await read(tenant, forwarded.dsarId)).subject.userId, user.userId, 'the controller sees whom it is about');
    const mails = await mailsTo(privacy(tenant));
    assert.equal(mails.length, 1);
    const mail = mails[0]!;
    assert.match(mail.subject, new RegExp(`^Data-subject request forwarded to Customer \\S+ Ltd: objection \\(${forwarded.dsarId}\\)$`));
    assert.match(mail.text ?? '', /section 8/);
    assert.match(mail.text ?? '', new RegExp(`GET /api/tenants/${tenant.tenantId}/dsars/${forwarded.dsarId}`));
    assert.match(mail.text ?? '', /Statutory deadline \(from receipt\): 2031-11-03/, 'Sunday 2 November moves to Monday 3 November');
    for (const secret of ['victor.v@customer.test', 'Victor', user.userId]) {
      assert.ok(!`${mail.subject}${mail.text}${mail.html}`.includes(secret), `the forward does not carry ${secret}`);
    }
    assert.equal((await mailsTo(security(tenant))).length, 0, 'forwarded to the privacy contacts only');
    const view = await read(tenant, forwarded.dsarId);
    assert.deepEqual(view.notices.map((n) => n.kind), ['forwarded']);
    assert.equal((await system.get(`${dsars(tenant)}/${forwarded.dsarId}`, ops)).status, 403, 'vendor staff record requests but do not read them');
  });

  test('bad input is a 400 naming the field and writes nothing', async () => {
    const tenant = await provisionTenant(system);
    const head = await auditHead(system, tenant);
    const valid = { type: 'access', subject: { email: 'someone@customer.test' }, receivedAt: '2031-10-01T09:00:00Z', jurisdiction: 'GB-ENG' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, type: 'delete-me' }, 'type'],
      [{ ...valid, subject: {} }, 'subject'],
      [{ ...valid, subject: { email: 'not an email' } }, 'subject.email'],
      [{ ...valid, receivedAt: '2031-10-01T09:00:00' }, 'receivedAt'],
      [{ ...valid, receivedAt: '2031-12-01T09:00:00Z' }, 'receivedAt'],
      [{ ...valid, jurisdiction: 'GB' }, 'jurisdiction'],
      [{ ...valid, jurisdiction: 'US' }, 'jurisdiction'],
      [{ ...valid, type: 'rectification' }, 'changes'],
      [{ ...valid, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const response = await system.post<Problem>(dsars(tenant), body, tenant.adminToken);
      assert.equal(response.status, 400, `${JSON.stringify(body)} -> ${response.status}`);
      assert.equal(response.body.code, 'REQUEST.INVALID');
      assert.equal(response.body.errors?.[0]?.path, field, JSON.stringify(response.body));
    }
    const unknown = await system.post<Problem>(dsars(tenant), { ...valid, subject: { userId: 'u-00000000000000000000' } }, tenant.adminToken);
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.errors?.[0]?.path, 'subject.userId');
    await system.settle();
    assert.equal((await auditHead(system, tenant)).seq, head.seq + cases.length + 2, 'no audit entry but one per refusal and that of the verify call itself');
    const refusals = (
      await system.get<{ entries: { action: string; outcome: string; reason?: string }[] }>(
        `/api/tenants/${tenant.tenantId}/audit?limit=50`,
        tenant.adminToken,
      )
    ).body.entries.filter((e) => e.action === 'request.refused');
    assert.deepEqual(
      refusals.map((e) => e.reason).sort(),
      [...cases.map(() => 'REQUEST.INVALID'), 'DSAR.UNKNOWN_SUBJECT'].sort(),
      'each refusal recorded with its code',
    );
    assert.equal((await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId && String(d['type']).startsWith('dsar')).length, 0);
    assert.equal((await system.get<Problem>(`${dsars(tenant)}/d-00000000000000000000`, tenant.adminToken)).status, 404);
    assert.equal((await system.get<Problem>(`${dsars(tenant)}/not-a-dsar`, tenant.adminToken)).body.errors?.[0]?.path, 'path:dsarId');
  });

  test("a tenant admin never sees or changes another tenant's requests", async () => {
    const a = await provisionTenant(system);
    const b = await provisionTenant(system);
    const user = await createUser(system, a);
    const request = await submit(a, { type: 'access', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:00:00Z', jurisdiction: 'GB-ENG' });
    assert.equal((await system.get(dsars(a), b.adminToken)).status, 403);
    assert.equal((await system.get(`${dsars(a)}/${request.dsarId}`, b.adminToken)).status, 403);
    assert.equal((await system.post(`${dsars(a)}/${request.dsarId}/cancel`, undefined, b.adminToken)).status, 403);
    assert.equal(
      (
        await system.post(
          dsars(a),
          { type: 'access', subject: { userId: user.userId }, receivedAt: '2031-10-03T07:00:00Z', jurisdiction: 'GB-ENG' },
          b.adminToken,
        )
      ).status,
      403,
    );
    assert.equal(
      (await system.get(`${dsars(b)}/${request.dsarId}`, b.adminToken)).status,
      404,
      "another tenant's request id means nothing in one's own tenant",
    );
    assert.deepEqual((await system.get<{ dsars: unknown[] }>(dsars(b), b.adminToken)).body.dsars, []);
    assert.equal((await system.get(dsars(a), await opsToken(system, 'support'))).status, 403);
    assert.equal((await read(a, request.dsarId)).status, 'received', 'untouched');
  });
  test("a fee or an agent's authority that was asked for restarts the clock from its receipt; the latest event counts", async () => {
    await system.advanceTo(new Date('2031-11-06T12:00:00Z'));
    const tenant = await provisionTenant(system);
    const user = await createUser(system, tenant);
    const created = await submit(tenant, { type: 'access', subject: { userId: user.userId }, receivedAt: '2031-11-03T10:00:00Z', jurisdiction: 'GB-ENG' });
    assert.equal(created.dueOn, '2031-12-03');
    const fee = await act(tenant, created.dsarId, 'evidence', { kind: 'fee', receivedAt: '2031-11-05T15:00:00Z' });
    assert.equal(fee.status, 200, JSON.stringify(fee.body));
    assert.equal(fee.body.startsOn, '2031-11-05');
    assert.equal(fee.body.clockStartedBy, 'fee');
    assert.equal(fee.body.dueOn, '2031-12-05', 'one month from the fee: Friday 5 December');
    const authority = await act(tenant, created.dsarId, 'evidence', { kind: 'agent-authority', receivedAt: '2031-11-04T09:00:00Z' });
    assert.equal(authority.body.dueOn, '2031-12-05', 'an earlier event does not move the clock back');
    const bad = await act<Problem>(tenant, created.dsarId, 'evidence', { kind: 'bribe', receivedAt: '2031-11-05T15:00:00Z' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors?.[0]?.path, 'kind');
  });
});
