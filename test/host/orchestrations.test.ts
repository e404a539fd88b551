// The local host runs real durable-functions orchestrations with the replay protocol, driven
// through the unchanged durable client and the virtual clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';

const SAMPLE_APP = 'dist/test/host/fixtures/sample-app.js';
const DAY = 24 * 3600_000;

describe('orchestrations on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [SAMPLE_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  async function start(name: string, input?: unknown, instanceId?: string): Promise<string> {
    const response = await system.post<{ id: string; statusQueryGetUri: string }>(
      `/api/samples/orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`,
      input,
    );
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.match(response.headers.get('location') ?? '', /\/runtime\/webhooks\/durabletask\/instances\//);
    await system.settle();
    return response.body.id;
  }

  async function status(id: string): Promise<{ runtimeStatus: string; output: unknown; customStatus: unknown }> {
    const response = await system.get<{ runtimeStatus: string; output: unknown; customStatus: unknown }>(`/api/samples/instances/${id}`);
    assert.equal(response.status, 200);
    return response.body;
  }

  async function raise(id: string, event: string, data: unknown): Promise<void> {
    const response = await system.post(`/api/samples/instances/${id}/events/${event}`, data);
    assert.equal(response.status, 202);
    await system.settle();
  }

  test('a 30-day timer raced against an event: the event wins when it arrives in time', async () => {
    const started = await system.now();
    const id = await start('approvalWindow', { days: 30 });
    const custom = (await status(id)).customStatus as { waitingUntil: string };
    await system.advance('P29D');
    assert.equal((await status(id)).runtimeStatus, 'Running');
    await raise(id, 'approval', { approver: 'dpo' });
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual((done.output as { outcome: string; by: unknown }).outcome, 'approved');
    assert.deepEqual((done.output as { by: unknown }).by, { approver: 'dpo' });
    assert.equal(custom.waitingUntil, new Date(started.getTime() + 30 * DAY).toISOString());
  });

  test('a 30-day timer raced against an event: the timer wins at exactly 30 days, split into long-timer slices', async () => {
    const started = await system.now();
    const id = await start('approvalWindow', { days: 30 });
    await system.advanceTo(new Date(started.getTime() + 30 * DAY - 1000));
    assert.equal((await status(id)).runtimeStatus, 'Running', 'one second before the deadline it still waits');
    await system.advance('PT1S');
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.equal((done.output as { outcome: string }).outcome, 'expired');
    assert.equal((done.output as { at: string }).at, new Date(started.getTime() + 30 * DAY).toISOString());
    const history = await system.instance(id, true);
    const timersCreated = (history.historyEvents ?? []).filter((e) => e.EventType === 'TimerCreated').length;
    // Slices of 3 days while more than 6 days remain (3, 6, ..., 24), then one to the deadline (30).
    assert.equal(timersCreated, 9, 'a 30-day timer is eight 3-day slices and a final 6-day one');
    // A late event finds the instance finished.
    const late = await system.post(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/approval`, { approver: 'late' });
    assert.equal(late.status, 410);
  });

  test('an orchestration that does not cancel its losing timer stays Running until the timer fires', async () => {
    const id = await start('forgetfulRace');
    await raise(id, 'approval', true);
    assert.equal((await status(id)).runtimeStatus, 'Running');
    await system.advance('P2D');
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.equal(done.output, 'done');
  });

  test('an activity that fails twice succeeds on the third attempt under its retry policy', async () => {
    const id = await start('retryingCaller', { failures: 2, maxAttempts: 5 });
    assert.equal((await status(id)).runtimeStatus, 'Running', 'waiting on the first retry timer');
    await system.advance('PT4S');
    assert.equal((await status(id)).runtimeStatus, 'Running', 'first retry is due after 5 s, not before');
    await system.advance('PT1M');
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { ok: true, result: { attempt: 3 } });
    const history = await system.instance(id, true);
    const scheduled = (history.historyEvents ?? []).filter((e) => e.EventType === 'TaskScheduled');
    const failed = (history.historyEvents ?? []).filter((e) => e.EventType === 'TaskFailed');
    assert.equal(scheduled.length, 3);
    assert.equal(failed.length, 2);
  });

  test('a retry policy that runs out surfaces the last failure to the orchestrator', async () => {
    const id = await start('retryingCaller', { failures: 5, maxAttempts: 2 });
    await system.advance('PT1M');
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    const output = done.output as { ok: boolean; error: string };
    assert.equal(output.ok, false);
    assert.match(output.error, /transient failure 2 of 5/);
  });

  test('a sub-orchestration fans out 50 activities and fans them back in', async () => {
    const id = await start('fanOutParent', 50);
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { total: (50 * 51 * 101) / 6 });
    const parent = await system.instance(id, true);
    const childId = (parent.historyEvents ?? []).find((e) => e.EventType === 'SubOrchestrationInstanceCreated')?.InstanceId ?? '';
    // DTFx names a sub-orchestration without an id "{parent execution id}:{task id}".
    assert.match(childId, /^[0-9a-f]{32}:0$/);
    const child = await system.instance(childId, true);
    assert.equal(child.runtimeStatus, 'Completed');
    assert.equal((child.historyEvents ?? []).filter((e) => e.EventType === 'TaskScheduled').length, 50);
  });

  test('ContinueAsNew restarts with the carried state and a fresh history', async () => {
    const id = await start('countWithContinueAsNew', { value: 0, target: 5, generations: 0 });
    const done = await system.instance(id, true);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { value: 5, generations: 5 });
    const scheduled = (done.historyEvents ?? []).filter((e) => e.EventType === 'TaskScheduled');
    assert.equal(scheduled.length, 1, 'only the last generation is in history');
  });

  test('terminate ends a waiting orchestration with the reason, and later events are refused', async () => {
    const id = await start('waitForEvents', 3);
    await raise(id, 'item', 'first');
    assert.deepEqual((await status(id)).customStatus, { received: 1 });
    const terminated = await system.post(`/api/samples/instances/${id}/terminate`);
    assert.equal(terminated.status, 202);
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Terminated');
    assert.equal(done.output, 'ended by the test');
    const late = await system.post(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/item`, 'late');
    assert.equal(late.status, 410);
  });

  test('events raised before the orchestrator waits for them are buffered, and suspend holds them until resume', async () => {
    const id = await start('waitForEvents', 2);
    const suspend = await system.post(`/runtime/webhooks/durabletask/instances/${id}/suspend?reason=hold`);
    assert.equal(suspend.status, 202);
    await raise(id, 'item', 'a');
    await raise(id, 'item', 'b');
    assert.equal((await status(id)).runtimeStatus, 'Suspended');
    const resume = await system.post(`/runtime/webhooks/durabletask/instances/${id}/resume?reason=go`);
    assert.equal(resume.status, 202);
    await system.settle();
    const done = await status(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, ['a', 'b']);
  });

  test('an orchestrator that throws fails the instance with its error', async () => {
    const id = await start('throwsAfterActivity');
    const done = await system.instance(id);
    assert.equal(done.runtimeStatus, 'Failed');
    assert.match(String(done.output), /deliberate orchestrator failure/);
  });

  test('starting a second instance with the id of a running one is refused; purge removes an instance whatever its status', async () => {
    const id = await start('waitForEvents', 1, 'fixed-instance-id');
    // OrchestrationAlreadyExistsException reaches the HTTP API's catch-all: 500 (HttpApiHandler.HandleRequestAsync).
    const again = await system.post('/runtime/webhooks/durabletask/orchestrators/waitForEvents/fixed-instance-id', 1);
    assert.equal(again.status, 500);
    await raise(id, 'item', 'x');
    assert.equal((await status(id)).runtimeStatus, 'Completed');
    const restarted = await system.post('/runtime/webhooks/durabletask/orchestrators/waitForEvents/fixed-instance-id', 1);
    assert.equal(restarted.status, 202, 'a finished instance id can be reused');
    await system.settle();
    // The Azure Storage provider purges by id without looking at the status (AzureTableTrackingStore.PurgeInstanceHistoryAsync).
    const purged = await system.request<{ instancesDeleted: number }>('DELETE', `/runtime/webhooks/durabletask/instances/${id}`);
    assert.equal(purged.status, 200);
    assert.equal(purged.body.instancesDeleted, 1);
    const gone = await system.get(`/runtime/webhooks/durabletask/instances/${id}`);
    assert.equal(gone.status, 404);
  });

  test('the management API lists instances by status with continuation', async () => {
    const ids = [await start('waitForEvents', 1), await start('waitForEvents', 1), await start('waitForEvents', 1)];
    const first = await system.get<{ instanceId: string }[]>('/runtime/webhooks/durabletask/instances?runtimeStatus=Running&top=2');
    assert.equal(first.body.length, 2);
    const token = first.headers.get('x-ms-continuation-token');
    assert.ok(token);
    const second = await system.request<{ instanceId: string }[]>('GET', '/runtime/webhooks/durabletask/instances?runtimeStatus=Running&top=2', {
      headers: { 'x-ms-continuation-token': token },
    });
    const listed = [...first.body, ...second.body].map((s) => s.instanceId);
    for (const id of ids) assert.ok(listed.includes(id), `${id} listed`);
    for (const id of ids) await raise(id, 'item', 'done');
  });
});
