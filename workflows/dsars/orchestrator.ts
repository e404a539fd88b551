// One data-subject request, as the privacy notice promises it: a request the vendor received is
// forwarded to the controller; when identity evidence was asked for, the workflow waits for it
// (human interaction); then it reminds the privacy contacts 7 days and 1 day before the due date and
// escalates to the privacy and security contacts when it passes unanswered; fulfilment, once asked
// for, runs here. Every wait is raced against the request's change event (identity received,
// extension, pause, fulfilment asked, closed), after which the workflow re-reads the request and
// plans again; the losing timer is cancelled. A wait with nothing due re-plans after a day anyway,
// so a lost event cannot stop the request. Inputs and outputs carry ids and instants only.
import { z } from 'zod';
import { caller, defineOrchestration, eventBefore, EventWaiter, replanAt, showStatus } from '../kit/index.js';
import { DSAR_CHANGED_EVENT } from '../../shared/dsars/dsar.js';
import { DSAR_STATUSES } from '../../shared/dsars/lifecycle.js';
import { dsarRefSchema, forwardDsarToController, fulfilDsar, loadDsarPlan, takeDsarDeadlineStep } from './activities.js';
import { obligationRetry } from '../reliability/obligation-retry.js';

export const DSAR_ORCHESTRATOR = 'dataSubjectRequest';
defineOrchestration(DSAR_ORCHESTRATOR, {
  input: dsarRefSchema,
  output: z.object({ outcome: z.enum(DSAR_STATUSES) }),
  body: function* (context, ref) {
    const atRisk = { flow: 'dsar', deadline: undefined as string | undefined };
    const call = caller(context, obligationRetry(atRisk));
    // One waiter for the whole workflow, renewed before each re-read of the request (the kit's rule).
    const changes = new EventWaiter(context, DSAR_CHANGED_EVENT);
    let fulfilmentSkipped = false;
    for (;;) {
      changes.renew();
      const plan = yield* call(loadDsarPlan, { ...ref, at: context.df.currentUtcDateTime.toISOString() });
      if (plan.phase === 'running') atRisk.deadline = plan.dueOn;
      if (plan.phase !== 'fulfil') fulfilmentSkipped = false;
      switch (plan.phase) {
        case 'closed':
          showStatus(context, 'dsar', { step: 'closed', status: plan.status });
          return { outcome: plan.status };
        case 'forward':
          yield* call(forwardDsarToController, ref);
          break;
        case 'fulfil':
          // Skipped while the request still asks for fulfilment (its tenant record is gone, say): wait for a change, never spin.
          if (fulfilmentSkipped) {
            // Re-read daily; only a change (the event, or one the reconciler re-delivers) runs it again.
            if (yield* eventBefore(context, changes, replanAt(context))) fulfilmentSkipped = false;
            break;
          }
          showStatus(context, 'dsar', { step: 'fulfilling' });
          fulfilmentSkipped = (yield* call(fulfilDsar, ref)) === 'skipped';
          break;
        case 'awaiting-identity':
          // The clock has not started: nothing to remind about until the evidence arrives (or the request closes).
          showStatus(context, 'dsar', { step: 'awaiting-identity' });
          yield* eventBefore(context, changes, replanAt(context));
          break;
        case 'running': {
          showStatus(context, 'dsar', { step: 'running', status: plan.status, dueOn: plan.dueOn, next: plan.next?.kind, nextAt: plan.next?.at });
          if (!plan.next) {
            // Reminded and escalated for this deadline: wait for it to move or for the request to close.
            yield* eventBefore(context, changes, replanAt(context));
            break;
          }
          const stepAt = new Date(plan.next.at);
          if (yield* eventBefore(context, changes, new Date(Math.min(stepAt.getTime(), replanAt(context).getTime())))) break;
          // A day passed and the step is not due yet: re-read the request and plan again.
          if (context.df.currentUtcDateTime.getTime() < stepAt.getTime()) break;
          yield* call(takeDsarDeadlineStep, { ...ref, step: plan.next });
          break;
        }
      }
    }
  },
});
