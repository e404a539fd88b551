// Data-subject requests on the tenant's side: intake (with duplicate detection), reading, and every
// change the controller makes (identity evidence, extension, clarification pause, fulfilment,
// refusal, cancellation, lifting a restriction). Each change goes through the lifecycle table,
// recomputes the deadline, and commits with its audit entry in one unit of work.
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import { can } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import type { AuditActor } from '../audit/chain.js';
import { requirePlausibleInstant } from '../http/plausible-instant.js';
import { auditDetailsAad } from '../audit/audit-log.js';
import { ERASED, type KeyOwner, type TenantCipher } from '../crypto/keyring.js';
import type { UnverifiedCloseAfter } from '../config.js';
import { calendarDateIn, daysBetween, parseInstant } from '../deadlines/index.js';
import { ConflictError, GoneError, NotFoundError, UnprocessableError, ValidationError } from '../errors.js';
import { packageDownloadLinks } from '../exports/tenant-export.js';
import { retryLostRaces } from '../store/optimistic.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import type { IdempotencyOptions, TenantWork } from '../store/unit-of-work.js';
import { openTenant, type OpenTenant, type RequestMeta, workInTenant } from '../tenants/tenant-access.js';
import { emailClaimDocId, normaliseEmail, userDocId, type UserDoc, type UserEmailClaimDoc } from '../users/user.js';
import {
  dsarAad,
  dsarDocId,
  dsarInstanceId,
  dsarPackageJobId,
  type CreateDsarRequest,
  type DsarClaimDoc,
  type DsarDoc,
  type DsarRef,
  type DsarSummary,
  type DsarView,
  type VendorReceipt,
  type ReceivedBy,
  type RequestedChanges,
} from './dsar.js';
import { AWAITING, clockRuns, initialStatus, isOpen, RESUMABLE, transition, type DsarAction, type DsarStatus } from './lifecycle.js';
import { restrictionDocId } from './restriction.js';
import { awaitingSince, computeDeadline, deadlineSteps, stepKey, unverifiedClosure } from './schedule.js';

/** What a view is computed against: today (for daysLeft) and the period a wait on the person may last. */
export interface ViewClock {
  now: Date;
  closeAfter: UnverifiedCloseAfter;
}

const viewClock = (services: Services, now: Date): ViewClock => ({ now, closeAfter: services.config.dsar.unverifiedCloseAfter });

/** The workflow acts as itself in audit entries. */
export const DSAR_WORKFLOW_ACTOR: AuditActor = { sub: 'system:dsar-workflow', roles: [] };


export interface DsarResult {
  view: DsarView;
  ref: DsarRef;
  instanceId: string;
  /** False when the submission was linked to an open request instead (a duplicate). */
  created: boolean;
}

/** Two submissions raced for the same claim: the loser runs again and finds the winner. */
class ClaimRace extends ConflictError {
  constructor() {
    super('DSAR.CONCURRENT_SUBMISSION', 'The same request was submitted concurrently; retry to be linked to it.');
  }
}

// ---------------------------------------------------------------------------------------------
// Intake
// ---------------------------------------------------------------------------------------------

/**
 * Records a request. A tenant admin records one the controller received; vendor platform staff
 * record one the vendor received directly (DPA section 8), which the workflow forwards to the
 * tenant's privacy contacts. The same person asking the same thing while a request is open is
 * linked to the open request (and answered with it), never doubled: a claim document per (type,
 * person) is created in the same transaction as the request and deleted when it closes.
 */
