// The termination record's storage, beside the tenant's other records that outlive its data (so it
// survives the deletion it describes). Every change is a read-modify-write with the record's ETag,
// re-applied when another writer won the race; every change of phase goes through the phase table.
import type { Services } from '../composition.js';
import { NotFoundError } from '../errors.js';
import { retryLostRaces } from '../store/optimistic.js';
import { BatchConflict, type TenantPartition } from '../store/tenant-partition.js';
import { tenantRecords, type TenantKey } from '../tenants/partitions.js';
import { TERMINATION_PHASES, terminationDocId, type TerminationDoc, type TerminationPhase } from './termination.js';

export interface TerminationRef {
  tenantId: string;
  terminationId: string;
}

const MAX_ATTEMPTS = 8;

/** The partition of the tenant's termination records (and certificates, and deletion log). */
export function terminationRecords(services: Services, tenant: TenantKey): Promise<TenantPartition> {
  return tenantRecords(services, tenant);
}

export async function findTermination(records: TenantPartition, terminationId: string): Promise<TerminationDoc | undefined> {
  return records.read<TerminationDoc>(terminationDocId(terminationId));
}

/** The termination a workflow works on; its absence is a bug (the API writes it before starting the workflow). */
export async function loadTermination(services: Services, ref: TerminationRef): Promise<TerminationDoc> {
  const doc = await findTermination(await terminationRecords(services, ref.tenantId), ref.terminationId);
  if (!doc) throw new Error(`no termination ${ref.terminationId}`);
  return doc;
}

/** The tenant's most recent termination, if any (also after its data was deleted). */
export async function latestTermination(records: TenantPartition): Promise<TerminationDoc | undefined> {
  const [latest] = await records.queryAll<TerminationDoc>("c.type = 'termination'", [], { orderBy: 'c.requestedAt DESC', top: 1 });
  return latest;
}

export async function createTermination(records: TenantPartition, doc: TerminationDoc): Promise<void> {
  await records.commit([{ kind: 'create', doc }]);
}

/** `doc` in phase `to` (or where it is, if it already reached or passed `to`), through the phase table. */
export function inPhase(doc: TerminationDoc, to: TerminationPhase): TerminationDoc {
  const phase = TERMINATION_PHASES.advance(doc.phase, to);
  return phase === doc.phase ? doc : { ...doc, phase };
}

/**
 * Read-modify-write of the termination record. `change` returns the new record (the same object
 * to leave it unchanged); it runs again on the newer record when another writer won the race.
 */
export async function changeTermination(services: Services, ref: TerminationRef, change: (doc: TerminationDoc) => TerminationDoc): Promise<TerminationDoc> {
  const records = await terminationRecords(services, ref.tenantId);
  return retryLostRaces(
    async () => {
      const doc = await findTermination(records, ref.terminationId);
      if (!doc) throw new NotFoundError('TERMINATION.NOT_FOUND', `No termination ${ref.terminationId}.`);
      const changed = change(doc);
      if (changed === doc) return doc;
      const next = { ...changed, version: doc.version + 1 };
      await records.commit([{ kind: 'replace', doc: next, ifMatch: doc._etag! }]);
      return next;
    },
    { attempts: MAX_ATTEMPTS, lostRace: (error) => error instanceof BatchConflict && error.status === 412 },
  );
}
