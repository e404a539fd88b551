// The lockbox's operations on a tenant's grants: request (or break-glass), approve, deny, revoke,
// review, and the bookkeeping the grant's workflow does when a deadline passes. Each change and its
// audit entry commit together in the tenant's own partition. Reads judge a grant by the clock
// (`statusAt`), never by whether its timer has fired yet.
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { systemActor } from '../audit/system-actor.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors.js';
import { runTenantWork, type IdempotencyOptions, type TenantWork } from '../store/unit-of-work.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { tenantData, type TenantKey } from '../tenants/partitions.js';
import { workInTenant, type OpenTenant, type RequestMeta } from '../tenants/tenant-access.js';
import { accessEntries, type GrantAccessView } from './access-log.js';
import {
  durationMs,
  GRANT_PHASES,
  grantDocId,
  grantInstanceId,
  PENDING_LIFETIME_MS,
  statusAt,
  viewOfGrant,
  type GrantDoc,
  type GrantStatus,
  type GrantView,
  type RequestGrant,
} from './grant.js';
import { assessTransfer } from './transfer.js';

const notFound = (grantId: string): Error => new NotFoundError('SUPPORT.GRANT_NOT_FOUND', `There is no support-access grant ${grantId} in this tenant.`);

/** A support engineer asks for access (pending), or breaks the glass (active at once, reviewed afterwards). */
export async function requestGrant(
  services: Services,
  open: OpenTenant,
  principal: Principal,
  request: RequestGrant,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<{ view: GrantView; instanceId: string }> {
  // The issuer's view of where the engineer is wins over what they declare.
  const origin = principal.country
    ? { country: principal.country, source: 'token' as const, declared: request.origin }
    : { country: request.origin, source: 'declared' as const, declared: request.origin };
  const assessed = assessTransfer(open.partition.ref.region, origin.country, services.config.supportTransfers);
  if ('refused' in assessed)
    throw new UnprocessableError(
      'SUPPORT.NO_TRANSFER_BASIS',
      `${assessed.refused} Support access from ${origin.country} to this tenant cannot be granted.`,
    );
  return workInTenant(
    services,
    open,
    meta,
    async (tx) => {
      const grantId = `g-${randomBytes(8).toString('hex')}`;
      const now = meta.now;
      const at = now.toISOString();
      const ms = durationMs(request.duration)!;
      const doc: GrantDoc = {
        id: grantDocId(grantId),
        tenantId: open.partition.tenantId,
        type: 'supportGrant',
        grantId,
        instanceId: grantInstanceId(open.partition.tenantId, grantId),
        engineer: principal.sub,
        reason: request.reason,
        ticket: request.ticket,
        scopes: request.scope,
        duration: request.duration,
        emergency: request.emergency,
        origin,
        transfer: assessed.transfer,
        status: request.emergency ? 'active' : 'pending',
        requestedAt: at,
        decideBy: new Date(now.getTime() + PENDING_LIFETIME_MS).toISOString(),
        ...(request.emergency ? { activatedAt: at, expiresAt: new Date(now.getTime() + ms).toISOString(), review: { required: true as const } } : {}),
        version: 1,
      };
      tx.create(doc);
      tx.audit({ action: request.emergency ? 'support-access.break-glass' : 'support-access.requested', target: { type: 'support-grant', id: grantId } });
      return { view: viewOfGrant(doc, now), instanceId: doc.instanceId };
    },
    meta.idempotency,
  );
}

/** The tenant's admin approves a pending request: active from now for its duration. A repeat approval answers the same. */
export async function approveGrant(services: Services, open: OpenTenant, grantId: string, meta: RequestMeta): Promise<GrantView> {
  return changeGrant(services, open, grantId, meta, async (tx, doc, status) => {
    if (status === 'active' && doc.decidedAt) return undefined;
    refuseUnlessPending(doc, status);
    const at = meta.now.toISOString();
    tx.audit({ action: 'support-access.approved', target: { type: 'support-grant', id: grantId } });
    return {
      ...doc,
      status: GRANT_PHASES.advance(doc.status, 'active'),
      decidedAt: at,
      decidedBy: open.actor.sub,
      activatedAt: at,
      expiresAt: new Date(meta.now.getTime() + durationMs(doc.duration)!).toISOString(),
    };
  });
}

export async function denyGrant(services: Services, open: OpenTenant, grantId: string, reason: string, meta: RequestMeta): Promise<GrantView> {
  return changeGrant(services, open, grantId, meta, async (tx, doc, status) => {
    if (status === 'denied') return undefined;
    refuseUnlessPending(doc, status);
    const at = meta.now.toISOString();
    tx.audit({ action: 'support-access.denied', target: { type: 'support-grant', id: grantId } });
    return {
      ...doc,
      status: GRANT_PHASES.advance(doc.status, 'denied'),
      decidedAt: at,
      decidedBy: open.actor.sub,
      denialReason: reason,
      endedAt: at,
      endedBy: open.actor.sub,
    };
  });
}

/** The tenant's admin, or the engineer who holds it, ends a pending or active grant at once. */
export async function revokeGrant(
  services: Services,
  open: OpenTenant,
  principal: Principal,
  grantId: string,
  reason: string | undefined,
  meta: RequestMeta,
): Promise<GrantView> {
  return changeGrant(
    services,
    open,
    grantId,
    meta,
    async (tx, doc, status) => {
      if (status === 'revoked') return undefined;
      if (status !== 'pending' && status !== 'active')
        throw new ConflictError('SUPPORT.GRANT_ENDED', `Grant ${grantId} is ${status}; there is nothing to revoke.`);
      const at = meta.now.toISOString();
      tx.audit({ action: 'support-access.revoked', target: { type: 'support-grant', id: grantId } });
      return {
        ...doc,
        status: GRANT_PHASES.advance(doc.status, 'revoked'),
        endedAt: at,
        endedBy: principal.sub,
        ...(reason ? { endReason: reason } : {}),
      };
    },
    ownGrantOnly(principal),
  );
}

/** The tenant's review of a break-glass access, once. */
export async function reviewGrant(
  services: Services,
  open: OpenTenant,
  grantId: string,
  review: { outcome: 'justified' | 'not-justified'; notes: string },
  meta: RequestMeta,
): Promise<GrantView> {
  return changeGrant(services, open, grantId, meta, async (tx, doc) => {
    if (!doc.emergency || !doc.review)
      throw new ConflictError('SUPPORT.NOT_BREAK_GLASS', `Grant ${grantId} was approved beforehand; only break-glass access is reviewed.`);
    if (doc.review.reviewedAt) throw new ConflictError('SUPPORT.ALREADY_REVIEWED', `Grant ${grantId} was reviewed at ${doc.review.reviewedAt}.`);
    tx.audit({ action: 'support-access.reviewed', target: { type: 'support-grant', id: grantId }, reason: review.outcome });
    return {
      ...doc,
      review: { required: true, reviewedAt: meta.now.toISOString(), reviewedBy: open.actor.sub, outcome: review.outcome, notes: review.notes },
    };
  });
}

export interface GrantProgress {
  status: GrantStatus;
  emergency: boolean;
  /** When the grant next needs bookkeeping: the decision deadline while pending, the expiry while active. */
  wakeAt?: string;
}

/**
 * The workflow's bookkeeping: records a lapse or an expiry that the clock says has happened (`asOf`
 * is the workflow's time, so a late activity changes nothing), and says when to look again.
 */
export async function settleGrant(services: Services, ref: { tenantId: string; grantId: string }, asOf: Date, requestId: string): Promise<GrantProgress> {
  const partition = await tenantData(services, ref.tenantId);
  const now = new Date(Math.max(asOf.getTime(), services.clock.now().getTime()));
  return runTenantWork(services.keyring, partition, { actor: systemActor('support-grant'), requestId, now }, async (tx) => {
    const doc = await tx.partition.read<GrantDoc>(grantDocId(ref.grantId));
    if (!doc) throw new Error(`no support grant ${ref.grantId}`);
    const status = statusAt(doc, now);
    if (status !== doc.status) {
      const endedAt = doc.status === 'pending' ? doc.decideBy : doc.expiresAt!;
      tx.replace(
        {
          ...doc,
          status: GRANT_PHASES.advance(doc.status, status),
          endedAt,
          endedBy: 'system:support-grant',
          version: doc.version + 1,
        } satisfies GrantDoc,
        doc._etag!,
      );
      tx.audit({ action: doc.status === 'pending' ? 'support-access.lapsed' : 'support-access.expired', target: { type: 'support-grant', id: ref.grantId } });
    }
    const wakeAt = status === 'pending' ? doc.decideBy : status === 'active' ? doc.expiresAt : undefined;
    return { status, emergency: doc.emergency, ...(wakeAt ? { wakeAt } : {}) };
  });
}

/** Grants of the tenant: all of them for its admin, their own for a support engineer; newest first. */
export async function listGrants(services: Services, open: OpenTenant, principal: Principal, meta: RequestMeta): Promise<GrantView[]> {
  return workInTenant(services, open, meta, async (tx) => {
    const own = isSupport(principal);
    const docs = await tx.partition.queryAll<GrantDoc>(
      `c.type = 'supportGrant'${own ? ' AND c.engineer = @sub' : ''}`,
      own ? [{ name: '@sub', value: principal.sub }] : [],
      { orderBy: 'c.requestedAt DESC' },
    );
    tx.audit({ action: 'support-access.listed', target: { type: 'tenant', id: open.partition.tenantId } });
    return docs.map((doc) => viewOfGrant(doc, meta.now));
  });
}

export async function readGrant(services: Services, open: OpenTenant, principal: Principal, grantId: string, meta: RequestMeta): Promise<GrantView> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadGrant(open, grantId, ownGrantOnly(principal));
    tx.audit({ action: 'support-access.read', target: { type: 'support-grant', id: grantId } });
    return viewOfGrant(doc, meta.now);
  });
}

