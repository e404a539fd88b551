// One data-subject request, as the privacy notice promises it: a request the vendor received is
// forwarded to the controller; when identity evidence was asked for, the workflow waits for it
// (human interaction); then it reminds the privacy contacts 7 days and 1 day before the due date and
// escalates to the privacy and security contacts when it passes unanswered; fulfilment, once asked
// for, runs here. Every wait is raced against the request's change event (identity received,
// extension, pause, fulfilment asked, closed), after which the workflow re-reads the request and
// plans again; the losing timer is cancelled. Inputs and outputs carry ids and instants only.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { DSAR_CHANGED_EVENT, type DsarRef } from '../../shared/dsars/dsar.js';
import type { DsarPlan } from '../../shared/dsars/schedule.js';
import { ACTIVITY_RETRY, forwardDsarToController, fulfilDsar, loadDsarPlan, takeDsarDeadlineStep } from './activities.js';

/** Waits until `until` unless the request changes first (the losing timer is cancelled). */
function* changedBefore(context: OrchestrationContext, until: Date): Generator<Task, boolean, unknown> {
  if (until.getTime() <= context.df.currentUtcDateTime.getTime()) return false;
  const deadline = context.df.createTimer(until);
  const changed = context.df.waitForExternalEvent(DSAR_CHANGED_EVENT);
  const winner = yield context.df.Task.any([deadline, changed]);
  if (winner === changed) {
    deadline.cancel();
    return true;
  }
  return false;
}

const dataSubjectRequest: OrchestrationHandler = function* (context: OrchestrationContext) {
  const ref = context.df.getInput<DsarRef>();
  let fulfilmentSkipped = false;
  for (;;) {
    const plan = (yield loadDsarPlan({ ...ref, at: context.df.currentUtcDateTime.toISOString() }).withRetry(ACTIVITY_RETRY)) as DsarPlan;
    if (plan.phase !== 'fulfil') fulfilmentSkipped = false;
    switch (plan.phase) {
      case 'closed':
        context.df.setCustomStatus({ phase: 'closed', status: plan.status });
        return { outcome: plan.status };
      case 'forward':
        yield forwardDsarToController(ref).withRetry(ACTIVITY_RETRY);
        break;
      case 'fulfil':
        // Skipped while the request still asks for fulfilment (its tenant record is gone, say): wait for a change, never spin.
        if (fulfilmentSkipped) {
          yield context.df.waitForExternalEvent(DSAR_CHANGED_EVENT);
          fulfilmentSkipped = false;
          break;
        }
        context.df.setCustomStatus({ phase: 'fulfilling' });
        fulfilmentSkipped = ((yield fulfilDsar(ref).withRetry(ACTIVITY_RETRY)) as string) === 'skipped';
        break;
      case 'awaiting-identity':
        // The clock has not started: nothing to remind about until the evidence arrives (or the request closes).
        context.df.setCustomStatus({ phase: 'awaiting-identity' });
        yield context.df.waitForExternalEvent(DSAR_CHANGED_EVENT);
        break;
      case 'running': {
        context.df.setCustomStatus({ phase: 'running', status: plan.status, dueOn: plan.dueOn, ...(plan.next ? { next: plan.next } : {}) });
        if (!plan.next) {
          // Reminded and escalated for this deadline: wait for it to move or for the request to close.
          yield context.df.waitForExternalEvent(DSAR_CHANGED_EVENT);
          break;
        }
        if (yield* changedBefore(context, new Date(plan.next.at))) break;
        yield takeDsarDeadlineStep({ ...ref, step: plan.next }).withRetry(ACTIVITY_RETRY);
        break;
      }
    }
  }
};
export const DSAR_ORCHESTRATOR = 'dataSubjectRequest';
df.app.orchestration(DSAR_ORCHESTRATOR, dataSubjectRequest);
