// Module records: create, read, correct (tracked alongside the original) and erase, audited in
// the same transaction as the change.
import { completeErasure, pendingErasureDoc } from '../erasure/pending.js';
import { workInTenant } from '../tenants/tenant-access.js';
import { bucketOf, newRecordBucket, newRecordId } from '../store/buckets.js';
import type { Services } from '../composition.js';
import { auditDetailsAad } from '../audit/audit-log.js';
import { ERASED, type KeyOwner, type TenantCipher } from '../crypto/keyring.js';
import { NotFoundError, ConflictError, UnprocessableError } from '../errors.js';
import type { IdempotencyOptions, TenantWork } from '../store/unit-of-work.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { userDocId, type UserDoc } from '../users/user.js';
import { readsRestricted, refuseRestricted, restrictedMarker, restrictedReadRefused, restrictionOf } from '../dsars/restriction.js';
import { etagOf, requireVersion, type CURRENT_VERSION, type Representation } from '../store/versioning.js';
import {
  ERASED_SUBJECT_REF,
  recordAad,
  recordDocId,
  type CorrectRecordRequest,
  type CreateRecordRequest,
  type DataChanges,
  type ModuleName,
  type RecordData,
  type RecordDoc,
  type RecordView,
} from './record.js';

export async function createRecord(
  services: Services,
  open: OpenTenant,
  module: ModuleName,
  request: CreateRecordRequest,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<Representation<RecordView>> {
  // The record, its audit entry and the stored reply commit in the record's bucket.
  const bucket = newRecordBucket(meta.idempotency?.docId);
  return workInTenant(services, open, meta, async (tx) => {
      await requireActiveUsers(tx, request.subjectUserId, request.peopleUserIds);
      await refuseRestricted(tx.partition, peopleOf(request.subjectUserId, request.peopleUserIds));
      const recordId = newRecordId(bucket);
      const owner = ownerOf(request.subjectUserId);
      tx.replyOwner = owner;
      const at = meta.now.toISOString();
      const doc: RecordDoc = {
        id: recordDocId(module, recordId),
        tenantId: open.partition.tenantId,
        type: 'record',
        module,
        recordId,
        status: 'active',
        version: 1,
        ...(request.subjectUserId ? { subjectUserId: request.subjectUserId } : {}),
        peopleUserIds: request.peopleUserIds,
        original: await tx.cipher.seal(owner, request.data, recordAad(module, recordId, 'original')),
        current: await tx.cipher.seal(owner, request.data, recordAad(module, recordId, 'current')),
        corrections: [],
        createdAt: at,
        createdBy: open.actor.sub,
        updatedAt: at,
      };
      tx.create(doc);
      tx.audit({ action: 'record.created', target: { type: `record:${module}`, id: recordId } });
      return { view: await recordView(doc, tx.cipher), etag: etagOf(doc.version) };
    },
    meta.idempotency && { ...meta.idempotency, bucket },
  );
}

export async function readRecord(
  services: Services,
  open: OpenTenant,
  module: ModuleName,
  recordId: string,
  meta: RequestMeta,
): Promise<Representation<RecordView>> {
  const found = await open.partition.read<RecordDoc>(recordDocId(module, recordId));
  const restriction = await restrictionOf(open.partition, found?.subjectUserId);
  if (restriction && !readsRestricted(open.actor, open.partition.tenantId)) {
    // The refusal is recorded (committed on its own) before it is answered.
    await workInTenant(services, open, meta, async (tx) =>
      tx.audit({ action: 'record.read-refused-restricted', target: { type: `record:${module}`, id: recordId }, outcome: 'failure' }),
    );
    throw restrictedReadRefused(`this record's data subject's data`);
  }
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadRecord(tx, module, recordId);
    tx.audit({ action: 'record.read', target: { type: `record:${module}`, id: recordId } });
    const view = await recordView(doc, tx.cipher);
    return {
      view: restriction && view.status === 'active' ? { ...view, restricted: restrictedMarker(restriction) } : view,
      etag: etagOf(doc.version),
    };
  });
}

