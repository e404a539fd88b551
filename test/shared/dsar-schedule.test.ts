// When a DSAR's workflow reminds and escalates, and what it does next: instants chosen in the
// jurisdiction's zone across daylight-saving changes, stale steps skipped, and the deadline module's
// refusals as 422s. Expected instants were worked out by hand from the zones' offsets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCalendarDate } from '../../shared/deadlines/index.js';
import { UnprocessableError } from '../../shared/errors.js';
import type { DsarClock, DsarDoc } from '../../shared/dsars/dsar.js';
import {
  computeDeadline,
  deadlineSteps,
  nextStep,
  planOf,
  stepKey,
  unverifiedClosure,
  workingDayOnOrBefore,
  zonedInstant,
  type DeadlineStep,
} from '../../shared/dsars/schedule.js';

const at = (date: string, h: number, m: number, zone: string): string => zonedInstant(parseCalendarDate(date), h, m, zone).toISOString();

describe('instants in the jurisdiction zone', () => {
  it('London: GMT in winter, BST in summer, and on both change days', () => {
    assert.equal(at('2031-01-15', 9, 0, 'Europe/London'), '2031-01-15T09:00:00.000Z');
    assert.equal(at('2031-07-15', 9, 0, 'Europe/London'), '2031-07-15T08:00:00.000Z');
    assert.equal(at('2031-03-30', 0, 0, 'Europe/London'), '2031-03-30T00:00:00.000Z', 'midnight comes before the 01:00 change');
    assert.equal(at('2031-03-30', 9, 0, 'Europe/London'), '2031-03-30T08:00:00.000Z');
    assert.equal(at('2031-10-26', 0, 0, 'Europe/London'), '2031-10-25T23:00:00.000Z');
    assert.equal(at('2031-10-26', 9, 0, 'Europe/London'), '2031-10-26T09:00:00.000Z');
  });

  it('EU zones east and west of London', () => {
    assert.equal(at('2031-01-15', 9, 0, 'Europe/Berlin'), '2031-01-15T08:00:00.000Z');
    assert.equal(at('2031-07-15', 9, 0, 'Europe/Helsinki'), '2031-07-15T06:00:00.000Z');
    assert.equal(at('2031-07-15', 0, 0, 'Europe/Lisbon'), '2031-07-14T23:00:00.000Z');
    assert.equal(at('2031-01-01', 0, 0, 'Atlantic/Reykjavik'), '2031-01-01T00:00:00.000Z');
  });
});

