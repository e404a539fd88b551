// Conformance of timer triggers with the Functions timer extension (azure-webjobs-sdk-extensions,
// src/WebJobs.Extensions/Extensions/Timers): five-field NCRONTAB schedules are accepted, and an
// occurrence missed while the host was down runs once at start-up with isPastDue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LocalSystem } from '../support/local-system.js';
import { startConformanceHost } from './conformance-host.js';

interface Tick {
  at: string;
  isPastDue: boolean;
  last: string | null;
}

describe('timer triggers on the local host', () => {
  let system: LocalSystem;
  before(async () => {
    system = await startConformanceHost();
  });
  after(async () => {
    await system?.stop();
  });

  const ticks = async (): Promise<Tick[]> => (await system.get<Tick[]>('/api/test/ticks')).body;

  // Source: Scheduling/CronSchedule.cs CreateParseOptions (IncludingSeconds unless the expression has
  // five fields); https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer (UTC by default).
  test('a five-field schedule ("0 4 * * *") runs every day at 04:00 UTC', async () => {
    const now = await system.now();
    await system.advance('P2D');
    const runs = await ticks();
    assert.equal(runs.length, 2);
    for (const run of runs) {
      assert.match(run.at, /T04:00:00\.000Z$/);
      assert.equal(run.isPastDue, false);
    }
    assert.ok(Date.parse(runs[0]!.at) > now.getTime());
    assert.equal(runs[1]!.last, runs[0]!.at, 'the schedule status carries the last run');
  });

  // Source: Scheduling/ScheduleMonitor.cs CheckPastDueAsync and Listener/TimerListener.cs StartAsync
  // (a monitored schedule whose recorded next occurrence has passed runs once, at start-up, with
  // IsPastDue); useMonitor defaults to true for schedules less frequent than once a minute.
  test('an occurrence missed while the host was down runs once at start-up with isPastDue, and the schedule goes on', async () => {
    const before = await ticks();
    const lastRun = before.at(-1)!.at;
    await system.crashAndRestartHost({ downFor: 'P3D' });
    await system.settle();
    const afterRestart = await ticks();
    assert.equal(afterRestart.length, 1, 'three missed occurrences, one past-due run');
    assert.equal(afterRestart[0]!.isPastDue, true);
    assert.equal(afterRestart[0]!.last, lastRun);
    await system.advance('P1D');
    const next = (await ticks()).slice(1);
    assert.equal(next.length, 1);
    assert.match(next[0]!.at, /T04:00:00\.000Z$/);
    assert.equal(next[0]!.isPastDue, false);
  });
});
