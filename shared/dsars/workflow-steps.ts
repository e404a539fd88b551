// What a data-subject request's workflow does through its activities: read the plan, forward a
// request the vendor received to the controller, and take a deadline step (a reminder, or the
// escalation when the deadline passed unanswered). Every step is idempotent: an email is sent at
// most once per key, and the step is recorded on the request in the same unit of work as its
// audit entry, so a re-run finds it done.
import type { Services } from '../composition.js';
import { auditDetailsAad } from '../audit/audit-log.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { tenantData } from '../tenants/partitions.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { dsarDocId, type DsarDoc, type DsarNoticeRecord, type DsarRef } from './dsar.js';
import { DSAR_WORKFLOW_ACTOR, keyOwnerFor, settle } from './dsar-service.js';
import { AWAITING, canTransition, clockRuns, transition, type DsarAction } from './lifecycle.js';
import { noticeName, sendDsarNotice, type DsarNotice } from './notices.js';
import { awaitingSince, planOf, stepKey, unverifiedClosure, type DeadlineStep, type DsarPlan } from './schedule.js';

/** The next thing to do; a request that no longer exists (its tenant was deleted) is closed. */
export async function loadPlan(services: Services, ref: DsarRef, now: Date): Promise<DsarPlan> {
  const partition = await tenantData(services, ref.tenantId);
  const doc = await partition.read<DsarDoc>(dsarDocId(ref.dsarId));
  if (!doc) return { phase: 'closed', status: 'cancelled' };
  return planOf(doc, now, services.config.dsar.unverifiedCloseAfter);
}

async function tenantName(partition: TenantPartition): Promise<string> {
  return (await partition.read<TenantDoc>(TENANT_DOC_ID))?.name ?? partition.tenantId;
}

/**
 * Records a sent notice on the request (once per notice name) with its audit entry. `escalate`
 * also marks the request escalated, through the lifecycle table.
 */
async function recordNotice(
  services: Services,
  partition: TenantPartition,
  dsarId: string,
  record: DsarNoticeRecord,
  audit: { action: string; details: Record<string, unknown> },
  meta: { now: Date; requestId: string; escalate?: boolean; closeUnverified?: boolean },
): Promise<void> {
  await runTenantWork(services.keyring, partition, { actor: DSAR_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const doc = await partition.read<DsarDoc>(dsarDocId(dsarId));
    if (!doc || doc.notices.some((n) => stepKey(n) === stepKey(record))) return;
    const at = meta.now.toISOString();
    let next: DsarDoc = { ...doc, notices: [...doc.notices, record], version: doc.version + 1 };
    if (meta.escalate && canTransition(doc.status, 'escalate')) {
      next = await settle(
        tx,
        doc,
        { ...next, escalatedAt: at },
        { action: 'escalate', to: transition(doc.status, 'escalate'), at, by: DSAR_WORKFLOW_ACTOR.sub },
      );
    }
    const close: DsarAction = 'close-unverified';
    if (meta.closeUnverified && canTransition(doc.status, close)) {
      const { awaiting: _wait, ...rest } = next;
      next = await settle(tx, doc, rest, { action: close, to: transition(doc.status, close), at, by: DSAR_WORKFLOW_ACTOR.sub });
    }
    tx.raw({ kind: 'replace', doc: next, ifMatch: doc._etag!, conflict: 'retry' });
    tx.audit({
      action: audit.action,
      target: { type: 'dsar', id: dsarId },
      details: await tx.cipher.seal(await keyOwnerFor(partition, doc.subject.userId), audit.details, auditDetailsAad(audit.action, dsarId, at)),
    });
  });
}

