// Calling activities from an orchestrator: every call retries as a loop here, with a durable timer
// between tries, so the orchestrator sees each failure (what failed, since when, how often) and the
// flow's retry policy decides. Backoff is exponential and capped; a Retry-After the failure carries
// is honoured within the cap. The policy is the place to keep trying for as long as an obligation is
// open and to alert when an activity has kept failing for a while (its `onFailure` runs in the
// orchestrator and may call activities itself).
import type { OrchestrationContext, Task } from 'durable-functions';
import type { z } from 'zod';
import type { Activity } from './activity.js';
import { activityFailure, type ActivityFailure } from './failure.js';

/** The failures of one call so far (reset when a try succeeds). */
export interface FailureStreak {
  activity: string;
  /** Tries made, all failed. */
  attempts: number;
  firstFailedAt: Date;
  failedAt: Date;
  /** When the try before this one failed (undefined after the first failure). */
  previousFailedAt?: Date;
  failure: ActivityFailure;
}

export interface RetryPolicy {
  /** The wait before the second try. */
  readonly firstDelayMs: number;
  /** Each later wait is this many times longer... */
  readonly backoffCoefficient: number;
  /** ...up to this (also the cap on a Retry-After). */
  readonly maxDelayMs: number;
  /** After a failed try: try again, or give up and throw the failure into the orchestrator? */
  keepTrying(streak: FailureStreak): boolean;
  /** Runs after every failed try, before the decision: the place for alerts. */
  onFailure?(context: OrchestrationContext, streak: FailureStreak): Generator<Task, void, unknown>;
}

export const MAX_RETRY_DELAY_MS = 5 * 60_000;

/** How long a policy keeps trying: a number of tries, or a time since the streak's first failure. */
export type RetryBudget = { maxAttempts: number } | { keepTryingForMs: number };

/**
 * A policy that gives up when its budget is spent (`maxAttempts` tries, or `keepTryingForMs` of
 * failing), and at once on a failure that says retrying cannot help.
 */
export function retryPolicy(options: RetryBudget & { firstDelayMs?: number; backoffCoefficient?: number; maxDelayMs?: number }): RetryPolicy {
  const withinBudget =
    'maxAttempts' in options
      ? (streak: FailureStreak): boolean => streak.attempts < options.maxAttempts
      : (streak: FailureStreak): boolean => streak.failedAt.getTime() - streak.firstFailedAt.getTime() < options.keepTryingForMs;
  return {
    firstDelayMs: options.firstDelayMs ?? 5_000,
    backoffCoefficient: options.backoffCoefficient ?? 2,
    maxDelayMs: Math.min(options.maxDelayMs ?? MAX_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS),
    keepTrying: (streak) => streak.failure.retryable && withinBudget(streak),
  };
}

/** The wait before the next try: capped exponential backoff, or the Retry-After if longer (within the cap). */
export function retryDelayMs(
  policy: Pick<RetryPolicy, 'firstDelayMs' | 'backoffCoefficient' | 'maxDelayMs'>,
  streak: Pick<FailureStreak, 'attempts' | 'failure'>,
): number {
  const backoff = policy.firstDelayMs * policy.backoffCoefficient ** (streak.attempts - 1);
  return Math.min(policy.maxDelayMs, Math.max(backoff, streak.failure.retryAfterMs ?? 0));
}

/** True when the streak has just reached `ms` of failing (once per streak): for alerts at a threshold. */
export function crossed(streak: FailureStreak, ms: number): boolean {
  const first = streak.firstFailedAt.getTime();
  const before = streak.previousFailedAt ? streak.previousFailedAt.getTime() - first : -1;
  return before < ms && streak.failedAt.getTime() - first >= ms;
}

export type ActivityCall = <In extends z.ZodType, Out extends z.ZodType>(
  activity: Activity<In, Out>,
  input: z.input<In>,
) => Generator<Task, z.output<Out>, unknown>;

/**
 * The flow's way to call its activities: `const call = caller(context, FLOW_RETRY)`, then
 * `const plan = yield* call(loadPlan, ref)` (typed by the activity's schemas).
 */
export function caller(context: OrchestrationContext, policy: RetryPolicy): ActivityCall {
  return function* call<In extends z.ZodType, Out extends z.ZodType>(activity: Activity<In, Out>, input: z.input<In>): Generator<Task, z.output<Out>, unknown> {
    let streak: FailureStreak | undefined;
    for (;;) {
      let result: unknown;
      try {
        result = yield activity.once(input);
      } catch (error) {
        const failedAt = context.df.currentUtcDateTime;
        streak = {
          activity: activity.name,
          attempts: (streak?.attempts ?? 0) + 1,
          firstFailedAt: streak?.firstFailedAt ?? failedAt,
          failedAt,
          ...(streak ? { previousFailedAt: streak.failedAt } : {}),
          failure: activityFailure(error),
        };
        if (policy.onFailure) yield* policy.onFailure(context, streak);
        if (!policy.keepTrying(streak)) throw error;
        yield context.df.createTimer(new Date(failedAt.getTime() + retryDelayMs(policy, streak)));
        continue;
      }
      return activity.output.parse(result);
    }
  };
}
