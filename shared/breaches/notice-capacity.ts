// Can every breach notice go out before notifyBy at the subscription's email quota? Decided once,
// when the fan-out starts: each nominated contact of each affected tenant is one message, and the
// quota (EMAIL_QUOTA_PER_MINUTE, EMAIL_QUOTA_PER_HOUR; shared by both regions) paces them. When the
// last one would land after notifyBy, the escalation mailbox and ops.breach are told at once, with
// the figures and the quota that would be needed, so someone can raise the quota or reach the
// customers another way while there is still time. Counts and instants only: no contact leaves here.
import type { Services } from '../composition.js';
import type { EmailQuota } from '../config.js';
import { EmailDeliveryError } from '../email/errors.js';
import { renderEmail, type RenderedEmail } from '../email/render.js';
import { lastSendAt, quotaNeeded } from '../email/send-capacity.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import { nominatedContacts, recipientsOf } from '../tenants/contacts.js';
import { tenantData } from '../tenants/partitions.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';

export const CAPACITY_TRAIL_ACTION = 'notices.capacity';

export interface NoticeCapacity {
  tenants: number;
  messages: number;
  quota: EmailQuota;
  start: string;
  lastNoticeAt: string;
  notifyBy: string;
  late: boolean;
  /** The smallest quota that would send every notice by notifyBy; absent when in time, or when notifyBy has passed already. */
  needed?: EmailQuota;
}

/** The decision, from the counts alone. */
export function noticeCapacity(input: { tenants: number; messages: number; quota: EmailQuota; start: Date; notifyBy: Date }): NoticeCapacity {
  const last = lastSendAt(input.messages, input.quota, input.start);
  const late = last.getTime() > input.notifyBy.getTime();
  const needed = late ? quotaNeeded(input.messages, input.start, input.notifyBy, input.quota) : undefined;
  return {
    tenants: input.tenants,
    messages: input.messages,
    quota: input.quota,
    start: input.start.toISOString(),
    lastNoticeAt: last.toISOString(),
    notifyBy: input.notifyBy.toISOString(),
    late,
    ...(needed ? { needed } : {}),
  };
}

const rate = (q: EmailQuota) => `${q.perMinute} a minute, ${q.perHour} an hour`;

export function renderCapacityEscalation(breach: BreachDoc, capacity: NoticeCapacity): RenderedEmail {
  return renderEmail({
    subject: `ESCALATION: breach ${breach.breachId} notices cannot all be sent by ${capacity.notifyBy} at the email quota`,
    title: 'Breach notices will miss the 72-hour deadline at the current email quota',
    paragraphs: [
      `The notices of breach ${breach.breachId} are going out now: ${capacity.messages} emails to the nominated contacts of ${capacity.tenants} tenant(s). At the subscription's sending quota (${rate(capacity.quota)}) the last one can only be sent at ${capacity.lastNoticeAt}, after the deadline of ${capacity.notifyBy}.`,
      `Sending them all by the deadline needs a quota of ${capacity.needed ? rate(capacity.needed) : 'more than the time left allows'}. Ask Azure support to raise the Communication Services email limits now (a quota increase for the custom domain), and set EMAIL_QUOTA_PER_MINUTE and EMAIL_QUOTA_PER_HOUR to the new figures; or reach the remaining customers another way and record it on the breach.`,
      'The notices keep going out at the quota meanwhile; nothing needs restarting.',
    ],
    facts: [
      { label: 'Breach', value: breach.breachId },
      { label: 'Tenants', value: String(capacity.tenants) },
      { label: 'Emails', value: String(capacity.messages) },
      { label: 'Quota', value: rate(capacity.quota) },
      { label: 'Last notice at', value: capacity.lastNoticeAt },
      { label: 'Notify by', value: capacity.notifyBy },
      ...(capacity.needed ? [{ label: 'Quota needed', value: rate(capacity.needed) }] : []),
    ],
  });
}

/** How many messages a tenant's initial notice takes: each nominated contact once (live tenants only). */
async function recipientCount(services: Services, tenantId: string): Promise<number> {
  const partition = await tenantData(services, tenantId);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || tenant.status === 'deleted') return 0;
  const contacts = await nominatedContacts(services, partition);
  return contacts ? recipientsOf(contacts).length : 0;
}

/**
 * Weighs the fan-out starting now against the quota, once per breach (recorded in its trail), and
 * escalates at once when the last notice would be late. Safe to run again: a recorded decision is
 * returned as is, and the escalation email is sent at most once (its idempotency key names the breach).
 */
export async function escalateIfNoticesLate(
  services: Services,
  breachId: string,
  tenantIds: readonly string[],
  now: Date,
): Promise<NoticeCapacity | undefined> {
  const store = await BreachStore.open(services);
  const breach = await store.read(breachId);
  if (!breach) throw new Error(`no breach ${breachId}`);
  if (breach.trail.some((t) => t.action === CAPACITY_TRAIL_ACTION)) return undefined;

  let messages = 0;
  for (let i = 0; i < tenantIds.length; i += 10) {
    const counts = await Promise.all(tenantIds.slice(i, i + 10).map((id) => recipientCount(services, id)));
    messages += counts.reduce((a, b) => a + b, 0);
  }
  const capacity = noticeCapacity({
    tenants: tenantIds.length,
    messages,
    quota: services.config.email.quota,
    start: now,
    notifyBy: new Date(breach.notifyBy),
  });
  let escalation = '';
  // Escalated while there is time left to act; notices released after notifyBy carry a delay reason
  // instead, and the 72-hour clock has escalated already.
  if (capacity.late && capacity.needed) {
    const { escalationEmail, opsEmail } = services.config.breach;
    try {
      await services.email.send({
        region: CONTROL_REGION,
        to: [{ email: escalationEmail }, ...(opsEmail.toLowerCase() === escalationEmail.toLowerCase() ? [] : [{ email: opsEmail }])],
        ...renderCapacityEscalation(breach, capacity),
        idempotencyKey: `breach:${breachId}:capacity`,
      });
      escalation = `, after notifyBy; escalated${capacity.needed ? `, needs ${rate(capacity.needed)}` : ''}`;
    } catch (error) {
      // A transient failure is retried with the activity; a refused message must not hold the notices back.
      if (!(error instanceof EmailDeliveryError) || error.retryable) throw error;
      escalation = `, after notifyBy; the escalation email was refused (${error.code})`;
    }
  }
  const detail = `${capacity.messages} email(s) to ${capacity.tenants} tenant(s) at ${rate(capacity.quota)}: last at ${capacity.lastNoticeAt}${escalation}`;
  await store.update(breachId, (doc) =>
    doc.trail.some((t) => t.action === CAPACITY_TRAIL_ACTION)
      ? undefined
      : { ...doc, trail: [...doc.trail, { at: now.toISOString(), actor: 'system:breach-notification', action: CAPACITY_TRAIL_ACTION, detail }] },
  );
  return capacity;
}
