// The HTTP side of termination: request it (one workflow per tenant), cancel it within the grace
// window (reactivation), and read its progress and certificate, also after deletion.
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { CONTAINERS } from '../store/cosmos-stores.js';
import { TenantPartition } from '../store/tenant-partition.js';
import { openTenant, openTenantRecords, type RequestMeta, workInTenant } from '../tenants/tenant-access.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import {
  graceEndsAt,
  orchestrationInstanceId,
  terminationDocId,
  terminationView,
  type RequestTermination,
  type TerminationDoc,
  type TerminationView,
} from './termination.js';

const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3600_000;
const PAST_TOLERANCE_MS = 5 * 60_000;

export interface TerminationWorkflowInput {
  tenantId: string;
  terminationId: string;
}

export interface RequestedTermination {
  view: TerminationView;
  instanceId: string;
  input: TerminationWorkflowInput;
}

export async function requestTermination(services: Services, principal: Principal, rawTenantId: string, request: RequestTermination, meta: RequestMeta): Promise<RequestedTermination> {
  const open = await openTenant(services, principal, rawTenantId, 'termination.manage', 'read', meta);
  const effectiveAt = request.effectiveAt ? new Date(request.effectiveAt) : meta.now;
  if (effectiveAt.getTime() < meta.now.getTime() - PAST_TOLERANCE_MS) {
    throw new ValidationError([{ path: 'effectiveAt', message: 'must not be in the past' }]);
  }
  if (effectiveAt.getTime() > meta.now.getTime() + MAX_SCHEDULE_AHEAD_MS) {
    throw new ValidationError([{ path: 'effectiveAt', message: 'must be within a year' }]);
  }
  const records = await certificatesPartition(services, open.partition.ref.tenantId, open.partition.ref.region);

  if (open.tenant.activeTerminationId) {
    const existing = await records.read<TerminationDoc>(terminationDocId(open.tenant.activeTerminationId));
    // A repeated request for the same termination is answered with it; a different one is a conflict.
    const same = existing && existing.disposition === request.disposition && (!request.effectiveAt || Date.parse(request.effectiveAt) === Date.parse(existing.effectiveAt));
    if (existing && same) return { view: terminationView(existing), instanceId: existing.instanceId, input: { tenantId: existing.tenantId, terminationId: existing.terminationId } };
    throw new ConflictError('TERMINATION.ALREADY_REQUESTED', `Tenant ${rawTenantId} is already being terminated (grace ends ${existing?.graceEndsAt ?? 'soon'}); cancel it first to change it.`);
  }

  const terminationId = randomBytes(8).toString('hex');
  const tenantId = open.partition.tenantId;
  const instanceId = orchestrationInstanceId(tenantId, terminationId);
  const inGrace = effectiveAt.getTime() <= meta.now.getTime();
  const doc: TerminationDoc = {
    id: terminationDocId(terminationId),
    tenantId,
    type: 'termination',
    terminationId,
    instanceId,
    disposition: request.disposition,
    requestedAt: meta.now.toISOString(),
    requestedBy: principal.sub,
    effectiveAt: effectiveAt.toISOString(),
    graceEndsAt: graceEndsAt(effectiveAt).toISOString(),
    phase: inGrace ? 'grace' : 'scheduled',
    tenantName: open.tenant.name,
    region: open.partition.ref.region,
    certificates: [],
    notices: [],
    version: 1,
  };
  // The record first: if the tenant update below loses a race, the record is an orphan nobody points at.
  await records.commit([{ kind: 'create', doc }]);
  await workInTenant(services, open, meta, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant || tenant.status !== 'active' || tenant.activeTerminationId) {
      throw new ConflictError('TERMINATION.ALREADY_REQUESTED', `Tenant ${rawTenantId} is already being terminated.`);
    }
    tx.replace(
      { ...tenant, status: inGrace ? 'in-grace' : 'terminating', activeTerminationId: terminationId, statusChangedAt: meta.now.toISOString(), version: tenant.version + 1 },
      tenant._etag!,
    );
    tx.audit({ action: 'termination.requested', target: { type: 'termination', id: terminationId } });
  });
  return { view: terminationView(doc), instanceId, input: { tenantId, terminationId } };
}

