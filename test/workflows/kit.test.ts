// The workflow kit on the local host: the retrying call (a loop in the orchestrator with durable
// timers between tries), typed activities and orchestrations, and startOrSignal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';

const KIT_APP = 'dist/test/workflows/fixtures/kit-app.js';

interface Seen {
  attempts: number;
  at: string;
  code: string | null;
  retryAfterMs: number | null;
  retryable: boolean;
}
interface RetryOutput {
  ok: boolean;
  result?: { attempt: number };
  error?: string;
  seen: Seen[];
  alerts: string[];
}

describe('the workflow kit', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [KIT_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  async function start(name: string, instanceId: string, input?: unknown): Promise<Date> {
    const at = await system.now();
    assert.equal((await system.post(`/api/kit/orchestrators/${name}/${instanceId}`, input)).status, 202);
    await system.settle();
    return at;
  }
  /** Seconds after `from` of each retry timer the orchestration created. */
  async function retryTimers(instanceId: string, from: Date): Promise<number[]> {
    const history = (await system.instance(instanceId, true)).historyEvents as unknown as { EventType: string; FireAt?: string }[];
    return history.filter((e) => e.EventType === 'TimerCreated').map((e) => (Date.parse(e.FireAt!) - from.getTime()) / 1000);
  }
  const secondsAfter = (from: Date, seen: Seen[]): number[] => seen.map((s) => (Date.parse(s.at) - from.getTime()) / 1000);

  test('a failing activity is retried in the orchestrator after 5, 10, 20 s, and every failure is seen with its code', async () => {
    const started = await start('kitRetrying', 'retry-3', { failures: 3, maxAttempts: 6 });
    await system.advance('PT1M');
    const done = await system.instance('retry-3');
    assert.equal(done.runtimeStatus, 'Completed');
    const output = done.output as RetryOutput;
    assert.equal(output.ok, true);
    assert.deepEqual(output.result, { attempt: 4 });
    assert.deepEqual(output.seen.map((s) => s.attempts), [1, 2, 3]);
    assert.deepEqual(secondsAfter(started, output.seen), [0, 5, 15]);
    assert.ok(output.seen.every((s) => s.code === 'TEST.BUSY' && s.retryable));
    assert.deepEqual(await retryTimers('retry-3', started), [5, 15, 35], 'one durable timer before each retry');
  });

  test('a Retry-After longer than the backoff is waited for, within the 5-minute cap', async () => {
    const started = await start('kitRetrying', 'retry-after', { failures: 2, maxAttempts: 6, retryAfterSeconds: 60 });
    await system.advance('PT3M');
    const output = (await system.instance('retry-after')).output as RetryOutput;
    assert.deepEqual(output.result, { attempt: 3 });
    assert.deepEqual(output.seen.map((s) => s.retryAfterMs), [60_000, 60_000]);
    assert.deepEqual(await retryTimers('retry-after', started), [60, 120]);

    const capped = await start('kitRetrying', 'retry-after-long', { failures: 1, maxAttempts: 6, retryAfterSeconds: 3600 });
    await system.advance('PT10M');
    assert.deepEqual(await retryTimers('retry-after-long', capped), [300], 'never more than 5 minutes between tries');
    assert.deepEqual(((await system.instance('retry-after-long')).output as RetryOutput).result, { attempt: 2 });
  });

  test('the policy gives up after its last try and the failure reaches the orchestrator', async () => {
    const started = await start('kitRetrying', 'give-up', { failures: 10, maxAttempts: 3 });
    await system.advance('PT1M');
    const output = (await system.instance('give-up')).output as RetryOutput;
    assert.equal(output.ok, false);
    assert.match(output.error ?? '', /transient failure 3/);
    assert.equal(output.seen.length, 3);
    assert.deepEqual(await retryTimers('give-up', started), [5, 15], 'no timer after the last try');
  });

  test('a policy that keeps trying waits at most 5 minutes between tries and can alert once when failures pass 15 minutes', async () => {
    const started = await start('kitRetrying', 'outage', { failures: 10, alertAfterMs: 15 * 60_000 });
    await system.advance('PT30M');
    const output = (await system.instance('outage')).output as RetryOutput;
    assert.deepEqual(output.result, { attempt: 11 });
    const timers = await retryTimers('outage', started);
    const gaps = timers.map((t, i) => t - (i === 0 ? 0 : timers[i - 1]!));
    assert.deepEqual(gaps, [5, 10, 20, 40, 80, 160, 300, 300, 300, 300]);
    assert.deepEqual(output.alerts, [new Date(started.getTime() + 915_000).toISOString()], 'one alert, at the first failure 15 minutes into the outage');
  });

  test('input that does not match the activity schema is refused at the boundary, once, without retries', async () => {
    const started = await start('kitRetrying', 'invalid', { failures: 0, maxAttempts: 6, invalid: true });
    const output = (await system.instance('invalid')).output as RetryOutput;
    assert.equal(output.ok, false);
    assert.match(output.error ?? '', /kitStrict: invalid input \(count: /);
    assert.deepEqual(output.seen, [{ attempts: 1, at: started.toISOString(), code: 'ACTIVITY.INVALID_INPUT', retryAfterMs: null, retryable: false }]);
    assert.deepEqual(await retryTimers('invalid', started), []);
  });

  test('an activity result that breaks its output schema fails the orchestration instead of flowing on', async () => {
    await start('kitLying', 'lying');
    const done = await system.instance('lying');
    assert.equal(done.runtimeStatus, 'Failed');
    assert.match(JSON.stringify(done.output), /total/);
  });

  test('a typed sub-orchestration that continues as new returns its last generation\'s parsed output', async () => {
    await start('kitParent', 'parent', { upTo: 5 });
    const done = await system.instance('parent');
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { count: 5, doubled: 0 + 2 + 4 + 6 + 8 });
    const child = await system.instance('parent:counter', true);
    assert.equal(child.runtimeStatus, 'Completed');
    const calls = (child.historyEvents ?? []).filter((e) => e.EventType === 'TaskScheduled');
    assert.equal(calls.length, 1, 'the last of three generations made one call: history was reset twice');
  });

  test('an orchestration input that breaks its schema fails the orchestration at once', async () => {
    await start('kitParent', 'bad-parent', { upTo: 'five' });
    assert.equal((await system.instance('bad-parent')).runtimeStatus, 'Failed');
  });

  test('startOrSignal starts a missing instance, signals a running one, and restarts an ended one only when asked', async () => {
    const call = async (id: string, options: unknown): Promise<string> => {
      const response = await system.post<{ outcome: string }>(`/api/kit/flows/${id}`, options);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      await system.settle();
      return response.body.outcome;
    };
    assert.equal(await call('flow-1', { start: 'never', signals: [{ event: 'poke', data: 1 }] }), 'not-running', 'a signal alone never starts it');
    assert.equal(await call('flow-1', { signals: [{ event: 'poke', data: 1 }] }), 'started', 'a fresh instance reads the record: no signal');
    assert.equal(await call('flow-1', { signals: [{ event: 'poke', data: 'a' }] }), 'signalled');
    assert.deepEqual((await system.instance('flow-1')).customStatus, { received: 1 });
    assert.equal(await call('flow-1', { signals: [{ event: 'poke', data: 'b' }] }), 'signalled');
    const done = await system.instance('flow-1');
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { received: ['a', 'b'], timedOut: false });
    assert.equal(await call('flow-1', { signals: [{ event: 'poke' }] }), 'not-running', 'an ended instance is left alone by default');
    assert.equal(await call('flow-1', { start: 'if-not-running' }), 'started', 'and restarted when the record still owes work');
    assert.equal((await system.instance('flow-1')).runtimeStatus, 'Running');
  });
});
