// The kit's pure parts: backoff with Retry-After and the cap, alert thresholds, failure facts, and
// phase tables.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as df from 'durable-functions';
import { crossed, failureFacts, activityFailure, retryDelayMs, retryPolicy, type FailureStreak } from '../../workflows/kit/index.js';
import { ThrottledError } from '../../shared/errors.js';
import { EmailDeliveryError } from '../../shared/email/errors.js';
import { phaseTable, PhaseChangeError } from '../../shared/flows/phase-table.js';

const failure = { type: 'Error', message: 'x', retryable: true };

describe('retry delays', () => {
  const policy = retryPolicy({ maxAttempts: 6 });
  test('double from 5 seconds and stop growing at 5 minutes', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempts) => retryDelayMs(policy, { attempts, failure }) / 1000),
      [5, 10, 20, 40, 80, 160, 300, 300, 300],
    );
  });
  test('a Retry-After longer than the backoff wins, but never beyond the cap; a shorter one changes nothing', () => {
    assert.equal(retryDelayMs(policy, { attempts: 1, failure: { ...failure, retryAfterMs: 42_000 } }), 42_000);
    assert.equal(retryDelayMs(policy, { attempts: 1, failure: { ...failure, retryAfterMs: 3_600_000 } }), 300_000);
    assert.equal(retryDelayMs(policy, { attempts: 4, failure: { ...failure, retryAfterMs: 1_000 } }), 40_000);
  });
  test('a policy cannot widen the cap beyond 5 minutes', () => {
    assert.equal(retryPolicy({ maxAttempts: 3, maxDelayMs: 3_600_000 }).maxDelayMs, 300_000);
  });
  test('the count policy stops after its last try, and at once when the failure says retrying cannot help', () => {
    const streak = (attempts: number, retryable = true): FailureStreak => ({
      activity: 'a',
      attempts,
      firstFailedAt: new Date(0),
      failedAt: new Date(0),
      failure: { ...failure, retryable },
    });
    assert.equal(policy.keepTrying(streak(5)), true);
    assert.equal(policy.keepTrying(streak(6)), false);
    assert.equal(policy.keepTrying(streak(1, false)), false);
  });
  test('the time policy keeps trying until its time since the first failure is spent, and stops at once on a failure retrying cannot help', () => {
    const day = retryPolicy({ keepTryingForMs: 24 * 3600_000 });
    const streak = (hours: number, retryable = true): FailureStreak => ({
      activity: 'a',
      attempts: 40,
      firstFailedAt: new Date(0),
      failedAt: new Date(hours * 3600_000),
      failure: { ...failure, retryable },
    });
    assert.equal(day.keepTrying(streak(23.9)), true);
    assert.equal(day.keepTrying(streak(24)), false);
    assert.equal(day.keepTrying(streak(0, false)), false);
  });
});

test('crossed() is true once per streak: at the first failure at or past the threshold', () => {
  const at = (s: number): Date => new Date(s * 1000);
  const streak = (failedAt: number, previous?: number): FailureStreak => ({
    activity: 'a',
    attempts: 2,
    firstFailedAt: at(0),
    failedAt: at(failedAt),
    ...(previous !== undefined ? { previousFailedAt: at(previous) } : {}),
    failure,
  });
  const fifteenMinutes = 900_000;
  assert.equal(crossed(streak(615, 315), fifteenMinutes), false);
  assert.equal(crossed(streak(915, 615), fifteenMinutes), true);
  assert.equal(crossed(streak(1215, 915), fifteenMinutes), false);
  assert.equal(crossed(streak(900, 600), fifteenMinutes), true, 'exactly at the threshold');
  assert.equal(crossed(streak(0), 0), true, 'a zero threshold alerts at the first failure');
});

describe('failure facts', () => {
  test('carry the code, the Retry-After in milliseconds and whether a retry can help, nothing else', () => {
    assert.deepEqual(failureFacts(new ThrottledError('STORE.THROTTLED', 'busy', 2)), { code: 'STORE.THROTTLED', retryAfterMs: 2000 });
    assert.deepEqual(failureFacts(new EmailDeliveryError('EMAIL.THROTTLED', true, 'slow down', { status: 429, retryAfterSeconds: 30 })), {
      code: 'EMAIL.THROTTLED',
      retryable: true,
      retryAfterMs: 30_000,
    });
    assert.deepEqual(failureFacts(new EmailDeliveryError('EMAIL.NOT_AUTHORISED', false, 'refused', { status: 401 })), {
      code: 'EMAIL.NOT_AUTHORISED',
      retryable: false,
    });
    assert.equal(failureFacts(new Error('plain')), undefined);
    assert.equal(failureFacts('a string'), undefined);
  });
  test('are read back from a TaskFailedError in the orchestrator', () => {
    const failed = new df.TaskFailedError({
      errorType: 'ThrottledError',
      errorMessage: 'busy',
      isNonRetriable: false,
      properties: { code: 'STORE.THROTTLED', retryAfterMs: 1000 },
      isCausedBy: () => false,
    });
    assert.deepEqual(activityFailure(failed), { type: 'ThrottledError', message: 'busy', code: 'STORE.THROTTLED', retryAfterMs: 1000, retryable: true });
    assert.equal(
      activityFailure(
        new df.TaskFailedError({
          errorType: 'E',
          errorMessage: 'm',
          isNonRetriable: false,
          properties: { retryable: false },
          isCausedBy: () => false,
        }),
      ).retryable,
      false,
    );
    assert.deepEqual(activityFailure(new Error('no details')), { type: 'Error', message: 'no details', retryable: true });
  });
});

describe('phase tables', () => {
  const table = phaseTable('job', { queued: ['running', 'cancelled'], running: ['done', 'failed'], done: [], failed: [], cancelled: [] });
  test('advance along an allowed step', () => {
    assert.equal(table.advance('queued', 'running'), 'running');
    assert.equal(table.advance('running', 'done'), 'done');
  });
  test('a move to a phase already reached or passed keeps the record where it is (a re-run)', () => {
    assert.equal(table.advance('running', 'running'), 'running');
    assert.equal(table.advance('done', 'running'), 'done');
    assert.equal(table.advance('done', 'queued'), 'done');
  });
  test('any other move is refused, naming the flow and both phases', () => {
    assert.throws(
      () => table.advance('queued', 'done'),
      (error: unknown) => error instanceof PhaseChangeError && /job in phase queued cannot move to done/.test(error.message),
    );
    assert.throws(() => table.advance('cancelled', 'running'), PhaseChangeError);
    assert.equal(table.allows('cancelled', 'running'), false);
    assert.equal(table.allows('failed', 'running'), true);
  });
  test('final phases have no successor', () => {
    assert.deepEqual(table.phases.filter((p) => table.isFinal(p)), ['done', 'failed', 'cancelled']);
  });
});
