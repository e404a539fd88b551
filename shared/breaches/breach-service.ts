// What ops.breach do with a breach: open it (a draft, or ready to notify), release the notices of a
// draft, add phased information, and read the register. The workflow does the sending; this module
// decides what is allowed and records it. Every check happens before anything is written.
import type { Services } from '../composition.js';
import { authorize } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldError } from '../errors.js';
import type { IdempotencyOptions } from '../store/unit-of-work.js';
import type { RequestMeta } from '../tenants/tenant-access.js';
import { checkAffectedTenants, checkTenantList } from './affected-tenants.js';
import {
  affectedTenantIds,
  BREACH_ID,
  currentContent,
  targetAt,
  type CloseBreachRequest,
  type TenantFacts,
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

function delayReasonRequired(doc: Pick<BreachDoc, 'notifyBy' | 'awareAt' | 'notifyTargetMs'>, now: Date): UnprocessableError {
  const late = isLate(now, doc.notifyBy);
  return new UnprocessableError(
    'BREACH.DELAY_REASON_REQUIRED',
    late
      ? `The notices would be sent after the 72-hour deadline (${doc.notifyBy}); a notice sent late must give the reason for the delay (Article 33(1)).`
      : `The notices would be sent after our notification target (${targetAt(doc)}); each customer must be told without undue delay (Article 33(2)), so give the reason for the delay.`,
    [
      {
        path: 'delayReason',
        message: late
          ? 'is required when the notices are sent after notifyBy'
          : 'is required when the notices are sent after the notification target',
      },
    ],
  );
}

/** Whether notices released at `now` are past the internal target, and past the 72-hour promise. */
function timing(doc: Pick<BreachDoc, 'notifyBy' | 'awareAt' | 'notifyTargetMs'>, now: Date): { late: boolean; afterTarget: boolean } {
  return { late: isLate(now, doc.notifyBy), afterTarget: isLate(now, targetAt(doc)) };
}

/** An instant field normalised to UTC, or a 400 naming it. */
function utcField(value: string | null | undefined, path: string): string | null | undefined {
  if (value === null || value === undefined) return value;
  try {
    return utcInstant(value);
  } catch {
    throw new ValidationError([{ path, message: 'must be an ISO 8601 instant with an offset (Z or ±hh:mm)' }]);
  }
}

function checkWindow(from: string | null | undefined, to: string | null | undefined, path: string): void {
  if (from && to && Date.parse(to) < Date.parse(from)) throw new ValidationError([{ path, message: 'must not be before occurredFrom' }]);
}

/** The vendor-wide total of one figure: given, or the sum of every named tenant's own figure when each is known. */
function totalOf(
  given: number | null | undefined,
  tenantIds: string[],
  facts: Omit<TenantFacts, 'seq'>[],
  field: 'approxSubjects' | 'approxRecords',
): number | null {
  if (given !== undefined) return given;
  if (tenantIds.length === 0) return null;
  const figures = tenantIds.map((id) => facts.find((f) => f.tenantId === id)?.[field] ?? null);
  return figures.every((f) => f !== null) ? figures.reduce<number>((sum, f) => sum + f!, 0) : null;
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
  const occurredFrom = utcField(request.occurredFrom, 'occurredFrom') ?? null;
  const occurredTo = utcField(request.occurredTo, 'occurredTo') ?? null;
  checkWindow(occurredFrom, occurredTo, 'occurredTo');
  const { affectedTenants, facts } = await checkAffectedTenants(services, request.affectedTenants);
  const deadline = notifyBy(request.awareAt);
  const clock = { awareAt, notifyBy: deadline, notifyTargetMs: services.config.breach.notifyTargetMs };
  const { late, afterTarget } = timing(clock, meta.now);
  if (!request.draft && afterTarget && !request.delayReason) throw delayReasonRequired(clock, meta.now);
  const listed = affectedTenants.kind === 'list' ? affectedTenants.tenantIds : [];

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
    notifyTargetMs: clock.notifyTargetMs,
    content: {
      summary: request.summary,
      nature: request.nature,
      categoriesOfData: request.categoriesOfData,
      categoriesOfSubjects: request.categoriesOfSubjects,
      approxSubjects: totalOf(request.approxSubjects, listed, facts, 'approxSubjects'),
      approxRecords: totalOf(request.approxRecords, listed, facts, 'approxRecords'),
      likelyConsequences: request.likelyConsequences,
      measures: request.measures,
      occurredFrom,
      occurredTo,
      status: request.status,
    },
    tenantFacts: facts.map((f) => ({ ...f, seq: 0 })),
    addedTenants: [],
    contactPoint: request.contactPoint ?? { name: services.config.breach.dpo.name, email: services.config.breach.dpo.email },
    affectedTenants,
    ...(request.draft
      ? {}
      : {
          release: {
            at,
            by: principal.sub,
            late,
            afterTarget,
            ...(request.delayReason ? { delayReason: request.delayReason } : {}),
            includesUpdates: 0,
          },
        }),
    updates: [],
    alerts: [],
    skipped: [],
    trail: [
      { at, actor: principal.sub, action: 'breach.opened', detail: request.draft ? 'draft' : 'ready to notify' },
      ...(request.draft
        ? []
        : [{ at, actor: principal.sub, action: 'notices.released', ...(late ? { detail: 'late' } : afterTarget ? { detail: 'after target' } : {}) }]),
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
export async function releaseNotices(
  services: Services,
  principal: Principal,
  rawBreachId: string,
  request: NotifyBreachRequest,
  meta: Meta,
): Promise<BreachOutcome> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  const current = await existing(store, rawBreachId);
  const at = meta.now.toISOString();
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.release) {
      if (request.delayReason !== undefined && request.delayReason !== doc.release.delayReason) {
        throw new ConflictError(
          'BREACH.ALREADY_NOTIFIED',
          `The notices of breach ${doc.breachId} were released at ${doc.release.at}; add information with POST /api/breaches/${doc.breachId}/updates.`,
        );
      }
      return undefined;
    }
    if (doc.status === 'closed')
      throw new ConflictError(
        'BREACH.CLOSED',
        `Breach ${doc.breachId} was closed as not notifiable on ${doc.closed?.at ?? 'an earlier date'}; open a new breach if that changed.`,
      );
    const { late, afterTarget } = timing(doc, meta.now);
    if (afterTarget && !request.delayReason) throw delayReasonRequired(doc, meta.now);
    return {
      ...doc,
      status: BREACH_PHASES.advance(doc.status, 'notifying'),
      release: {
        at,
        by: principal.sub,
        late,
        afterTarget,
        ...(request.delayReason ? { delayReason: request.delayReason } : {}),
        includesUpdates: doc.updates.length,
      },
      trail: [
        ...doc.trail,
        { at, actor: principal.sub, action: 'notices.released', ...(late ? { detail: 'late' } : afterTarget ? { detail: 'after target' } : {}) },
      ],
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
  const occurredFrom = utcField(request.occurredFrom, 'occurredFrom');
  const occurredTo = utcField(request.occurredTo, 'occurredTo');
  checkWindow(
    occurredFrom ?? currentContent(current).occurredFrom,
    occurredTo ?? currentContent(current).occurredTo,
    occurredTo ? 'occurredTo' : 'occurredFrom',
  );
  // Every tenant named is checked before anything is written.
  const addTenants = request.addTenants ? await checkTenantList(services, request.addTenants, 'addTenants') : undefined;
  if (request.tenantFacts) await checkTenantList(services, request.tenantFacts, 'tenantFacts');
  let added: BreachUpdate | undefined;
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.status === 'closed')
      throw new ConflictError('BREACH.CLOSED', `The breach was closed on ${doc.closed?.at ?? 'an earlier date'}; open a new one for new facts.`);
    if (meta.idempotency) {
      const earlier = doc.updates.find((u) => u.idempotency?.docId === meta.idempotency!.docId);
      if (earlier) {
        if (earlier.idempotency!.requestHash !== meta.idempotency.requestHash) throw keyReused();
        added = earlier;
        return undefined;
      }
    }
    const seq = doc.updates.length + 1;
    const affected = affectedTenantIds(doc);
    const selectorUnresolved = doc.affectedTenants.kind !== 'list' && !doc.resolved;
    const errors: FieldError[] = [];
    (request.tenantFacts ?? []).forEach((f, index) => {
      const addedNow = addTenants?.tenantIds.includes(f.tenantId);
      if (!selectorUnresolved && !affected.includes(f.tenantId) && !addedNow)
        errors.push({ path: `tenantFacts.${index}.tenantId`, message: 'this tenant is not affected by the breach; add it with addTenants' });
    });
    (addTenants?.tenantIds ?? []).forEach((id, index) => {
      if (affected.includes(id)) errors.push({ path: `addTenants.${index}`, message: 'this tenant is already affected by the breach' });
    });
    if (selectorUnresolved && addTenants)
      errors.push({
        path: 'addTenants',
        message: 'the breach names its tenants by a selector not resolved yet; tenants can be added once the notices are sent',
      });
    if (errors.length > 0) throw new ValidationError(errors);
    added = {
      seq,
      addedAt: at,
      addedBy: principal.sub,
      information: request.information,
      changes: {
        ...changesOf(request),
        ...(occurredFrom !== undefined ? { occurredFrom } : {}),
        ...(occurredTo !== undefined ? { occurredTo } : {}),
      },
      ...(addTenants ? { addedTenants: addTenants.tenantIds } : {}),
      ...(request.tenantFacts || addTenants?.facts.length
        ? { tenantFigures: [...new Set([...(request.tenantFacts ?? []), ...(addTenants?.facts ?? [])].map((f) => f.tenantId))] }
        : {}),
      ...(meta.idempotency ? { idempotency: meta.idempotency } : {}),
    };
    const facts = [...(addTenants?.facts ?? []), ...(request.tenantFacts ?? [])].map((f) => ({ ...f, seq }));
    return {
      ...doc,
      updates: [...doc.updates, added],
      tenantFacts: [...(doc.tenantFacts ?? []), ...facts],
      addedTenants: [...(doc.addedTenants ?? []), ...(addTenants?.tenantIds ?? []).map((tenantId) => ({ tenantId, seq }))],
      trail: [
        ...doc.trail,
        { at, actor: principal.sub, action: 'update.added', detail: `update ${added.seq}` },
        ...(addTenants ? [{ at, actor: principal.sub, action: 'tenants.added', detail: `${addTenants.tenantIds.length} tenant(s) by update ${seq}` }] : []),
      ],
    };
  });
  const update = updateViews(updated).find((u) => u.seq === added!.seq)!;
  const from = updated.release ? updated.release.includesUpdates + 1 : Number.POSITIVE_INFINITY;
  // Every update since the release, not only this one: a wake-up lost earlier is delivered now.
  const wake = updated.updates.map((u) => u.seq).filter((seq) => seq >= from && seq <= update.seq);
  return { update, instanceId: updated.instanceId, wake };
}

