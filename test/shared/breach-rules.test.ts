// The pure rules of breach notification: the 72-hour clock's alerts, which notices are due, what
// each notice says (phased information folded in), a byte-identical rendering for retries, and a
// register CSV whose cells cannot become spreadsheet formulas.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clockSchedule } from '../../shared/breaches/clock.js';
import {
  addedTenantNoticesDue,
  contentThrough,
  currentContent,
  noticeId,
  noticeSeqsDue,
  parseNoticeId,
  tenantContentThrough,
  type BreachDoc,
} from '../../shared/breaches/breach.js';
import { noticeSnapshot, renderNotice } from '../../shared/breaches/notice.js';
import { recipientsOf } from '../../shared/tenants/contacts.js';
import { registerCsv, type BreachEntry } from '../../shared/breaches/register.js';
import { parseCsv } from '../support/csv.js';

const HOUR = 3600_000;
const AWARE = new Date('2026-03-28T09:00:00Z');

function breach(overrides: Partial<BreachDoc> = {}): BreachDoc {
  return {
    id: 'b-0123456789abcdef0123',
    pk: 'b-0123456789abcdef0123',
    type: 'breach',
    breachId: 'b-0123456789abcdef0123',
    instanceId: 'breach-b-0123456789abcdef0123',
    status: 'notifying',
    openedAt: AWARE.toISOString(),
    openedBy: 'ops-1',
    awareAtGiven: '2026-03-28T09:00:00+00:00',
    awareAt: AWARE.toISOString(),
    notifyBy: '2026-03-31T09:00:00.000Z',
    content: {
      summary: 'Misconfigured export bucket',
      nature: 'An export bucket was readable without authentication for 3 hours.',
      categoriesOfData: ['names', 'work email addresses'],
      categoriesOfSubjects: ['employees'],
      approxSubjects: 120,
      approxRecords: null,
      likelyConsequences: 'Phishing aimed at the people named.',
      measures: 'Access revoked; logs under review.',
    },
    contactPoint: { name: 'Data Protection Officer', email: 'dpo@vendor.test' },
    affectedTenants: { kind: 'list', tenantIds: ['t-uks-aaaaaaaaaaaaaaaaaaaa'] },
    release: { at: AWARE.toISOString(), by: 'ops-1', late: false, includesUpdates: 0 },
    updates: [],
    alerts: [],
    skipped: [],
    trail: [],
    version: 1,
    ...overrides,
  };
}

const TENANT = { tenantId: 't-uks-aaaaaaaaaaaaaaaaaaaa', name: 'Acme <Ltd>', region: 'uksouth' as const };

describe('the 72-hour clock', () => {
  test('a draft opened at awareness is alerted at the 24-hour target, reminded at 48 and 66 hours and escalated at 70', () => {
    const schedule = clockSchedule(AWARE, AWARE);
    assert.deepEqual(
      schedule.map((a) => [a.kind, a.audience, (a.at.getTime() - AWARE.getTime()) / HOUR]),
      [
        ['notify-target', 'ops', 24],
        ['reminder-48h', 'ops', 48],
        ['reminder-66h', 'ops', 66],
        ['escalation-70h', 'escalation', 70],
      ],
    );
  });

  test('the target alert follows the configured target, in order with the fixed reminders', () => {
    assert.deepEqual(
      clockSchedule(AWARE, AWARE, 6 * HOUR).map((a) => [a.kind, (a.at.getTime() - AWARE.getTime()) / HOUR]),
      [['notify-target', 6], ['reminder-48h', 48], ['reminder-66h', 66], ['escalation-70h', 70]],
    );
    assert.deepEqual(clockSchedule(AWARE, AWARE, 50 * HOUR).map((a) => a.kind), ['reminder-48h', 'notify-target', 'reminder-66h', 'escalation-70h']);
  });

  test('reminders already due when the draft is opened are skipped', () => {
    const opened = new Date(AWARE.getTime() + 30 * HOUR);
    assert.deepEqual(clockSchedule(AWARE, opened).map((a) => a.kind), ['reminder-48h', 'reminder-66h', 'escalation-70h']);
    assert.deepEqual(
      clockSchedule(AWARE, new Date(AWARE.getTime() + 24 * HOUR)).map((a) => a.kind),
      ['reminder-48h', 'reminder-66h', 'escalation-70h'],
      'due at the moment of opening counts as already due',
    );
  });

  test('a draft opened after 70 hours escalates at once', () => {
    const opened = new Date(AWARE.getTime() + 71 * HOUR);
    const schedule = clockSchedule(AWARE, opened);
    assert.deepEqual(schedule.map((a) => a.kind), ['escalation-70h']);
    assert.equal(schedule[0]!.at.getTime(), opened.getTime());
  });
});