describe('deadline steps', () => {
  it('remind at 09:00 local 7 days and 1 day before, and escalate at the first moment after the due date', () => {
    // Received Mon 3 Mar 2031 in England: due Thu 3 Apr 2031; UK clocks go forward on Sun 30 Mar.
    const deadline = computeDeadline({ receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false });
    assert.equal(deadline.dueOn, '2031-04-03');
    assert.deepEqual(deadlineSteps(deadline), [
      { kind: 'reminder-7d', at: '2031-03-27T09:00:00.000Z', dueOn: '2031-04-03' },
      { kind: 'reminder-1d', at: '2031-04-02T08:00:00.000Z', dueOn: '2031-04-03' },
      { kind: 'escalation', at: '2031-04-03T23:00:00.000Z', dueOn: '2031-04-03' },
    ]);
  });

  it('move a reminder that would fall on a bank holiday or a weekend to the previous working day of the jurisdiction', () => {
    // Received Sun 29 Nov 2026 in England: due Tue 29 Dec 2026. The day before, Mon 28 Dec, is the
    // substitute Boxing Day bank holiday; so are Fri 25 Dec and the weekend: the 1-day reminder goes on Thu 24 Dec.
    const deadline = computeDeadline({ receivedAt: '2026-11-29T12:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false });
    assert.equal(deadline.dueOn, '2026-12-29');
    assert.deepEqual(deadlineSteps(deadline).map((s) => [s.kind, s.at]), [
      ['reminder-7d', '2026-12-22T09:00:00.000Z'],
      ['reminder-1d', '2026-12-24T09:00:00.000Z'],
      ['escalation', '2026-12-30T00:00:00.000Z'],
    ]);
    // Holidays are the jurisdiction's: Thu 2 January 2031 is a bank holiday in Scotland only.
    assert.equal(workingDayOnOrBefore(parseCalendarDate('2031-01-02'), 'GB-SCT'), '2030-12-31');
    assert.equal(workingDayOnOrBefore(parseCalendarDate('2031-01-02'), 'GB-ENG'), '2031-01-02');
    // A 7-day reminder landing on the early May bank holiday (Mon 5 May 2031) moves to Friday 2 May.
    const may = computeDeadline({ receivedAt: '2031-04-12T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false });
    assert.equal(may.dueOn, '2031-05-12');
    assert.equal(deadlineSteps(may)[0]!.at, '2031-05-02T08:00:00.000Z');
  });

  it('follow the extended due date once extended', () => {
    const deadline = computeDeadline({ receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: true });
    assert.equal(deadline.extendedDueOn, '2031-06-03');
    assert.deepEqual(
      deadlineSteps(deadline).map((s) => s.at),
      ['2031-05-27T08:00:00.000Z', '2031-06-02T08:00:00.000Z', '2031-06-03T23:00:00.000Z'],
    );
  });

  const steps: DeadlineStep[] = [
    { kind: 'reminder-7d', at: '2031-03-27T09:00:00.000Z', dueOn: '2031-04-03' },
    { kind: 'reminder-1d', at: '2031-04-02T08:00:00.000Z', dueOn: '2031-04-03' },
    { kind: 'escalation', at: '2031-04-03T23:00:00.000Z', dueOn: '2031-04-03' },
  ];
  const none = new Set<string>();

  it('takes the first step not yet taken', () => {
    assert.equal(nextStep(steps, none, new Date('2031-03-03T10:00:00Z'))?.kind, 'reminder-7d');
    assert.equal(nextStep(steps, new Set([stepKey(steps[0]!)]), new Date('2031-03-27T09:00:00Z'))?.kind, 'reminder-1d');
    assert.equal(nextStep(steps, new Set(steps.map(stepKey)), new Date('2031-05-01T00:00:00Z')), undefined);
  });

  it('skips a step overtaken by a later one: only the most urgent overdue step is taken', () => {
    assert.equal(nextStep(steps, none, new Date('2031-04-02T08:00:00Z'))?.kind, 'reminder-1d', 'recorded late: no 7-day reminder on the day before');
    assert.equal(nextStep(steps, none, new Date('2031-04-10T00:00:00Z'))?.kind, 'escalation');
    assert.equal(nextStep(steps, new Set([stepKey(steps[1]!)]), new Date('2031-04-02T08:00:01Z'))?.kind, 'escalation', 'the 7-day reminder stays skipped');
  });

  it('treats steps for another due date as not taken', () => {
    const done = new Set([stepKey({ kind: 'reminder-7d', dueOn: '2031-03-31' })]);
    assert.equal(nextStep(steps, done, new Date('2031-03-03T10:00:00Z'))?.kind, 'reminder-7d');
  });
});

describe('deadline from the clock', () => {
  const clock = (more: Partial<DsarClock> = {}): DsarClock => ({
    receivedAt: '2031-03-03T10:00:00Z',
    jurisdiction: 'GB-ENG',
    clarificationPauses: [],
    extended: false,
    ...more,
  });

  it('restarts on identity evidence', () => {
    const d = computeDeadline(clock({ identityEvidenceReceivedAt: '2031-03-10T15:00:00Z' }));
    assert.equal(d.startsOn, '2031-03-10');
    assert.equal(d.clockStartedBy, 'identity evidence');
    assert.equal(d.dueOn, '2031-04-10');
  });

  it('adds UK clarification pauses', () => {
    const d = computeDeadline(clock({ clarificationPauses: [{ from: '2031-03-10', to: '2031-03-12' }] }));
    assert.equal(d.pausedDays, 3);
    assert.equal(d.dueOn, '2031-04-07', '3 Apr + 3 days is Sunday 6 Apr; the next working day is Monday 7 Apr');
  });

  it('turns the module refusals into 422s with the module code', () => {
    const cases: [Partial<DsarClock>, string][] = [
      [{ jurisdiction: 'DE', clarificationPauses: [{ from: '2031-03-10', to: '2031-03-12' }] }, 'DEADLINE.PAUSE_NOT_ALLOWED'],
      [{ receivedAt: '2026-01-10T10:00:00Z', clarificationPauses: [{ from: '2026-01-12', to: '2026-01-13' }] }, 'DEADLINE.PAUSE_NOT_ALLOWED'],
      [{ clarificationPauses: [{ from: '2031-05-10', to: '2031-05-12' }] }, 'DEADLINE.INVALID_PAUSE'],
    ];
    for (const [more, code] of cases) {
      assert.throws(
        () => computeDeadline(clock(more)),
        (error: unknown) => error instanceof UnprocessableError && error.status === 422 && error.code === code,
      );
    }
  });
});

describe('the workflow plan', () => {
  const deadline = computeDeadline({ receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false });
  const doc = (
    more: Partial<DsarDoc> = {},
  ): Pick<DsarDoc, 'status' | 'receivedBy' | 'notices' | 'fulfilment' | 'deadline' | 'awaiting' | 'clock' | 'recordedAt'> => ({
    status: 'received',
    receivedBy: 'controller',
    notices: [],
    deadline,
    clock: { receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false },
    recordedAt: '2031-03-03T10:00:00Z',
    ...more,
  });
  const now = new Date('2031-03-04T00:00:00Z');

  it('closes a closed request, forwards a vendor-received one first, then fulfils, then waits for identity, else runs the deadline', () => {
    assert.deepEqual(planOf(doc({ status: 'cancelled', receivedBy: 'vendor' }), now), { phase: 'closed', status: 'cancelled' });
    assert.deepEqual(planOf(doc({ receivedBy: 'vendor', status: 'awaiting-identity' }), now), { phase: 'forward' });
    const waiting = planOf(doc({ receivedBy: 'vendor', notices: [{ kind: 'forwarded', sentAt: '', recipients: 1 }], status: 'awaiting-identity' }), now);
    assert.equal(waiting.phase === 'running' && waiting.next?.kind, 'close-unverified', 'waiting on the person: no reminder, only the closure');
    assert.deepEqual(planOf(doc({ status: 'in-progress', fulfilment: { state: 'requested', requestedAt: '', requestedBy: '' } }), now), { phase: 'fulfil' });
    const running = planOf(doc({ status: 'in-progress', fulfilment: { state: 'failed', requestedAt: '', requestedBy: '' } }), now);
    assert.equal(running.phase, 'running');
    assert.equal(running.phase === 'running' && running.next?.kind, 'reminder-7d');
  });
});

describe('closure as not verified', () => {
  it('comes at the first moment after one month (or the configured days) from the day the wait began, in the jurisdiction zone', () => {
    assert.deepEqual(unverifiedClosure('2031-01-31T15:00:00Z', 'GB-ENG', 'Europe/London', { months: 1 }), {
      kind: 'close-unverified',
      at: '2031-03-01T00:00:00.000Z',
      dueOn: '2031-02-28',
    });
    assert.deepEqual(
      unverifiedClosure('2031-06-10T23:30:00Z', 'GB-ENG', 'Europe/London', { days: 14 }),
      { kind: 'close-unverified', at: '2031-06-25T23:00:00.000Z', dueOn: '2031-06-25' },
      'asked on 11 June, London time; closed at midnight BST',
    );
  });

  it('is the only step planned while the request waits for a clarification, and reminders come back when it ends', () => {
    const deadline = computeDeadline({ receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG', clarificationPauses: [], extended: false });
    const base = {
      receivedBy: 'controller' as const,
      notices: [],
      deadline,
      clock: { receivedAt: '2031-03-03T10:00:00Z', jurisdiction: 'GB-ENG' as const, clarificationPauses: [], extended: false },
      recordedAt: '2031-03-03T10:00:00Z',
    };
    const sealed = { v: 1 } as unknown as NonNullable<DsarDoc['awaiting']>['ask'];
    const waiting = planOf(
      {
        ...base,
        status: 'awaiting-clarification',
        awaiting: { kind: 'clarification', since: '2031-03-20T10:00:00Z', by: 'a', resume: 'in-progress', ask: sealed },
      },
      new Date('2031-03-28T00:00:00Z'),
    );
    assert.deepEqual(
      waiting.phase === 'running' && waiting.next,
      { kind: 'close-unverified', at: '2031-04-20T23:00:00.000Z', dueOn: '2031-04-20' },
      'no 7-day reminder although it is past 27 March',
    );
    const done = planOf(
      {
        ...base,
        status: 'awaiting-clarification',
        notices: [{ kind: 'close-unverified', dueOn: '2031-04-20', sentAt: '', recipients: 1 }],
        awaiting: { kind: 'clarification', since: '2031-03-20T10:00:00Z', by: 'a', resume: 'in-progress', ask: sealed },
      },
      new Date('2031-04-22T00:00:00Z'),
    );
    assert.equal(done.phase === 'running' && done.next, undefined);
  });
});
