// Which data-subject requests of a tenant are still open (a waiver of the termination grace window
// waits for them: deleting the data would leave the people unanswered).
import type { Services } from '../composition.js';
import { tenantData } from '../tenants/partitions.js';
import type { DsarDoc } from './dsar.js';

/** Ids of the tenant's open requests, oldest first. */
export async function openDsarIds(services: Services, tenantId: string): Promise<string[]> {
  const partition = await tenantData(services, tenantId);
  const docs = await partition.queryAll<DsarDoc>("c.type = 'dsar' AND c.open = true", [], { fields: ['dsarId', 'recordedAt'], orderBy: 'c.recordedAt ASC' });
  return docs.map((d) => d.dsarId);
}
