// The activities of a sub-processor change: thin calls into shared/sub-processors. Each is idempotent
// (every message keyed by change, tenant, message and contact; every tenant's line records what was
// done), because activities run at least once. Inputs and results are ids, counts and instants only.
import { z } from 'zod';
import { defineActivity } from '../kit/index.js';
import { CHANGE_PHASES, changeIdSchema } from '../../shared/sub-processors/change.js';
import {
  applyChangeToList,
  changePlan,
  deliverChangeBatch,
  processObjections,
  remindOpsOfUnanswered,
  resolveChangeTenants,
} from '../../shared/sub-processors/change-notices.js';

export const changeRefSchema = z.object({ changeId: changeIdSchema });
export const noticeKindSchema = z.enum(['notice', 'reminder', 'effective', 'withdrawn']);

export const loadChangePlan = defineActivity('subProcessorChangePlan', {
  input: changeRefSchema,
  output: z.object({ effectiveAt: z.string(), phase: z.enum(CHANGE_PHASES.phases) }),
  handler: (ref, { services }) => changePlan(services, ref.changeId),
});

export const resolveTenants = defineActivity('subProcessorChangeResolveTenants', {
  input: changeRefSchema,
  output: z.object({ tenants: z.number().int().min(0), batches: z.number().int().min(0) }),
  handler: (ref, { services, now }) => resolveChangeTenants(services, ref.changeId, now()),
});

export const deliverBatch = defineActivity('subProcessorChangeDeliverBatch', {
  input: changeRefSchema.extend({ notice: noticeKindSchema, batch: z.number().int().min(0) }),
  output: z.object({ tenants: z.number().int().min(0), sent: z.number().int().min(0) }),
  handler: (input, { services, now, requestId }) =>
    deliverChangeBatch(services, input, { now: now(), requestId: requestId(`sub-processor-${input.notice}-${input.batch}`) }),
});

export const handleObjections = defineActivity('subProcessorChangeObjections', {
  input: changeRefSchema,
  output: z.object({ objections: z.number().int().min(0), unanswered: z.number().int().min(0) }),
  handler: (ref, { services, now }) => processObjections(services, ref.changeId, now()),
});

export const remindOps = defineActivity('subProcessorChangeRemindOps', {
  input: changeRefSchema,
  output: z.number().int().min(0),
  handler: (ref, { services, now }) => remindOpsOfUnanswered(services, ref.changeId, now()),
});

export const applyToList = defineActivity('subProcessorChangeApply', {
  input: changeRefSchema,
  output: z.object({ outcome: z.enum(['effective', 'withdrawn']), version: z.number().int().optional() }),
  handler: (ref, { services, now }) => applyChangeToList(services, ref.changeId, now()),
});
