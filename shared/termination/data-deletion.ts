// Deleting a tenant's primary data in bounded batches, with a hash-chained deletion log kept
// outside the tenant's data. Each batch writes its log entry (the ids it will delete) before it
// deletes, so a batch re-run after a crash deletes the same ids and counts them once: the
// counts in the certificate are exact however often the host restarts. The progress is recorded
// on the termination record as values (never increments), so a re-run cannot double count.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { canonicalJson, GENESIS_HASH } from '../audit/chain.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { tenantData, tenantRecords, tenantRef } from '../tenants/partitions.js';
import { TENANT_DOC_ID } from '../tenants/tenant.js';
import { TENANT_KEY_DOC_ID } from '../crypto/keyring.js';
import { deleteTenantExports } from '../exports/tenant-export.js';
import { changeTermination, inPhase, type TerminationRef } from './termination-store.js';
import type { StoreDeletion } from './termination.js';

export const TENANT_DATA_STORE = 'cosmos:tenant-data';

export interface DeletionLogEntry extends StoredDoc {
  type: 'deletionLogEntry';
  terminationId: string;
  seq: number;
  at: string;
  store: string;
  ids: string[];
  byType: Record<string, number>;
  prevHash: string;
  hash: string;
}

const counts = z.record(z.string(), z.number().int().min(0));

export const batchResultSchema = z.object({ done: z.boolean(), deleted: z.number().int().min(0), byType: counts });
export type BatchResult = z.infer<typeof batchResultSchema>;

/** The running totals of a deletion, carried by the deletion loop. */
export const deletionTotalsSchema = z.object({ items: z.number().int().min(0), byType: counts, batches: z.number().int().min(0) });
export type DeletionTotals = z.infer<typeof deletionTotalsSchema>;

export const storeDeletionSchema = z.object({ store: z.string(), method: z.string(), items: z.number().int().min(0), byType: counts });

/** The totals after one more batch. */
export function addBatch(totals: DeletionTotals, batch: BatchResult): DeletionTotals {
  const byType = { ...totals.byType };
  for (const [type, count] of Object.entries(batch.byType)) byType[type] = (byType[type] ?? 0) + count;
  return { items: totals.items + batch.deleted, byType, batches: totals.batches + 1 };
}

export const deletionLogId = (terminationId: string, seq: number): string => `deletion-log:${terminationId}:${seq.toString().padStart(8, '0')}`;

function hashEntry(entry: Omit<DeletionLogEntry, 'hash' | '_etag'>): string {
  const { terminationId, seq, at, store, ids, byType, prevHash } = entry;
  return createHash('sha256').update(canonicalJson({ terminationId, seq, at, store, ids, byType, prevHash })).digest('hex');
}

async function partitions(services: Services, tenantId: string): Promise<{ data: TenantPartition; records: TenantPartition }> {
  return { data: await tenantData(services, tenantId), records: await tenantRecords(services, tenantId) };
}

/**
 * Deletes the next batch of the tenant's documents. `final` deletes the tenant record and its
 * wrapped data key, which are kept until the keys have been destroyed.
 */