/**
 * Concludes a breach with its outcome (Art 33(5): every breach is documented, notified or not): a
 * notified one, or a draft found not to be notifiable (`notifiable: false` with the reasoning).
 * Nothing is deleted.
 */
export async function closeBreach(
  services: Services,
  principal: Principal,
  rawBreachId: string,
  request: CloseBreachRequest,
  meta: Meta,
): Promise<BreachOutcome> {
  authorize(principal, 'breaches.manage');
  const store = await BreachStore.open(services);
  const current = await existing(store, rawBreachId);
  if (!request.notifiable && !request.reasoning)
    throw new ValidationError([{ path: 'reasoning', message: 'say why the breach is not notifiable (Article 33(5))' }]);
  const at = meta.now.toISOString();
  const updated = await store.update(current.breachId, (doc) => {
    if (doc.status === 'closed') {
      if (doc.closed?.outcome !== request.outcome)
        throw new ConflictError('BREACH.CLOSED', `The breach was closed on ${doc.closed?.at ?? 'an earlier date'}.`);
      return undefined;
    }
    if (doc.status === 'draft' && request.notifiable) {
      throw new ConflictError(
        'BREACH.NOT_NOTIFIED',
        'Send the notices before closing the breach, or close the draft as not notifiable with {"notifiable": false, "reasoning": …}.',
      );
    }
    if (doc.status !== 'draft' && !request.notifiable) {
      throw new UnprocessableError(
        'BREACH.ALREADY_NOTIFIED',
        `The notices of breach ${doc.breachId} were sent at ${doc.release?.at ?? 'an earlier time'}; it cannot be closed as not notifiable.`,
        [{ path: 'notifiable', message: 'must be true once the notices are sent' }],
      );
    }
    return {
      ...doc,
      status: BREACH_PHASES.advance(doc.status, 'closed'),
      closed: {
        at,
        by: principal.sub,
        outcome: request.outcome,
        notifiable: request.notifiable,
        ...(request.reasoning ? { reasoning: request.reasoning } : {}),
      },
      trail: [...doc.trail, { at, actor: principal.sub, action: request.notifiable ? 'breach.closed' : 'breach.closed-not-notifiable' }],
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
