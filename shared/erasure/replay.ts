// Replaying the erasure ledger after a point-in-time restore: every erasure made after the restore
// point is applied again to the restored data (a person's key destroyed and their record made a
// tombstone, a record made a tombstone, a deleted tenant's documents deleted), each audited in the
// tenant's log where the tenant still exists, and the region is served again.
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { z } from 'zod';
import { REGIONS, type Region } from '../config.js';
import { subjectKeyDocId } from '../crypto/keyring.js';
import { recordDocId, type RecordDoc } from '../records/record.js';
import { recordTombstone } from '../records/record-service.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { tenantData } from '../tenants/partitions.js';
import { actorOf, auditContext, type RequestMeta } from '../tenants/tenant-access.js';
import { emailClaimDocId, userDocId, type UserDoc } from '../users/user.js';
import { userTombstone } from '../users/user-service.js';
import type { ErasureEntry } from './ledger.js';
import { replaceErasedReferences } from '../records/erased-references.js';

/**
 * Entries this much older than the restore point are replayed too: an entry's instant is taken when
 * the request starts, a moment before its erasure commits. Replaying an erasure twice is harmless.
 */
export const REPLAY_MARGIN_MS = 3600_000;

// The answer of a replay (documented in the OpenAPI document; the type is derived from it).
export const replayReportSchema = z
  .object({
    region: z.enum(REGIONS),
    since: z.iso.datetime(),
    appliedThrough: z.iso.datetime().nullable().meta({ description: "The ledger's newest entry: the region is in step with its ledger up to here" }),
    entries: z.int(),
    reErased: z
      .object({ subjects: z.int(), records: z.int(), tenants: z.int(), tenantDocuments: z.int() })
      .meta({ description: 'What was found restored and erased again (already-erased entries count as entries only)' }),
  })
  .meta({ id: 'ErasureReplay' });
export type ReplayReport = z.infer<typeof replayReportSchema>;

export async function replayErasures(services: Services, principal: Principal, region: Region, since: Date, meta: RequestMeta): Promise<ReplayReport> {
  const head = await services.erasures.newestEntry(region);
  const entries = await services.erasures.entriesSince(region, new Date(since.getTime() - REPLAY_MARGIN_MS));
  const reErased = { subjects: 0, records: 0, tenants: 0, tenantDocuments: 0 };
  const deletedTenants = new Set(entries.filter((e) => e.kind === 'tenant').map((e) => e.tenantId));
  for (const entry of entries) {
    if (entry.kind === 'tenant') {
      const removed = await deleteTenantDocuments(services, entry.tenantId);
      if (removed > 0) {
        reErased.tenants++;
        reErased.tenantDocuments += removed;
      }
      continue;
    }
    // A tenant deleted later loses every document anyway; its log goes with it.
    if (deletedTenants.has(entry.tenantId)) continue;
    if (await reapply(services, principal, entry, meta)) {
      if (entry.kind === 'subject') reErased.subjects++;
      else reErased.records++;
    }
    // The restore also brought back the person's id in the records that named them.
    if (entry.kind === 'subject') await replaceErasedReferences(services, actorOf(principal), entry.tenantId, entry.subjectId, meta);
  }
  if (head) await services.erasures.markReplayed(region, head);
  return { region, since: since.toISOString(), appliedThrough: head ?? null, entries: entries.length, reErased };
}

/** Applies one person's or record's erasure again; true when the restored data still had it. */
async function reapply(services: Services, principal: Principal, entry: Exclude<ErasureEntry, { kind: 'tenant' }>, meta: RequestMeta): Promise<boolean> {
  const partition = await tenantData(services, entry.tenantId);
  return runTenantWork(services.keyring, partition, auditContext(actorOf(principal), meta), async (tx) => {
    const details = { action: 'erasure.replayed', outcome: 'success' as const, reason: `re-applied after a restore: erased at ${entry.at}` };
    if (entry.kind === 'subject') {
      const user = await tx.partition.read<UserDoc>(userDocId(entry.subjectId));
      const key = await tx.partition.read(subjectKeyDocId(entry.subjectId));
      if (!key && (!user || user.status === 'erased')) return false;
      if (key) tx.raw(services.keyring.destroySubjectKeyOp(entry.subjectId));
      if (user && user.status !== 'erased') {
        tx.replace(userTombstone(user, user.erasedAt ?? entry.at, user.erasedBy ?? principal.sub), user._etag!);
        if (user.emailIndex) tx.delete(emailClaimDocId(user.emailIndex));
      }
      tx.afterCommit(() => services.keyring.forgetSubject(entry.tenantId, entry.subjectId));
      tx.audit({ ...details, target: { type: 'user', id: entry.subjectId } });
      return true;
    }
    const record = await tx.partition.read<RecordDoc>(recordDocId(entry.module, entry.recordId));
    if (!record || record.status === 'erased') return false;
    tx.replace(recordTombstone(record, entry.at), record._etag!);
    tx.audit({ ...details, target: { type: `record:${entry.module}`, id: entry.recordId } });
    return true;
  });
}

/** Deletes every document a deleted tenant got back from the restore; returns how many. */
async function deleteTenantDocuments(services: Services, tenantId: string): Promise<number> {
  const partition = await tenantData(services, tenantId);
  const ids = (await partition.queryAll<StoredDoc>('true', [], { fields: ['type'] })).map((d) => d.id);
  await partition.deleteIds(ids);
  services.keyring.forgetTenant(tenantId);
  return ids.length;
}
