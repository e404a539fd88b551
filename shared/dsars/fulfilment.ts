// Fulfilment of a data-subject request, per type, through the data spine the routes use:
//  - access, portability: the person's package (JSON and CSV, manifest with counts) in the tenant's
//    region; the request keeps the counts and hands out expiring links when read;
//  - rectification: the requested corrections through `rectifyUser` (tracked beside the original);
//  - erasure: every record whose subject is the person erased (`eraseRecord`), then the person
//    (`eraseUser`: tombstone and key destroyed); records that only name them are about others and kept;
//  - restriction: the person's data marked restricted, so processing routes refuse it until lifted;
//  - objection: recorded, and routed to the controller's privacy contacts to decide.
// Run by the request's workflow, so it is idempotent: each step finds its own earlier work (the
// stored manifest, the rectification tagged with the request, the erasure plan fixed before the first
// deletion) and reports the same outcome on a re-run. Completion records the outcome and closes the
// request in one unit of work with its audit entry.
import type { Services } from '../composition.js';
import { auditDetailsAad } from '../audit/audit-log.js';
import { ERASED } from '../crypto/keyring.js';
import { ConflictError, DomainError, isTransient, NotFoundError } from '../errors.js';
import { buildSubjectPackage } from '../exports/subject-package.js';
import { eraseRecord } from '../records/record-service.js';
import type { ModuleName, RecordDoc } from '../records/record.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { tenantData } from '../tenants/partitions.js';
import { runTenantWork, type TenantWork } from '../store/unit-of-work.js';
import type { OpenTenant } from '../tenants/tenant-access.js';
import { allowsReads, TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { eraseUser, rectifyUser } from '../users/user-service.js';
import { emailClaimDocId, normaliseEmail, userDocId, type UserDoc, type UserEmailClaimDoc } from '../users/user.js';
import { dsarAad, dsarDocId, dsarPackageJobId, type DsarDoc, type DsarNoticeRecord, type DsarOutcome, type DsarRef, type RequestedChanges } from './dsar.js';
import { DSAR_WORKFLOW_ACTOR, keyOwnerFor, settle } from './dsar-service.js';
import { canTransition, transition } from './lifecycle.js';
import { noticeName, sendDsarNotice } from './notices.js';
import { restrictionDocId, type RestrictionDoc } from './restriction.js';
import { CURRENT_VERSION } from '../store/versioning.js';

interface Meta {
  now: Date;
  requestId: string;
}

type ErasurePlan = NonNullable<NonNullable<DsarDoc['fulfilment']>['erasurePlan']>;

const fulfillable = (doc: DsarDoc | undefined): doc is DsarDoc =>
  doc !== undefined && doc.fulfilment?.state === 'requested' && canTransition(doc.status, 'complete');

/** Carries out the requested fulfilment. An expected refusal (a DomainError) is recorded as a failure; anything else throws for the retry. */
export async function fulfilRequest(services: Services, ref: DsarRef, meta: Meta): Promise<'completed' | 'failed' | 'skipped'> {
  const partition = await tenantData(services, ref.tenantId);
  const doc = await partition.read<DsarDoc>(dsarDocId(ref.dsarId));
  if (!fulfillable(doc)) return 'skipped';
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant) return 'skipped';
  const open: OpenTenant = { partition, tenant, actor: DSAR_WORKFLOW_ACTOR };
  const userId = await subjectUserId(services, partition, doc, meta.now);
  const reason = `Data-subject request ${doc.dsarId} (${doc.requestType})`;
  try {
    switch (doc.requestType) {
      case 'access':
      case 'portability': {
        const manifest = await buildSubjectPackage(services, { tenantId: ref.tenantId, jobId: dsarPackageJobId(doc.dsarId), userId, now: meta.now, bom: true });
        const { counts } = manifest;
        const rows = counts.users + Object.values(counts.records).reduce((a, b) => a + b, 0) + counts.auditEntries;
        return await complete(services, partition, doc.dsarId, meta, {
          outcome: {
            kind: 'package',
            subjectFound: userId !== undefined,
            jobId: manifest.jobId,
            files: manifest.files.length + 1,
            rows,
            counts,
            generatedAt: manifest.generatedAt,
          },
        });
      }
      case 'rectification': {
        requireAnswerable(tenant);
        const requested = await requestedChanges(services, partition, doc, meta.now);
        if (!userId)
          return await complete(services, partition, doc.dsarId, meta, {
            outcome: { kind: 'rectified', subjectFound: false, changedFields: [], unchangedFields: Object.keys(requested) },
          });
        const rep = await rectifyUser(services, open, userId, { ...requested, reason }, { requestId: meta.requestId, now: meta.now, ifMatch: CURRENT_VERSION });
        // Tagged with this request, so a re-run (which changes nothing) still reports what this request changed.
        const changes = rep.view.rectifications?.find((r) => r.reason === reason)?.changes ?? {};
        return await complete(services, partition, doc.dsarId, meta, {
          outcome: {
            kind: 'rectified',
            subjectFound: true,
            changedFields: Object.keys(changes),
            unchangedFields: Object.keys(requested).filter((f) => !(f in changes)),
          },
          detail: changes,
          userId,
        });
      }
      case 'erasure': {
        requireAnswerable(tenant);
        if (!userId)
          return await complete(services, partition, doc.dsarId, meta, {
            outcome: { kind: 'erased', subjectFound: false, user: 'none', recordsErased: {}, referencingRecordsKept: 0 },
          });
        const plan = await erasurePlan(services, partition, doc.dsarId, userId, meta);
        for (const record of plan.records) {
          await eraseRecord(services, open, record.module as ModuleName, record.recordId, { requestId: meta.requestId, now: meta.now, reason }).catch(
            (error: unknown) => {
              if (!(error instanceof NotFoundError)) throw error;
            },
          );
        }
        if (plan.user !== 'none') await eraseUser(services, open, userId, { requestId: meta.requestId, now: meta.now, reason });
        const recordsErased: Record<string, number> = {};
        for (const record of plan.records) recordsErased[record.module] = (recordsErased[record.module] ?? 0) + 1;
        return await complete(services, partition, doc.dsarId, meta, {
          outcome: { kind: 'erased', subjectFound: true, user: plan.user, recordsErased, referencingRecordsKept: plan.referencingRecordsKept },
        });
      }
      case 'restriction': {
        requireAnswerable(tenant);
        const since = meta.now.toISOString();
        return await complete(services, partition, doc.dsarId, meta, {
          outcome: userId ? { kind: 'restricted', subjectFound: true, since } : { kind: 'restricted', subjectFound: false },
          within: async (tx) => {
            if (!userId) return;
            const mark: RestrictionDoc = {
              id: restrictionDocId(userId),
              tenantId: partition.tenantId,
              type: 'subjectRestriction',
              userId,
              dsarId: doc.dsarId,
              since,
            };
            tx.raw({ kind: 'upsert', doc: mark });
            tx.audit({ action: 'subject.restricted', target: { type: 'user', id: userId } });
          },
        });
      }
      case 'objection': {
        const sent = await sendDsarNotice(services, doc, tenant.name, { kind: 'objection-routed' });
        return await complete(services, partition, doc.dsarId, meta, {
          outcome: { kind: 'routed-to-controller', subjectFound: userId !== undefined, contacts: sent.recipients },
          notice: {
            kind: noticeName({ kind: 'objection-routed' }),
            sentAt: meta.now.toISOString(),
            recipients: sent.recipients,
            ...(sent.refused > 0 ? { refused: sent.refused } : {}),
          },
        });
      }
    }
  } catch (error) {
    // A busy or unavailable dependency is no failure of the request: the workflow tries again.
    if (!(error instanceof DomainError) || isTransient(error)) throw error;
    await recordFailure(services, partition, doc.dsarId, error.code, meta);
    return 'failed';
  }
}

