// One data-subject request, as the privacy notice promises it: a request the vendor received is
// forwarded to the controller; when identity evidence was asked for, the workflow waits for it
// (human interaction); then it reminds the privacy contacts 7 days and 1 day before the due date and
// escalates to the privacy and security contacts when it passes unanswered; fulfilment, once asked
// for, runs here. Every wait is raced against the request's change event (identity received,
// extension, pause, fulfilment asked, closed), after which the workflow re-reads the request and
// plans again; the losing timer is cancelled. Inputs and outputs carry ids and instants only.
import { z } from 'zod';
import { caller, defineOrchestration, eventBefore, EventWaiter, showStatus } from '../kit/index.js';
import { DSAR_CHANGED_EVENT } from '../../shared/dsars/dsar.js';
import { DSAR_STATUSES } from '../../shared/dsars/lifecycle.js';
import { dsarRefSchema, forwardDsarToController, fulfilDsar, loadDsarPlan, takeDsarDeadlineStep } from './activities.js';
import { DSAR_RETRY } from './retry.js';

export const DSAR_ORCHESTRATOR = 'dataSubjectRequest';
defineOrchestration(DSAR_ORCHESTRATOR, {
  input: dsarRefSchema,
  output: z.object({ outcome: z.enum(DSAR_STATUSES) }),
  body: function* (context, ref) {
    const call = caller(context, DSAR_RETRY);
    // One waiter for the whole workflow, renewed before each re-read of the request (the kit's rule).
    const changes = new EventWaiter(context, DSAR_CHANGED_EVENT);
    let fulfilmentSkipped = false;
    for (;;) {
      changes.renew();
      const plan = yield* call(loadDsarPlan, { ...ref, at: context.df.currentUtcDateTime.toISOString() });
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
            if (!changes.happened) yield changes.task;
            fulfilmentSkipped = false;
            break;
          }
          showStatus(context, 'dsar', { step: 'fulfilling' });
          fulfilmentSkipped = (yield* call(fulfilDsar, ref)) === 'skipped';
          break;
        case 'awaiting-identity':
          // The clock has not started: nothing to remind about until the evidence arrives (or the request closes).
          showStatus(context, 'dsar', { step: 'awaiting-identity' });
          if (!changes.happened) yield changes.task;
          break;
        case 'running': {
          showStatus(context, 'dsar', { step: 'running', status: plan.status, dueOn: plan.dueOn, next: plan.next?.kind, nextAt: plan.next?.at });
          if (!plan.next) {
            // Reminded and escalated for this deadline: wait for it to move or for the request to close.
            if (!changes.happened) yield changes.task;
            break;
          }
          if (yield* eventBefore(context, changes, new Date(plan.next.at))) break;
          yield* call(takeDsarDeadlineStep, { ...ref, step: plan.next });
          break;
        }
      }
    }
  },
});