export async function createDsar(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  request: CreateDsarRequest,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<DsarResult> {
  const receivedBy: ReceivedBy = can(principal, 'dsars.manage', rawTenantId) ? 'controller' : 'vendor';
  const open = await openTenant(
    services,
    principal,
    rawTenantId,
    receivedBy === 'controller' ? 'dsars.manage' : 'dsars.recordReceivedByVendor',
    'obligation',
    meta,
  );
  // Vendor staff record what the person wrote to us; they learn nothing about the tenant's people.
  if (receivedBy === 'vendor' && request.subject.userId !== undefined) {
    throw new ValidationError([
      { path: 'subject.userId', message: "vendor staff name the person by the email address they wrote from; user ids are the controller's" },
    ]);
  }
  const receivedAt = requirePlausibleInstant(parseInstant(request.receivedAt), meta.now, 'receivedAt');
  const clock = { receivedAt: receivedAt.toISOString(), jurisdiction: request.jurisdiction, clarificationPauses: [], extended: false };
  const deadline = computeDeadline(clock);
  const tenantId = open.partition.tenantId;

  const submit = (): Promise<DsarResult> =>
    workInTenant(
      services,
      open,
      meta,
      async (tx) => {
        const at = meta.now.toISOString();
        const subject = await resolveSubject(tx, request.subject);
        const claimId = `dsar-claim:${request.type}:${subject.key}`;
        const claim = await tx.partition.read<DsarClaimDoc>(claimId);
        const existing = claim ? await tx.partition.read<DsarDoc>(dsarDocId(claim.dsarId)) : undefined;
        const openDuplicate = existing && isOpen(existing.status) ? existing : undefined;
        // The controller's own duplicate is linked to the open request; a vendor-received one is
        // recorded on its own, pointing at it, so the vendor neither sees nor changes that request.
        if (openDuplicate && receivedBy === 'controller')
          return linkDuplicate(
            tx,
            openDuplicate,
            { at, by: open.actor.sub, receivedBy, receivedAt: clock.receivedAt },
            viewClock(services, meta.now),
          );

        const dsarId = `d-${randomBytes(10).toString('hex')}`;
        const owner = await keyOwnerFor(tx.partition, subject.userId);
        // The stored reply of a retried request names the person too: sealed under their key.
        tx.replyOwner = owner;
        const status = initialStatus(request.identityRequired);
        const doc: DsarDoc = {
          id: dsarDocId(dsarId),
          tenantId,
          type: 'dsar',
          dsarId,
          instanceId: dsarInstanceId(tenantId, dsarId),
          requestType: request.type,
          status,
          open: true,
          receivedBy,
          recordedAt: at,
          recordedBy: open.actor.sub,
          subject: {
            ...(subject.userId ? { userId: subject.userId } : {}),
            sealed: await tx.cipher.seal(owner, request.subject.email ? { email: request.subject.email } : {}, dsarAad(dsarId, 'subject')),
          },
          claimId,
          identityRequired: request.identityRequired,
          clock,
          deadline,
          ...(request.changes ? { changes: await tx.cipher.seal(owner, request.changes, dsarAad(dsarId, 'changes')) } : {}),
          ...(openDuplicate ? { possibleDuplicateOf: openDuplicate.dsarId } : {}),
          duplicates: [],
          notices: [],
          transitions: [{ at, action: 'recorded', from: null, to: status, by: open.actor.sub }],
          version: 1,
        };
        if (!openDuplicate) {
          const claimDoc: DsarClaimDoc = { id: claimId, tenantId, type: 'dsarClaim', dsarId };
          if (claim) tx.raw({ kind: 'replace', doc: claimDoc, ifMatch: claim._etag!, conflict: () => new ClaimRace() });
          else tx.create(claimDoc, () => new ClaimRace());
        }
        tx.create(doc);
        tx.audit({
          action: 'dsar.received',
          target: { type: 'dsar', id: dsarId },
          details: await tx.cipher.seal(
            owner,
            { requestType: request.type, receivedBy, receivedAt: clock.receivedAt, jurisdiction: clock.jurisdiction },
            auditDetailsAad('dsar.received', dsarId, at),
          ),
        });
        return result(await dsarView(doc, tx.cipher, viewClock(services, meta.now)), doc, true);
      },
      meta.idempotency,
    );
  // Two submissions for one person and type race for its claim: the loser runs again and is linked to the winner.
  return retryLostRaces(submit, { attempts: 3, lostRace: (error) => error instanceof ClaimRace });
}

export function vendorReceipt(result: DsarResult): VendorReceipt {
  return {
    dsarId: result.view.dsarId,
    type: result.view.type,
    receivedBy: 'vendor',
    receivedAt: result.view.receivedAt,
    jurisdiction: result.view.jurisdiction,
    forwarding: 'to the controller',
  };
}

async function linkDuplicate(tx: TenantWork, existing: DsarDoc, submission: DsarDoc['duplicates'][number], clock: ViewClock): Promise<DsarResult> {
  const to = transition(existing.status, 'link-duplicate');
  const next: DsarDoc = {
    ...existing,
    status: to,
    duplicates: [...existing.duplicates, submission],
    transitions: [...existing.transitions, { at: submission.at, action: 'link-duplicate', from: existing.status, to, by: submission.by }],
    version: existing.version + 1,
  };
  tx.raw({ kind: 'replace', doc: next, ifMatch: existing._etag!, conflict: 'retry' });
  const owner = await keyOwnerFor(tx.partition, existing.subject.userId);
  tx.audit({
    action: 'dsar.duplicate-linked',
    target: { type: 'dsar', id: existing.dsarId },
    details: await tx.cipher.seal(
      owner,
      { receivedBy: submission.receivedBy, receivedAt: submission.receivedAt },
      auditDetailsAad('dsar.duplicate-linked', existing.dsarId, submission.at),
    ),
  });
  return result({ ...(await dsarView(next, tx.cipher, clock)), duplicateLinked: true }, next, false);
}

/**
 * Who the request is about: the user named, or the user whose email it is (users' emails are
 * indexed by a keyed hash, so the email is never stored in clear to find them), or, when no account
 * matches, the email's keyed hash. `key` identifies the person for duplicate detection.
 */
async function resolveSubject(tx: TenantWork, subject: CreateDsarRequest['subject']): Promise<{ userId?: string; key: string }> {
  let userId = subject.userId;
  if (userId !== undefined) {
    const user = await tx.partition.read<UserDoc>(userDocId(userId));
    if (!user)
      throw new UnprocessableError('DSAR.UNKNOWN_SUBJECT', 'No user of this tenant has that id.', [
        { path: 'subject.userId', message: `there is no user ${userId} in this tenant` },
      ]);
  }
  if (subject.email === undefined) return { userId: userId!, key: `user:${userId}` };
  const emailIndex = await tx.cipher.blindIndex('email', normaliseEmail(subject.email));
  const owner = await tx.partition.read<UserEmailClaimDoc>(emailClaimDocId(emailIndex));
  if (userId !== undefined && owner && owner.userId !== userId) {
    throw new UnprocessableError('DSAR.SUBJECT_MISMATCH', 'The email and the user id name different people.', [
      { path: 'subject.email', message: 'belongs to a different user of this tenant' },
    ]);
  }
  userId ??= owner?.userId;
  return userId ? { userId, key: `user:${userId}` } : { key: `email:${emailIndex}` };
}

/**
 * Whose key seals the request's personal data: the person's own key while their account exists and
 * is not erased (so erasing them makes it unreadable too), the tenant's key otherwise. Never a
 * subject key for an erased user: sealing would silently create a new key for them.
 */
export async function keyOwnerFor(partition: TenantPartition, userId: string | undefined): Promise<KeyOwner> {
  if (!userId) return { kind: 'tenant' };
  const user = await partition.read<UserDoc>(userDocId(userId));
  return user && user.status !== 'erased' ? { kind: 'subject', subjectId: userId } : { kind: 'tenant' };
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

export async function readDsar(services: Services, principal: Principal, rawTenantId: string, dsarId: string, meta: RequestMeta): Promise<DsarView> {
  const open = await openTenant(services, principal, rawTenantId, 'dsars.manage', 'read', meta);
  const { view, doc } = await workInTenant(services, open, meta, async (tx) => {
    const doc = await loadDsar(tx.partition, dsarId);
    tx.audit({ action: 'dsar.read', target: { type: 'dsar', id: dsarId } });
    return { view: await dsarView(doc, tx.cipher, viewClock(services, meta.now)), doc };
  });
  // Links are bearer credentials: minted fresh for each read, never stored or kept in workflow history.
  if (doc.fulfilment?.outcome?.kind === 'package' && doc.status === 'completed') {
    const links = await packageDownloadLinks(services, { tenantId: open.partition.tenantId, jobId: doc.fulfilment.outcome.jobId, now: meta.now });
    if (links) return { ...view, package: links };
  }
  return view;
}

/** The open requests with their due dates, soonest first. No personal data. */
export async function listOpenDsars(services: Services, principal: Principal, rawTenantId: string, meta: RequestMeta): Promise<DsarSummary[]> {
  const open = await openTenant(services, principal, rawTenantId, 'dsars.manage', 'read', meta);
  const docs = await open.partition.queryAll<DsarDoc>("c.type = 'dsar' AND c.open = true");
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'dsar.listed', target: { type: 'dsars', id: open.partition.tenantId } });
  });
  return docs
    .map((doc) => ({ ...summaryOf(doc), daysLeft: daysLeftOf(doc, meta.now) }))
    .sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.receivedAt < b.receivedAt ? -1 : 1));
}

