// The access log of a support grant: one entry per request a support engineer made to the tenant
// while the grant was active (in scope or refused), with time, route, outcome, the scope used, the
// origin and, when the origin is outside the region's geography, the transfer and its basis.
// Written by the endpoint after the request; an access whose entry cannot be written is not served.
import { z } from 'zod';
import { GRANT_SCOPES } from '../auth/policy.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { appendMoment } from '../audit/audit-log.js';
import type { CsvColumn } from '../exports/writers.js';
import { grantViewSchema } from './grant.js';
import { transferSchema } from './transfer.js';

/** One access under a grant as the API shows it (and the schema of the OpenAPI response). */
export const grantAccessViewSchema = z.object({
  grantId: z.string(),
  at: z.string(),
  method: z.string(),
  route: z.string().describe("The route's operation id, never the path with its ids"),
  status: z.number().int(),
  outcome: z.enum(['served', 'refused', 'failed']),
  code: z.string().optional().describe("The refusal's code, when refused"),
  scope: z.enum(GRANT_SCOPES).nullable().describe('The scope it was served under; null when outside every scope of the grant'),
  origin: z.string(),
  originSource: z.enum(['token', 'declared']),
  transfer: transferSchema.nullable().describe('The transfer this access made, or null inside the region geography'),
  requestId: z.string(),
});
export type GrantAccessView = z.infer<typeof grantAccessViewSchema>;
export const grantLogSchema = z.object({ grant: grantViewSchema, entries: z.array(grantAccessViewSchema) });

/** `ord` orders entries written at the same instant (as the audit log's paging key does). */
export type GrantAccessDoc = StoredDoc & GrantAccessView & { type: 'supportAccess'; ord: string };

export async function appendAccess(partition: TenantPartition, entry: GrantAccessView): Promise<void> {
  const doc: GrantAccessDoc = {
    id: `support-access:${entry.grantId}:${entry.requestId}`,
    tenantId: partition.tenantId,
    type: 'supportAccess',
    ord: `${entry.at}|${appendMoment()}`,
    ...entry,
  };
  await partition.commit([{ kind: 'create', doc }]);
}

export async function accessEntries(partition: TenantPartition, grantId: string): Promise<GrantAccessView[]> {
  const docs = await partition.queryAll<GrantAccessDoc>("c.type = 'supportAccess' AND c.grantId = @grantId", [{ name: '@grantId', value: grantId }], {
    orderBy: 'c.ord ASC',
  });
  return docs.map(viewOfAccess);
}

/** Every access under every grant of the tenant, oldest first, read a page at a time (exports). */
export async function* accessRows(partition: TenantPartition): AsyncGenerator<GrantAccessView> {
  for await (const page of partition.query<GrantAccessDoc>("c.type = 'supportAccess'", [], { orderBy: 'c.ord ASC', pageSize: 500 })) {
    for (const doc of page) yield viewOfAccess(doc);
  }
}

export function viewOfAccess(doc: GrantAccessDoc): GrantAccessView {
  return {
    grantId: doc.grantId,
    at: doc.at,
    method: doc.method,
    route: doc.route,
    status: doc.status,
    outcome: doc.outcome,
    ...(doc.code ? { code: doc.code } : {}),
    scope: doc.scope,
    origin: doc.origin,
    originSource: doc.originSource,
    transfer: doc.transfer,
    requestId: doc.requestId,
  };
}

/** CSV columns of the access log (the same for one grant's log and for the tenant's export). */
export const ACCESS_LOG_COLUMNS: readonly CsvColumn<GrantAccessView>[] = [
  { header: 'grantId', value: (e) => e.grantId },
  { header: 'at', value: (e) => e.at },
  { header: 'method', value: (e) => e.method },
  { header: 'route', value: (e) => e.route },
  { header: 'status', value: (e) => e.status },
  { header: 'outcome', value: (e) => e.outcome },
  { header: 'code', value: (e) => e.code ?? null },
  { header: 'scope', value: (e) => e.scope },
  { header: 'origin', value: (e) => e.origin },
  { header: 'originSource', value: (e) => e.originSource },
  { header: 'transfer', value: (e) => (e.transfer ? `${e.transfer.from}->${e.transfer.to}` : 'none') },
  { header: 'transferBasis', value: (e) => e.transfer?.basis ?? null },
  { header: 'transferInstrument', value: (e) => e.transfer?.instrument ?? null },
  { header: 'tiaReference', value: (e) => e.transfer?.tiaReference ?? null },
  { header: 'requestId', value: (e) => e.requestId },
];
