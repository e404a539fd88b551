// From a tenant id to its partitions, in the tenant's own region (the region is part of the id):
// the tenant's data (`tenant-data`, in buckets, deleted with the tenant) and the tenant's records that outlive
// its data (`certificates`: terminations, deletion certificates and log, audit anchors). The one
// place product code builds a TenantPartition.
import type { Services } from '../composition.js';
import { CONTAINERS } from '../store/cosmos-stores.js';
import { TenantPartition, type TenantRef } from '../store/tenant-partition.js';
import { parseTenantId } from '../tenancy/tenant-id.js';

/** A tenant id (as stored on a record or carried by a workflow) or an already parsed one. */
export type TenantKey = string | TenantRef;

/** The id and region of a tenant id the system itself stored; a malformed one is a bug, so it throws. */
export function tenantRef(tenant: TenantKey): TenantRef {
  if (typeof tenant !== 'string') return tenant;
  const parsed = parseTenantId(tenant);
  if (!parsed) throw new Error(`not a tenant id: ${tenant}`);
  return parsed;
}

/** The tenant's data: the only door to it (see TenantPartition). */
export async function tenantData(services: Services, tenant: TenantKey): Promise<TenantPartition> {
  const ref = tenantRef(tenant);
  return new TenantPartition(ref, await services.stores.container(ref.region, CONTAINERS.tenantData), services.config.audit.chainLanes, true);
}

/** The tenant's records that outlive its data, in the same region. */
export async function tenantRecords(services: Services, tenant: TenantKey): Promise<TenantPartition> {
  const ref = tenantRef(tenant);
  return new TenantPartition(ref, await services.stores.container(ref.region, CONTAINERS.certificates));
}