describe('notices and phased information', () => {
  test('nothing is due before the release; then the initial notice and one per later update', () => {
    const update = (seq: number) => ({ seq, addedAt: AWARE.toISOString(), addedBy: 'ops-1', information: `info ${seq}`, changes: {} });
    const { release: _none, ...draftFields } = breach();
    assert.deepEqual(noticeSeqsDue({ ...draftFields, updates: [update(1)] }, -1), []);
    const released = breach({
      release: { at: AWARE.toISOString(), by: 'ops-1', late: false, includesUpdates: 2 },
      updates: [update(1), update(2), update(3), update(4)],
    });
    assert.deepEqual(noticeSeqsDue(released, -1), [0, 3, 4], 'updates 1 and 2 were folded into the initial notice');
    assert.deepEqual(noticeSeqsDue(released, 0), [3, 4]);
    assert.deepEqual(noticeSeqsDue(released, 4), []);
  });

  test('updates change the facts in order; a notice shows the facts as of its phase', () => {
    const doc = breach({
      updates: [
        { seq: 1, addedAt: '2026-03-28T12:00:00.000Z', addedBy: 'ops-1', information: 'Count confirmed', changes: { approxSubjects: 140, approxRecords: 900 } },
        { seq: 2, addedAt: '2026-03-29T12:00:00.000Z', addedBy: 'ops-1', information: 'Passwords not affected', changes: { measures: 'Bucket deleted.' } },
      ],
      release: { at: AWARE.toISOString(), by: 'ops-1', late: false, includesUpdates: 1 },
    });
    assert.equal(contentThrough(doc, 0).approxSubjects, 120);
    assert.equal(contentThrough(doc, 1).approxSubjects, 140);
    assert.equal(currentContent(doc).measures, 'Bucket deleted.');
    const initial = noticeSnapshot(doc, TENANT, 0);
    assert.equal(initial.content.approxSubjects, 140, 'the folded update is part of the initial notice');
    assert.equal(initial.content.measures, 'Access revoked; logs under review.');
    assert.deepEqual(initial.furtherInformation.map((u) => u.seq), [1]);
    const update = noticeSnapshot(doc, TENANT, 2);
    assert.equal(update.kind, 'update');
    assert.equal(update.references, noticeId(doc.breachId, 0));
    assert.deepEqual(update.update?.changed, ['measures']);
    assert.equal(update.content.measures, 'Bucket deleted.');
    assert.deepEqual(parseNoticeId(update.noticeId), { breachId: doc.breachId, seq: 2 });
  });

  test('the rendering is a function of the snapshot alone: every retry is byte-identical', () => {
    const snapshot = noticeSnapshot(breach(), TENANT, 0);
    assert.deepEqual(renderNotice(snapshot, 0), renderNotice(structuredClone(snapshot), 0));
    const first = renderNotice(snapshot, 0);
    assert.match(first.subject, /^Personal data breach notice b-0123456789abcdef0123: Misconfigured export bucket$/);
    assert.match(first.text, /Phishing aimed at the people named/);
    assert.match(first.text, /dpo@vendor\.test/);
    assert.match(first.text, /POST \/api\/tenants\/t-uks-aaaaaaaaaaaaaaaaaaaa\/breach-notices\/b-0123456789abcdef0123-n0\/acknowledge/);
    assert.match(first.text, /2026-03-31T09:00:00\.000Z \(2026-03-31 10:00 Europe\/London, UTC\+01:00\)/, 'the deadline in UTC and in the region\'s zone');
    assert.match(first.html, /Acme &lt;Ltd&gt;/, 'values are escaped in HTML');
    assert.doesNotMatch(first.text, /Reason for the delay/);
    const resend = renderNotice(snapshot, 2, '2026-03-28T10:00:00.000Z');
    assert.match(resend.subject, /^Reminder 2 of 3, please acknowledge: Personal data breach notice/);
    assert.match(resend.text, /We sent this notice at 2026-03-28T10:00:00\.000Z/);
  });

  test('a late notice carries the reason for the delay', () => {
    const late = breach({
      release: { at: '2026-04-01T09:00:00.000Z', by: 'ops-1', late: true, delayReason: 'Forensics needed to scope it', includesUpdates: 0 },
    });
    const { text } = renderNotice(noticeSnapshot(late, TENANT, 0), 0);
    assert.match(text, /Reason for the delay: Forensics needed to scope it/);
  });

  test('a contact nominated for both roles gets one message, recorded with both roles', () => {
    const recipients = recipientsOf({
      security: [{ name: 'Sam', email: 'sam@c.test' }, { name: 'Ira', email: 'ira@c.test' }],
      privacy: [{ name: 'Sam', email: 'SAM@c.test' }],
    });
    assert.deepEqual(recipients, [
      { name: 'Sam', email: 'sam@c.test', roles: ['security', 'privacy'] },
      { name: 'Ira', email: 'ira@c.test', roles: ['security'] },
    ]);
  });
});