export async function loadDsar(partition: TenantPartition, dsarId: string): Promise<DsarDoc> {
  const doc = await partition.read<DsarDoc>(dsarDocId(dsarId));
  if (!doc) throw new NotFoundError('DSAR.NOT_FOUND', `There is no data-subject request ${dsarId} in this tenant.`);
  return doc;
}

function summaryOf(doc: DsarDoc): Omit<DsarSummary, 'daysLeft'> {
  return {
    dsarId: doc.dsarId,
    type: doc.requestType,
    status: doc.status,
    receivedBy: doc.receivedBy,
    receivedAt: doc.clock.receivedAt,
    dueOn: doc.deadline.dueOn,
    operationalTargetOn: doc.deadline.operationalTargetOn,
    ...(doc.deadline.extendedDueOn ? { extendedDueOn: doc.deadline.extendedDueOn } : {}),
    ...(doc.escalatedAt ? { escalatedAt: doc.escalatedAt } : {}),
  };
}

/** Whole days from today to the due date in the jurisdiction's calendar; null while the clock does not run. */
function daysLeftOf(doc: DsarDoc, now: Date): number | null {
  return clockRuns(doc.status) ? daysBetween(calendarDateIn(now, doc.deadline.jurisdiction), doc.deadline.dueOn) : null;
}