export async function correctRecord(
  services: Services,
  open: OpenTenant,
  module: ModuleName,
  recordId: string,
  request: CorrectRecordRequest,
  meta: RequestMeta & { ifMatch: string | typeof CURRENT_VERSION | undefined; idempotency?: IdempotencyOptions },
): Promise<Representation<RecordView>> {
  return workInTenant(services, open, meta, async (tx) => {
      const doc = await loadRecord(tx, module, recordId);
      requireVersion(meta.ifMatch, doc.version);
      if (doc.status === 'erased' || !doc.current) throw new ConflictError('RECORD.ERASED', 'This record has been erased; there is nothing left to correct.');
      tx.replyOwner = ownerOf(doc.subjectUserId);
      await refuseRestricted(tx.partition, peopleOf(doc.subjectUserId, doc.peopleUserIds));
      const current = await tx.cipher.open(doc.current, recordAad(module, recordId, 'current'));
      if (current === ERASED) throw new ConflictError('RECORD.ERASED', 'The data subject of this record has been erased; there is nothing left to correct.');
      const next: RecordData = { ...(current as RecordData) };
      const changes: DataChanges = {};
      for (const [field, value] of Object.entries(request.data)) {
        const before = next[field] ?? null;
        if (JSON.stringify(before) === JSON.stringify(value)) continue;
        changes[field] = { from: before, to: value };
        if (value === null) delete next[field];
        else next[field] = value;
      }
      if (Object.keys(changes).length === 0) return { view: await recordView(doc, tx.cipher), etag: etagOf(doc.version) };
      const owner = ownerOf(doc.subjectUserId);
      const at = meta.now.toISOString();
      const updated: RecordDoc = {
        ...doc,
        version: doc.version + 1,
        updatedAt: at,
        current: await tx.cipher.seal(owner, next, recordAad(module, recordId, 'current')),
        corrections: [
          ...(doc.corrections ?? []),
          { at, by: open.actor.sub, sealed: await tx.cipher.seal(owner, { reason: request.reason, changes }, recordAad(module, recordId, `correction|${at}`)) },
        ],
      };
      tx.replace(updated, doc._etag!);
      tx.audit({
        action: 'record.corrected',
        target: { type: `record:${module}`, id: recordId },
        details: await tx.cipher.seal(owner, { fields: Object.keys(changes), reason: request.reason }, auditDetailsAad('record.corrected', recordId, at)),
      });
      return { view: await recordView(updated, tx.cipher), etag: etagOf(updated.version) };
    },
    inRecordBucket(meta.idempotency, module, recordId),
  );
}

/** Per-record erasure: the content, original and corrections go; a tombstone without personal data stays. */
export async function eraseRecord(
  services: Services,
  open: OpenTenant,
  module: ModuleName,
  recordId: string,
  meta: RequestMeta & { reason?: string; idempotency?: IdempotencyOptions },
): Promise<Representation<RecordView>> {
  const erased = await workInTenant(services, open, meta, async (tx) => {
      const doc = await loadRecord(tx, module, recordId);
      if (doc.status === 'erased') return { view: await recordView(doc, tx.cipher), etag: etagOf(doc.version), erasedAt: doc.erasedAt ?? doc.updatedAt };
      const at = meta.now.toISOString();
      const tombstone = recordTombstone(doc, at);
      tx.replace(tombstone, doc._etag!);
      // Committed with the erasure: what finishes it (ledger entry, copies) if this request stops after the commit.
      tx.create(pendingErasureDoc({ kind: 'record', tenantId: open.partition.tenantId, module, recordId, at }));
      tx.audit({
        action: 'record.erased',
        target: { type: `record:${module}`, id: recordId },
        ...(meta.reason ? { details: await tx.cipher.seal({ kind: 'tenant' }, { reason: meta.reason }, auditDetailsAad('record.erased', recordId, at)) } : {}),
      });
      return { view: await recordView(tombstone, tx.cipher), etag: etagOf(tombstone.version), erasedAt: at };
    },
    inRecordBucket(meta.idempotency, module, recordId),
  );
  // Also when it was erased already: a retry finishes what a crash after the commit left (so does the reconciler).
  await completeErasure(services, open.actor, { kind: 'record', tenantId: open.partition.tenantId, module, recordId, at: erased.erasedAt }, meta);
  return { view: erased.view, etag: erased.etag };
}