/** DPA section 8: a request the vendor received directly goes to the controller's privacy contacts. */
export async function forwardToController(services: Services, ref: DsarRef, now: Date, requestId: string): Promise<number> {
  const partition = await tenantData(services, ref.tenantId);
  const doc = await partition.read<DsarDoc>(dsarDocId(ref.dsarId));
  if (!doc || doc.notices.some((n) => n.kind === 'forwarded')) return 0;
  const notice: DsarNotice = { kind: 'forwarded' };
  const sent = await sendDsarNotice(services, doc, await tenantName(partition), notice);
  await recordNotice(
    services,
    partition,
    doc.dsarId,
    { kind: noticeName(notice), sentAt: now.toISOString(), recipients: sent.recipients, ...(sent.refused > 0 ? { refused: sent.refused } : {}) },
    { action: 'dsar.forwarded', details: { recipients: sent.recipients, refused: sent.refused } },
    { now, requestId },
  );
  return sent.recipients;
}

/**
 * A reminder (7 days or 1 day before the due date) to the privacy contacts, or the escalation once
 * it has passed unanswered (privacy and security contacts, and a `dsar.deadline-missed` audit entry).
 * A step planned for a deadline that has since moved, or for a request that closed, is stale: nothing
 * is sent, and the workflow plans again.
 */
export async function takeDeadlineStep(services: Services, ref: DsarRef, step: DeadlineStep, now: Date, requestId: string): Promise<'done' | 'stale'> {
  const partition = await tenantData(services, ref.tenantId);
  const doc = await partition.read<DsarDoc>(dsarDocId(ref.dsarId));
  if (step.kind === 'close-unverified') return closeUnverified(services, partition, doc, step, now, requestId);
  if (!doc || !clockRuns(doc.status) || doc.deadline.dueOn !== step.dueOn) return 'stale';
  if (doc.notices.some((n) => stepKey(n) === stepKey(step))) return 'done';
  const notice: DsarNotice = { kind: step.kind, dueOn: step.dueOn };
  const sent = await sendDsarNotice(services, doc, await tenantName(partition), notice);
  const escalation = step.kind === 'escalation';
  await recordNotice(
    services,
    partition,
    doc.dsarId,
    { kind: step.kind, dueOn: step.dueOn, sentAt: now.toISOString(), recipients: sent.recipients, ...(sent.refused > 0 ? { refused: sent.refused } : {}) },
    { action: escalation ? 'dsar.deadline-missed' : 'dsar.reminder-sent', details: { step: step.kind, dueOn: step.dueOn, recipients: sent.recipients } },
    { now, requestId, escalate: escalation },
  );
  return 'done';
}

/**
 * The request waited on the person (identity evidence or a clarification) for the whole period
 * allowed: it is closed as not verified, the claim on the person released, and the privacy contacts
 * told. A step for a wait that has ended (the answer came, or a new wait began) is stale.
 */
async function closeUnverified(
  services: Services,
  partition: TenantPartition,
  doc: DsarDoc | undefined,
  step: DeadlineStep,
  now: Date,
  requestId: string,
): Promise<'done' | 'stale'> {
  if (!doc || !AWAITING.has(doc.status)) return 'stale';
  const since = awaitingSince(doc);
  const due = unverifiedClosure(since, doc.deadline.jurisdiction, doc.deadline.timeZone, services.config.dsar.unverifiedCloseAfter);
  if (due.dueOn !== step.dueOn || Date.parse(due.at) > now.getTime()) return 'stale';
  const waitedFor = doc.status === 'awaiting-clarification' ? ('clarification' as const) : ('identity' as const);
  const notice: DsarNotice = { kind: 'close-unverified', dueOn: step.dueOn, waitedFor, since };
  const sent = await sendDsarNotice(services, doc, await tenantName(partition), notice);
  await recordNotice(
    services,
    partition,
    doc.dsarId,
    {
      kind: step.kind,
      dueOn: step.dueOn,
      sentAt: now.toISOString(),
      recipients: sent.recipients,
      ...(sent.refused > 0 ? { refused: sent.refused } : {}),
    },
    { action: 'dsar.closed-not-verified', details: { waitedFor, since, lastDay: step.dueOn, recipients: sent.recipients } },
    { now, requestId, closeUnverified: true },
  );
  return 'done';
}
