// The activity behind the obligation retry's alert (./obligation-retry.ts): ops hear of a step that
// has kept failing for 15 minutes. Idempotent per incident (shared/ops/failing-step-alert.ts).
import { z } from 'zod';
import { defineActivity } from '../kit/index.js';
import { alertFailingStep, failingStepAlertSchema } from '../../shared/ops/failing-step-alert.js';

export const alertOpsOfFailingStep = defineActivity('opsAlertFailingStep', {
  input: failingStepAlertSchema,
  output: z.enum(['emailed', 'logged']),
  handler: (alert, { services, invocation }) => alertFailingStep(services, alert, (line) => invocation.warn(line)),
});