/** The record after erasure: ids and instants only, no content and no people. */
export function recordTombstone(doc: RecordDoc, at: string): RecordDoc {
  return {
    id: doc.id,
    tenantId: doc.tenantId,
    type: 'record',
    module: doc.module,
    recordId: doc.recordId,
    status: 'erased',
    version: doc.version + 1,
    peopleUserIds: [],
    createdAt: doc.createdAt,
    createdBy: doc.createdBy,
    updatedAt: at,
    erasedAt: at,
  };
}

async function loadRecord(tx: TenantWork, module: ModuleName, recordId: string): Promise<RecordDoc> {
  const doc = await tx.partition.read<RecordDoc>(recordDocId(module, recordId));
  if (!doc) throw new NotFoundError('RECORD.NOT_FOUND', `There is no ${module} record ${recordId} in this tenant.`);
  return doc;
}

/** Records may only be about, or reference, users who exist and are active (deactivation stops new use). */
async function requireActiveUsers(tx: TenantWork, subjectUserId: string | undefined, peopleUserIds: string[]): Promise<void> {
  const refs = [
    ...(subjectUserId ? [{ id: subjectUserId, path: 'subjectUserId' }] : []),
    ...peopleUserIds.map((id, i) => ({ id, path: `peopleUserIds.${i}` })),
  ];
  const problems = [];
  for (const ref of refs) {
    const user = await tx.partition.read<UserDoc>(userDocId(ref.id));
    if (!user) problems.push({ path: ref.path, message: `there is no user ${ref.id} in this tenant` });
    else if (user.status !== 'active') problems.push({ path: ref.path, message: `user ${ref.id} is ${user.status}` });
  }
  if (problems.length > 0) throw new UnprocessableError('RECORD.UNKNOWN_OR_INACTIVE_USER', 'The record references users who cannot be used.', problems);
}

/** The people a record is about or references, with where each is named (for a restriction's field errors). */
function peopleOf(subjectUserId: string | undefined, peopleUserIds: readonly string[]): { userId: string; path: string }[] {
  return [
    ...(subjectUserId ? [{ userId: subjectUserId, path: 'subjectUserId' }] : []),
    ...peopleUserIds.map((userId, i) => ({ userId, path: `peopleUserIds.${i}` })),
  ];
}

function ownerOf(subjectUserId: string | undefined): KeyOwner {
  return subjectUserId ? { kind: 'subject', subjectId: subjectUserId } : { kind: 'tenant' };
}

export async function recordView(doc: RecordDoc, cipher: TenantCipher): Promise<RecordView> {
  const base = {
    recordId: doc.recordId,
    module: doc.module,
    ...(doc.subjectUserId ? { subjectUserId: doc.subjectUserId } : {}),
    peopleUserIds: doc.peopleUserIds,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.subjectUserId === ERASED_SUBJECT_REF && doc.status !== 'erased') return { ...base, status: 'erased', erasure: 'subject-erased' };
  if (doc.status === 'erased' || !doc.current || !doc.original) return { ...base, status: 'erased', erasure: 'record-erased' };
  const data = await cipher.open(doc.current, recordAad(doc.module, doc.recordId, 'current'));
  if (data === ERASED) return { ...base, status: 'erased', erasure: 'subject-erased' };
  const original = (await cipher.open(doc.original, recordAad(doc.module, doc.recordId, 'original'))) as RecordData;
  const corrections = [];
  for (const c of doc.corrections ?? []) {
    const opened = (await cipher.open(c.sealed, recordAad(doc.module, doc.recordId, `correction|${c.at}`))) as { reason: string; changes: DataChanges };
    corrections.push({ at: c.at, by: c.by, reason: opened.reason, changes: opened.changes });
  }
  return { ...base, status: 'active', data: data as RecordData, original, corrections };
}

/** A request about an existing record keeps its stored reply in the record's bucket, beside the change. */
function inRecordBucket(idempotency: IdempotencyOptions | undefined, module: ModuleName, recordId: string): IdempotencyOptions | undefined {
  return idempotency && { ...idempotency, bucket: bucketOf(recordDocId(module, recordId)) };
}
