// The activities of a support grant's workflow: thin calls into shared/support-access, each
// idempotent (the bookkeeping reads the record; each notice is keyed by instance and contact).
import { z } from 'zod';
import { defineActivity } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { GRANT_PHASES, grantIdSchema } from '../../shared/support-access/grant.js';
import { settleGrant as settle } from '../../shared/support-access/grant-service.js';
import { sendGrantNotice } from '../../shared/support-access/notices.js';

export const grantRefSchema = z.object({ tenantId: tenantIdSchema, grantId: grantIdSchema });

export const settleGrant = defineActivity('supportGrantSettle', {
  input: grantRefSchema.extend({ asOf: z.iso.datetime() }),
  output: z.object({ status: z.enum(GRANT_PHASES.phases), emergency: z.boolean(), wakeAt: z.iso.datetime().optional() }),
  handler: (input, { services, requestId }) => settle(services, input, new Date(input.asOf), requestId('settle')),
});

export const notifyContacts = defineActivity('supportGrantNotify', {
  input: grantRefSchema.extend({ instanceId: z.string().min(1).max(200), kind: z.enum(['requested', 'break-glass', 'ended']) }),
  output: z.number().int(),
  handler: (input, { services }) => sendGrantNotice(services, input, input.kind),
});
