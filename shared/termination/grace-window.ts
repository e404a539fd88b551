// The tenant-side transitions of a termination, each one atomic on the tenant record (the same
// record reactivation changes), so "reactivated" and "deletion began" can never both happen.
import { z } from 'zod';
import type { Services } from '../composition.js';
import { systemActor } from '../audit/system-actor.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { tenantData } from '../tenants/partitions.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { changeTermination, inPhase, loadTermination, type TerminationRef } from './termination-store.js';
import { DISPOSITIONS } from './termination.js';
import { indexTenantInstances } from './instance-index.js';

/** The workflow acts as itself in audit entries. */
export const WORKFLOW_ACTOR = systemActor('tenant-termination');

/** What the workflow needs to plan the termination: ids, the choice and the instants. */
export const terminationPlanSchema = z.object({
  tenantId: z.string(),
  terminationId: z.string(),
  instanceId: z.string(),
  disposition: z.enum(DISPOSITIONS),
  effectiveAt: z.string(),
  graceEndsAt: z.string(),
  /** The customer waived the grace window: a final notice, then deletion when termination takes effect. */
  graceWaived: z.boolean().optional(),
});
export type TerminationPlan = z.infer<typeof terminationPlanSchema>;

export async function loadPlan(services: Services, ref: TerminationRef): Promise<TerminationPlan> {
  const doc = await loadTermination(services, ref);
  return {
    tenantId: doc.tenantId,
    terminationId: doc.terminationId,
    instanceId: doc.instanceId,
    disposition: doc.disposition,
    effectiveAt: doc.effectiveAt,
    graceEndsAt: doc.graceEndsAt,
    ...(doc.graceWaived ? { graceWaived: true } : {}),
  };
}

/** Is this termination still the tenant's active one (not reactivated)? */
export async function stillTerminating(services: Services, ref: TerminationRef): Promise<boolean> {
  const tenant = await (await tenantData(services, ref.tenantId)).read<TenantDoc>(TENANT_DOC_ID);
  return tenant?.activeTerminationId === ref.terminationId;
}

/** Termination takes effect: the tenant becomes read-only for the grace window. */
export async function startGraceWindow(services: Services, ref: TerminationRef, now: Date, requestId: string): Promise<'in-grace' | 'reactivated'> {
  const data = await tenantData(services, ref.tenantId);
  const outcome = await runTenantWork(services.keyring, data, { actor: WORKFLOW_ACTOR, requestId, now }, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant || tenant.activeTerminationId !== ref.terminationId) return 'reactivated' as const;
    if (tenant.status === 'in-grace') return 'in-grace' as const;
    tx.replace({ ...tenant, status: 'in-grace', statusChangedAt: now.toISOString(), version: tenant.version + 1 }, tenant._etag!);
    tx.audit({ action: 'termination.grace-started', target: { type: 'termination', id: ref.terminationId } });
    return 'in-grace' as const;
  });
  if (outcome === 'in-grace') await changeTermination(services, ref, (t) => inPhase(t, 'grace'));
  return outcome;
}

/**
 * Grace has ended: the tenant is marked deleted (no more reads or writes) unless it was
 * reactivated first. Returns what happened; deletion proceeds only on 'proceed'.
 */
export async function beginDeletion(services: Services, ref: TerminationRef, now: Date, requestId: string): Promise<'proceed' | 'reactivated'> {
  const data = await tenantData(services, ref.tenantId);
  const outcome = await runTenantWork(services.keyring, data, { actor: WORKFLOW_ACTOR, requestId, now }, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant) return 'proceed' as const; // a re-run after the tenant record itself was deleted
    if (tenant.activeTerminationId !== ref.terminationId) return 'reactivated' as const;
    if (tenant.status === 'deleted') return 'proceed' as const;
    tx.replace({ ...tenant, status: 'deleted', statusChangedAt: now.toISOString(), version: tenant.version + 1 }, tenant._etag!);
    tx.audit({ action: 'termination.deletion-started', target: { type: 'termination', id: ref.terminationId } });
    return 'proceed' as const;
  });
  if (outcome === 'proceed') {
    const started = await changeTermination(services, ref, (t) =>
      t.deletion ? t : { ...inPhase(t, 'deleting'), deletion: { startedAt: now.toISOString(), batches: 0, stores: [] } },
    );
    // Before the first document goes: the tenant's workflow instances, for the purge after completion.
    await indexTenantInstances(services, ref);
    // Before the first document goes: a restore to any later point is replayed as this deletion.
    await services.erasures.append({
      kind: 'tenant',
      tenantId: ref.tenantId,
      terminationId: ref.terminationId,
      at: started.deletion?.startedAt ?? now.toISOString(),
    });
  }
  return outcome;
}
