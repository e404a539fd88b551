// Erasures committed but not yet in the ledger. The ledger lives in blob storage, so its entry cannot
// join the erasure's Cosmos DB batch; instead the batch writes a marker beside the erasure (an
// outbox), and the marker stays until the entry is appended and the copies are withdrawn. A crash
// or an outage between the commit and the append leaves the marker, and the reconciler (every 10
// minutes and at start-up) finishes the work from it without the request being retried. A marker
// exists only if its erasure committed, so nothing is ever entered for an erasure that did not happen.
import type { Services } from '../composition.js';
import { REGIONS } from '../config.js';
import { systemActor } from '../audit/system-actor.js';
import { CONTAINERS } from '../store/cosmos-stores.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { tenantData } from '../tenants/partitions.js';
import type { AuditActor } from '../audit/chain.js';
import type { RequestMeta } from '../tenants/tenant-access.js';
import { withdrawCopies } from './copies.js';
import { replaceErasedReferences } from '../records/erased-references.js';
import type { ErasureEntry } from './ledger.js';

type PersonOrRecord = Extract<ErasureEntry, { kind: 'subject' | 'record' }>;

export interface PendingErasureDoc extends StoredDoc {
  type: 'erasurePending';
  entry: PersonOrRecord;
}

const RECONCILER_ACTOR = systemActor('erasure-ledger-reconciler');

export function pendingErasureDocId(entry: PersonOrRecord): string {
  return entry.kind === 'subject' ? `erasure-pending:subject:${entry.subjectId}` : `erasure-pending:record:${entry.module}:${entry.recordId}`;
}

/** The marker to write in the erasure's own batch. */
export function pendingErasureDoc(entry: PersonOrRecord): PendingErasureDoc {
  return { id: pendingErasureDocId(entry), tenantId: entry.tenantId, type: 'erasurePending', entry };
}

/**
 * What follows an erasure's commit: its ledger entry, then the copies that may hold the person
 * withdrawn and the records naming them left with a tombstone reference, then the marker removed
 * (each step safe to repeat).
 */
export async function completeErasure(services: Services, actor: AuditActor, entry: PersonOrRecord, meta: RequestMeta): Promise<void> {
  await services.erasures.append(entry);
  await withdrawCopies(services, actor, entry.tenantId, { at: entry.at, ...(entry.kind === 'subject' ? { subjectId: entry.subjectId } : {}) }, meta);
  if (entry.kind === 'subject') await replaceErasedReferences(services, actor, entry.tenantId, entry.subjectId, meta);
  await (await tenantData(services, entry.tenantId)).deleteIds([pendingErasureDocId(entry)]);
}

/**
 * Finishes every erasure whose follow-up was cut short. A region or an erasure that fails is
 * counted and left for the next run; the others go on (one region's outage stops nothing elsewhere).
 */
export async function completePendingErasures(services: Services, now: Date, requestId: string): Promise<{ completed: number; failed: number }> {
  let completed = 0;
  let failed = 0;
  for (const region of REGIONS) {
    let markers: PendingErasureDoc[];
    try {
      const container = await services.stores.container(region, CONTAINERS.tenantData);
      markers = (await container.items.query<PendingErasureDoc>({ query: "SELECT * FROM c WHERE c.type = 'erasurePending'" }).fetchAll()).resources;
    } catch {
      failed++;
      continue;
    }
    for (const marker of markers) {
      try {
        await completeErasure(services, RECONCILER_ACTOR, marker.entry, { requestId, now });
        completed++;
      } catch {
        failed++;
      }
    }
  }
  return { completed, failed };
}
