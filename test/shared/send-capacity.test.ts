// When a fan-out's last email can go out under the sending quota, what quota a deadline needs, and
// the breach flow's decision to escalate: exhaustively against brute force, and for a breach
// touching 200 tenants at the documented custom-domain quota (30 a minute, 100 an hour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastSendAt, quotaNeeded, sendSlot } from '../../shared/email/send-capacity.js';
import { noticeCapacity, renderCapacityEscalation } from '../../shared/breaches/notice-capacity.js';
import type { BreachDoc } from '../../shared/breaches/breach.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DEFAULT_QUOTA = { perMinute: 30, perHour: 100 };
const start = new Date('2027-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(start.getTime() + ms);

/** Every window of the given length starting at a send holds at most `limit` sends. */
function assertWindows(times: number[], length: number, limit: number, label: string): void {
  for (let i = 0; i < times.length; i++) {
    let inWindow = 0;
    for (let j = i; j < times.length && times[j]! < times[i]! + length; j++) inWindow++;
    assert.ok(inWindow <= limit, `${label}: ${inWindow} sends in the ${length / MINUTE}-minute window from send ${i}`);
  }
}

test('at the default quota: 30 in each of the first three minutes, 10 in the fourth, then the next hour', () => {
  assert.deepEqual(sendSlot(0, DEFAULT_QUOTA, start), start);
  assert.deepEqual(sendSlot(29, DEFAULT_QUOTA, start), start);
  assert.deepEqual(sendSlot(30, DEFAULT_QUOTA, start), at(MINUTE));
  assert.deepEqual(sendSlot(99, DEFAULT_QUOTA, start), at(3 * MINUTE));
  assert.deepEqual(sendSlot(100, DEFAULT_QUOTA, start), at(HOUR));
  assert.deepEqual(lastSendAt(0, DEFAULT_QUOTA, start), start, 'nothing to send ends at once');
  assert.deepEqual(lastSendAt(1, DEFAULT_QUOTA, start), start);
  assert.throws(() => sendSlot(-1, DEFAULT_QUOTA, start), RangeError);
  assert.throws(() => sendSlot(0, { perMinute: 0, perHour: 100 }, start), RangeError);
});

test('a per-minute limit tighter than the hourly one paces the hour too', () => {
  const quota = { perMinute: 1, perHour: 100 };
  assert.deepEqual(sendSlot(59, quota, start), at(59 * MINUTE));
  assert.deepEqual(sendSlot(60, quota, start), at(HOUR), 'only 60 fit in an hour at 1 a minute');
});

test('the schedule never exceeds either limit in any window, and never goes back in time', () => {
  for (const quota of [
    DEFAULT_QUOTA,
    { perMinute: 1, perHour: 2 },
    { perMinute: 7, perHour: 50 },
    { perMinute: 3, perHour: 500 },
    { perMinute: 600, perHour: 20_000 },
  ]) {
    const times = Array.from({ length: 450 }, (_, i) => sendSlot(i, quota, start).getTime());
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, 'in order');
    assertWindows(times, MINUTE, quota.perMinute, `${quota.perMinute}/min`);
    assertWindows(times, HOUR, quota.perHour, `${quota.perHour}/h`);
  }
});

