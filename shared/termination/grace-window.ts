// The tenant-side transitions of a termination, each one atomic on the tenant record (the same
// record reactivation changes), so "reactivated" and "deletion began" can never both happen.
import type { Services } from '../composition.js';
import { systemActor } from '../audit/system-actor.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { certificatesPartition, updateTermination } from './termination-service.js';
import { terminationDocId, type TerminationDoc } from './termination.js';

/** The workflow acts as itself in audit entries. */
export const WORKFLOW_ACTOR = systemActor('tenant-termination');

export interface TerminationPlan {
  tenantId: string;
  terminationId: string;
  instanceId: string;
  disposition: TerminationDoc['disposition'];
  effectiveAt: string;
  graceEndsAt: string;
}

async function open(services: Services, tenantId: string) {
  const parsed = parseTenantId(tenantId)!;
  return {
    data: await tenantPartition(services, parsed.tenantId, parsed.region),
    records: await certificatesPartition(services, parsed.tenantId, parsed.region),
  };
}

export async function loadPlan(services: Services, input: { tenantId: string; terminationId: string }): Promise<TerminationPlan> {
  const { records } = await open(services, input.tenantId);
  const doc = await records.read<TerminationDoc>(terminationDocId(input.terminationId));
  if (!doc) throw new Error(`no termination ${input.terminationId}`);
  return { tenantId: doc.tenantId, terminationId: doc.terminationId, instanceId: doc.instanceId, disposition: doc.disposition, effectiveAt: doc.effectiveAt, graceEndsAt: doc.graceEndsAt };
}

/** Is this termination still the tenant's active one (not reactivated)? */
async function stillTerminating(services: Services, tenantId: string, terminationId: string): Promise<boolean> {
  const { data } = await open(services, tenantId);
  const tenant = await data.read<TenantDoc>(TENANT_DOC_ID);
  return tenant?.activeTerminationId === terminationId;
}

/** Termination takes effect: the tenant becomes read-only for the grace window. */
export async function startGraceWindow(services: Services, input: { tenantId: string; terminationId: string }, now: Date, requestId: string): Promise<'in-grace' | 'reactivated'> {
  const { data, records } = await open(services, input.tenantId);
  const outcome = await runTenantWork(services.keyring, data, { actor: WORKFLOW_ACTOR, requestId, now }, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant || tenant.activeTerminationId !== input.terminationId) return 'reactivated' as const;
    if (tenant.status === 'in-grace') return 'in-grace' as const;
    tx.replace({ ...tenant, status: 'in-grace', statusChangedAt: now.toISOString(), version: tenant.version + 1 }, tenant._etag!);
    tx.audit({ action: 'termination.grace-started', target: { type: 'termination', id: input.terminationId } });
    return 'in-grace' as const;
  });
  if (outcome === 'in-grace') await updateTermination(services, records, input.terminationId, (t) => (t.phase === 'scheduled' ? { ...t, phase: 'grace' } : t));
  return outcome;
}

export { stillTerminating };

/**
 * Grace has ended: the tenant is marked deleted (no more reads or writes) unless it was
 * reactivated first. Returns what happened; deletion proceeds only on 'proceed'.
 */
export async function beginDeletion(services: Services, input: { tenantId: string; terminationId: string }, now: Date, requestId: string): Promise<'proceed' | 'reactivated'> {
  const { data, records } = await open(services, input.tenantId);
  const outcome = await runTenantWork(services.keyring, data, { actor: WORKFLOW_ACTOR, requestId, now }, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant) return 'proceed' as const; // a re-run after the tenant record itself was deleted
    if (tenant.activeTerminationId !== input.terminationId) return 'reactivated' as const;
    if (tenant.status === 'deleted') return 'proceed' as const;
    tx.replace({ ...tenant, status: 'deleted', statusChangedAt: now.toISOString(), version: tenant.version + 1 }, tenant._etag!);
    tx.audit({ action: 'termination.deletion-started', target: { type: 'termination', id: input.terminationId } });
    return 'proceed' as const;
  });
  if (outcome === 'proceed') {
    await updateTermination(services, records, input.terminationId, (t) =>
      t.deletion ? t : { ...t, phase: 'deleting', deletion: { startedAt: now.toISOString(), batches: 0, stores: [] } },
    );
  }
  return outcome;
}
