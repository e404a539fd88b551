// Waiting for external events (the human interaction pattern), with one rule for event waiters.
//
// The rule: keep exactly one waiter per event name, and keep yielding that same waiter until it
// completes; never drop a pending waiter to make a new one. Renew a waiter (for the next
// occurrence of a repeating event) only after it completed, and before re-reading the state the
// event announces. Why: durable-functions hands an arriving event to the most recently created
// waiter of its name that is still registered, and a waiter that lost a race stays registered; a
// dropped waiter therefore takes the next event and the wake-up is lost. An event that arrives while
// no waiter of its name is registered is kept and handed to the next waiter created, so a renewed
// waiter sees every occurrence after the renewal. test/workflows/event-rule.test.ts pins both
// behaviours of the library.
import type { OrchestrationContext, Task } from 'durable-functions';

/** The one waiter for events of `name` in this orchestration. */
export class EventWaiter {
  #task: Task;

  constructor(
    private readonly context: OrchestrationContext,
    readonly name: string,
  ) {
    this.#task = context.df.waitForExternalEvent(name);
  }

  /** The waiter to yield (alone, or in Task.any with others): the same one until it completes. */
  get task(): Task {
    return this.#task;
  }

  /** The event arrived (for a one-off event such as a release or a close: it stays true). */
  get happened(): boolean {
    return this.#task.isCompleted;
  }

  /** The data the event carried, once it happened. */
  get data(): unknown {
    return this.#task.result;
  }

  /**
   * For a repeating event: this occurrence is handled, wait for the next one. Call it before
   * re-reading the state the event announces, so a change made after the read wakes the new waiter.
   */
  renew(): void {
    if (this.#task.isCompleted) this.#task = this.context.df.waitForExternalEvent(this.name);
  }
}

/**
 * The longest any wait for an event lasts before the flow re-reads its record and plans again: an
 * event that was lost (a signal the API could not deliver) then costs at most this long, and the
 * reconciler (shared/flows/reconciler.ts) re-delivers it sooner. Every event wait in workflows/ goes
 * through `eventBefore` or `anyBefore` (test/repo/event-waits.test.ts checks it).
 */
export const REPLAN_AFTER_MS = 24 * 3600_000;

/** When a wait with no due instant of its own re-plans: `REPLAN_AFTER_MS` from now. */
export function replanAt(context: OrchestrationContext): Date {
  return new Date(context.df.currentUtcDateTime.getTime() + REPLAN_AFTER_MS);
}

/**
 * Waits until `until` unless `event` happens first (or has already happened): true if it did. The
 * losing timer is cancelled, or the instance would stay Running until it fired.
 *
 * No single wait lasts longer than `REPLAN_AFTER_MS`: a wait for a later instant needs `recheck`,
 * which reads the record between slices (true: the change the event announces is there, as good as
 * the event). A lost event therefore delays the flow by a day at most.
 */
export function* eventBefore(
  context: OrchestrationContext,
  event: EventWaiter,
  until: Date,
  recheck?: () => Generator<Task, boolean, unknown>,
): Generator<Task, boolean, unknown> {
  for (;;) {
    if (event.happened) return true;
    const now = context.df.currentUtcDateTime.getTime();
    if (until.getTime() <= now) return false;
    const sliceEnd = Math.min(until.getTime(), now + REPLAN_AFTER_MS);
    if (sliceEnd < until.getTime() && !recheck)
      throw new Error(`a wait for ${event.name} beyond ${REPLAN_AFTER_MS / 3600_000} hours needs a recheck of the record`);
    const deadline = context.df.createTimer(new Date(sliceEnd));
    const winner: unknown = yield context.df.Task.any([event.task, deadline]);
    if (winner === event.task) {
      deadline.cancel();
      return true;
    }
    if (sliceEnd < until.getTime() && recheck && (yield* recheck())) return true;
  }
}

/**
 * Waits until one of `tasks` (event waiters' tasks, sub-orchestrations) completes or `until` passes,
 * whichever is first: true if a task won. The losing timer is cancelled. Tasks that already
 * completed must not be passed (the extension would wait on them anew). At most `REPLAN_AFTER_MS`:
 * the caller re-reads its record when it returns false.
 */
export function* anyBefore(context: OrchestrationContext, tasks: readonly Task[], until: Date): Generator<Task, boolean, unknown> {
  const now = context.df.currentUtcDateTime.getTime();
  if (until.getTime() <= now) return false;
  if (until.getTime() > now + REPLAN_AFTER_MS) throw new Error(`a wait beyond ${REPLAN_AFTER_MS / 3600_000} hours: re-plan sooner (replanAt)`);
  const deadline = context.df.createTimer(until);
  const winner: unknown = yield context.df.Task.any([...tasks, deadline]);
  if (winner !== deadline) {
    deadline.cancel();
    return true;
  }
  return false;
}

/** Waits until `until` (no event can cut it short); nothing to wait for when it has passed. */
export function* waitUntil(context: OrchestrationContext, instant: Date): Generator<Task, void, unknown> {
  if (instant.getTime() > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(instant);
}
