// Refused requests, recorded where they belong. A refusal on a tenant's route by an authenticated
// caller goes into that tenant's log: the security log when the caller was refused for lack of
// permission and is not one of the tenant's own people (an outsider's flood never contends with
// the tenant's own writes), the activity log otherwise. A tenant that does not exist, or is
// deleted, records nothing.
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { actorOf, tenantPartition } from '../tenants/tenant-access.js';
import { allowsReads, TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { AuditLogName } from './chain.js';

export interface TenantRefusal {
  rawTenantId: string;
  principal: Principal;
  route: string;
  status: number;
  code: string;
  requestId: string;
  correlationId?: string;
  now: Date;
}

export function refusalLog(refusal: Pick<TenantRefusal, 'rawTenantId' | 'principal' | 'status'>): AuditLogName {
  return refusal.status === 403 && refusal.principal.tenantId !== refusal.rawTenantId ? 'security' : 'activity';
}

export async function recordTenantRefusal(services: Services, refusal: TenantRefusal): Promise<'recorded' | 'no-tenant'> {
  const parsed = parseTenantId(refusal.rawTenantId);
  if (!parsed) return 'no-tenant';
  const partition = await tenantPartition(services, parsed.tenantId, parsed.region);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || !allowsReads(tenant.status)) return 'no-tenant';
  const context = {
    actor: actorOf(refusal.principal),
    requestId: refusal.requestId,
    ...(refusal.correlationId ? { correlationId: refusal.correlationId } : {}),
    now: refusal.now,
  };
  await runTenantWork(services.keyring, partition, context, async (tx) => {
    tx.audit({
      action: 'request.refused',
      target: { type: 'route', id: refusal.route },
      outcome: refusal.status === 403 ? 'denied' : 'refused',
      reason: refusal.code,
      log: refusalLog(refusal),
    });
  });
  return 'recorded';
}
