// Which tenants a breach affects: a list checked when the breach is opened, or a selector (a region,
// or every tenant) resolved once, when the notices are sent, and recorded on the breach.
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { ValidationError, type FieldError } from '../errors.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { listTenants } from '../tenants/tenant-service.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { AffectedTenants, BreachDoc } from './breach.js';
import { BreachStore } from './breach-store.js';

type AffectedTenantsInput = string[] | { region: 'uksouth' | 'eu' } | { all: true };

/** Turns the request's form into the record's, refusing ids that name no live tenant (400, by index). */
export async function checkAffectedTenants(services: Services, input: AffectedTenantsInput): Promise<AffectedTenants> {
  if (!Array.isArray(input)) return 'region' in input ? { kind: 'region', region: input.region } : { kind: 'all' };
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const tenantIds: string[] = [];
  await Promise.all(
    input.map(async (raw, index) => {
      const parsed = parseTenantId(raw);
      if (!parsed) {
        errors.push({ path: `affectedTenants.${index}`, message: 'is not a tenant id' });
        return;
      }
      const tenant = await (await tenantPartition(services, parsed.tenantId, parsed.region)).read<TenantDoc>(TENANT_DOC_ID);
      if (!tenant || tenant.status === 'deleted') errors.push({ path: `affectedTenants.${index}`, message: 'there is no such tenant' });
    }),
  );
  if (errors.length > 0) throw new ValidationError(errors.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true })));
  for (const id of input) {
    if (seen.has(id)) continue;
    seen.add(id);
    tenantIds.push(id);
  }
  return { kind: 'list', tenantIds };
}

/** The request's form of the affected tenants, for views. */
export function affectedTenantsView(affected: AffectedTenants): AffectedTenantsInput {
  switch (affected.kind) {
    case 'list':
      return affected.tenantIds;
    case 'region':
      return { region: affected.region };
    case 'all':
      return { all: true };
  }
}

/**
 * The tenants to notify, resolved once: the first resolution is recorded on the breach and every
 * later call (a re-run activity, a restarted host) gets that same list.
 */
export async function resolveAffectedTenants(services: Services, breachId: string, now: Date): Promise<string[]> {
  const store = await BreachStore.open(services);
  const breach = await store.read(breachId);
  if (!breach) throw new Error(`no breach ${breachId}`);
  if (breach.resolved) return breach.resolved.tenantIds;
  const tenantIds = await resolve(services, breach);
  const updated = await store.update(breachId, (doc) =>
    doc.resolved
      ? undefined
      : {
          ...doc,
          resolved: { at: now.toISOString(), tenantIds },
          trail: [...doc.trail, { at: now.toISOString(), actor: 'system:breach-notification', action: 'tenants.resolved', detail: `${tenantIds.length} tenant(s)` }],
        },
  );
  return updated.resolved!.tenantIds;
}

async function resolve(services: Services, breach: BreachDoc): Promise<string[]> {
  const affected = breach.affectedTenants;
  if (affected.kind === 'list') return affected.tenantIds;
  // Resolved on behalf of the ops.breach member who released the notices (tenants.list is theirs).
  const onBehalfOf: Principal = { sub: breach.release?.by ?? breach.openedBy, roles: ['ops.breach'] };
  const tenants = await listTenants(services, onBehalfOf, affected.kind === 'region' ? { region: affected.region } : {});
  return tenants.map((t) => t.tenantId);
}