/** Every access made under one grant, oldest first (the engineer sees only their own grants' logs). */
export async function grantLog(
  services: Services,
  open: OpenTenant,
  principal: Principal,
  grantId: string,
  meta: RequestMeta,
): Promise<{ grant: GrantView; entries: GrantAccessView[] }> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await loadGrant(open, grantId, ownGrantOnly(principal));
    const entries = await accessEntries(open.partition, grantId);
    tx.audit({ action: 'support-access.log-read', target: { type: 'support-grant', id: grantId } });
    return { grant: viewOfGrant(doc, meta.now), entries };
  });
}

/**
 * Every support-access grant of a tenant as it stands at `now`, oldest first, without checking a
 * caller: for the tenant's records (exports, records of processing, evidence packs).
 */
export async function listTenantGrants(services: Services, tenant: TenantKey, now: Date = services.clock.now()): Promise<GrantView[]> {
  const partition = await tenantData(services, tenant);
  const docs = await partition.queryAll<GrantDoc>("c.type = 'supportGrant'", [], { orderBy: 'c.requestedAt ASC' });
  return docs.map((doc) => viewOfGrant(doc, now));
}

/** Every grant of the tenant as it stands at `now`, oldest first, read a page at a time (exports). */
export async function* grantRows(partition: TenantPartition, now: Date): AsyncGenerator<GrantView> {
  for await (const page of partition.query<GrantDoc>("c.type = 'supportGrant'", [], { orderBy: 'c.requestedAt ASC', pageSize: 200 })) {
    for (const doc of page) yield viewOfGrant(doc, now);
  }
}

