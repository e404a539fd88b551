// What ops.breach do with a breach: open it (a draft, or ready to notify), release the notices of a
// draft, add phased information, and read the register. The workflow does the sending; this module
// decides what is allowed and records it. Every check happens before anything is written.
import type { Services } from '../composition.js';
import { authorize } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../errors.js';
import type { IdempotencyOptions } from '../store/unit-of-work.js';
import type { RequestMeta } from '../tenants/tenant-access.js';
import { checkAffectedTenants } from './affected-tenants.js';
import {
  BREACH_ID,
  BREACH_PHASES,
  breachInstanceId,
  changesOf,
  newBreachId,
  type BreachDoc,
  type BreachUpdate,
  type BreachUpdateRequest,
  type NotifyBreachRequest,
  type OpenBreachRequest,
} from './breach.js';
import { BreachStore } from './breach-store.js';
import { isLate, notifyBy, utcInstant } from './deadline.js';
import { breachEntry, updateViews, type BreachEntry, type BreachUpdateView } from './register.js';
import { requirePlausibleInstant } from '../http/plausible-instant.js';

/** Clocks disagree a little; an awareness instant further ahead than this is a mistake. */

type Meta = RequestMeta & { idempotency?: IdempotencyOptions };

export interface BreachOutcome {
  entry: BreachEntry;
  instanceId: string;
}

function delayReasonRequired(notifyByInstant: string): UnprocessableError {
  return new UnprocessableError(
    'BREACH.DELAY_REASON_REQUIRED',
    `The notices would be sent after the 72-hour deadline (${notifyByInstant}); a notice sent late must give the reason for the delay (Article 33(1)).`,
    [{ path: 'delayReason', message: 'is required when the notices are sent after notifyBy' }],
  );
}

function keyReused(): UnprocessableError {
  return new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
}

async function existing(store: BreachStore, rawBreachId: string): Promise<BreachDoc> {
  const doc = BREACH_ID.test(rawBreachId) ? await store.read(rawBreachId) : undefined;
  if (!doc) throw new NotFoundError('BREACH.NOT_FOUND', `There is no breach ${rawBreachId}.`);
  return doc;
}

export async function openBreach(services: Services, principal: Principal, request: OpenBreachRequest, meta: Meta): Promise<BreachOutcome> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  // A retried request with the same Idempotency-Key lands on the same breach id and is answered with it.
  const breachId = newBreachId(meta.idempotency?.docId);
  const replay = async (doc: BreachDoc): Promise<BreachOutcome> => {
    if (doc.openRequestHash !== meta.idempotency?.requestHash) throw keyReused();
    return { entry: await breachEntry(store, doc), instanceId: doc.instanceId };
  };
  if (meta.idempotency) {
    const earlier = await store.read(breachId);
    if (earlier) return replay(earlier);
  }

  let awareAt: string;
  try {
    awareAt = utcInstant(request.awareAt);
  } catch {
    throw new ValidationError([{ path: 'awareAt', message: 'must be an ISO 8601 instant with an offset (Z or ±hh:mm)' }]);
  }
  requirePlausibleInstant(new Date(awareAt), meta.now, 'awareAt');
  const affectedTenants = await checkAffectedTenants(services, request.affectedTenants);
  const deadline = notifyBy(request.awareAt);
  const late = isLate(meta.now, deadline);
  if (!request.draft && late && !request.delayReason) throw delayReasonRequired(deadline);

  const at = meta.now.toISOString();
  const doc: BreachDoc = {
    id: breachId,
    pk: breachId,
    type: 'breach',
    breachId,
    instanceId: breachInstanceId(breachId),
    status: request.draft ? 'draft' : 'notifying',
    openedAt: at,
    openedBy: principal.sub,
    awareAtGiven: request.awareAt,
    awareAt,
    notifyBy: deadline,
    content: {
      summary: request.summary,
      nature: request.nature,
      categoriesOfData: request.categoriesOfData,
      categoriesOfSubjects: request.categoriesOfSubjects,
      approxSubjects: request.approxSubjects,
      approxRecords: request.approxRecords,
      likelyConsequences: request.likelyConsequences,
      measures: request.measures,
    },
    contactPoint: request.contactPoint ?? { name: services.config.breach.dpo.name, email: services.config.breach.dpo.email },
    affectedTenants,
    ...(request.draft
      ? {}
      : { release: { at, by: principal.sub, late, ...(request.delayReason ? { delayReason: request.delayReason } : {}), includesUpdates: 0 } }),
    updates: [],
    alerts: [],
    skipped: [],
    trail: [
      { at, actor: principal.sub, action: 'breach.opened', detail: request.draft ? 'draft' : 'ready to notify' },
      ...(request.draft ? [] : [{ at, actor: principal.sub, action: 'notices.released', ...(late ? { detail: 'late' } : {}) }]),
    ],
    ...(meta.idempotency ? { openRequestHash: meta.idempotency.requestHash } : {}),
    version: 1,
  };
  if (!(await store.create(doc))) {
    const raced = await store.read(breachId);
    if (raced && meta.idempotency) return replay(raced);
    throw new ConflictError('BREACH.EXISTS', `Breach ${breachId} already exists.`);
  }
  return { entry: await breachEntry(store, doc), instanceId: doc.instanceId };
}