/** Reactivation: only before the grace window ends, and only if deletion has not begun. */
export async function cancelTermination(services: Services, principal: Principal, rawTenantId: string, meta: RequestMeta): Promise<RequestedTermination> {
  // Checked on the termination record first: it outlives the tenant, so "too late" stays a 409.
  const history = await openTenantRecords(services, principal, rawTenantId, 'termination.manage');
  const [latest] = await history.queryAll<TerminationDoc>("c.type = 'termination'", [], { orderBy: 'c.requestedAt DESC', top: 1 });
  if (latest && latest.phase !== 'cancelled' && meta.now.getTime() >= Date.parse(latest.graceEndsAt)) {
    throw new ConflictError('TERMINATION.GRACE_ENDED', `The grace window ended at ${latest.graceEndsAt}; the tenant can no longer be reactivated.`);
  }
  const open = await openTenant(services, principal, rawTenantId, 'termination.manage', 'read', meta);
  const terminationId = open.tenant.activeTerminationId;
  if (!terminationId) throw new ConflictError('TERMINATION.NOT_REQUESTED', `Tenant ${rawTenantId} is not being terminated.`);
  const records = await certificatesPartition(services, open.partition.ref.tenantId, open.partition.ref.region);
  const termination = await records.read<TerminationDoc>(terminationDocId(terminationId));
  if (!termination) throw new ConflictError('TERMINATION.NOT_REQUESTED', `Tenant ${rawTenantId} is not being terminated.`);
  if (meta.now.getTime() >= Date.parse(termination.graceEndsAt)) {
    throw new ConflictError('TERMINATION.GRACE_ENDED', `The grace window ended at ${termination.graceEndsAt}; the tenant can no longer be reactivated.`);
  }
  // The tenant document is what the deletion step checks too: whichever change lands first wins.
  await workInTenant(services, open, meta, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (!tenant || tenant.activeTerminationId !== terminationId || (tenant.status !== 'in-grace' && tenant.status !== 'terminating')) {
      throw new ConflictError('TERMINATION.GRACE_ENDED', 'Deletion has begun; the tenant can no longer be reactivated.');
    }
    const { activeTerminationId: _ended, ...rest } = tenant;
    tx.replace({ ...rest, status: 'active', statusChangedAt: meta.now.toISOString(), version: tenant.version + 1 }, tenant._etag!);
    tx.audit({ action: 'termination.cancelled', target: { type: 'termination', id: terminationId } });
  });
  const cancelled = await updateTermination(services, records, terminationId, (doc) => ({ ...doc, phase: 'cancelled', cancelledAt: meta.now.toISOString(), cancelledBy: principal.sub }));
  return { view: terminationView(cancelled), instanceId: cancelled.instanceId, input: { tenantId: cancelled.tenantId, terminationId } };
}

export async function readTermination(services: Services, principal: Principal, rawTenantId: string): Promise<TerminationView> {
  const records = await openTenantRecords(services, principal, rawTenantId, 'termination.manage');
  const [latest] = await records.queryAll<TerminationDoc>("c.type = 'termination'", [], { orderBy: 'c.requestedAt DESC', top: 1 });
  if (!latest) throw new NotFoundError('TERMINATION.NOT_FOUND', `Tenant ${rawTenantId} has never been terminated.`);
  return terminationView(latest);
}

export async function certificatesPartition(services: Services, tenantId: TenantDoc['tenantId'], region: TenantPartition['ref']['region']): Promise<TenantPartition> {
  return new TenantPartition({ tenantId: tenantId as TenantPartition['ref']['tenantId'], region }, await services.stores.container(region, CONTAINERS.certificates));
}

/** Read-modify-write of the termination record, retried on a concurrent update. */
export async function updateTermination(
  _services: Services,
  records: TenantPartition,
  terminationId: string,
  change: (doc: TerminationDoc) => TerminationDoc,
): Promise<TerminationDoc> {
  for (let attempt = 1; ; attempt++) {
    const doc = await records.read<TerminationDoc>(terminationDocId(terminationId));
    if (!doc) throw new NotFoundError('TERMINATION.NOT_FOUND', `No termination ${terminationId}.`);
    const next = { ...change(doc), version: doc.version + 1 };
    try {
      await records.commit([{ kind: 'replace', doc: next, ifMatch: doc._etag! }]);
      return next;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}
