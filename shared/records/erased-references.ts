// Records that name an erased person keep a tombstone reference ("erased-subject") where their user
// id was: as the record's subject (whose content the destroyed key already made unreadable) and
// among the people it references. The record itself stays (it is about someone else, or it is the
// tenant's); it just no longer says who the erased person was.
import type { Services } from '../composition.js';
import type { AuditActor } from '../audit/chain.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { tenantData } from '../tenants/partitions.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { auditContext, type RequestMeta } from '../tenants/tenant-access.js';
import { ERASED_SUBJECT_REF, type RecordDoc } from './record.js';

/** Records changed per unit of work (a transactional batch holds at most 100 operations). */
const PER_BATCH = 40;

/**
 * The record with every mention of `userId` replaced by the tombstone reference (pure). A record
 * about the person also loses its content: sealed under their destroyed key, it was unreadable
 * already, and its ciphertext names the key (so the person) it was sealed under.
 */
export function withoutReferenceTo(doc: RecordDoc, userId: string): RecordDoc {
  const peopleUserIds = doc.peopleUserIds.map((id) => (id === userId ? ERASED_SUBJECT_REF : id));
  if (doc.subjectUserId !== userId) return { ...doc, peopleUserIds };
  const { original: _original, current: _current, corrections: _corrections, ...rest } = doc;
  return { ...rest, subjectUserId: ERASED_SUBJECT_REF, peopleUserIds };
}

/** Replaces the erased person's id in every record that names them; returns how many records changed (safe to repeat). */
export async function replaceErasedReferences(services: Services, actor: AuditActor, tenantId: string, userId: string, meta: RequestMeta): Promise<number> {
  const partition = await tenantData(services, tenantId);
  const where = "c.type = 'record' AND (c.subjectUserId = @u OR ARRAY_CONTAINS(c.peopleUserIds, @u))";
  const naming = await partition.queryAll<RecordDoc>(where, [{ name: '@u', value: userId }], { fields: ['module', 'recordId'] });
  for (const chunk of chunksByBucket(partition, naming)) {
    await runTenantWork(services.keyring, partition, auditContext(actor, meta), async (tx) => {
      const changed: string[] = [];
      for (const { id } of chunk) {
        const doc = await tx.partition.read<RecordDoc>(id);
        if (!doc || (doc.subjectUserId !== userId && !doc.peopleUserIds.includes(userId))) continue;
        tx.raw({ kind: 'replace', doc: withoutReferenceTo(doc, userId), ifMatch: doc._etag!, conflict: 'retry' });
        changed.push(doc.recordId);
      }
      // Ids only: which records no longer name the person (the person's id is the target, as in the erasure's own entry).
      if (changed.length === 0) return;
      tx.audit({ action: 'records.erased-references', target: { type: 'user', id: userId }, reason: `${changed.length} records: ${changed.join(', ')}` });
    });
  }
  return naming.length;
}

/** Records in batches that each stay in one bucket (a record's bucket holds its changes and their audit entries). */
function chunksByBucket(partition: TenantPartition, docs: RecordDoc[]): RecordDoc[][] {
  const byBucket = new Map<string, RecordDoc[]>();
  for (const doc of docs) byBucket.set(partition.bucketOf(doc.id), [...(byBucket.get(partition.bucketOf(doc.id)) ?? []), doc]);
  const chunks: RecordDoc[][] = [];
  for (const inBucket of byBucket.values()) {
    for (let i = 0; i < inBucket.length; i += PER_BATCH) chunks.push(inBucket.slice(i, i + PER_BATCH));
  }
  return chunks;
}