/** Releases the notices of a draft. Releasing again is answered with the breach (and wakes the workflow again). */
export async function releaseNotices(services: Services, principal: Principal, rawBreachId: string, request: NotifyBreachRequest, meta: Meta): Promise<BreachOutcome> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  const current = await existing(store, rawBreachId);
  const at = meta.now.toISOString();
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.release) {
      if (request.delayReason !== undefined && request.delayReason !== doc.release.delayReason) {
        throw new ConflictError('BREACH.ALREADY_NOTIFIED', `The notices of breach ${doc.breachId} were released at ${doc.release.at}; add information with POST /api/breaches/${doc.breachId}/updates.`);
      }
      return undefined;
    }
    const late = isLate(meta.now, doc.notifyBy);
    if (late && !request.delayReason) throw delayReasonRequired(doc.notifyBy);
    return {
      ...doc,
      status: BREACH_PHASES.advance(doc.status, 'notifying'),
      release: { at, by: principal.sub, late, ...(request.delayReason ? { delayReason: request.delayReason } : {}), includesUpdates: doc.updates.length },
      trail: [...doc.trail, { at, actor: principal.sub, action: 'notices.released', ...(late ? { detail: 'late' } : {}) }],
    };
  });
  return { entry: await breachEntry(store, updated), instanceId: updated.instanceId };
}

export interface AddedUpdate {
  update: BreachUpdateView;
  instanceId: string;
  /** Updates whose notices the workflow should be woken for (empty while the breach is a draft). */
  wake: number[];
}

/** Phased information (Art 33(4)): after the release, every affected tenant gets an update notice. */
export async function addUpdate(services: Services, principal: Principal, rawBreachId: string, request: BreachUpdateRequest, meta: Meta): Promise<AddedUpdate> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  const current = await existing(store, rawBreachId);
  const at = meta.now.toISOString();
  let added: BreachUpdate | undefined;
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.status === 'closed') throw new ConflictError('BREACH.CLOSED', `The breach was closed on ${doc.closed?.at ?? 'an earlier date'}; open a new one for new facts.`);
    if (meta.idempotency) {
      const earlier = doc.updates.find((u) => u.idempotency?.docId === meta.idempotency!.docId);
      if (earlier) {
        if (earlier.idempotency!.requestHash !== meta.idempotency.requestHash) throw keyReused();
        added = earlier;
        return undefined;
      }
    }
    added = {
      seq: doc.updates.length + 1,
      addedAt: at,
      addedBy: principal.sub,
      information: request.information,
      changes: changesOf(request),
      ...(meta.idempotency ? { idempotency: meta.idempotency } : {}),
    };
    return { ...doc, updates: [...doc.updates, added], trail: [...doc.trail, { at, actor: principal.sub, action: 'update.added', detail: `update ${added.seq}` }] };
  });
  const update = updateViews(updated).find((u) => u.seq === added!.seq)!;
  const from = updated.release ? updated.release.includesUpdates + 1 : Number.POSITIVE_INFINITY;
  // Every update since the release, not only this one: a wake-up lost earlier is delivered now.
  const wake = updated.updates.map((u) => u.seq).filter((seq) => seq >= from && seq <= update.seq);
  return { update, instanceId: updated.instanceId, wake };
}

/** Concludes a notified breach with its outcome (Art 33(5) remedial action); nothing is deleted. */
export async function closeBreach(services: Services, principal: Principal, rawBreachId: string, request: { outcome: string }, meta: Meta): Promise<BreachOutcome> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  const current = await existing(store, rawBreachId);
  if (!BREACH_PHASES.allows(current.status, 'closed')) throw new ConflictError('BREACH.NOT_NOTIFIED', 'Send the notices before closing the breach.');
  const at = meta.now.toISOString();
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.status === 'closed') {
      if (doc.closed?.outcome !== request.outcome) throw new ConflictError('BREACH.CLOSED', `The breach was closed on ${doc.closed?.at ?? 'an earlier date'}.`);
      return undefined;
    }
    return {
      ...doc,
      status: BREACH_PHASES.advance(doc.status, 'closed'),
      closed: { at, by: principal.sub, outcome: request.outcome },
      trail: [...doc.trail, { at, actor: principal.sub, action: 'breach.closed' }],
    };
  });
  return { entry: await breachEntry(store, updated), instanceId: updated.instanceId };
}

export async function readBreach(services: Services, principal: Principal, rawBreachId: string): Promise<BreachEntry> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  return breachEntry(store, await existing(store, rawBreachId));
}

export async function breachRegister(services: Services, principal: Principal): Promise<BreachEntry[]> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  return Promise.all((await store.all()).map((doc) => breachEntry(store, doc)));
}
