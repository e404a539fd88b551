// The way in to a tenant's data for a caller: checks the caller's permission on that tenant
// (recording refusals in the tenant's own audit log), resolves the tenant's region from its id,
// and refuses changes while the tenant is not active.
import type { Services } from '../composition.js';
import { can, type Permission } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import type { AuditActor } from '../audit/chain.js';
import type { AuditContext } from '../audit/audit-log.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { runTenantWork, type IdempotencyOptions, type TenantWork } from '../store/unit-of-work.js';
import { parseTenantId, type TenantId } from '../tenancy/tenant-id.js';
import type { Region } from '../config.js';
import { allowsReads, allowsWrites, TENANT_DOC_ID, type TenantDoc } from './tenant.js';
import { tenantData, tenantRecords } from './partitions.js';

export interface RequestMeta {
  requestId: string;
  /** The caller's own correlation id, recorded beside ours in audit entries. */
  correlationId?: string;
  now: Date;
}

export interface OpenTenant {
  partition: TenantPartition;
  tenant: TenantDoc;
  actor: AuditActor;
}

/**
 * What the caller means to do. Only `write` (operational changes) is refused during the
 * termination grace window; `export` and `obligation` (answering data-subject requests, which the
 * controller must do until the data is gone) stay available until deletion.
 */
export type AccessIntent = 'read' | 'write' | 'export' | 'obligation';

export function actorOf(principal: Principal): AuditActor {
  const grant = principal.supportGrant;
  return {
    sub: principal.sub,
    roles: [...principal.roles],
    ...(principal.tenantId ? { tenantId: principal.tenantId } : {}),
    ...(grant
      ? {
          supportGrant: {
            grantId: grant.grantId,
            scope: grant.scope,
            origin: grant.origin,
            originSource: grant.originSource,
            ...(grant.transferBasis ? { transferBasis: grant.transferBasis } : {}),
          },
        }
      : {}),
  };
}

/** The partition of `tenantId` in its own region; the only way product code reaches tenant data. */
export async function tenantPartition(services: Services, tenantId: TenantId, region: Region): Promise<TenantPartition> {
  return tenantData(services, { tenantId, region });
}

/**
 * The tenant's records that outlive its data (termination record, deletion certificates): open
 * to the tenant's admins and vendor staff with the permission, before and after deletion.
 */
export async function openTenantRecords(services: Services, principal: Principal, rawTenantId: string, permission: Permission): Promise<TenantPartition> {
  const parsed = parseTenantId(rawTenantId);
  if (!parsed) throw new NotFoundError('TENANT.NOT_FOUND', `There is no tenant ${rawTenantId}.`);
  if (!can(principal, permission, parsed.tenantId)) {
    throw new ForbiddenError('AUTH.FORBIDDEN', `Your roles (${principal.roles.join(', ') || 'none'}) do not allow ${permission} on tenant ${rawTenantId}.`);
  }
  await services.erasures.assertServing(parsed.region);
  return tenantRecords(services, parsed);
}

export async function openTenant(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  permission: Permission,
  intent: AccessIntent,
  meta: RequestMeta,
): Promise<OpenTenant> {
  const parsed = parseTenantId(rawTenantId);
  if (!parsed) throw new NotFoundError('TENANT.NOT_FOUND', `There is no tenant ${rawTenantId}.`);
  const partition = await tenantPartition(services, parsed.tenantId, parsed.region);
  const actor = actorOf(principal);
  // The endpoint authorised the route already; this second check guards a handler that opens a
  // tenant with another permission than its route declares (the endpoint records the refusal).
  if (!can(principal, permission, parsed.tenantId)) {
    throw new ForbiddenError('AUTH.FORBIDDEN', `Your roles (${principal.roles.join(', ') || 'none'}) do not allow ${permission} on tenant ${rawTenantId}.`);
  }
  // A region restored to before some erasures serves nothing until they are replayed.
  await services.erasures.assertServing(parsed.region);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || !allowsReads(tenant.status)) throw new NotFoundError('TENANT.NOT_FOUND', `There is no tenant ${rawTenantId}.`);
  if (intent === 'write' && !allowsWrites(tenant.status)) {
    throw new ConflictError(
      'TENANT.READ_ONLY',
      `Tenant ${rawTenantId} is ${tenant.status}: its data is read-only (exports still work) until it is reactivated.`,
    );
  }
  return { partition, tenant, actor };
}

/** A unit of work on an opened tenant, audited as the caller who opened it. */
export function workInTenant<T>(
  services: Services,
  open: OpenTenant,
  meta: RequestMeta,
  work: (tx: TenantWork) => Promise<T>,
  idempotency?: IdempotencyOptions,
): Promise<T> {
  return runTenantWork(services.keyring, open.partition, auditContext(open.actor, meta), work, idempotency);
}

/** Who did it and under which request, for the audit entries of a unit of work. */
export function auditContext(actor: AuditActor, meta: RequestMeta): AuditContext {
  return { actor, requestId: meta.requestId, ...(meta.correlationId ? { correlationId: meta.correlationId } : {}), now: meta.now };
}
