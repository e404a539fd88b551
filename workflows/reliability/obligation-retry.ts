// How every flow retries its activities while its obligation is open: capped exponential backoff
// (at most 5 minutes between tries, a Retry-After honoured) for as long as it takes, a notice owed
// after its deadline included; never a fixed count that ends the flow in the middle of an outage.
// What ends a try loop is only a failure that says retrying cannot help (a bug, a refused input):
// the flow then fails visibly and the reconciler starts it again. After 15 minutes of failing, ops
// are alerted once per incident (per streak of failures of one call), naming the flow and the
// deadline at risk.
import type { OrchestrationContext, Task } from 'durable-functions';
import { crossed, MAX_RETRY_DELAY_MS, type FailureStreak, type RetryPolicy } from '../kit/index.js';
import { alertOpsOfFailingStep } from './activities.js';

export const ALERT_AFTER_MS = 15 * 60_000;

/** What is at risk when a step keeps failing: the flow and, once the flow knows it, its next deadline. */
export interface AtRisk {
  flow: string;
  deadline?: string;
}

export function obligationRetry(atRisk: AtRisk): RetryPolicy {
  return {
    firstDelayMs: 5_000,
    backoffCoefficient: 2,
    maxDelayMs: MAX_RETRY_DELAY_MS,
    keepTrying: (streak) => streak.failure.retryable,
    onFailure: function* (context: OrchestrationContext, streak: FailureStreak): Generator<Task, void, unknown> {
      if (!crossed(streak, ALERT_AFTER_MS)) return;
      try {
        yield alertOpsOfFailingStep.once({
          flow: atRisk.flow,
          instanceId: context.df.instanceId,
          step: streak.activity,
          ...(streak.failure.code ? { code: streak.failure.code } : {}),
          failingSince: streak.firstFailedAt.toISOString(),
          attempts: streak.attempts,
          ...(atRisk.deadline ? { deadline: atRisk.deadline } : {}),
        });
      } catch {
        // The alert activity's own failure is reported by the host (logged and sent to Sentry); the
        // obligation's retries must go on whether or not the alert got out.
      }
    },
  };
}
