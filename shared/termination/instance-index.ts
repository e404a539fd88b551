// The index of a tenant's Durable orchestration instances, kept with its termination record (which
// outlives its data). The task hub's purge API filters only by time and status, and an orchestration
// cannot purge itself, so a terminated tenant's instances are purged by id, from this index, by the
// retention sweep once the termination has completed.
import type { Services } from '../composition.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { tenantData, tenantRecords } from '../tenants/partitions.js';
import type { TerminationRef } from './termination-store.js';
import { orchestrationInstanceId } from './termination.js';

export interface InstanceIndexDoc extends StoredDoc {
  type: 'instanceIndex';
  terminationId: string;
  instanceIds: string[];
  purgedAt?: string;
}

export const instanceIndexDocId = (terminationId: string): string => `instance-index:${terminationId}`;

/** The termination's own workflow and its deletion sub-orchestration (named in workflows/termination). */
export function terminationInstanceIds(ref: TerminationRef): string[] {
  const main = orchestrationInstanceId(ref.tenantId, ref.terminationId);
  return [main, `${main}:data`];
}

/**
 * Records every instance the tenant's data names (requests, exports, breach notices) before the data
 * is deleted; a re-run adds what is new and keeps what was recorded.
 */
export async function indexTenantInstances(services: Services, ref: TerminationRef): Promise<number> {
  const data = await tenantData(services, ref.tenantId);
  const named = (await data.queryAll<StoredDoc & { instanceId: string }>('IS_DEFINED(c.instanceId)', [], { fields: ['instanceId'] })).map((d) => d.instanceId);
  const records = await tenantRecords(services, ref.tenantId);
  const existing = await records.read<InstanceIndexDoc>(instanceIndexDocId(ref.terminationId));
  const instanceIds = [...new Set([...(existing?.instanceIds ?? []), ...terminationInstanceIds(ref), ...named])].sort();
  if (existing && existing.instanceIds.length === instanceIds.length) return instanceIds.length;
  const doc: InstanceIndexDoc = {
    id: instanceIndexDocId(ref.terminationId),
    tenantId: ref.tenantId,
    type: 'instanceIndex',
    terminationId: ref.terminationId,
    instanceIds,
  };
  await records.commit([{ kind: 'upsert', doc }]);
  return instanceIds.length;
}
