// Timer triggers: six-field NCRONTAB schedules evaluated in UTC (as on Linux and Flex Consumption)
// against the host clock, so moving the virtual clock runs every occurrence in order.
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
}

export function timerTriggersOf(functions: Iterable<RegisteredFunction>): TimerTriggerInfo[] {
  return [...functions].flatMap(({ metadata }) => {
    const trigger = Object.values(metadata.bindings).find((b) => b.type === 'timerTrigger');
    if (!trigger) return [];
    return [{ functionName: metadata.name, schedule: resolveSetting(String(trigger['schedule'] ?? '')), runOnStartup: trigger['runOnStartup'] === true }];
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
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) throw new Error(`"${schedule}" is not a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week})`);
  return CronExpressionParser.parse(schedule, { currentDate: after, tz: 'UTC' }).next().toDate();
}

export function startTimerTriggers(deps: {
  functions: Iterable<RegisteredFunction>;
  invoker: FunctionInvoker;
  scheduler: Scheduler;
  clock: HostClock;
  log: Logger;
}): TimerTriggerInfo[] {
  const triggers = timerTriggersOf(deps.functions);
  for (const trigger of triggers) {
    let last: Date | undefined;
    const arm = (after: Date): void => {
      const dueAt = nextOccurrence(trigger.schedule, after);
      deps.scheduler.schedule({
        key: `cron|${trigger.functionName}`,
        dueAt: dueAt.getTime(),
        fire: async () => {
          const now = deps.clock.now();
          const next = nextOccurrence(trigger.schedule, dueAt);
          const payload = {
            Schedule: { AdjustForDST: true },
            ScheduleStatus: { Last: (last ?? dueAt).toISOString(), Next: next.toISOString(), LastUpdated: now.toISOString() },
            IsPastDue: now.getTime() - dueAt.getTime() > 60_000,
          };
          last = dueAt;
          arm(dueAt);
          try {
            await deps.invoker.invoke(trigger.functionName, { json: JSON.stringify(payload) });
          } catch (error) {
            deps.log('error', `[${trigger.functionName}] timer trigger failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
      });
    };
    arm(deps.clock.now());
    if (trigger.runOnStartup) {
      deps.scheduler.schedule({
        key: `cron-startup|${trigger.functionName}`,
        dueAt: deps.clock.now().getTime(),
        fire: async () => {
          await deps.invoker.invoke(trigger.functionName, {
            json: JSON.stringify({ Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false }),
          });
        },
      });
    }
  }
  return triggers;
}
