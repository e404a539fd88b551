// The one optimistic-concurrency helper: a lost race runs the attempt again, a bounded number of
// times; any other failure is thrown at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryLostRaces } from '../../shared/store/optimistic.js';

class Race extends Error {}
const options = { attempts: 3, lostRace: (error: unknown) => error instanceof Race };

test('an attempt that lost its race runs again and its result is returned', async () => {
  let runs = 0;
  const result = await retryLostRaces(async () => {
    runs++;
    if (runs < 3) throw new Race();
    return 'written';
  }, options);
  assert.equal(result, 'written');
  assert.equal(runs, 3);
});

test('any other failure is thrown at once, never retried', async () => {
  let runs = 0;
  await assert.rejects(
    retryLostRaces(async () => {
      runs++;
      throw new Error('the store is down');
    }, options),
    /the store is down/,
  );
  assert.equal(runs, 1);
});

test('after the last lost race, the exhausted error (or the race itself) is thrown', async () => {
  let runs = 0;
  await assert.rejects(
    retryLostRaces(async () => {
      runs++;
      throw new Race('lost');
    }, { ...options, exhausted: () => new Error('busy, retry shortly') }),
    /busy, retry shortly/,
  );
  assert.equal(runs, 3);
  await assert.rejects(retryLostRaces(async () => Promise.reject(new Race('lost again')), options), /lost again/);
});
