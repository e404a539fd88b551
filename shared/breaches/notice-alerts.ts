// Alerts to ops about one tenant's notice that may not have reached anyone: still unacknowledged 24
// hours after its last re-send, or an email the service refused. One alert per notice and cause
// (its idempotency key names them), naming the tenant and the notice, never a contact's address;
// recorded on the breach so the register shows it.
import type { Services } from '../composition.js';
import { renderEmail } from '../email/render.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import { tenantData } from '../tenants/partitions.js';
import { noticeId, type BreachDoc, type NoticeAlertRecord } from './breach.js';
import { BreachStore } from './breach-store.js';
import { breachNoticeDocId, type BreachNoticeDoc } from './notice.js';
import type { NoticeRef } from './notice-delivery.js';

const ACTOR = 'system:breach-notification';

function render(breach: BreachDoc, alert: Omit<NoticeAlertRecord, 'at'>) {
  const what =
    alert.cause === 'unacknowledged'
      ? `has not been acknowledged 24 hours after its last re-send`
      : `could not be delivered to ${alert.refused ?? 'some'} of the tenant's nominated contacts (the email service refused the address)`;
  return renderEmail({
    subject: `Breach notice ${alert.noticeId} to tenant ${alert.tenantId} ${alert.cause === 'unacknowledged' ? 'unacknowledged' : 'refused'}`,
    title: alert.cause === 'unacknowledged' ? 'A breach notice is still unacknowledged' : 'A breach notice was refused',
    paragraphs: [
      `Notice ${alert.noticeId} of breach ${breach.breachId} (${breach.content.summary}) to tenant ${alert.tenantId} ${what}.`,
      "Reach the customer another way (account manager, support contact) and ask its admins to check their nominated security and privacy contacts (PATCH /api/tenants/{tenantId}). The delivery record is in the tenant's breach notices.",
    ],
    facts: [
      { label: 'Breach', value: breach.breachId },
      { label: 'Tenant', value: alert.tenantId },
      { label: 'Notice', value: alert.noticeId },
    ],
  });
}

/** Records the alert on the breach and sends it once. */
export async function sendNoticeAlert(
  services: Services,
  store: BreachStore,
  breach: BreachDoc,
  alert: Omit<NoticeAlertRecord, 'at'>,
  now: Date,
): Promise<void> {
  await services.email.send({
    region: CONTROL_REGION,
    to: [{ email: services.config.breach.opsEmail }],
    ...render(breach, alert),
    idempotencyKey: `breach:${breach.breachId}:${alert.tenantId}:${alert.noticeId}:alert-${alert.cause}${alert.cause === 'refused' ? `-${alert.attempt ?? 0}` : ''}`,
  });
  await store.update(breach.breachId, (doc) => {
    const recorded = (doc.noticeAlerts ?? []).some(
      (a) => a.tenantId === alert.tenantId && a.noticeId === alert.noticeId && a.cause === alert.cause && a.attempt === alert.attempt,
    );
    if (recorded) return undefined;
    return {
      ...doc,
      noticeAlerts: [...(doc.noticeAlerts ?? []), { ...alert, at: now.toISOString() }],
      trail: [...doc.trail, { at: now.toISOString(), actor: ACTOR, action: `notice.${alert.cause}`, detail: `${alert.tenantId} ${alert.noticeId}` }],
    };
  });
}

/** The notice stayed unacknowledged after its last re-send: ops are told, unless it was acknowledged meanwhile. */
export async function alertUnacknowledged(services: Services, ref: NoticeRef, now: Date): Promise<'alerted' | 'acknowledged' | 'skipped'> {
  const store = await BreachStore.open(services);
  const breach = await store.read(ref.breachId);
  if (!breach) throw new Error(`no breach ${ref.breachId}`);
  const id = noticeId(ref.breachId, ref.seq);
  const notice = await (await tenantData(services, ref.tenantId)).read<BreachNoticeDoc>(breachNoticeDocId(id));
  if (!notice) return 'skipped';
  if (notice.acknowledged) return 'acknowledged';
  await sendNoticeAlert(services, store, breach, { tenantId: ref.tenantId, noticeId: id, cause: 'unacknowledged' }, now);
  return 'alerted';
}
