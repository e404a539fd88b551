// The 72-hour clock's emails to the vendor's own staff: reminders to ops.breach and the escalation,
// sent while a breach's notices are unsent. Each is sent at most once (its idempotency key names the
// breach and the alert), rendered only from the breach record, and recorded on it.
import type { Services } from '../composition.js';
import { renderEmail, type RenderedEmail } from '../email/render.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import type { BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';
import { clockAlert, type ClockAlertKind } from './clock.js';

export function renderClockAlert(breach: BreachDoc, kind: ClockAlertKind): RenderedEmail {
  const alert = clockAlert(kind);
  const hoursLeft = 72 - alert.afterHours;
  const escalation = alert.audience === 'escalation';
  return renderEmail({
    subject: `${escalation ? 'ESCALATION' : 'Reminder'}: breach ${breach.breachId} notices not sent, ${hoursLeft} hours to the 72-hour deadline`,
    title: escalation ? 'Breach notices are still unsent: escalation' : 'Breach notices are not sent yet',
    paragraphs: [
      `Breach ${breach.breachId} (${breach.content.summary}) was opened as a draft and its notices to the affected customers have not been sent. We became aware ${alert.afterHours} hours ago; our privacy notice promises the notices within 72 hours, by ${breach.notifyBy}.`,
      `Send them with POST /api/breaches/${breach.breachId}/notify (role ops.breach). After the deadline the notices must carry a reason for the delay (Article 33(1)).`,
      ...(escalation ? ['You are receiving this because the 70-hour escalation point has passed with the notices unsent.'] : []),
    ],
    facts: [
      { label: 'Breach', value: breach.breachId },
      { label: 'Opened', value: `${breach.openedAt} by ${breach.openedBy}` },
      { label: 'Aware at', value: breach.awareAt },
      { label: 'Notify by', value: breach.notifyBy },
    ],
  });
}

/** Sends the alert unless the notices were released meanwhile; 'released' tells the workflow to move on. */
export async function sendClockAlert(services: Services, breachId: string, kind: ClockAlertKind, now: Date): Promise<'sent' | 'released'> {
  const store = await BreachStore.open(services);
  const breach = await store.read(breachId);
  if (!breach) throw new Error(`no breach ${breachId}`);
  if (breach.release) return 'released';
  if (breach.alerts.some((a) => a.kind === kind)) return 'sent';
  const alert = clockAlert(kind);
  const to = alert.audience === 'escalation' ? services.config.breach.escalationEmail : services.config.breach.opsEmail;
  await services.email.send({ region: CONTROL_REGION, to: [{ email: to }], ...renderClockAlert(breach, kind), idempotencyKey: `breach:${breachId}:clock:${kind}` });
  await store.update(breachId, (doc) =>
    doc.alerts.some((a) => a.kind === kind)
      ? undefined
      : {
          ...doc,
          alerts: [...doc.alerts, { kind, audience: alert.audience, dueAt: new Date(Date.parse(doc.awareAt) + alert.afterHours * 3600_000).toISOString(), sentAt: now.toISOString() }],
          trail: [...doc.trail, { at: now.toISOString(), actor: 'system:breach-notification', action: `clock.${kind}` }],
        },
  );
  return 'sent';
}
