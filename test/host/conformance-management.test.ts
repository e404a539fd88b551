// Conformance of the local host's Durable management API and runtime rules with the extension:
// status codes and headers of the async HTTP API, what a start or an event is refused for, restart,
// purge, and the features the host does not implement failing with one clear message. Each test
// names its source: "the extension" is github.com/Azure/azure-functions-durable-extension at
// a7c6d694 (HttpApiHandler.cs, DurableClient.cs, OutOfProcOrchestrationShim.cs), "the client" is
// durable-functions 3.5.0 (lib/src/durableClient/DurableClient.js).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalSystem } from '../support/local-system.js';
import { MANAGEMENT, startConformanceHost, startOrchestration, statusOf, type Status } from './conformance-host.js';

const CHECK_STATUS_LINKS = [
  'id',
  'statusQueryGetUri',
  'sendEventPostUri',
  'terminatePostUri',
  'purgeHistoryDeleteUri',
  'restartPostUri',
  'suspendPostUri',
  'resumePostUri',
];

describe('the Durable management API on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await startConformanceHost();
  });
  after(async () => {
    await system?.stop();
  });

  const hostLog = (): string => system.host.log.join('');

  // Source: the extension's HttpApiHandler.CreateCheckStatusResponseMessage (202, Location, Retry-After: 10)
  // and HandleGetStatusRequestAsync (202 with Location and Retry-After: 5 while running; 200 once
  // Completed, Terminated or Failed; 500 for Failed only with returnInternalServerErrorOnFailure=true);
  // https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-http-api
  test('async HTTP API: 202 with Location and Retry-After while running, 200 with the output when done', async () => {
    const started = await system.post<Record<string, string>>(`${MANAGEMENT}/orchestrators/waitsForApproval`);
    assert.equal(started.status, 202);
    assert.deepEqual(Object.keys(started.body), CHECK_STATUS_LINKS);
    assert.equal(started.headers.get('location'), started.body['statusQueryGetUri']);
    assert.equal(started.headers.get('retry-after'), '10');
    await system.settle();
    const statusPath = new URL(started.body['statusQueryGetUri']!).pathname + new URL(started.body['statusQueryGetUri']!).search;
    const polling = await system.get<Status>(statusPath);
    assert.equal(polling.status, 202);
    assert.equal(polling.headers.get('retry-after'), '5');
    assert.equal(polling.headers.get('location'), `${system.url}${statusPath}`);
    assert.equal(polling.body.runtimeStatus, 'Running');
    assert.match(polling.body.createdTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'whole seconds, as ToString("s") + "Z"');

    await system.post(`${MANAGEMENT}/instances/${started.body['id']}/raiseEvent/Approval`, { by: 'dpo' });
    await system.settle();
    const done = await system.get<Status>(statusPath);
    assert.equal(done.status, 200);
    assert.equal(done.headers.get('retry-after'), null);
    assert.deepEqual(done.body.output, { by: 'dpo' });
  });

  test('async HTTP API: a failed instance answers 200, or 500 when asked, and a terminated one 200', async () => {
    const failed = await startOrchestration(system, 'failsAlways');
    const plain = await system.get<Status>(`${MANAGEMENT}/instances/${failed}`);
    assert.equal(plain.status, 200);
    assert.equal(plain.body.runtimeStatus, 'Failed');
    assert.match(String(plain.body.output), /deliberate failure/);
    assert.equal((await system.get(`${MANAGEMENT}/instances/${failed}?returnInternalServerErrorOnFailure=true`)).status, 500);

    const waiting = await startOrchestration(system, 'waitsForApproval');
    assert.equal((await system.post(`${MANAGEMENT}/instances/${waiting}/terminate?reason=withdrawn`)).status, 202);
    await system.settle();
    const terminated = await system.get<Status>(`${MANAGEMENT}/instances/${waiting}`);
    assert.equal(terminated.status, 200);
    assert.deepEqual([terminated.body.runtimeStatus, terminated.body.output], ['Terminated', 'withdrawn']);
    assert.equal((await system.post(`${MANAGEMENT}/instances/${waiting}/terminate`)).status, 410);
    assert.equal((await system.get(`${MANAGEMENT}/instances/no-such-instance`)).status, 404);
  });

  // Source: the extension's HandleStartOrchestratorRequestAsync: with `timeout` and `pollingInterval`
  // it answers through WaitForCompletionOrCreateCheckStatusResponseAsync (200 with the output if the
  // instance completes in time, the check-status 202 otherwise).
  test('start with timeout and pollingInterval: the output when it completes in time, the check-status response otherwise', async () => {
    const quick = await system.post<unknown>(`${MANAGEMENT}/orchestrators/helloSequence?timeout=5&pollingInterval=1`);
    assert.equal(quick.status, 200);
    assert.deepEqual(quick.body, ['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
    const slow = await system.post<Record<string, string>>(`${MANAGEMENT}/orchestrators/waitsForApproval?timeout=1&pollingInterval=1`);
    assert.equal(slow.status, 202);
    assert.deepEqual(Object.keys(slow.body), CHECK_STATUS_LINKS);
  });

  // Source: samples-ts/functions/httpSyncStart.ts; the client's waitForCompletionOrCreateCheckStatusResponse.
  test("the client's waitForCompletionOrCreateCheckStatusResponse returns the output of a quick orchestration", async () => {
    const response = await system.post<unknown>('/api/orchestrators/wait/helloSequence?timeout=10&retryInterval=1');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, ['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
  });

  // Source: the extension's DurableClient.StartNewAsync (ThrowIfFunctionDoesNotExist; ids starting
  // with "@", holding /, \, #, ? or control characters, or over 256 characters are refused) and
  // HttpApiHandler.HandleRequestAsync (an ArgumentException is a 400; anything else, such as an id
  // whose instance is still running (OrchestrationAlreadyExistsException), a 500).
  test('starting an instance: an unknown orchestrator or a bad instance id is a 400, a running id a 500', async () => {
    const unknown = await system.post<{ Message: string; ExceptionMessage: string }>(`${MANAGEMENT}/orchestrators/noSuchOrchestrator`);
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.ExceptionMessage, /The function 'noSuchOrchestrator' doesn't exist/);
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/waitsForApproval/@reserved`)).status, 400);
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/waitsForApproval/${'x'.repeat(257)}`)).status, 400);
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/waitsForApproval/${encodeURIComponent('a#b')}`)).status, 400);
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/waitsForApproval/running-once`)).status, 202);
    await system.settle();
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/waitsForApproval/running-once`)).status, 500);
    assert.equal((await system.post(`${MANAGEMENT}/orchestrators/helloSequence`, 'not json', )).status, 202, 'a JSON string body is an input');
    assert.equal((await system.request('POST', `${MANAGEMENT}/orchestrators/helloSequence`, { rawBody: '{not json' })).status, 400);
  });

  // Source: the extension's FunctionName (equality with StringComparison.OrdinalIgnoreCase): function
  // names are matched whatever their case, for orchestrators and activities alike.
  test('function names are case-insensitive, for starting an orchestrator and calling an activity', async () => {
    const started = await system.post<{ id: string }>(`${MANAGEMENT}/orchestrators/HELLOSEQUENCE`);
    assert.equal(started.status, 202);
    await system.settle();
    assert.deepEqual((await statusOf(system, started.body.id)).output, ['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
    const id = await startOrchestration(system, 'callsWrongCase');
    assert.deepEqual([(await statusOf(system, id)).runtimeStatus, (await statusOf(system, id)).output], ['Completed', 'Hello case']);
  });

  // Source: the extension's HttpManagementPayload (`id` is the instance id as given; only the URLs
  // encode it) and the client's startNew (returns `id` from the response body).
  test('a custom instance id comes back as given, not URL-encoded', async () => {
    const viaHttp = await system.post<{ id: string }>('/api/orchestrators/waitsForApproval/my%20id%3Awith%20spaces');
    assert.equal(viaHttp.body.id, 'my id:with spaces');
    const direct = await system.post<{ id: string; statusQueryGetUri: string }>(`${MANAGEMENT}/orchestrators/waitsForApproval/x%20y`);
    assert.equal(direct.body.id, 'x y');
    assert.match(direct.body.statusQueryGetUri, /\/instances\/x%20y\?/, 'only the URLs encode it');
    const viaClient = await system.post<{ instanceId: string }>('/api/client/start', { name: 'waitsForApproval', instanceId: 'a b' });
    assert.equal(viaClient.body.instanceId, 'a b');
    await system.settle();
    assert.equal((await statusOf(system, 'a b')).runtimeStatus, 'Running');
  });

  // Source: the extension's HandleRaiseEventRequestAsync: 404 unknown, 410 once finished (Failed
  // included), 400 unless the content type is application/json and the body is JSON.
  test('raising an event: only JSON is accepted, and an instance that finished answers 410', async () => {
    const id = await startOrchestration(system, 'waitsForApproval');
    const text = await system.request('POST', `${MANAGEMENT}/instances/${id}/raiseEvent/Approval`, {
      rawBody: 'yes',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 400);
    const broken = await system.request('POST', `${MANAGEMENT}/instances/${id}/raiseEvent/Approval`, {
      rawBody: '{yes',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(broken.status, 400);
    await system.settle();
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running', 'a refused event never reaches the instance');
    assert.equal((await system.post(`${MANAGEMENT}/instances/no-such-instance/raiseEvent/Approval`, true)).status, 404);
    assert.equal((await system.post(`${MANAGEMENT}/instances/${id}/raiseEvent/Approval`, 'yes')).status, 202);
    await system.settle();
    assert.equal((await statusOf(system, id)).output, 'yes');
    const failed = await startOrchestration(system, 'failsAlways');
    assert.equal((await system.post(`${MANAGEMENT}/instances/${failed}/raiseEvent/Approval`, true)).status, 410);
  });

  // Source: the extension's HandleRestartInstanceRequestAsync and DurableClient.RestartAsync (a new
  // instance of the same orchestrator with the status's input; a new id unless
  // restartWithNewInstanceId=false; 400 when the instance does not exist).
  test('restart starts the orchestrator again from its input, under a new id or the same one', async () => {
    const first = await startOrchestration(system, 'weatherMonitor', { city: 'Lisbon', phone: '+351 21 000 0000' });
    await system.post('/api/test/clear-sky/Lisbon');
    await system.advance('PT30M');
    const original = await statusOf(system, first);
    assert.equal(original.runtimeStatus, 'Completed');
    const restarted = await system.post<{ id: string }>(`${MANAGEMENT}/instances/${first}/restart`);
    assert.equal(restarted.status, 202);
    assert.notEqual(restarted.body.id, first);
    await system.settle();
    const again = await statusOf(system, restarted.body.id);
    assert.deepEqual([again.name, again.input, again.output], ['weatherMonitor', original.input, { alert: 'alerted +351 21 000 0000', checks: 1 }]);

    const sameId = await system.post<{ id: string }>(`${MANAGEMENT}/instances/${first}/restart?restartWithNewInstanceId=false`);
    assert.equal(sameId.body.id, first);
    assert.equal((await system.post(`${MANAGEMENT}/instances/no-such-instance/restart`)).status, 400);
  });

  // Source: the extension's OutOfProcOrchestrationShim.ProcessAsyncActionsV2 swallows the exception
  // of an action the context refuses (DurableOrchestrationContext.CallDurableTaskFunctionAsync ->
  // ThrowIfFunctionDoesNotExist), so the orchestrator is never told and waits for ever
  // (github.com/Azure/azure-functions-durable-js/issues/197). The host reproduces it, and says so.
  test('an activity that is not registered is never answered, as in Azure: the instance waits and the host log says why', async () => {
    const id = await startOrchestration(system, 'callsUnknownActivity');
    await system.advance('P1D');
    const status = await statusOf(system, id);
    assert.deepEqual([status.runtimeStatus, status.output], ['Running', null]);
    assert.match(hostLog(), /refuses activity "noSuchActivity": The function 'noSuchActivity' doesn't exist.*waits for it forever/);
  });

  test('features the host does not implement fail with one message naming them: entities, callHttp, rewind', async () => {
    assert.match(hostLog(), /\[counter\] Durable entities .* are not implemented by the local host/, 'said at registration');
    const signal = await system.post<{ error: string }>('/api/client/signal');
    assert.match(signal.body.error, /501.*Durable entities .* are not implemented by the local host/);
    const read = await system.post<{ error: string }>('/api/client/read-entity');
    assert.match(read.body.error, /501.*Durable entities .* are not implemented by the local host/);
    const callsEntity = await statusOf(system, await startOrchestration(system, 'callsEntity'));
    assert.deepEqual(callsEntity.runtimeStatus, 'Failed');
    assert.match(String(callsEntity.output), /^Durable entities .* are not implemented by the local host/);
    const callsHttp = await statusOf(system, await startOrchestration(system, 'callsHttp'));
    assert.deepEqual(callsHttp.runtimeStatus, 'Failed');
    assert.match(String(callsHttp.output), /^Durable HTTP calls \(context\.df\.callHttp\) are not implemented by the local host/);
    const failed = await startOrchestration(system, 'failsAlways');
    const rewind = await system.post<{ error: string }>(`/api/client/rewind/${failed}`);
    assert.match(rewind.body.error, /^Rewinding a failed instance .* is not implemented by the local host/);
  });

  test('a value set on an output binding the host does not implement is dropped, and the host log says so each time', async () => {
    assert.match(
      hostLog(),
      /\[sendSmsChallenge\] output binding "twilioSms\w+" \(twilioSms\) is not implemented by the local host: values the function sets on it are dropped/,
    );
    await startOrchestration(system, 'smsPhoneVerification', '+44 7700 900789');
    assert.match(
      hostLog(),
      /\[sendSmsChallenge\] output binding "twilioSms\w+" \(twilioSms\) is not implemented by the local host: the value the function set on it was dropped/,
    );
  });

  // Source: the extension's HandleDeleteHistoryWithFiltersRequestAsync (createdTimeFrom required,
  // 404 when nothing was purged) and DurableTask.AzureStorage AzureTableTrackingStore.PurgeInstanceHistoryAsync
  // (only finished statuses of the filter count; with none, every instance in the range is purged).
  test('purge by filter: finished instances of the statuses given, createdTimeFrom required', async () => {
    const from = await system.advance('PT1M'); // after every instance of the other tests
    const completed = await startOrchestration(system, 'helloSequence');
    const failed = await startOrchestration(system, 'failsAlways');
    const running = await startOrchestration(system, 'waitsForApproval');
    const purged = await system.post<{ instancesDeleted: number }>('/api/client/purge', {
      createdTimeFrom: from.toISOString(),
      runtimeStatus: ['Completed', 'Running'],
    });
    assert.equal(purged.body.instancesDeleted, 1, 'the completed one; Running does not count');
    assert.equal((await system.get(`${MANAGEMENT}/instances/${completed}`)).status, 404);
    assert.equal((await system.get(`${MANAGEMENT}/instances/${failed}`)).status, 200);
    const none = await system.post<{ instancesDeleted: number }>('/api/client/purge', { createdTimeFrom: from.toISOString(), runtimeStatus: ['Completed'] });
    assert.equal(none.body.instancesDeleted, 0, 'a 404, which the client reports as 0');
    assert.equal((await system.request('DELETE', `${MANAGEMENT}/instances/?runtimeStatus=Failed`)).status, 400);
    const everything = await system.post<{ instancesDeleted: number }>('/api/client/purge', { createdTimeFrom: from.toISOString() });
    assert.equal(everything.body.instancesDeleted, 2, 'no status given: the failed one and the running one');
    assert.equal((await system.get(`${MANAGEMENT}/instances/${running}`)).status, 404);
  });
});
