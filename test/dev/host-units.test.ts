// Pure parts of the local host: route templates, ISO durations, retry delays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoute, matchRoute } from '../../dev/host/http/route-template.js';
import { addIsoDuration } from '../../dev/host/iso-duration.js';
import { retryDelayMs } from '../../dev/host/durable/replay.js';
import { nextOccurrence } from '../../dev/host/timer-triggers.js';

test('route templates bind parameters, honour constraints and optional segments', () => {
  assert.deepEqual(matchRoute(compileRoute('tenants/{tenantId}/users/{userId}'), 'tenants/t1/users/u%201'), { tenantId: 't1', userId: 'u 1' });
  assert.equal(matchRoute(compileRoute('items/{id:int}'), 'items/x'), undefined);
  assert.deepEqual(matchRoute(compileRoute('a/{b?}'), 'a'), {});
  assert.deepEqual(matchRoute(compileRoute('files/{*rest}'), 'files/a/b'), { rest: 'a/b' });
  assert.ok(compileRoute('items/latest').precedence > compileRoute('items/{id}').precedence);
});

test('ISO 8601 durations: days and times are elapsed, months are calendar steps', () => {
  const t = new Date('2026-01-31T10:00:00Z');
  assert.equal(addIsoDuration(t, 'P30D').toISOString(), '2026-03-02T10:00:00.000Z');
  assert.equal(addIsoDuration(t, 'PT72H').toISOString(), '2026-02-03T10:00:00.000Z');
  assert.equal(addIsoDuration(t, 'P1W').toISOString(), '2026-02-07T10:00:00.000Z');
  assert.throws(() => addIsoDuration(t, '30 days'));
  assert.throws(() => addIsoDuration(t, 'P'));
});

test('retry delays follow .NET RetryOptions: exponential, capped, none after the retry timeout', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  const policy = {
    firstRetryIntervalInMilliseconds: 1000,
    maxNumberOfAttempts: 5,
    backoffCoefficient: 2,
    maxRetryIntervalInMilliseconds: 3000,
    retryTimeoutInMilliseconds: 10_000,
  };
  assert.equal(retryDelayMs(policy, 0, start, start), 1000);
  assert.equal(retryDelayMs(policy, 1, start, start), 2000);
  assert.equal(retryDelayMs(policy, 2, start, start), 3000);
  assert.equal(retryDelayMs(policy, 1, start, new Date(start.getTime() + 10_000)), undefined);
});

test('retries stop without a delay once the retry timeout has passed or the capped delay is zero (RetryInterceptor.ComputeNextDelay)', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  assert.equal(retryDelayMs({ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, retryTimeoutInMilliseconds: 0 }, 0, start, start), undefined);
  assert.equal(retryDelayMs({ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3, maxRetryIntervalInMilliseconds: 0 }, 0, start, start), undefined);
  assert.equal(
    retryDelayMs({ firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 3 }, 4, start, start),
    1000,
    'the backoff coefficient defaults to 1',
  );
});

test('NCRONTAB schedules have six fields with seconds or five without; anything else is refused', () => {
  const after = new Date('2026-01-01T10:15:30Z');
  assert.equal(nextOccurrence('0 4 * * *', after).toISOString(), '2026-01-02T04:00:00.000Z');
  assert.equal(nextOccurrence('30 0 4 * * *', after).toISOString(), '2026-01-02T04:00:30.000Z');
  assert.equal(nextOccurrence('0 */5 * * * *', after).toISOString(), '2026-01-01T10:20:00.000Z');
  assert.throws(() => nextOccurrence('4 * * *', after), /not an NCRONTAB expression/);
  assert.throws(() => nextOccurrence('01:00:00', after), /TimeSpan schedules/);
});