async function openOrErased<T>(cipher: TenantCipher, value: DsarDoc['subject']['sealed'], aad: string): Promise<T | typeof ERASED> {
  return (await cipher.open(value, aad)) as T | typeof ERASED;
}

export async function dsarView(doc: DsarDoc, cipher: TenantCipher, clock: ViewClock): Promise<DsarView> {
  const subject = await openOrErased<{ email?: string }>(cipher, doc.subject.sealed, dsarAad(doc.dsarId, 'subject'));
  const changes = doc.changes ? await openOrErased<RequestedChanges>(cipher, doc.changes, dsarAad(doc.dsarId, 'changes')) : undefined;
  const reason = async (sealed: DsarDoc['subject']['sealed'], part: string): Promise<string> => {
    const opened = await openOrErased<string>(cipher, sealed, dsarAad(doc.dsarId, part));
    return opened === ERASED ? 'erased' : opened;
  };
  const detail = doc.fulfilment?.detail
    ? await openOrErased<Record<string, { from: unknown; to: unknown }>>(cipher, doc.fulfilment.detail, dsarAad(doc.dsarId, 'outcome'))
    : undefined;
  const done = new Set(doc.notices.map(stepKey));
  const d = doc.deadline;
  const waiting = AWAITING.has(doc.status);
  const asked = await Promise.all(
    (doc.asked ?? []).map(async (a) => ({
      kind: a.kind,
      at: a.at,
      ...(a.answeredAt ? { answeredAt: a.answeredAt } : {}),
      ask: await reason(a.ask, `ask-${a.at}`),
    })),
  );
  return {
    ...summaryOf(doc),
    open: doc.open,
    recordedAt: doc.recordedAt,
    jurisdiction: d.jurisdiction,
    timeZone: d.timeZone,
    legalDueOn: d.legalDueOn,
    extensionNoticeBy: d.extensionNoticeBy,
    startsOn: d.startsOn,
    clockStartedBy: d.clockStartedBy,
    pausedDays: d.pausedDays,
    clarificationPauses: doc.clock.clarificationPauses,
    explanation: d.explanation,
    subject: {
      ...(doc.subject.userId ? { userId: doc.subject.userId } : {}),
      ...(subject === ERASED ? { erased: true as const } : subject.email ? { email: subject.email } : {}),
    },
    identityRequired: doc.identityRequired,
    ...(doc.clock.identityEvidenceReceivedAt ? { identityReceivedAt: doc.clock.identityEvidenceReceivedAt } : {}),
    ...(doc.clock.feeReceivedAt ? { feeReceivedAt: doc.clock.feeReceivedAt } : {}),
    ...(doc.clock.agentAuthorityReceivedAt ? { agentAuthorityReceivedAt: doc.clock.agentAuthorityReceivedAt } : {}),
    ...(changes === undefined ? {} : { changes: changes === ERASED ? ('erased' as const) : changes }),
    ...(doc.extension ? { extension: { at: doc.extension.at, reason: await reason(doc.extension.reason, 'extension') } } : {}),
    ...(doc.refusal ? { refusal: { at: doc.refusal.at, reason: await reason(doc.refusal.reason, 'refusal') } } : {}),
    ...(waiting
      ? {
          awaiting: {
            kind: doc.status === 'awaiting-clarification' ? ('clarification' as const) : ('identity' as const),
            since: awaitingSince(doc),
            closesAt: unverifiedClosure(awaitingSince(doc), d.jurisdiction, d.timeZone, clock.closeAfter).at,
          },
        }
      : {}),
    asked,
    daysLeft: daysLeftOf(doc, clock.now),
    schedule: deadlineSteps(d).map((step) => ({ ...step, done: done.has(stepKey(step)) })),
    ...(doc.fulfilment
      ? {
          fulfilment: {
            state: doc.fulfilment.state,
            requestedAt: doc.fulfilment.requestedAt,
            ...(doc.fulfilment.completedAt ? { completedAt: doc.fulfilment.completedAt } : {}),
            ...(doc.fulfilment.outcome ? { outcome: doc.fulfilment.outcome } : {}),
            ...(detail && detail !== ERASED ? { changes: detail } : {}),
            ...(doc.fulfilment.failure ? { failure: doc.fulfilment.failure } : {}),
          },
        }
      : {}),
    ...(doc.restrictionLiftedAt ? { restrictionLiftedAt: doc.restrictionLiftedAt } : {}),
    ...(doc.possibleDuplicateOf ? { possibleDuplicateOf: doc.possibleDuplicateOf } : {}),
    duplicates: doc.duplicates.map(({ at, receivedBy, receivedAt }) => ({ at, receivedBy, receivedAt })),
    notices: doc.notices,
    ...(doc.closedAt ? { closedAt: doc.closedAt } : {}),
    transitions: doc.transitions,
  };
}

