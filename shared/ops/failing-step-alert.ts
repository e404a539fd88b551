// The alert ops get when a flow's step has kept failing for a while (the obligation retry in
// workflows/reliability): one structured log line (which the infrastructure's alert rules watch),
// one Sentry event, and an email to OPS_ESCALATION_EMAIL unless email is the failing dependency.
// Ids, codes and instants only: the flow, the step, the failing dependency and the deadline at risk.
// Each part is idempotent per incident (the key names the instance, the step and when it started
// failing), so an activity retried by the platform never sends it twice.
import { z } from 'zod';
import type { Services } from '../composition.js';
import { renderEmail } from '../email/render.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import { captureAlert } from '../observability/sentry.js';

export const failingStepAlertSchema = z.object({
  /** The kind of flow (dsar, termination, breach, breach-notice, export). */
  flow: z.string().max(40),
  instanceId: z.string().max(200),
  /** The activity that keeps failing. */
  step: z.string().max(100),
  /** The failure's stable code (STORE.UNAVAILABLE, EMAIL.THROTTLED...), when it has one. */
  code: z.string().max(80).optional(),
  failingSince: z.iso.datetime(),
  attempts: z.number().int().min(1),
  /** The flow's next deadline, when it has one: what is at risk. */
  deadline: z.string().max(40).optional(),
});
export type FailingStepAlert = z.infer<typeof failingStepAlertSchema>;

/** The dependency a failure code names: its prefix (STORE, EMAIL, KEYVAULT...), or unknown. */
export function failingDependency(code: string | undefined): string {
  return code?.split('.')[0]?.toLowerCase() || 'unknown';
}

export function alertKey(alert: FailingStepAlert): string {
  return `ops-alert:${alert.instanceId}:${alert.step}:${alert.failingSince}`;
}

export type AlertLog = (line: string) => void;

/** The structured event ops tooling reads: `ops.flow-at-risk {json}`. */
export function alertLogLine(alert: FailingStepAlert): string {
  return `ops.flow-at-risk ${JSON.stringify({ ...alert, dependency: failingDependency(alert.code), key: alertKey(alert) })}`;
}

export async function alertFailingStep(services: Services, alert: FailingStepAlert, log: AlertLog): Promise<'emailed' | 'logged'> {
  log(alertLogLine(alert));
  const dependency = failingDependency(alert.code);
  await captureAlert(`flow at risk: ${alert.flow} step ${alert.step} failing (${dependency})`, {
    flow: alert.flow,
    step: alert.step,
    dependency,
    instanceId: alert.instanceId,
    failingSince: alert.failingSince,
    ...(alert.deadline ? { deadline: alert.deadline } : {}),
  });
  // Mail through a failing mail service would only fail again; the log and Sentry carry the alert.
  if (dependency === 'email') return 'logged';
  await services.email.send({
    region: CONTROL_REGION,
    to: [{ email: services.config.breach.escalationEmail }],
    idempotencyKey: alertKey(alert),
    ...renderEmail({
      subject: `Flow at risk: ${alert.flow} ${alert.instanceId}, ${alert.step} failing since ${alert.failingSince}`,
      title: 'A workflow step keeps failing',
      paragraphs: [
        `The ${alert.flow} workflow ${alert.instanceId} has failed to run its step ${alert.step} ${alert.attempts} times since ${alert.failingSince}. It keeps retrying (at most 5 minutes apart) for as long as the obligation is open.`,
        alert.deadline ? `Its next deadline is ${alert.deadline}.` : 'It has no deadline of its own.',
        'GET /api/ops/workflows?attention=true lists every flow that needs attention.',
      ],
      facts: [
        { label: 'Flow', value: `${alert.flow} ${alert.instanceId}` },
        { label: 'Step', value: alert.step },
        { label: 'Failing dependency', value: `${dependency}${alert.code ? ` (${alert.code})` : ''}` },
        { label: 'Failing since', value: alert.failingSince },
        { label: 'Deadline at risk', value: alert.deadline ?? 'none' },
      ],
    }),
  });
  return 'emailed';
}
