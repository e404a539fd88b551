// Which tenants a breach affects: a list checked when the breach is opened, or a selector (a region,
// or every tenant) resolved once, when the notices are sent, and recorded on the breach.
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { ValidationError, type FieldError } from '../errors.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { listTenants } from '../tenants/tenant-service.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { AffectedTenantRequest, AffectedTenants, BreachDoc, TenantFacts } from './breach.js';
import { BreachStore } from './breach-store.js';

type AffectedTenantsInput = AffectedTenantRequest[] | { region: 'uksouth' | 'eu' } | { all: true };
type AffectedTenantsView = string[] | { region: 'uksouth' | 'eu' } | { all: true };

export interface CheckedTenants {
  tenantIds: string[];
  /** The figures given with the ids, one per tenant. */
  facts: Omit<TenantFacts, 'seq'>[];
}

/**
 * Checks a list of tenants (ids, or ids with their own figures) of field `path`: each must name a
 * live tenant, at most once (400, by index). Nothing is written.
 */
export async function checkTenantList(services: Services, input: AffectedTenantRequest[], path: string): Promise<CheckedTenants> {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const ids = input.map((entry) => (typeof entry === 'string' ? entry : entry.tenantId));
  await Promise.all(
    ids.map(async (raw, index) => {
      const parsed = parseTenantId(raw);
      if (!parsed) {
        errors.push({ path: `${path}.${index}`, message: 'is not a tenant id' });
        return;
      }
      const tenant = await (await tenantPartition(services, parsed.tenantId, parsed.region)).read<TenantDoc>(TENANT_DOC_ID);
      if (!tenant || tenant.status === 'deleted') errors.push({ path: `${path}.${index}`, message: 'there is no such tenant' });
    }),
  );
  input.forEach((entry, index) => {
    const id = ids[index]!;
    if (seen.has(id) && typeof entry !== 'string') errors.push({ path: `${path}.${index}`, message: 'this tenant is named twice; give its figures once' });
    seen.add(id);
  });
  if (errors.length > 0) throw new ValidationError(errors.sort((a, b) => a.path.localeCompare(b.path, undefined, { numeric: true })));
  const facts = input.filter((entry) => typeof entry !== 'string');
  return { tenantIds: [...new Set(ids)], facts };
}

/** Turns the request's form into the record's, refusing ids that name no live tenant (400, by index). */
export async function checkAffectedTenants(
  services: Services,
  input: AffectedTenantsInput,
): Promise<{ affectedTenants: AffectedTenants; facts: Omit<TenantFacts, 'seq'>[] }> {
  if (!Array.isArray(input)) return { affectedTenants: 'region' in input ? { kind: 'region', region: input.region } : { kind: 'all' }, facts: [] };
  const checked = await checkTenantList(services, input, 'affectedTenants');
  return { affectedTenants: { kind: 'list', tenantIds: checked.tenantIds }, facts: checked.facts };
}

/** The request's form of the affected tenants, for views. */
export function affectedTenantsView(affected: AffectedTenants): AffectedTenantsView {
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
          trail: [
            ...doc.trail,
            { at: now.toISOString(), actor: 'system:breach-notification', action: 'tenants.resolved', detail: `${tenantIds.length} tenant(s)` },
          ],
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
