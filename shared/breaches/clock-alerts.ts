// The 72-hour clock's emails to the vendor's own staff: reminders to ops.breach and the escalation,
// sent while a breach's notices are unsent. Each is sent at most once (its idempotency key names the
// breach and the alert), rendered only from the breach record, and recorded on it.
import type { Services } from '../composition.js';
import { renderEmail, type RenderedEmail } from '../email/render.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import { targetMsOf, type BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';
import { alertDueAt, clockAlert, type ClockAlertKind } from './clock.js';

function notifyTargetOf(breach: BreachDoc): string {
  const hours = Math.round((targetMsOf(breach) / 3600_000) * 100) / 100;
  return `${hours} hours after awareness (${new Date(Date.parse(breach.awareAt) + targetMsOf(breach)).toISOString()})`;
}

export function renderClockAlert(breach: BreachDoc, kind: ClockAlertKind): RenderedEmail {
  const alert = clockAlert(kind);
  const afterHours =
    Math.round(((alertDueAt(kind, new Date(breach.awareAt), targetMsOf(breach)).getTime() - Date.parse(breach.awareAt)) / 3600_000) * 100) / 100;
  const hoursLeft = Math.round((72 - afterHours) * 100) / 100;
  const escalation = alert.audience === 'escalation';
  const target = kind === 'notify-target';
  return renderEmail({
    subject: target
      ? `Target missed: breach ${breach.breachId} notices not sent ${afterHours} hours after awareness, ${hoursLeft} hours to the 72-hour deadline`
      : `${escalation ? 'ESCALATION' : 'Reminder'}: breach ${breach.breachId} notices not sent, ${hoursLeft} hours to the 72-hour deadline`,
    title: escalation
      ? 'Breach notices are still unsent: escalation'
      : target
        ? 'Breach notices have missed our notification target'
        : 'Breach notices are not sent yet',
    paragraphs: [
      `Breach ${breach.breachId} (${breach.content.summary}) was opened as a draft and its notices to the affected customers have not been sent. We became aware ${afterHours} hours ago; we must tell each customer without undue delay (Article 33(2)), our target is ${notifyTargetOf(breach)}, and our privacy notice promises the notices within 72 hours, by ${breach.notifyBy}.`,
      `Send them with POST /api/breaches/${breach.breachId}/notify (role ops.breach). After the target the notices must carry a reason for the delay: every hour spent here is taken from the customer's own 72 hours (Article 33(1)).`,
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

/** Sends the alert unless the notices were released (or the draft closed) meanwhile; 'released' and 'closed' tell the workflow to move on. */
export async function sendClockAlert(services: Services, breachId: string, kind: ClockAlertKind, now: Date): Promise<'sent' | 'released' | 'closed'> {
  const store = await BreachStore.open(services);
  const breach = await store.read(breachId);
  if (!breach) throw new Error(`no breach ${breachId}`);
  if (breach.release) return 'released';
  // A draft closed as not notifiable has no clock left.
  if (breach.closed) return 'closed';
  if (breach.alerts.some((a) => a.kind === kind)) return 'sent';
  const alert = clockAlert(kind);
  const to = alert.audience === 'escalation' ? services.config.breach.escalationEmail : services.config.breach.opsEmail;
  await services.email.send({
    region: CONTROL_REGION,
    to: [{ email: to }],
    ...renderClockAlert(breach, kind),
    idempotencyKey: `breach:${breachId}:clock:${kind}`,
  });
  await store.update(breachId, (doc) =>
    doc.alerts.some((a) => a.kind === kind)
      ? undefined
      : {
          ...doc,
          alerts: [
            ...doc.alerts,
            {
              kind,
              audience: alert.audience,
              dueAt: alertDueAt(kind, new Date(doc.awareAt), targetMsOf(doc)).toISOString(),
              sentAt: now.toISOString(),
            },
          ],
          trail: [...doc.trail, { at: now.toISOString(), actor: 'system:breach-notification', action: `clock.${kind}` }],
        },
  );
  return 'sent';
}
