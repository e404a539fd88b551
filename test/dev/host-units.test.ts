// Pure parts of the local host: route templates, ISO durations, retry delays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoute, matchRoute } from '../../dev/host/http/route-template.js';
import { addIsoDuration } from '../../dev/host/iso-duration.js';
import { retryDelayMs } from '../../dev/host/durable/replay.js';

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
  const policy = { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 5, backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 3000, retryTimeoutInMilliseconds: 10_000 };
  assert.equal(retryDelayMs(policy, 0, start, start), 1000);
  assert.equal(retryDelayMs(policy, 1, start, start), 2000);
  assert.equal(retryDelayMs(policy, 2, start, start), 3000);
  assert.equal(retryDelayMs(policy, 1, start, new Date(start.getTime() + 10_000)), undefined);
});