function result(view: DsarView, doc: DsarDoc, created: boolean): DsarResult {
  return { view, ref: { tenantId: doc.tenantId, dsarId: doc.dsarId }, instanceId: doc.instanceId, created };
}

// ---------------------------------------------------------------------------------------------
// Changes made by the controller
// ---------------------------------------------------------------------------------------------

interface Change {
  /** The next document (status, transitions, deadline and claim are handled by `changeDsar`). */
  doc: DsarDoc;
  /** Where the request goes when the table's target depends on its past (a wait returning to the status it left). */
  to?: DsarStatus;
  /** Sealed into the audit entry; personal data allowed. */
  details?: Record<string, unknown>;
}

/**
 * One change to a request: check the transition, apply it, recompute the deadline from the clock,
 * release the duplicate claim when the request closes, and audit, all in one unit of work.
 */
async function changeDsar(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  action: DsarAction,
  meta: ChangeMeta,
  apply: (doc: DsarDoc, tx: TenantWork, at: string, open: OpenTenant) => Promise<Change | 'unchanged'>,
): Promise<DsarResult> {
  const open = await openTenant(services, principal, rawTenantId, 'dsars.manage', 'obligation', meta);
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadDsar(tx.partition, dsarId);
    const to = transition(doc.status, action);
    const at = meta.now.toISOString();
    // The view a retried change replays carries the request's free text: sealed like it, under the person's key.
    tx.replyOwner = await keyOwnerFor(tx.partition, doc.subject.userId);
    const change = await apply(structuredClone(doc), tx, at, open);
    if (change === 'unchanged') return result(await dsarView(doc, tx.cipher, viewClock(services, meta.now)), doc, false);
    const next = await settle(tx, doc, change.doc, { action, to: change.to ?? to, at, by: open.actor.sub });
    tx.raw({ kind: 'replace', doc: next, ifMatch: doc._etag!, conflict: 'retry' });
    const owner = await keyOwnerFor(tx.partition, doc.subject.userId);
    const auditAction = `dsar.${AUDIT_NAMES[action]}`;
    tx.audit({
      action: auditAction,
      target: { type: 'dsar', id: dsarId },
      details: await tx.cipher.seal(owner, { from: doc.status, to: next.status, ...change.details }, auditDetailsAad(auditAction, dsarId, at)),
    });
    return result(await dsarView(next, tx.cipher, viewClock(services, meta.now)), next, false);
  }, meta.idempotency);
}

