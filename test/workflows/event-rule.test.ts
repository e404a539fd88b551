// Pins the durable-functions behaviour the kit's rule for event waiters relies on (see
// workflows/kit/events.ts), on the local host with the library's real replay: if a release of the
// library changes either behaviour, this fails and the rule must be revisited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';

const KIT_APP = 'dist/test/workflows/fixtures/kit-app.js';

describe('event waiters in durable-functions', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [KIT_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  async function start(name: string, instanceId: string, input?: unknown): Promise<void> {
    assert.equal((await system.post(`/api/kit/orchestrators/${name}/${instanceId}`, input)).status, 202);
    await system.settle();
  }
  async function raise(instanceId: string, event: string, data: unknown): Promise<void> {
    assert.equal((await system.post(`/api/kit/instances/${instanceId}/events/${event}`, data)).status, 202);
    await system.settle();
  }

  test('a waiter that lost a race and was dropped takes the next event of its name, so a newer waiter never sees it', async () => {
    await start('kitDroppedWaiter', 'dropped-1');
    await system.advance('PT1H'); // the first waiter loses to its timer
    assert.equal((await system.instance('dropped-1')).customStatus, 'between');
    await raise('dropped-1', 'ping', { n: 1 });
    await system.advance('PT2H');
    const done = await system.instance('dropped-1');
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { droppedWaiterGotIt: true, freshWaiterGotIt: false });
  });

  test('an event raised while no waiter of its name exists is kept and handed to the next waiter created', async () => {
    await start('kitBufferedEvent', 'buffered-1');
    assert.equal((await system.instance('buffered-1')).customStatus, 'no waiter yet');
    await raise('buffered-1', 'ping', { n: 7 });
    await system.advance('PT1H');
    const done = await system.instance('buffered-1');
    assert.equal(done.runtimeStatus, 'Completed', 'the waiter won at once and its timer was cancelled');
    assert.deepEqual(done.output, { nextWaiterGotIt: true, data: { n: 7 } });
  });

  test("the kit's rule: a kept waiter sees an event that arrived during other work, and a renewed one sees the next", async () => {
    await start('kitKeptWaiter', 'kept-1');
    await system.advance('PT1H');
    assert.equal((await system.instance('kept-1')).customStatus, 'busy');
    await raise('kept-1', 'ping', { n: 1 });
    await system.advance('PT1H');
    assert.equal((await system.instance('kept-1')).customStatus, 'waiting again');
    await system.advance('PT10M');
    await raise('kept-1', 'ping', { n: 2 });
    const done = await system.instance('kept-1');
    assert.equal(done.runtimeStatus, 'Completed', 'the losing timers were cancelled');
    assert.deepEqual(done.output, { beforeFirstHour: false, seenAfterWork: true, firstData: { n: 1 }, secondInTime: true, secondData: { n: 2 } });
  });
});