function isSupport(principal: Principal): boolean {
  return principal.tenantId === undefined && principal.roles.includes('support') && !principal.roles.includes('tenant.admin');
}

/** A support engineer reaches only their own grants; another's is as good as absent. */
function ownGrantOnly(principal: Principal): ((doc: GrantDoc) => boolean) | undefined {
  return isSupport(principal) ? (doc) => doc.engineer === principal.sub : undefined;
}

async function loadGrant(open: OpenTenant, grantId: string, visible?: (doc: GrantDoc) => boolean): Promise<GrantDoc> {
  const doc = await open.partition.read<GrantDoc>(grantDocId(grantId));
  if (!doc || doc.type !== 'supportGrant' || (visible && !visible(doc))) throw notFound(grantId);
  return doc;
}

function refuseUnlessPending(doc: GrantDoc, status: GrantStatus): void {
  if (status === 'pending') return;
  const why = status === 'expired' && doc.status === 'pending' ? 'was not decided within 24 hours and has lapsed' : `is ${status}`;
  throw new ConflictError('SUPPORT.GRANT_NOT_PENDING', `Grant ${doc.grantId} ${why}; only a pending request can be approved or denied.`);
}

/** Loads the grant, lets `change` decide (undefined: already done, answer as is), and commits it with its audit entry. */
async function changeGrant(
  services: Services,
  open: OpenTenant,
  grantId: string,
  meta: RequestMeta,
  change: (tx: TenantWork, doc: GrantDoc, status: GrantStatus) => Promise<GrantDoc | undefined>,
  visible?: (doc: GrantDoc) => boolean,
): Promise<GrantView> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await tx.partition.read<GrantDoc>(grantDocId(grantId));
    if (!doc || doc.type !== 'supportGrant' || (visible && !visible(doc))) throw notFound(grantId);
    const changed = await change(tx, doc, statusAt(doc, meta.now));
    if (!changed) return viewOfGrant(doc, meta.now);
    const next: GrantDoc = { ...changed, version: doc.version + 1 };
    tx.replace(next, doc._etag!);
    return viewOfGrant(next, meta.now);
  });
}