/**
 * A request stays answerable until the tenant's data is deleted: during the termination grace
 * window the controller still owes the person an answer, so the changes a request asks for
 * (rectification, erasure, restriction) are made although the tenant is otherwise read-only.
 */
function requireAnswerable(tenant: TenantDoc): void {
  if (!allowsReads(tenant.status)) throw new ConflictError('TENANT.DELETED', `The tenant is ${tenant.status}: its data no longer exists.`);
}

/** The person's account: the one named at intake, or (asked by email) the account that has that email now. */
async function subjectUserId(services: Services, partition: TenantPartition, doc: DsarDoc, now: Date): Promise<string | undefined> {
  if (doc.subject.userId) return doc.subject.userId;
  const cipher = services.keyring.cipherFor(partition, now);
  const subject = await cipher.open(doc.subject.sealed, dsarAad(doc.dsarId, 'subject'));
  if (subject === ERASED) return undefined;
  const email = (subject as { email?: string }).email;
  if (!email) return undefined;
  const index = await cipher.blindIndex('email', normaliseEmail(email));
  return (await partition.read<UserEmailClaimDoc>(emailClaimDocId(index)))?.userId;
}

async function requestedChanges(services: Services, partition: TenantPartition, doc: DsarDoc, now: Date): Promise<RequestedChanges> {
  if (!doc.changes) throw new ConflictError('DSAR.NO_CHANGES', 'The rectification request does not say what to correct.');
  const opened = await services.keyring.cipherFor(partition, now).open(doc.changes, dsarAad(doc.dsarId, 'changes'));
  if (opened === ERASED) throw new ConflictError('USER.ERASED', 'The data subject has been erased; there is nothing left to rectify.');
  return opened as RequestedChanges;
}

