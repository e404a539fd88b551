// Timer triggers: NCRONTAB schedules (six fields with seconds, or five without, as the timer
// extension's CronSchedule accepts) evaluated in UTC (as on Linux and Flex Consumption) against the
// host clock, so moving the virtual clock runs every occurrence in order. Like the extension's
// schedule monitor, the last and next occurrence of each monitored schedule are kept in the state
// folder; an occurrence missed while the host was down runs once at start-up with `isPastDue`.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import type { HostClock } from './clock.js';
import type { Scheduler } from './scheduler.js';
import type { RegisteredFunction } from './worker/core-api.js';
import type { FunctionInvoker } from './worker/invoker.js';
import type { Logger } from './durable/engine.js';

export interface TimerTriggerInfo {
  functionName: string;
  schedule: string;
  runOnStartup: boolean;
  /** Schedule monitoring: the timer extension's default is on for schedules less frequent than once a minute. */
  useMonitor: boolean;
}

/** The schedule monitor's record (ScheduleStatus), in UTC. */
interface ScheduleStatus {
  Last: string;
  Next: string;
  LastUpdated: string;
}

/** .NET's default(DateTime), which the extension writes for "never ran". */
const NEVER = '0001-01-01T00:00:00.000Z';

export function timerTriggersOf(functions: Iterable<RegisteredFunction>): TimerTriggerInfo[] {
  return [...functions].flatMap(({ metadata }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.type === 'timerTrigger');
    if (!trigger) return [];
    const schedule = resolveSetting(String(trigger['schedule'] ?? ''));
    nextOccurrence(schedule, new Date(0)); // refuse a bad schedule at start-up, as the runtime does
    const useMonitor = typeof trigger['useMonitor'] === 'boolean' ? trigger['useMonitor'] : intervalMs(schedule) > 60_000;
    return [{ functionName: metadata.name, schedule, runOnStartup: trigger['runOnStartup'] === true, useMonitor }];
  });
}

/** `%NAME%` schedules come from app settings, as in the real host. */
function resolveSetting(schedule: string): string {
  const match = /^%(.+)%$/.exec(schedule);
  if (!match) return schedule;
  const value = process.env[match[1]!];
  if (!value) throw new Error(`Timer schedule refers to app setting ${match[1]} which is not set`);
  return value;
}

export function nextOccurrence(schedule: string, after: Date): Date {
  const fields = schedule.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new Error(
      `"${schedule}" is not an NCRONTAB expression: use six fields ({second} {minute} {hour} {day} {month} {day-of-week}) or five without the seconds (TimeSpan schedules need an App Service plan and are not supported here)`,
    );
  }
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
}

function intervalMs(schedule: string): number {
  const first = nextOccurrence(schedule, new Date(Date.UTC(2026, 0, 1)));
  return nextOccurrence(schedule, first).getTime() - first.getTime();
}

/** Keeps each monitored schedule's status as JSON in `<stateDir>/timers/`, or nowhere without a state folder. */
class ScheduleMonitor {
  readonly #dir: string | undefined;
  constructor(stateDir: string | undefined) {
    this.#dir = stateDir === undefined ? undefined : join(stateDir, 'timers');
    if (this.#dir) mkdirSync(this.#dir, { recursive: true });
  }
  read(functionName: string): ScheduleStatus | undefined {
    if (!this.#dir) return undefined;
    const path = join(this.#dir, `${functionName}.json`);
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ScheduleStatus) : undefined;
  }
  write(functionName: string, status: ScheduleStatus): void {
    if (!this.#dir) return;
    const path = join(this.#dir, `${functionName}.json`);
    writeFileSync(`${path}.tmp`, JSON.stringify(status));
    renameSync(`${path}.tmp`, path);
  }
}

/**
 * ScheduleMonitor.CheckPastDueAsync: records the next occurrence of a schedule seen for the first
 * time (or changed since), and tells whether an occurrence was missed since the host last ran.
 */
function checkPastDue(trigger: TimerTriggerInfo, monitor: ScheduleMonitor, now: Date): { status: ScheduleStatus; pastDue: boolean } {
  let status = monitor.read(trigger.functionName);
  if (!status) {
    status = { Last: NEVER, Next: nextOccurrence(trigger.schedule, now).toISOString(), LastUpdated: now.toISOString() };
    monitor.write(trigger.functionName, status);
  } else {
    let basis = status.Last !== NEVER ? new Date(status.Last) : status.LastUpdated !== NEVER ? new Date(status.LastUpdated) : now;
    let expected = nextOccurrence(trigger.schedule, basis);
    if (expected.toISOString() !== status.Next) {
      // The schedule changed: start from now rather than report an occurrence of the old one as missed.
      if (now.getTime() > expected.getTime()) {
        basis = now;
        expected = nextOccurrence(trigger.schedule, now);
      }
      status = { Last: NEVER, Next: expected.toISOString(), LastUpdated: basis.toISOString() };
      monitor.write(trigger.functionName, status);
    }
  }
  return { status, pastDue: now.getTime() > Date.parse(status.Next) };
}

export function startTimerTriggers(deps: {
  functions: Iterable<RegisteredFunction>;
  invoker: FunctionInvoker;
  scheduler: Scheduler;
  clock: HostClock;
  log: Logger;
  stateDir: string | undefined;
}): TimerTriggerInfo[] {
  const triggers = timerTriggersOf(deps.functions);
  const monitor = new ScheduleMonitor(deps.stateDir);
  for (const trigger of triggers) {
    const startedAt = deps.clock.now();
    let status: ScheduleStatus = { Last: NEVER, Next: nextOccurrence(trigger.schedule, startedAt).toISOString(), LastUpdated: startedAt.toISOString() };
    let pastDue = false;
    if (trigger.useMonitor) ({ status, pastDue } = checkPastDue(trigger, monitor, startedAt));

    /** TimerListener.InvokeJobFunction: the function sees the status before this run; the status then records it. */
    const invoke = async (occurrence: Date, flags: { isPastDue: boolean }): Promise<void> => {
      const now = deps.clock.now();
      const payload = { Schedule: { AdjustForDST: true }, ScheduleStatus: trigger.useMonitor ? status : null, IsPastDue: flags.isPastDue };
      status = { Last: occurrence.toISOString(), Next: nextOccurrence(trigger.schedule, now).toISOString(), LastUpdated: now.toISOString() };
      if (trigger.useMonitor) monitor.write(trigger.functionName, status);
      try {
        await deps.invoker.invoke(trigger.functionName, { json: JSON.stringify(payload) });
      } catch (error) {
        deps.log('error', `[${trigger.functionName}] timer trigger failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    const arm = (after: Date): void => {
      const dueAt = nextOccurrence(trigger.schedule, after);
      deps.scheduler.schedule({
        key: `cron|${trigger.functionName}`,
        dueAt: dueAt.getTime(),
        fire: async () => {
          arm(dueAt);
          await invoke(dueAt, { isPastDue: false });
        },
      });
    };
    arm(startedAt);
    if (pastDue || trigger.runOnStartup) {
      if (pastDue)
        deps.log(
          'info',
          `[${trigger.functionName}] an occurrence was missed while the host was down (due ${status.Next}): running it now with isPastDue`,
        );
      deps.scheduler.schedule({
        key: `cron-startup|${trigger.functionName}`,
        dueAt: startedAt.getTime(),
        fire: () => invoke(startedAt, { isPastDue: pastDue }),
      });
    }
  }
  return triggers;
}