export async function deleteNextBatch(
  services: Services,
  input: { tenantId: string; terminationId: string; seq: number; limit: number; final: boolean },
  now: Date,
): Promise<BatchResult> {
  const { data, records } = await partitions(services, input.tenantId);
  let entry = await records.read<DeletionLogEntry>(deletionLogId(input.terminationId, input.seq));
  if (!entry) {
    const docs = input.final
      ? (await Promise.all([data.read(TENANT_DOC_ID), data.read(TENANT_KEY_DOC_ID)])).filter((d): d is StoredDoc => d !== undefined)
      : // Ids and types only; the tenant record and its key stay until the key is destroyed.
        (await data.queryAll<StoredDoc>('true', [], { top: input.limit + 2, fields: ['type'] }))
          .filter((d) => d.id !== TENANT_DOC_ID && d.id !== TENANT_KEY_DOC_ID)
          .slice(0, input.limit);
    if (docs.length === 0) return { done: true, deleted: 0, byType: {} };
    const previous = input.seq === 0 ? undefined : await records.read<DeletionLogEntry>(deletionLogId(input.terminationId, input.seq - 1));
    const byType: Record<string, number> = {};
    for (const doc of docs) byType[doc.type] = (byType[doc.type] ?? 0) + 1;
    const content = {
      id: deletionLogId(input.terminationId, input.seq),
      tenantId: input.tenantId,
      type: 'deletionLogEntry' as const,
      terminationId: input.terminationId,
      seq: input.seq,
      at: now.toISOString(),
      store: TENANT_DATA_STORE,
      ids: docs.map((d) => d.id),
      byType,
      prevHash: previous?.hash ?? GENESIS_HASH,
    };
    const fresh: DeletionLogEntry = { ...content, hash: hashEntry(content) };
    try {
      await records.commit([{ kind: 'create', doc: fresh }]);
      entry = fresh;
    } catch {
      // A concurrent or earlier run wrote this batch's entry first: delete exactly what it lists.
      entry = await records.read<DeletionLogEntry>(fresh.id);
      if (!entry) throw new Error(`could not record deletion batch ${input.seq}`);
    }
  }
  await data.deleteIds(entry.ids);
  return { done: false, deleted: entry.ids.length, byType: entry.byType };
}

/** Verifies the deletion log of a termination and returns its length and final hash. */
export async function deletionLogDigest(
  services: Services,
  tenantId: string,
  terminationId: string,
): Promise<{ entries: number; sha256: string; valid: boolean }> {
  const { records } = await partitions(services, tenantId);
  let prevHash = GENESIS_HASH;
  let entries = 0;
  let valid = true;
  for await (const page of records.query<DeletionLogEntry>(
    "c.type = 'deletionLogEntry' AND c.terminationId = @t",
    [{ name: '@t', value: terminationId }],
    { orderBy: 'c.seq ASC' },
  )) {
    for (const entry of page) {
      if (entry.seq !== entries || entry.prevHash !== prevHash || hashEntry(entry) !== entry.hash) valid = false;
      prevHash = entry.hash;
      entries++;
    }
  }
  return { entries, sha256: prevHash, valid };
}

/** Documents of the tenant still present (zero after deletion). */
export async function remainingDocuments(services: Services, tenantId: string): Promise<number> {
  const { data } = await partitions(services, tenantId);
  return data.count('true');
}

/**
 * Records the deletion's progress as values. Once `completed`, the deletion is done: the record
 * moves on (the keys are destroyed before the last batch) and the backups' expiry is set.
 */
export async function recordDeletionProgress(
  services: Services,
  input: TerminationRef & { totals: DeletionTotals; completed: boolean; otherStores?: StoreDeletion[] },
  now: Date,
): Promise<{ backupsExpireAt: string | null }> {
  const at = now.toISOString();
  const backupDays = services.config.retention.backupDays;
  const updated = await changeTermination(services, input, (t) => ({
    ...(input.completed ? inPhase(t, 'destroying-keys') : t),
    deletion: {
      startedAt: t.deletion?.startedAt ?? at,
      batches: input.totals.batches,
      stores: [
        {
          store: TENANT_DATA_STORE,
          method: 'deletion of every document by id, in logged transactional batches',
          items: input.totals.items,
          byType: input.totals.byType,
        },
        ...(input.otherStores ?? []),
      ],
      ...(input.completed ? { completedAt: t.deletion?.completedAt ?? at } : {}),
    },
    ...(input.completed && !t.backups
      ? {
          backups: {
            retentionDays: backupDays,
            expireAt: new Date(now.getTime() + backupDays * 24 * 3600_000).toISOString(),
            status: 'pending' as const,
          },
        }
      : {}),
  }));
  return { backupsExpireAt: updated.backups?.expireAt ?? null };
}

/** Export files and returned-data packages of the tenant, in its region's storage. */
export async function deleteTenantFiles(services: Services, tenantId: string): Promise<StoreDeletion[]> {
  const counts = await deleteTenantExports(services.blobs, tenantRef(tenantId).tenantId);
  return Object.entries(counts).map(([container, items]) => ({
    store: `blob:${container}`,
    method: 'blob deletion by tenant prefix',
    items,
    byType: { file: items },
  }));
}