/** With Idempotency-Key, a retried change returns the first answer and changes nothing. */
export type ChangeMeta = RequestMeta & { idempotency?: IdempotencyOptions };

const AUDIT_NAMES: Record<DsarAction, string> = {
  'identity-received': 'identity-received',
  'evidence-received': 'evidence-received',
  extend: 'extended',
  pause: 'paused',
  'request-identity': 'identity-requested',
  'request-clarification': 'clarification-requested',
  'clarification-received': 'clarification-received',
  'close-unverified': 'closed-not-verified',
  'begin-fulfilment': 'fulfilment-requested',
  complete: 'completed',
  refuse: 'refused',
  cancel: 'cancelled',
  escalate: 'escalated',
  'link-duplicate': 'duplicate-linked',
  'lift-restriction': 'restriction-lifted',
};

/** Applies the lifecycle bookkeeping to a changed document: status, history, deadline, claim. */
export async function settle(
  tx: TenantWork,
  before: DsarDoc,
  changed: DsarDoc,
  step: { action: DsarAction; to: DsarStatus; at: string; by: string },
): Promise<DsarDoc> {
  const closing = isOpen(before.status) && !isOpen(step.to);
  if (closing) {
    // The claim goes with the request it belongs to, so the next request from the person is new, not a duplicate.
    const claim = await tx.partition.read<DsarClaimDoc>(before.claimId);
    if (claim && claim.dsarId === before.dsarId) tx.delete(before.claimId);
  }
  return {
    ...changed,
    status: step.to,
    open: isOpen(step.to),
    ...(closing ? { closedAt: step.at } : {}),
    deadline: computeDeadline(changed.clock),
    transitions: [...changed.transitions, { at: step.at, action: step.action, from: before.status, to: step.to, by: step.by }],
    version: before.version + 1,
  };
}

function notInFuture(instant: string, now: Date, path: string): Date {
  const at = requirePlausibleInstant(parseInstant(instant), now, path);
  return at;
}

/** The identity evidence asked for arrived: the clock restarts from that day. */
export function recordIdentity(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { receivedAt: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'identity-received', meta, async (doc) => {
    const at = notInFuture(body.receivedAt, meta.now, 'receivedAt');
    if (at.getTime() < Date.parse(doc.clock.receivedAt))
      throw new ValidationError([{ path: 'receivedAt', message: 'must not be before the request was received' }]);
    const since = awaitingSince(doc);
    if (at.getTime() < Date.parse(since))
      throw new ValidationError([{ path: 'receivedAt', message: `must not be before identity evidence was asked for (${since})` }]);
    doc.clock.identityEvidenceReceivedAt = at.toISOString();
    const resume = doc.awaiting?.resume ?? 'received';
    answerWait(doc, at.toISOString());
    return { doc, to: resume, details: { identityEvidenceReceivedAt: doc.clock.identityEvidenceReceivedAt } };
  });
}

/** The wait on the person is over: recorded on its ask, and the request leaves it. */
function answerWait(doc: DsarDoc, answeredAt: string): void {
  const since = doc.awaiting?.since;
  if (since) doc.asked = (doc.asked ?? []).map((a) => (a.at === since && a.answeredAt === undefined ? { ...a, answeredAt } : a));
  delete doc.awaiting;
}

function resumable(status: DsarStatus): NonNullable<DsarDoc['awaiting']>['resume'] {
  return (RESUMABLE as readonly DsarStatus[]).includes(status) ? (status as NonNullable<DsarDoc['awaiting']>['resume']) : 'received';
}

function refuseWhileFulfilling(doc: DsarDoc): void {
  if (doc.fulfilment?.state === 'requested')
    throw new ConflictError(
      'DSAR.FULFILMENT_RUNNING',
      `Request ${doc.dsarId} is being fulfilled; wait for the outcome before asking the person for more.`,
    );
}