describe('per-tenant facts and tenants added later', () => {
  const A = 't-uks-aaaaaaaaaaaaaaaaaaaa';
  const B = 't-eu-bbbbbbbbbbbbbbbbbbbb';
  const C = 't-uks-cccccccccccccccccccc';
  const update = (seq: number) => ({ seq, addedAt: AWARE.toISOString(), addedBy: 'ops-1', information: `info ${seq}`, changes: {} });

  test('each tenant reads its own figures; a tenant without figures reads none, never the vendor-wide total', () => {
    const doc = breach({
      affectedTenants: { kind: 'list', tenantIds: [A, B, C] },
      content: { ...breach().content, approxSubjects: 500, approxRecords: 9000 },
      tenantFacts: [
        { tenantId: A, seq: 0, approxSubjects: 40, approxRecords: 310, categoriesOfData: ['names'] },
        { tenantId: B, seq: 0, approxSubjects: 7, approxRecords: null },
        { tenantId: B, seq: 1, approxSubjects: 9, approxRecords: 60 },
      ],
      updates: [update(1)],
    });
    assert.deepEqual([tenantContentThrough(doc, A, 0).approxSubjects, tenantContentThrough(doc, A, 0).categoriesOfData], [40, ['names']]);
    assert.deepEqual([tenantContentThrough(doc, B, 0).approxSubjects, tenantContentThrough(doc, B, 0).approxRecords], [7, null]);
    assert.deepEqual(
      [tenantContentThrough(doc, B, 1).approxSubjects, tenantContentThrough(doc, B, 1).approxRecords],
      [9, 60],
      'figures corrected by an update',
    );
    assert.deepEqual(
      tenantContentThrough(doc, B, 0).categoriesOfData,
      ['names', 'work email addresses'],
      'breach-wide categories where the tenant has none of its own',
    );
    assert.deepEqual([tenantContentThrough(doc, C, 1).approxSubjects, tenantContentThrough(doc, C, 1).approxRecords], [null, null]);
    const text = renderNotice(noticeSnapshot(doc, { ...TENANT, tenantId: C }, 0), 0).text;
    assert.doesNotMatch(text, /500|9000/, 'no vendor-wide total in a notice');
  });

  test('a tenant added by an update gets every notice so far with that update, and later updates with everyone', () => {
    const doc = breach({
      release: { at: AWARE.toISOString(), by: 'ops-1', late: false, includesUpdates: 1 },
      updates: [update(1), update(2), update(3), update(4)],
      addedTenants: [
        { tenantId: B, seq: 1 },
        { tenantId: C, seq: 3 },
      ],
    });
    const pairs = (after: number) => addedTenantNoticesDue(doc, after).map((p) => `${p.tenantId.slice(0, 5)}:${p.seq}`);
    assert.deepEqual(
      pairs(-1),
      ['t-eu-:0', 't-eu-:2', 't-eu-:3', 't-eu-:4', 't-uks:0', 't-uks:2', 't-uks:3', 't-uks:4'],
      'B was added before the release and joins the initial notice',
    );
    assert.deepEqual(pairs(2), ['t-eu-:3', 't-eu-:4', 't-uks:0', 't-uks:2', 't-uks:3', 't-uks:4'], 'C gets notices 0, 2 and 3 when update 3 goes out');
    assert.deepEqual(pairs(3), ['t-eu-:4', 't-uks:4']);
  });
});

