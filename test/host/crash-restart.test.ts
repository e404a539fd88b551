// The task hub lives on disk: a host killed mid-orchestration resumes every instance when it
// starts again, re-running unfinished activities (at least once, as in Azure), and a replay that
// no longer matches history fails the instance with a clear error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSystem } from '../support/local-system.js';
import { until } from './conformance-host.js';

const SAMPLE_APP = 'dist/test/host/fixtures/sample-app.js';

describe('crash and restart of the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ appModules: [SAMPLE_APP] });
  });
  after(async () => {
    await system?.stop();
  });

  test('a host killed while an activity runs resumes the instance, re-runs the activity and completes', async () => {
    const markerFile = join(system.stateDir, 'activity-starts.txt');
    const started = await system.post<{ id: string }>('/runtime/webhooks/durabletask/orchestrators/survivesCrash', { markerFile });
    assert.equal(started.status, 202);
    const id = started.body.id;
    // appendFileSync creates the file before it writes the pid: wait for the line, not the file.
    await until(() => existsSync(markerFile) && readFileSync(markerFile, 'utf8').endsWith('\n'), 'the activity to start');
    const firstPid = readFileSync(markerFile, 'utf8').trim();

    await system.crashAndRestartHost();
    await system.settle();
    const starts = readFileSync(markerFile, 'utf8').trim().split('\n');
    assert.equal(starts.length, 2, 'the unfinished activity ran again after the restart');
    assert.equal(starts[0], firstPid);
    assert.notEqual(starts[1], firstPid, 'the second run happened in the new host process');

    assert.equal((await system.instance(id)).runtimeStatus, 'Running', 'now waiting on its one-hour timer');
    await system.crashAndRestartHost();
    await system.advance('PT1H');
    const done = await system.instance(id);
    assert.equal(done.runtimeStatus, 'Completed');
    assert.deepEqual(done.output, { first: { starts: 2 }, second: 49 });
  });

  test('a replay that schedules a different activity than history fails the instance as non-deterministic', async () => {
    const switchFile = join(system.stateDir, 'variant.txt');
    writeFileSync(switchFile, 'a');
    const started = await system.post<{ id: string }>('/runtime/webhooks/durabletask/orchestrators/nonDeterministic', { switchFile });
    await system.settle();
    assert.equal((await system.instance(started.body.id)).runtimeStatus, 'Running');

    writeFileSync(switchFile, 'b');
    await system.crashAndRestartHost();
    await system.post(`/runtime/webhooks/durabletask/instances/${started.body.id}/raiseEvent/continue`, true);
    await system.settle();
    const done = await system.instance(started.body.id);
    assert.equal(done.runtimeStatus, 'Failed');
    assert.match(String(done.output), /Non-deterministic workflow detected: task 0 was "square" in history but the orchestrator now schedules "addOne"/);
  });

  test('the virtual clock survives a restart', async () => {
    const before = await system.advance('P3D');
    await system.crashAndRestartHost();
    assert.equal((await system.now()).toISOString(), before.toISOString());
  });
});
