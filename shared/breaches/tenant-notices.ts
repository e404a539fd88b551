// The tenant's side of breach notices: its admins list the notices their tenancy received (and only
// those: every read goes through the tenant's own partition) and acknowledge them, which stops the
// re-sends. Reads and acknowledgements are audited in the tenant's log.
import { workInTenant } from '../tenants/tenant-access.js';
import type { Services } from '../composition.js';
import { ERASED, type TenantCipher } from '../crypto/keyring.js';
import { NotFoundError } from '../errors.js';
import type { IdempotencyOptions } from '../store/unit-of-work.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { parseNoticeId } from './breach.js';
import { BreachStore } from './breach-store.js';
import { breachNoticeDocId, noticeStatus, recipientsAad, type BreachNoticeDoc, type BreachNoticeView, type NoticeRecipient } from './notice.js';

export async function noticeView(services: Services, open: OpenTenant, doc: BreachNoticeDoc): Promise<BreachNoticeView> {
  return noticeViewWith(services.keyring.cipherFor(open.partition, services.clock.now()), doc);
}

/** A notice as the tenant sees it, opened with the tenant's cipher (also for the returned-data package). */
export async function noticeViewWith(cipher: TenantCipher, doc: BreachNoticeDoc): Promise<BreachNoticeView> {
  const deliveries = await Promise.all(
    doc.deliveries.map(async (d) => {
      const opened = await cipher.open(d.recipients, recipientsAad(doc.noticeId, d.attempt));
      return {
        attempt: d.attempt,
        sentAt: d.sentAt,
        subject: d.subject,
        textSha256: d.textSha256,
        recipientCount: d.recipientCount,
        refused: d.refused,
        recipients: opened === ERASED ? [] : (opened as NoticeRecipient[]),
      };
    }),
  );
  const { tenant: _tenant, noticeId: _id, breachId: _breach, kind: _kind, seq: _seq, references: _ref, ...content } = doc.snapshot;
  return {
    noticeId: doc.noticeId,
    breachId: doc.breachId,
    kind: doc.kind,
    seq: doc.seq,
    ...(doc.references ? { references: doc.references } : {}),
    createdAt: doc.createdAt,
    content,
    firstSentAt: doc.deliveries.find((d) => d.attempt === 0)?.sentAt ?? null,
    resends: doc.deliveries.filter((d) => d.attempt > 0).length,
    deliveries,
    acknowledged: doc.acknowledged ?? null,
  };
}

/** Every notice of the tenant, newest first. */
export async function listNotices(services: Services, open: OpenTenant, meta: RequestMeta): Promise<BreachNoticeView[]> {
  const docs = await open.partition.queryAll<BreachNoticeDoc>("c.type = 'breachNotice'");
  docs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.seq - a.seq);
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'breach.notices.read', target: { type: 'tenant', id: open.partition.tenantId } });
  });
  return Promise.all(docs.map((doc) => noticeView(services, open, doc)));
}

async function readDoc(open: OpenTenant, rawNoticeId: string): Promise<BreachNoticeDoc> {
  const doc = parseNoticeId(rawNoticeId) ? await open.partition.read<BreachNoticeDoc>(breachNoticeDocId(rawNoticeId)) : undefined;
  if (!doc) throw new NotFoundError('BREACH_NOTICE.NOT_FOUND', `Tenant ${open.partition.tenantId} has no breach notice ${rawNoticeId}.`);
  return doc;
}

export async function readNotice(services: Services, open: OpenTenant, rawNoticeId: string, meta: RequestMeta): Promise<BreachNoticeView> {
  const doc = await readDoc(open, rawNoticeId);
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'breach.notice.read', target: { type: 'breachNotice', id: doc.noticeId } });
  });
  return noticeView(services, open, doc);
}

export interface Acknowledged {
  view: BreachNoticeView;
  /** The tenant's notice workflow, to be told (it stops the re-sends). */
  instanceId: string;
}

/** Records who acknowledged and when; acknowledging again keeps the first acknowledgement. */
export async function acknowledgeNotice(
  services: Services,
  open: OpenTenant,
  rawNoticeId: string,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<Acknowledged> {
  await readDoc(open, rawNoticeId);
  const docId = breachNoticeDocId(rawNoticeId);
  await workInTenant(services, open, meta, async (tx) => {
      const current = await tx.partition.read<BreachNoticeDoc>(docId);
      if (!current || current.acknowledged) return null;
      const acknowledged = { at: meta.now.toISOString(), by: open.actor.sub };
      tx.raw({ kind: 'replace', doc: { ...current, acknowledged, version: current.version + 1 }, ifMatch: current._etag!, conflict: 'retry' });
      tx.audit({ action: 'breach.notice.acknowledged', target: { type: 'breachNotice', id: current.noticeId } });
      return acknowledged;
    },
    meta.idempotency,
  );
  const doc = await readDoc(open, rawNoticeId);
  // The register's copy (times only, not who): written after the tenant's record, and again on a retry.
  await (await BreachStore.open(services)).recordNoticeStatus(doc.breachId, doc.tenantId, noticeStatus(doc), doc.version);
  return { view: await noticeView(services, open, doc), instanceId: doc.instanceId };
}
