// Delivering one breach notice to one tenant: the notice record is created in the tenant's own data
// first (so a contact can acknowledge as soon as the email arrives), then one email goes to each
// nominated security and privacy contact through the tenant's region, then the send is recorded:
// when, to whom (encrypted under the tenant key), and a hash of exactly what was said; all audited
// in the tenant's log. Every step is idempotent, because activities run at least once.
import { createHash } from 'node:crypto';
import type { Services } from '../composition.js';
import type { AuditActor } from '../audit/chain.js';
import { sendToEach } from '../email/send-to-each.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { openContacts, recipientsOf } from '../tenants/contacts.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { noticeId, noticeInstanceId, type BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';
import { sendNoticeAlert } from './notice-alerts.js';
import {
  breachNoticeDocId,
  noticeSnapshot,
  noticeStatus,
  recipientsAad,
  renderNotice,
  type BreachNoticeDoc,
  type NoticeDelivery,
} from './notice.js';

/** The workflow acts as itself in the tenant's audit log. */
export const BREACH_WORKFLOW_ACTOR: AuditActor = { sub: 'system:breach-notification', roles: [] };

export interface NoticeRef {
  breachId: string;
  tenantId: string;
  seq: number;
}

export type DeliveryOutcome = 'sent' | 'acknowledged' | 'skipped';

/**
 * Sends attempt `attempt` of the notice (0 the notice, 1..3 re-sends). A re-send is skipped once the
 * notice is acknowledged; an attempt already recorded is not sent again.
 */
export async function deliverNotice(
  services: Services,
  input: NoticeRef & { attempt: number },
  meta: { now: Date; requestId: string },
): Promise<DeliveryOutcome> {
  const { region } = tenantRef(input.tenantId);
  const store = await BreachStore.open(services);
  const breach = await store.read(input.breachId);
  if (!breach) throw new Error(`no breach ${input.breachId}`);
  const partition = await tenantData(services, input.tenantId);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || tenant.status === 'deleted') {
    // A deleted tenant has no contacts left to tell; a re-send to one simply stops.
    if (input.attempt === 0) await recordSkipped(store, input, 'the tenant was deleted before the notice could be sent', meta.now);
    return 'skipped';
  }

  const notice = await ensureNotice(services, partition, breach, tenant, input, meta);
  if (input.attempt > 0 && notice.acknowledged) return 'acknowledged';
  if (notice.deliveries.some((d) => d.attempt === input.attempt)) {
    await store.recordNoticeStatus(input.breachId, input.tenantId, noticeStatus(notice), notice.version);
    return 'sent';
  }
  const first = notice.deliveries.find((d) => d.attempt === 0);
  if (input.attempt > 0 && !first) throw new Error(`notice ${notice.noticeId} re-send ${input.attempt} before its first send`);

  const cipher = services.keyring.cipherFor(partition, meta.now);
  const recipients = recipientsOf(await openContacts(cipher, tenant));
  const rendered = renderNotice(notice.snapshot, input.attempt, first?.sentAt);
  const { refused } = await sendToEach(services.email, {
    region,
    recipients,
    rendered,
    // A keyed hash of the address (the tenant key's blind index): stable across retries, and no
    // guessable digest of an address leaves the tenant's data.
    idempotencyKeyFor: async (recipient) =>
      `breach:${input.breachId}:${input.tenantId}:${notice.kind}-${input.seq}:send-${input.attempt}:${await cipher.blindIndex('breach-notice-recipient', recipient.email.toLowerCase())}`,
  });

  await runTenantWork(services.keyring, partition, { actor: BREACH_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const current = await tx.partition.read<BreachNoticeDoc>(breachNoticeDocId(notice.noticeId));
    if (!current || current.deliveries.some((d) => d.attempt === input.attempt)) return;
    const delivery: NoticeDelivery = {
      attempt: input.attempt,
      sentAt: meta.now.toISOString(),
      subject: rendered.subject,
      textSha256: createHash('sha256').update(rendered.text).digest('hex'),
      recipientCount: recipients.length - refused,
      refused,
      recipients: await tx.cipher.seal({ kind: 'tenant' }, recipients, recipientsAad(notice.noticeId, input.attempt)),
    };
    tx.raw({
      kind: 'replace',
      doc: { ...current, deliveries: [...current.deliveries, delivery], version: current.version + 1 },
      ifMatch: current._etag!,
      conflict: 'retry',
    });
    tx.audit({ action: input.attempt === 0 ? 'breach.notice.sent' : 'breach.notice.resent', target: { type: 'breachNotice', id: notice.noticeId } });
  });
  // A refused address is not retried; ops hear of it once per send, so the customer can be reached another way.
  if (refused > 0)
    await sendNoticeAlert(
      services,
      store,
      breach,
      { tenantId: input.tenantId, noticeId: notice.noticeId, cause: 'refused', attempt: input.attempt, refused },
      meta.now,
    );
  // The register's copy: times and counts only.
  const recorded = await partition.read<BreachNoticeDoc>(breachNoticeDocId(notice.noticeId));
  if (recorded) await store.recordNoticeStatus(input.breachId, input.tenantId, noticeStatus(recorded), recorded.version);
  return 'sent';
}

async function ensureNotice(
  services: Services,
  partition: TenantPartition,
  breach: BreachDoc,
  tenant: TenantDoc,
  input: NoticeRef,
  meta: { now: Date; requestId: string },
): Promise<BreachNoticeDoc> {
  const id = noticeId(input.breachId, input.seq);
  const docId = breachNoticeDocId(id);
  const existing = await partition.read<BreachNoticeDoc>(docId);
  if (existing) return existing;
  const snapshot = noticeSnapshot(breach, { tenantId: tenant.tenantId, name: tenant.name, region: partition.ref.region }, input.seq);
  await runTenantWork(services.keyring, partition, { actor: BREACH_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    if (await tx.partition.read(docId)) return;
    const doc: BreachNoticeDoc = {
      id: docId,
      tenantId: tenant.tenantId,
      type: 'breachNotice',
      noticeId: id,
      breachId: input.breachId,
      seq: input.seq,
      kind: snapshot.kind,
      ...(snapshot.references ? { references: snapshot.references } : {}),
      instanceId: noticeInstanceId(input.breachId, input.tenantId, input.seq),
      createdAt: meta.now.toISOString(),
      snapshot,
      deliveries: [],
      version: 1,
    };
    tx.raw({ kind: 'create', doc, conflict: 'retry' });
    tx.audit({ action: 'breach.notice.created', target: { type: 'breachNotice', id } });
  });
  const created = await partition.read<BreachNoticeDoc>(docId);
  if (!created) throw new Error(`notice ${id} was not recorded`);
  return created;
}

async function recordSkipped(store: BreachStore, input: NoticeRef, reason: string, now: Date): Promise<void> {
  await store.update(input.breachId, (doc) =>
    doc.skipped.some((s) => s.tenantId === input.tenantId && s.seq === input.seq)
      ? undefined
      : {
          ...doc,
          skipped: [...doc.skipped, { tenantId: input.tenantId, seq: input.seq, reason, at: now.toISOString() }],
          trail: [
            ...doc.trail,
            { at: now.toISOString(), actor: BREACH_WORKFLOW_ACTOR.sub, action: 'notice.skipped', detail: `${input.tenantId} notice ${input.seq}` },
          ],
        },
  );
}