/**
 * Identity evidence asked for after intake (from received or in progress): the clock stops, no
 * reminder or escalation fires, and it restarts from the day the evidence arrives (POST .../identity).
 * Nothing comes within DSAR_UNVERIFIED_CLOSE_AFTER: the request is closed as not verified.
 */
export function requestIdentity(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { reason: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'request-identity', meta, async (doc, tx, at) => {
    refuseWhileFulfilling(doc);
    const owner = await keyOwnerFor(tx.partition, doc.subject.userId);
    const ask = await tx.cipher.seal(owner, body.reason, dsarAad(doc.dsarId, `ask-${at}`));
    doc.identityRequired = true;
    doc.awaiting = { kind: 'identity', since: at, by: principal.sub, resume: resumable(doc.status), ask };
    doc.asked = [...(doc.asked ?? []), { kind: 'identity', at, by: principal.sub, ask }];
    return { doc, details: { reason: body.reason } };
  });
}

/**
 * UK GDPR Art 12A (requests received from 5 February 2026): while the controller waits for the
 * clarification it reasonably requires to identify the information or processing an access request
 * (Art 15) is about, the clock is paused from the day it asks to the day the answer arrives. Not for
 * other request types, nor outside the UK. No reminder or escalation fires during the pause.
 */
export function requestClarification(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { question: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'request-clarification', meta, async (doc, tx, at) => {
    refuseWhileFulfilling(doc);
    if (doc.requestType !== 'access') {
      throw new UnprocessableError(
        'DSAR.CLARIFICATION_NOT_ALLOWED',
        `The clarification pause (UK GDPR Art 12A) is for access requests (Art 15); this is a ${doc.requestType} request. Ask the person anyway, but the clock keeps running.`,
      );
    }
    const today = calendarDateIn(meta.now, doc.clock.jurisdiction);
    if (today > doc.deadline.dueOn)
      throw new UnprocessableError(
        'DSAR.DEADLINE_PASSED',
        `The request was due on ${doc.deadline.dueOn}; a pause cannot revive a deadline that has passed.`,
      );
    // The deadline module refuses a pause the law does not allow (outside the UK, or a request from before 5 Feb 2026): 422.
    computeDeadline({ ...doc.clock, clarificationPauses: [...doc.clock.clarificationPauses, { from: today, to: today }] });
    const owner = await keyOwnerFor(tx.partition, doc.subject.userId);
    const ask = await tx.cipher.seal(owner, body.question, dsarAad(doc.dsarId, `ask-${at}`));
    doc.awaiting = { kind: 'clarification', since: at, by: principal.sub, resume: resumable(doc.status), ask };
    doc.asked = [...(doc.asked ?? []), { kind: 'clarification', at, by: principal.sub, ask }];
    return { doc, details: { question: body.question } };
  });
}

/** The clarification arrived: the days from asking to the answer (both included) do not count, and the request carries on where it was. */
export function recordClarification(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { receivedAt: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'clarification-received', meta, async (doc) => {
    const at = notInFuture(body.receivedAt, meta.now, 'receivedAt');
    const since = awaitingSince(doc);
    if (at.getTime() < Date.parse(since))
      throw new ValidationError([{ path: 'receivedAt', message: `must not be before the clarification was asked for (${since})` }]);
    const pause = { from: calendarDateIn(since, doc.clock.jurisdiction), to: calendarDateIn(at, doc.clock.jurisdiction) };
    doc.clock.clarificationPauses = [...doc.clock.clarificationPauses, pause];
    computeDeadline(doc.clock);
    const resume = doc.awaiting?.resume ?? 'in-progress';
    answerWait(doc, at.toISOString());
    return { doc, to: resume, details: { pause } };
  });
}

/** A fee or an agent's authority that was asked for arrived: the clock restarts from that day (the latest event counts). */
export function recordEvidence(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { kind: 'fee' | 'agent-authority'; receivedAt: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'evidence-received', meta, async (doc) => {
    const at = notInFuture(body.receivedAt, meta.now, 'receivedAt');
    if (at.getTime() < Date.parse(doc.clock.receivedAt))
      throw new ValidationError([{ path: 'receivedAt', message: 'must not be before the request was received' }]);
    if (body.kind === 'fee') doc.clock.feeReceivedAt = at.toISOString();
    else doc.clock.agentAuthorityReceivedAt = at.toISOString();
    return { doc, details: { kind: body.kind, receivedAt: at.toISOString() } };
  });
}

