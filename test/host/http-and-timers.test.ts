// HTTP triggers are served with their registered route templates, methods and auth levels;
// timer triggers run from the host clock; the dev clock route validates its input.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';

const SAMPLE_APP = 'dist/test/host/fixtures/sample-app.js';

describe('HTTP triggers and timer triggers on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [SAMPLE_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  test('every function the sample app registers is loaded, by exact name', async () => {
    const listed = await system.get<{ functions: string[] }>('/runtime/dev/functions');
    assert.deepEqual(listed.body.functions, [
      'addOne',
      'approvalWindow',
      'chainOfActivities',
      'countWithContinueAsNew',
      'fanOutParent',
      'flakyStep',
      'forgetfulRace',
      'nonDeterministic',
      'recordAndMaybeHang',
      'registersLate',
      'retryingCaller',
      'sampleDailyTick',
      'sampleItem',
      'sampleItemLiteral',
      'sampleKeyed',
      'sampleRaiseEvent',
      'sampleStart',
      'sampleStatus',
      'sampleTerminate',
      'sampleTicks',
      'square',
      'sumOfSquares',
      'survivesCrash',
      'throwsAfterActivity',
      'waitForEvents',
    ]);
  });

  test('a function registered after the app has loaded is refused, as the worker refuses it, and never served', async () => {
    const late = await system.post<{ error: string }>('/api/samples/register-late', {});
    assert.deepEqual({ status: late.status, body: late.body }, { status: 409, body: { error: 'A function can only be registered during app startup.' } });
    assert.equal((await system.get('/api/samples/too-late')).status, 404);
    assert.ok(!(await system.get<{ functions: string[] }>('/runtime/dev/functions')).body.functions.includes('registeredTooLate'));
  });

  test('route parameters with constraints are bound, literal segments win, other methods get 405', async () => {
    const item = await system.get<{ id: number; method: string }>('/api/samples/items/42');
    assert.equal(item.status, 200);
    assert.deepEqual(item.body, { id: 42, method: 'GET' });
    const latest = await system.get<{ latest: boolean }>('/api/samples/items/latest');
    assert.deepEqual(latest.body, { latest: true });
    const notAnInt = await system.get('/api/samples/items/abc');
    assert.equal(notAnInt.status, 404);
    const wrongMethod = await system.request('PUT', '/api/samples/items/42');
    assert.equal(wrongMethod.status, 405);
    const deleted = await system.request<{ method: string }>('DELETE', '/api/samples/items/7');
    assert.equal(deleted.body.method, 'DELETE');
  });

  test('a function-level route refuses callers without the function key', async () => {
    const refused = await system.get('/api/samples/keyed');
    assert.equal(refused.status, 401);
    const wrongKey = await system.request('GET', '/api/samples/keyed', { headers: { 'x-functions-key': 'nope' } });
    assert.equal(wrongKey.status, 401);
  });

  test('a daily timer trigger runs once per occurrence as the virtual clock moves, in order', async () => {
    const before = (await system.get<{ ticks: string[] }>('/api/samples/ticks')).body.ticks.length;
    await system.advance('P3D');
    const ticks = (await system.get<{ ticks: string[] }>('/api/samples/ticks')).body.ticks.slice(before);
    assert.equal(ticks.length, 3);
    for (const tick of ticks) assert.match(tick, /T03:00:00\.000Z$/);
    assert.deepEqual([...ticks].sort(), ticks);
  });

  test('the dev clock refuses bad input with problem+json naming the field, and never moves back', async () => {
    const bad = await system.post<{ errors: { path: string }[] }>('/runtime/dev/clock', { advanceBy: '30 days' });
    assert.equal(bad.status, 400);
    assert.match(bad.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(bad.body.errors[0]?.path, 'advanceBy');
    const backwards = await system.post<{ errors: { path: string }[] }>('/runtime/dev/clock', { to: '2001-01-01T00:00:00Z' });
    assert.equal(backwards.status, 400);
    assert.equal(backwards.body.errors[0]?.path, 'to');
    const before = await system.now();
    const after = await system.advance('PT90M');
    assert.equal(after.getTime() - before.getTime(), 90 * 60_000);
  });

  test('unknown paths are 404 and the durable RPC endpoint answers the client protocol', async () => {
    assert.equal((await system.get('/api/no/such/route')).status, 404);
    const started = await system.post<{ id: string }>('/durabletask/orchestrators/waitForEvents/rpc-check', 1);
    assert.equal(started.status, 202);
    assert.equal(started.body.id, 'rpc-check');
    await system.settle();
    const status = await system.get<{
      runtimeStatus: string;
      input: unknown;
      name: string;
      createdTime: string;
      lastUpdatedTime: string;
      output: unknown;
    }>('/durabletask/instances/rpc-check');
    assert.equal(status.status, 202);
    assert.equal(status.body.name, 'waitForEvents');
    assert.equal(status.body.runtimeStatus, 'Running');
    assert.equal(status.body.input, 1);
    assert.ok('output' in status.body);
    const raised = await system.post('/durabletask/instances/rpc-check/raiseEvent/item', 'x');
    assert.equal(raised.status, 202);
    await system.settle();
    assert.equal((await system.get<{ runtimeStatus: string }>('/durabletask/instances/rpc-check')).body.runtimeStatus, 'Completed');
    const missing = await system.post('/durabletask/instances/nope/raiseEvent/item', 'x');
    assert.equal(missing.status, 404);
  });
});