describe('the register as CSV', () => {
  test('cells that a spreadsheet would run as formulas are neutralised with a leading quote', () => {
    const entry: BreachEntry = {
      breachId: 'b-0123456789abcdef0123',
      status: 'notifying',
      phase: 'notified',
      openedAt: AWARE.toISOString(),
      openedBy: 'ops-1',
      awareAt: AWARE.toISOString(),
      awareAtGiven: AWARE.toISOString(),
      notifyBy: '2026-03-31T09:00:00.000Z',
      notifyTarget: '2026-03-29T09:00:00.000Z',
      notification: { releasedAt: AWARE.toISOString(), releasedBy: 'ops-1', late: false, afterTarget: false, delayReason: null },
      closed: null,
      facts: {
        summary: '=HYPERLINK("http://evil.test","x")',
        nature: '+cmd',
        categoriesOfData: ['@SUM(A1)'],
        categoriesOfSubjects: ['\tstaff'],
        approxSubjects: 5,
        approxRecords: null,
        tenantTotals: { approxSubjects: 5, approxRecords: 0, tenantsWithFigures: 1 },
        occurredFrom: null,
        occurredTo: null,
        status: 'contained',
      },
      effects: { likelyConsequences: '-2+3' },
      remedialAction: { measures: '\rreset' },
      contactPoint: { name: 'DPO', email: 'dpo@vendor.test' },
      updates: [],
      affectedTenants: { requested: { all: true }, resolvedAt: AWARE.toISOString(), count: 1 },
      clock: [],
      tenants: [
        {
          tenantId: TENANT.tenantId,
          region: 'uksouth',
          addedBy: 0,
          facts: { approxSubjects: 5, approxRecords: null },
          awarenessToNoticeMinutes: 0,
          alerts: [{ noticeId: 'b-0123456789abcdef0123-n0', cause: 'unacknowledged', at: AWARE.toISOString() }],
          notices: [
            {
              noticeId: 'b-0123456789abcdef0123-n0',
              seq: 0,
              kind: 'initial',
              firstSentAt: AWARE.toISOString(),
              lastSentAt: AWARE.toISOString(),
              resends: 0,
              recipients: 2,
              acknowledgedAt: null,
            },
          ],
        },
      ],
      trail: [],
    };
    const rows = parseCsv(registerCsv([entry]));
    const header = rows[0]!;
    const row = rows[1]!;
    const cell = (name: string): string => row[header.indexOf(name)]!;
    assert.equal(cell('summary'), `'=HYPERLINK("http://evil.test","x")`);
    assert.equal(cell('nature'), `'+cmd`);
    assert.equal(cell('categoriesOfData'), `'@SUM(A1)`);
    assert.equal(cell('categoriesOfSubjects'), `'\tstaff`);
    assert.equal(cell('likelyConsequences'), `'-2+3`);
    assert.equal(cell('measures'), `'\rreset`);
    assert.equal(cell('approxSubjects'), '5', 'a number stays a number');
    assert.equal(cell('tenantId'), TENANT.tenantId);
    assert.equal(cell('recipients'), '2');
    assert.equal(cell('tenantApproxSubjects'), '5');
    assert.equal(cell('opsAlerted'), `unacknowledged ${AWARE.toISOString()}`);
    assert.equal(rows.length, 2);
  });
});