/** Extension by two further months, with reasons, told to the person within the first month. */
export function extendDsar(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { reason: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'extend', meta, async (doc, tx, at) => {
    const today = calendarDateIn(meta.now, doc.clock.jurisdiction);
    if (today > doc.deadline.extensionNoticeBy) {
      throw new UnprocessableError(
        'DSAR.EXTENSION_TOO_LATE',
        `An extension must be made, and the person told with reasons, by the end of the first month (${doc.deadline.extensionNoticeBy}); it is ${today} in ${doc.deadline.timeZone}.`,
      );
    }
    doc.clock.extended = true;
    // Free text about the person: sealed under their key, so erasing them makes it unreadable.
    doc.extension = {
      at,
      by: principal.sub,
      reason: await tx.cipher.seal(await keyOwnerFor(tx.partition, doc.subject.userId), body.reason, dsarAad(doc.dsarId, 'extension')),
    };
    return { doc, details: { reason: body.reason, extendedDueOn: computeDeadline(doc.clock).extendedDueOn } };
  });
}

/**
 * The pause recorded after the fact is retired: a pause is now a state the request is in while the
 * controller waits (request-clarification, then clarification), so reminders stop during it. Pauses
 * recorded earlier still count in the deadlines of their requests.
 */
export function retiredPause(): never {
  throw new GoneError(
    'DSAR.PAUSE_RETIRED',
    'Recording a pause after the fact is retired. Ask with POST .../dsars/{dsarId}/request-clarification {question} and record the answer with POST .../dsars/{dsarId}/clarification {receivedAt}: the days in between do not count, and no reminder fires meanwhile.',
  );
}

/** Fulfilment is asked for; the request's workflow carries it out (answered 202). */
export function requestFulfilment(services: Services, principal: Principal, rawTenantId: string, dsarId: string, meta: ChangeMeta): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'begin-fulfilment', meta, async (doc, _tx, at) => {
    if (doc.fulfilment?.state === 'requested') return 'unchanged';
    doc.fulfilment = {
      state: 'requested',
      requestedAt: at,
      requestedBy: principal.sub,
      ...(doc.fulfilment?.erasurePlan ? { erasurePlan: doc.fulfilment.erasurePlan } : {}),
    };
    return { doc };
  });
}

export function refuseDsar(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  dsarId: string,
  body: { reason: string },
  meta: ChangeMeta,
): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'refuse', meta, async (doc, tx, at) => {
    doc.refusal = {
      at,
      by: principal.sub,
      reason: await tx.cipher.seal(await keyOwnerFor(tx.partition, doc.subject.userId), body.reason, dsarAad(doc.dsarId, 'refusal')),
    };
    return { doc, details: { reason: body.reason } };
  });
}

export function cancelDsar(services: Services, principal: Principal, rawTenantId: string, dsarId: string, meta: ChangeMeta): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'cancel', meta, async (doc) => ({ doc }));
}

/** Lifts the restriction a completed restriction request imposed: processing routes accept the person's data again. */
export function liftRestriction(services: Services, principal: Principal, rawTenantId: string, dsarId: string, meta: ChangeMeta): Promise<DsarResult> {
  return changeDsar(services, principal, rawTenantId, dsarId, 'lift-restriction', meta, async (doc, tx, at) => {
    if (doc.requestType !== 'restriction')
      throw new ConflictError(
        'DSAR.NOT_A_RESTRICTION',
        `Request ${dsarId} is a ${doc.requestType} request; only a restriction request can be lifted.`,
      );
    if (doc.restrictionLiftedAt) return 'unchanged';
    const userId = doc.subject.userId;
    if (userId) {
      const restriction = await tx.partition.read<StoredDoc>(restrictionDocId(userId));
      if (restriction) {
        tx.delete(restriction.id);
        tx.audit({ action: 'subject.restriction-lifted', target: { type: 'user', id: userId } });
      }
    }
    doc.restrictionLiftedAt = at;
    return { doc };
  });
}
