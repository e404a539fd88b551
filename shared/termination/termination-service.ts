// The HTTP side of termination: request it (one workflow per tenant), cancel it within the grace
// window (reactivation), and read its progress, also after deletion. The record's storage is in
// termination-store.ts.
import { createHash } from 'node:crypto';
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../errors.js';
import { openDsarIds } from '../dsars/open-requests.js';
import { BatchConflict } from '../store/tenant-partition.js';
import { openTenant, openTenantRecords, type RequestMeta, workInTenant } from '../tenants/tenant-access.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import { changeTermination, createTermination, findTermination, inPhase, latestTermination, terminationRecords } from './termination-store.js';
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

export async function requestTermination(
  services: Services,
  principal: Principal,
  rawTenantId: string,
  request: RequestTermination,
  meta: RequestMeta,
): Promise<RequestedTermination> {
  const open = await openTenant(services, principal, rawTenantId, 'termination.manage', 'read', meta);
  const effectiveAt = request.effectiveAt ? new Date(request.effectiveAt) : meta.now;
  if (effectiveAt.getTime() < meta.now.getTime() - PAST_TOLERANCE_MS) {
    throw new ValidationError([{ path: 'effectiveAt', message: 'must not be in the past' }]);
  }
  if (effectiveAt.getTime() > meta.now.getTime() + MAX_SCHEDULE_AHEAD_MS) {
    throw new ValidationError([{ path: 'effectiveAt', message: 'must be within a year' }]);
  }
  const records = await terminationRecords(services, open.partition.ref);

  if (open.tenant.activeTerminationId) {
    if (request.waiveGrace) await checkWaiver(services, principal, open.partition.tenantId, open.tenant.name, request);
    const existing = await findTermination(records, open.tenant.activeTerminationId);
    // A repeated request for the same termination is answered with it; a different one is a conflict.
    if (existing && sameRequest(existing, request))
      return {
        view: terminationView(existing),
        instanceId: existing.instanceId,
        input: { tenantId: existing.tenantId, terminationId: existing.terminationId },
      };
    throw alreadyRequested(rawTenantId, existing);
  }

  if (request.waiveGrace) await checkWaiver(services, principal, open.partition.tenantId, open.tenant.name, request);

  // One id per version of the tenant record: concurrent requests against the same state name the
  // same termination, so exactly one record is created and no loser leaves an orphan behind.
  const terminationId = createHash('sha256').update(`${open.partition.tenantId}|v${open.tenant.version}`).digest('hex').slice(0, 16);
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
    graceEndsAt: (request.waiveGrace ? effectiveAt : graceEndsAt(effectiveAt)).toISOString(),
    phase: inGrace ? 'grace' : 'scheduled',
    ...(request.waiveGrace ? { graceWaived: { at: meta.now.toISOString(), by: principal.sub } } : {}),
    tenantName: open.tenant.name,
    region: open.partition.ref.region,
    certificates: [],
    notices: [],
    version: 1,
  };
  // The record first, then the tenant pointing at it. A request that finds the record made by a
  // concurrent twin answers with it when it asks for the same thing; the tenant update is
  // idempotent, so it also repairs a request that crashed between the two writes.
  const created = await createTermination(records, doc).then(
    () => doc,
    async (error: unknown) => {
      const existing = error instanceof BatchConflict && error.status === 409 ? await findTermination(records, terminationId) : undefined;
      if (!existing) throw error;
      if (!sameRequest(existing, request)) throw alreadyRequested(rawTenantId, existing);
      return existing;
    },
  );
  await workInTenant(services, open, meta, async (tx) => {
    const tenant = await tx.partition.read<TenantDoc>(TENANT_DOC_ID);
    if (tenant?.activeTerminationId === terminationId) return;
    if (!tenant || tenant.status !== 'active' || tenant.activeTerminationId) {
      throw new ConflictError('TERMINATION.ALREADY_REQUESTED', `Tenant ${rawTenantId} is already being terminated.`);
    }
    const inGraceNow = Date.parse(created.effectiveAt) <= meta.now.getTime();
    // Another change to the tenant record meanwhile re-runs this against the fresh record.
    tx.raw({
      kind: 'replace',
      doc: {
        ...tenant,
        status: inGraceNow ? 'in-grace' : 'terminating',
        activeTerminationId: terminationId,
        statusChangedAt: meta.now.toISOString(),
        version: tenant.version + 1,
      },
      ifMatch: tenant._etag!,
      conflict: 'retry',
    });
    tx.audit({ action: 'termination.requested', target: { type: 'termination', id: terminationId } });
  });
  return { view: terminationView(created), instanceId, input: { tenantId, terminationId } };
}

