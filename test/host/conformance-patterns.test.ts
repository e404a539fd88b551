// Conformance of the local host with the Durable extension: the documented orchestration patterns,
// written as the official durable-functions samples write them (test/host/fixtures/conformance),
// give the documented results. Each test names its source. "Samples" are files of
// github.com/Azure/azure-functions-durable-js at c212f6c; "the extension" is
// github.com/Azure/azure-functions-durable-extension at a7c6d694; DTFx is github.com/Azure/durabletask.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalSystem } from '../support/local-system.js';
import { activityLog, startConformanceHost, startOrchestration, statusOf, until } from './conformance-host.js';

describe('documented orchestration patterns on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await startConformanceHost();
  });
  after(async () => {
    await system?.stop();
  });

  // Source: samples-ts/functions/sayHello.ts (helloSequence; the activity returns `Hello ${input}`);
  // https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-sequence
  test('function chaining: the hello sequence returns exactly ["Hello Tokyo", "Hello Seattle", "Hello Cairo"]', async () => {
    const id = await startOrchestration(system, 'helloSequence');
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, ['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']);
  });

  // Source: src/util/Utils.ts processInput (the JS library JSON-encodes a string input) and the
  // extension's DurableActivityContext.GetInput, which hands that string on as the serialized
  // value, so the activity decodes it once.
  test('an activity receives exactly the value passed to callActivity, strings included', async () => {
    const id = await startOrchestration(system, 'inputEncodings');
    const seen = (await statusOf(system, id)).output as { type: string; value: unknown }[];
    assert.deepEqual(seen, [
      { type: 'string', value: 'Tokyo' },
      { type: 'string', value: '"already quoted"' },
      { type: 'string', value: '42' },
      { type: 'number', value: 42 },
      { type: 'boolean', value: true },
      { type: 'object', value: { city: 'Tokyo' } },
      { type: 'object', value: ['a', 'b'] },
      { type: 'string', value: '' },
      { type: 'string', value: 'with retry' },
    ]);
  });

  // Source: samples-ts/functions/backupSiteContent.ts (a directory path as a string input, one
  // activity per file, Task.all of the sizes); https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-cloud-backup
  test('fan-out/fan-in: the backup sample sums the sizes of every file under a path given as a string', async () => {
    const root = join(system.stateDir, 'site content "quoted"');
    mkdirSync(join(root, 'nested dir'), { recursive: true });
    writeFileSync(join(root, 'index.html'), 'x'.repeat(1200));
    writeFileSync(join(root, 'nested dir', 'style.css'), 'y'.repeat(34));
    writeFileSync(join(root, 'nested dir', 'app.js'), 'z'.repeat(500));
    const id = await startOrchestration(system, 'backupSiteContent', root);
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed', String(done.output));
    assert.equal(done.output, 1734);
  });

  // Source: the extension's OutOfProcOrchestrationShim.InvokeAPIFromAction builds Task.all with .NET
  // Task.WhenAll, which completes when every task has, and ProcessAsyncActionsV2 awaits each action
  // in turn, so the compensation (the next action) is scheduled only then.
  test('fan-out/fan-in with a failing child: the catch block runs only after every other child has finished', async () => {
    const id = await startOrchestration(system, 'fanOutWithCompensation', ['comp-a', 'comp-b'], { settle: false });
    await until(
      async () => ((await statusOf(system, id, '?showHistory=true')).historyEvents ?? []).some((e) => e.EventType === 'TaskFailed'),
      'the failing child to fail',
    );
    await system.post(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/nudge`, {}); // another episode: still nothing scheduled
    await until(async () => ((await statusOf(system, id, '?showHistory=true')).historyEvents ?? []).some((e) => e.EventType === 'EventRaised'), 'the nudge');
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running');
    assert.ok(!(await activityLog(system)).some((e) => e.activity === 'compensate'), 'no compensation while children still run');

    await system.post('/api/test/gates/comp-a');
    await system.post('/api/test/gates/comp-b');
    await system.settle();
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { compensated: true });
    const log = (await activityLog(system)).filter((e) => e.input.gate?.startsWith('comp-') || e.activity === 'compensate');
    assert.deepEqual(
      log.map((e) => `${e.activity}:${e.phase}:${e.input.gate ?? ''}`).slice(-3),
      ['gatedStep:end:comp-a', 'gatedStep:end:comp-b', 'compensate:start:'],
    );
  });

  // Source: as above; ScheduleDurableTaskEvents replays every action before it raises the
  // orchestrator's error, so the instance fails only once the Task.all has completed.
  test('fan-out/fan-in with an uncaught failure: the instance fails only after every child has finished', async () => {
    const id = await startOrchestration(system, 'fanOutUncaught', ['unc-a'], { settle: false });
    await until(
      async () => ((await statusOf(system, id, '?showHistory=true')).historyEvents ?? []).some((e) => e.EventType === 'TaskFailed'),
      'the failing child to fail',
    );
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running', 'not failed while a child still runs');
    await system.post('/api/test/gates/unc-a');
    await system.settle();
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Failed');
    assert.match(String(done.output), /step failing failed/);
  });

  // Source: samples-ts/functions/weatherMonitor.ts (a string input to the activity, a durable timer
  // between checks, an expiry); https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-monitor
  test('monitor: checks every 30 minutes until the condition holds, then alerts once', async () => {
    const id = await startOrchestration(system, 'weatherMonitor', { city: 'Seattle', phone: '+1 425 555 0100' });
    await system.advance('PT61M');
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running');
    await system.post('/api/test/clear-sky/Seattle');
    await system.advance('PT30M');
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { alert: 'alerted +1 425 555 0100', checks: 4 });
  });

  test('monitor: expires after six hours of checks when the condition never holds', async () => {
    const id = await startOrchestration(system, 'weatherMonitor', { city: 'Bergen', phone: '+47 5555 0100' });
    await system.advance('PT6H');
    assert.deepEqual((await statusOf(system, id)).output, { alert: null, checks: 12 });
  });

  // Source: samples-ts/functions/smsPhoneVerification.ts (Task.any of the response and a 90-second
  // timer, the timer cancelled before returning); https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-phone-verification
  // and durable-functions-timers ("won't change an orchestration's status to Completed until all
  // outstanding tasks, including durable timer tasks, are either completed or canceled").
  test('human interaction: the right code in time authorizes, and the cancelled timer lets the instance complete at once', async () => {
    const id = await startOrchestration(system, 'smsPhoneVerification', '+44 7700 900123');
    const raised = await system.post(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/SmsChallengeResponse`, 123);
    assert.equal(raised.status, 202);
    await system.settle();
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.equal(done.output, true);
  });

  test('human interaction: wrong codes until the 90-second timeout deny', async () => {
    const id = await startOrchestration(system, 'smsPhoneVerification', '+44 7700 900456');
    await system.post(`/runtime/webhooks/durabletask/instances/${id}/raiseEvent/SmsChallengeResponse`, 111);
    await system.settle();
    await system.advance('PT89S');
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running');
    await system.advance('PT1S');
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.equal(done.output, false);
  });

  // Source: samples-ts/functions/continueAsNewCounter.ts; https://learn.microsoft.com/azure/azure-functions/durable/durable-functions-eternal-orchestrations
  // ("the history is reset": only the last generation's events remain).
  test('eternal orchestration: the continue-as-new counter reaches 10 with only its last generation in history', async () => {
    const id = await startOrchestration(system, 'continueAsNewCounter');
    await system.advance('PT4M');
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running', 'ten generations of 30 seconds');
    await system.advance('PT1M');
    const done = await statusOf(system, id, '?showHistory=true');
    assert.equal(done.runtimeStatus, 'Completed');
    assert.equal(done.output, 10);
    assert.equal(done.input, 9, 'the last generation started from 9');
    assert.equal((done.historyEvents ?? []).filter((e) => e.EventType === 'TimerCreated').length, 1);
  });

  // Source: samples-ts/functions/callSubOrchestratorWithRetry.ts (RetryOptions(10000, 2) and a fixed
  // child id); DTFx src/DurableTask.Core/RetryInterceptor.cs (a timer of the first retry interval
  // between attempts).
  test('sub-orchestration with retry: a child that fails once is run again under the same id after 10 seconds', async () => {
    const id = await startOrchestration(system, 'callSubOrchestratorWithRetry', { failures: 1, attempts: 2 });
    assert.equal((await statusOf(system, `${id}:child`)).runtimeStatus, 'Failed');
    await system.advance('PT9S');
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running');
    await system.advance('PT1S');
    const done = await statusOf(system, id);
    assert.deepEqual(done.output, { ok: true, result: 'succeeded after 1 failure(s)' });
    assert.equal((await statusOf(system, `${id}:child`)).runtimeStatus, 'Completed');
  });

  test('sub-orchestration with retry: when every attempt fails the orchestrator catches the last failure', async () => {
    const id = await startOrchestration(system, 'callSubOrchestratorWithRetry', { failures: 5, attempts: 2 });
    await system.advance('PT10S');
    const done = await statusOf(system, id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual((done.output as { ok: boolean }).ok, false);
    assert.match((done.output as { error: string }).error, /flaky failure, 3 left/);
  });

  // Source: samples-ts/functions/callActivityWithRetry.ts; DTFx RetryInterceptor.Invoke: after the
  // last attempt it awaits a timer due at the current time ("Dummy timer for back-compat"), so the
  // failure reaches the orchestrator at once instead of after another retry interval.
  test('activity with retry: the last failure reaches the orchestrator as soon as the last attempt fails', async () => {
    const started = await system.now();
    const id = await startOrchestration(system, 'callActivityWithRetry', { failures: 5, attempts: 3 });
    await system.advance('PT1M'); // second attempt
    assert.equal((await statusOf(system, id)).runtimeStatus, 'Running');
    await system.advance('PT1M'); // third and last attempt, at +2 minutes
    const done = await statusOf(system, id, '?showHistory=true');
    assert.equal(done.runtimeStatus, 'Completed');
    assert.match((done.output as { error: string }).error, /flaky failure, 2 left/);
    const timers = (done.historyEvents ?? []).filter((e) => e.EventType === 'TimerCreated').map((e) => Date.parse(e.FireAt!) - started.getTime());
    assert.deepEqual(timers, [60_000, 120_000, 120_000], 'a retry timer after each failed attempt; the last one due at once');
  });
});
