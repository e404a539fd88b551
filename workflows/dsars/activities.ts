// The activities of a data-subject request's workflow: thin calls into shared/dsars. Each is
// idempotent (keyed by the request and the step), because activities run at least once.
import { z } from 'zod';
import { defineActivity } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { fulfilRequest } from '../../shared/dsars/fulfilment.js';
import { deadlineStepSchema, dsarPlanSchema } from '../../shared/dsars/schedule.js';
import { forwardToController, loadPlan, takeDeadlineStep } from '../../shared/dsars/workflow-steps.js';

export const dsarRefSchema = z.object({ tenantId: tenantIdSchema, dsarId: z.string().regex(/^d-[0-9a-f]{20}$/, 'must be a request id') });

/** `at` is the orchestration's own time, so the plan depends only on the request and the replayed clock. */
export const loadDsarPlan = defineActivity('dsarLoadPlan', {
  input: dsarRefSchema.extend({ at: z.string() }),
  output: dsarPlanSchema,
  handler: (input, { services }) => loadPlan(services, input, new Date(input.at)),
});

export const forwardDsarToController = defineActivity('dsarForwardToController', {
  input: dsarRefSchema,
  output: z.number().int(),
  handler: (ref, { services, now, requestId }) => forwardToController(services, ref, now(), requestId('forward')),
});

export const takeDsarDeadlineStep = defineActivity('dsarDeadlineStep', {
  input: dsarRefSchema.extend({ step: deadlineStepSchema }),
  output: z.enum(['done', 'stale']),
  handler: (input, { services, now, requestId }) => takeDeadlineStep(services, input, input.step, now(), requestId(input.step.kind)),
});

export const fulfilDsar = defineActivity('dsarFulfil', {
  input: dsarRefSchema,
  output: z.enum(['completed', 'failed', 'skipped']),
  handler: (ref, { services, now, requestId }) => fulfilRequest(services, ref, { now: now(), requestId: requestId('fulfil') }),
});
