// The activities of breach notification: thin calls into shared/breaches. Each is idempotent (keyed
// by the breach, the tenant, the notice and the attempt), because activities run at least once.
// Inputs and results are ids, numbers and instants only: never a contact or any personal data.
import { z } from 'zod';
import { defineActivity } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { BREACH_ID } from '../../shared/breaches/breach.js';
import { resolveAffectedTenants } from '../../shared/breaches/affected-tenants.js';
import { sendClockAlert } from '../../shared/breaches/clock-alerts.js';
import { escalateIfNoticesLate } from '../../shared/breaches/notice-capacity.js';
import { clockAlertKindSchema } from '../../shared/breaches/clock.js';
import { deliverNotice } from '../../shared/breaches/notice-delivery.js';
import { alertUnacknowledged } from '../../shared/breaches/notice-alerts.js';
import { breachPlanSchema, loadBreachPlan, noticesDue, noticesDueSchema } from '../../shared/breaches/workflow-steps.js';

export const breachRefSchema = z.object({ breachId: z.string().regex(BREACH_ID, 'must be a breach id') });
export const noticeRefSchema = breachRefSchema.extend({ tenantId: tenantIdSchema, seq: z.number().int().min(0) });

export const loadPlan = defineActivity('breachLoadPlan', {
  input: breachRefSchema,
  output: breachPlanSchema,
  handler: (ref, { services }) => loadBreachPlan(services, ref.breachId),
});

export const sendBreachClockAlert = defineActivity('breachClockAlert', {
  input: breachRefSchema.extend({ kind: clockAlertKindSchema }),
  output: z.enum(['sent', 'released', 'closed']),
  handler: (input, { services, now }) => sendClockAlert(services, input.breachId, input.kind, now()),
});

/** The tenants to notify; before the fan-out starts, ops are escalated at once if the email quota cannot send every notice by notifyBy. */
export const resolveBreachTenants = defineActivity('breachResolveTenants', {
  input: breachRefSchema,
  output: z.array(tenantIdSchema),
  handler: async (ref, { services, now }) => {
    const tenants = await resolveAffectedTenants(services, ref.breachId, now());
    await escalateIfNoticesLate(services, ref.breachId, tenants, now());
    return tenants;
  },
});

/** The notices due after `after` (the initial one, then one per update), and the next update to wait for. */
export const breachNoticesDue = defineActivity('breachNoticesDue', {
  input: breachRefSchema.extend({ after: z.number().int().min(-1) }),
  output: noticesDueSchema,
  handler: (input, { services }) => noticesDue(services, input.breachId, input.after),
});

/** Ops are told once that a notice stayed unacknowledged after its last re-send (tenant and notice, never an address). */
export const alertUnacknowledgedNotice = defineActivity('breachNoticeUnacknowledged', {
  input: noticeRefSchema,
  output: z.enum(['alerted', 'acknowledged', 'skipped']),
  handler: (input, { services, now }) => alertUnacknowledged(services, input, now()),
});

export const deliverBreachNotice = defineActivity('breachDeliverNotice', {
  input: noticeRefSchema.extend({ attempt: z.number().int().min(0) }),
  output: z.enum(['sent', 'acknowledged', 'skipped']),
  handler: (input, { services, now, requestId }) => deliverNotice(services, input, { now: now(), requestId: requestId('breach-notice') }),
});