/**
 * What erasure will remove, fixed on the request before the first deletion: a tombstone keeps no
 * subject, so after a crash the records could not be found again to be counted.
 */
async function erasurePlan(services: Services, partition: TenantPartition, dsarId: string, userId: string, meta: Meta): Promise<ErasurePlan> {
  const existing = (await partition.read<DsarDoc>(dsarDocId(dsarId)))?.fulfilment?.erasurePlan;
  if (existing) return existing;
  const user = await partition.read<UserDoc>(userDocId(userId));
  const about = await partition.queryAll<RecordDoc>("c.type = 'record' AND c.subjectUserId = @userId", [{ name: '@userId', value: userId }], {
    fields: ['module', 'recordId'],
  });
  const naming = await partition.queryAll<RecordDoc>(
    "c.type = 'record' AND ARRAY_CONTAINS(c.peopleUserIds, @userId)",
    [{ name: '@userId', value: userId }],
    { fields: ['subjectUserId'] },
  );
  const plan: ErasurePlan = {
    user: !user ? 'none' : user.status === 'erased' ? 'already-erased' : 'erased',
    records: about.map((r) => ({ module: r.module, recordId: r.recordId })),
    referencingRecordsKept: naming.filter((r) => r.subjectUserId !== userId).length,
  };
  return runTenantWork(services.keyring, partition, { actor: DSAR_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const doc = await tx.partition.read<DsarDoc>(dsarDocId(dsarId));
    if (!doc?.fulfilment) throw new ConflictError('DSAR.NOT_FULFILLING', 'The request is no longer being fulfilled.');
    if (doc.fulfilment.erasurePlan) return doc.fulfilment.erasurePlan;
    tx.raw({
      kind: 'replace',
      doc: { ...doc, fulfilment: { ...doc.fulfilment, erasurePlan: plan }, version: doc.version + 1 },
      ifMatch: doc._etag!,
      conflict: 'retry',
    });
    return plan;
  });
}

/** Records the outcome and closes the request (claim released), with its audit entry. */
async function complete(
  services: Services,
  partition: TenantPartition,
  dsarId: string,
  meta: Meta,
  result: { outcome: DsarOutcome; detail?: unknown; userId?: string; notice?: DsarNoticeRecord; within?: (tx: TenantWork) => Promise<void> },
): Promise<'completed' | 'skipped'> {
  return runTenantWork(services.keyring, partition, { actor: DSAR_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const doc = await tx.partition.read<DsarDoc>(dsarDocId(dsarId));
    if (!fulfillable(doc) || !doc.fulfilment) return 'skipped';
    const at = meta.now.toISOString();
    // After an erasure the person's key is gone: the outcome is sealed under the tenant key then.
    const owner = await keyOwnerFor(tx.partition, result.userId ?? doc.subject.userId);
    const changed: DsarDoc = {
      ...doc,
      fulfilment: {
        ...doc.fulfilment,
        state: 'completed',
        completedAt: at,
        outcome: result.outcome,
        ...(result.detail !== undefined ? { detail: await tx.cipher.seal(owner, result.detail, dsarAad(dsarId, 'outcome')) } : {}),
      },
      notices: result.notice ? [...doc.notices, result.notice] : doc.notices,
    };
    const next = await settle(tx, doc, changed, { action: 'complete', to: transition(doc.status, 'complete'), at, by: DSAR_WORKFLOW_ACTOR.sub });
    tx.raw({ kind: 'replace', doc: next, ifMatch: doc._etag!, conflict: 'retry' });
    await result.within?.(tx);
    tx.audit({
      action: 'dsar.completed',
      target: { type: 'dsar', id: dsarId },
      details: await tx.cipher.seal(owner, { requestType: doc.requestType, outcome: result.outcome }, auditDetailsAad('dsar.completed', dsarId, at)),
    });
    return 'completed';
  });
}

/** The fulfilment met an expected refusal (e.g. the person's data is restricted): the request stays open to retry or refuse. */
async function recordFailure(services: Services, partition: TenantPartition, dsarId: string, code: string, meta: Meta): Promise<void> {
  await runTenantWork(services.keyring, partition, { actor: DSAR_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const doc = await tx.partition.read<DsarDoc>(dsarDocId(dsarId));
    if (!doc?.fulfilment || doc.fulfilment.state !== 'requested') return;
    const at = meta.now.toISOString();
    tx.raw({
      kind: 'replace',
      doc: { ...doc, fulfilment: { ...doc.fulfilment, state: 'failed', failure: { at, code } }, version: doc.version + 1 },
      ifMatch: doc._etag!,
      conflict: 'retry',
    });
    tx.audit({
      action: 'dsar.fulfilment-failed',
      target: { type: 'dsar', id: dsarId },
      details: await tx.cipher.seal({ kind: 'tenant' }, { code }, auditDetailsAad('dsar.fulfilment-failed', dsarId, at)),
    });
  });
}