/** A repeated request for the same termination (same disposition, waiver, and effective instant if given). */
function sameRequest(existing: TerminationDoc, request: RequestTermination): boolean {
  return (
    existing.disposition === request.disposition &&
    (existing.graceWaived !== undefined) === (request.waiveGrace === true) &&
    (!request.effectiveAt || Date.parse(request.effectiveAt) === Date.parse(existing.effectiveAt))
  );
}

/**
 * Waiving the grace window is the customer's own instruction: only an admin of the tenant may give
 * it (vendor staff never), naming the tenant exactly, and not while a data-subject request of the
 * tenant is still open (deleting the data would leave the person unanswered).
 */
async function checkWaiver(services: Services, principal: Principal, tenantId: string, tenantName: string, request: RequestTermination): Promise<void> {
  if (!principal.roles.includes('tenant.admin') || principal.tenantId !== tenantId) {
    throw new ForbiddenError('TERMINATION.WAIVER_NOT_ALLOWED', 'Only an admin of the tenant can waive the grace window; vendor staff cannot.');
  }
  if (request.confirmTenantName !== tenantName) {
    throw new UnprocessableError(
      'TERMINATION.NAME_NOT_CONFIRMED',
      'Waiving the grace window deletes the data at once: confirm it with the tenant name exactly as registered.',
      [
        {
          path: 'confirmTenantName',
          message: request.confirmTenantName === undefined ? 'is required with waiveGrace' : 'does not match the tenant name',
        },
      ],
    );
  }
  const open = await openDsarIds(services, tenantId);
  if (open.length > 0) {
    throw new ConflictError(
      'TERMINATION.DSARS_OPEN',
      `The grace window cannot be waived while data-subject requests are open: ${open.join(', ')}. Complete or refuse them first.`,
    );
  }
}

function alreadyRequested(rawTenantId: string, existing: TerminationDoc | undefined): ConflictError {
  return new ConflictError(
    'TERMINATION.ALREADY_REQUESTED',
    `Tenant ${rawTenantId} is already being terminated (grace ends ${existing?.graceEndsAt ?? 'soon'}); cancel it first to change it.`,
  );
}

/** Reactivation: only before the grace window ends, and only if deletion has not begun. */
export async function cancelTermination(services: Services, principal: Principal, rawTenantId: string, meta: RequestMeta): Promise<RequestedTermination> {
  // Checked on the termination record first: it outlives the tenant, so "too late" stays a 409.
  const latest = await latestTermination(await openTenantRecords(services, principal, rawTenantId, 'termination.manage'));
  if (latest && latest.phase !== 'cancelled' && meta.now.getTime() >= Date.parse(latest.graceEndsAt)) {
    throw new ConflictError('TERMINATION.GRACE_ENDED', `The grace window ended at ${latest.graceEndsAt}; the tenant can no longer be reactivated.`);
  }
  const open = await openTenant(services, principal, rawTenantId, 'termination.manage', 'read', meta);
  const terminationId = open.tenant.activeTerminationId;
  if (!terminationId) throw new ConflictError('TERMINATION.NOT_REQUESTED', `Tenant ${rawTenantId} is not being terminated.`);
  const termination = await findTermination(await terminationRecords(services, open.partition.ref), terminationId);
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
  const cancelled = await changeTermination(services, { tenantId: termination.tenantId, terminationId }, (doc) => ({
    ...inPhase(doc, 'cancelled'),
    cancelledAt: meta.now.toISOString(),
    cancelledBy: principal.sub,
  }));
  return { view: terminationView(cancelled), instanceId: cancelled.instanceId, input: { tenantId: cancelled.tenantId, terminationId } };
}

export async function readTermination(services: Services, principal: Principal, rawTenantId: string): Promise<TerminationView> {
  const latest = await latestTermination(await openTenantRecords(services, principal, rawTenantId, 'termination.manage'));
  if (!latest) throw new NotFoundError('TERMINATION.NOT_FOUND', `Tenant ${rawTenantId} has never been terminated.`);
  return terminationView(latest);
}