test('the quota needed is the smallest that meets the deadline: one less per hour would not', () => {
  const cases: [number, number][] = [
    [400, 2 * HOUR],
    [400, 3 * HOUR],
    [1000, 90 * MINUTE],
    [150, 30 * MINUTE],
    [50, 5 * MINUTE],
  ];
  for (const [count, window] of cases) {
    const deadline = at(window);
    const needed = quotaNeeded(count, start, deadline, DEFAULT_QUOTA)!;
    assert.ok(lastSendAt(count, needed, start).getTime() <= deadline.getTime(), `${count} in ${window / MINUTE} min fits at ${JSON.stringify(needed)}`);
    assert.ok(needed.perHour >= DEFAULT_QUOTA.perHour && needed.perMinute >= DEFAULT_QUOTA.perMinute, 'never below the current quota');
    if (needed.perHour > DEFAULT_QUOTA.perHour && window >= HOUR) {
      const less = { perHour: needed.perHour - 1, perMinute: Math.max(DEFAULT_QUOTA.perMinute, Math.ceil((needed.perHour - 1) / 60)) };
      assert.ok(lastSendAt(count, less, start).getTime() > deadline.getTime(), `${count} in ${window / MINUTE} min: ${less.perHour} an hour is not enough`);
    }
  }
  assert.deepEqual(quotaNeeded(10, start, at(HOUR), DEFAULT_QUOTA), DEFAULT_QUOTA, 'enough already');
  assert.equal(quotaNeeded(10, start, start, DEFAULT_QUOTA), undefined, 'no quota helps once the deadline is here');
});

// 200 tenants, each with a security and a privacy contact: 400 notices.
const TENANTS = 200;
const MESSAGES = 400;

test('200 tenants at the default quota: the last of 400 notices goes out 3 hours 3 minutes after the start', () => {
  assert.deepEqual(lastSendAt(MESSAGES, DEFAULT_QUOTA, start), at(3 * HOUR + 3 * MINUTE));
});

test('200 tenants released 70 hours after awareness: the last notice would be late, so ops are escalated with the quota needed', () => {
  const awareAt = new Date(start.getTime() - 70 * HOUR);
  const notifyBy = new Date(awareAt.getTime() + 72 * HOUR);
  const capacity = noticeCapacity({ tenants: TENANTS, messages: MESSAGES, quota: DEFAULT_QUOTA, start, notifyBy });
  assert.equal(capacity.late, true);
  assert.equal(capacity.lastNoticeAt, at(3 * HOUR + 3 * MINUTE).toISOString());
  assert.equal(capacity.notifyBy, notifyBy.toISOString());
  // Two hours left: full hours start at 0 and 1 hour in, and a third batch can go at the deadline
  // itself: 185 an hour sends 185, 185 and the last 30 in the first minute of the third hour.
  assert.deepEqual(capacity.needed, { perHour: 185, perMinute: 30 });
  assert.ok(lastSendAt(MESSAGES, { perHour: 184, perMinute: 30 }, start).getTime() > notifyBy.getTime(), '184 an hour is one minute late');
  assert.ok(lastSendAt(MESSAGES, capacity.needed!, start).getTime() <= notifyBy.getTime());

  const breach = { breachId: 'b-00000000000000000001', notifyBy: notifyBy.toISOString() } as BreachDoc;
  const email = renderCapacityEscalation(breach, capacity);
  assert.match(email.subject, /^ESCALATION: breach b-00000000000000000001 notices cannot all be sent by /);
  for (const figure of [
    '400 emails',
    '200 tenant(s)',
    '30 a minute, 100 an hour',
    capacity.lastNoticeAt,
    capacity.notifyBy,
    '30 a minute, 185 an hour',
  ])
    assert.ok(email.text.includes(figure), `the escalation states ${figure}`);
});

test('200 tenants released early: every notice goes out in time and nobody is escalated', () => {
  const notifyBy = at(60 * HOUR);
  const capacity = noticeCapacity({ tenants: TENANTS, messages: MESSAGES, quota: DEFAULT_QUOTA, start, notifyBy });
  assert.equal(capacity.late, false);
  assert.equal(capacity.needed, undefined);
});

test('released after notifyBy: late, but there is no quota to ask for (notices carry a delay reason instead)', () => {
  const capacity = noticeCapacity({ tenants: TENANTS, messages: MESSAGES, quota: DEFAULT_QUOTA, start, notifyBy: at(-HOUR) });
  assert.equal(capacity.late, true);
  assert.equal(capacity.needed, undefined);
});
