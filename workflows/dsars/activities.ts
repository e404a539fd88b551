// The activities of a data-subject request's workflow: thin calls into shared/dsars. Each is
// idempotent (keyed by the request and the step), because activities run at least once.
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getServices } from '../../shared/composition.js';
import type { DsarRef } from '../../shared/dsars/dsar.js';
import { fulfilRequest } from '../../shared/dsars/fulfilment.js';
import type { DeadlineStep, DsarPlan } from '../../shared/dsars/schedule.js';
import { forwardToController, loadPlan, takeDeadlineStep } from '../../shared/dsars/workflow-steps.js';

export { ACTIVITY_RETRY } from '../termination/activities.js';

const requestIdOf = (context: InvocationContext, step: string): string => `${context.invocationId}:${step}`;
const now = (): Date => getServices().clock.now();

/** `at` is the orchestration's own time, so the plan depends only on the request and the replayed clock. */
export const loadDsarPlan = df.app.activity('dsarLoadPlan', {
  handler: (input: DsarRef & { at: string }): Promise<DsarPlan> => loadPlan(getServices(), input, new Date(input.at)),
});

export const forwardDsarToController = df.app.activity('dsarForwardToController', {
  handler: (ref: DsarRef, context: InvocationContext): Promise<number> => forwardToController(getServices(), ref, now(), requestIdOf(context, 'forward')),
});

export const takeDsarDeadlineStep = df.app.activity('dsarDeadlineStep', {
  handler: (input: DsarRef & { step: DeadlineStep }, context: InvocationContext): Promise<'done' | 'stale'> =>
    takeDeadlineStep(getServices(), input, input.step, now(), requestIdOf(context, input.step.kind)),
});

export const fulfilDsar = df.app.activity('dsarFulfil', {
  handler: (ref: DsarRef, context: InvocationContext): Promise<'completed' | 'failed' | 'skipped'> => fulfilRequest(getServices(), ref, { now: now(), requestId: requestIdOf(context, 'fulfil') }),
});
