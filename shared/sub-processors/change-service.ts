// The API side of the sub-processor list and its changes: read the list (any authenticated caller),
// propose a change with at least the notice period (ops.platform), withdraw it, list the changes with
// their counts, and a tenant's objection and ops' answer. The workflow (workflows/sub-processors) does
// the telling; these functions write the record first and say which workflow to wake.
import { z } from 'zod';
import type { Services } from '../composition.js';
import { authorize, can } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../errors.js';
import { parseInstant } from '../deadlines/index.js';
import { requirePlausibleInstant } from '../http/plausible-instant.js';
import type { IdempotencyOptions } from '../store/unit-of-work.js';
import { workInTenant, type OpenTenant, type RequestMeta } from '../tenants/tenant-access.js';
import {
  CHANGE_PHASES,
  changeInstanceId,
  changeView,
  earliestEffectiveAt,
  newChangeId,
  type ChangeView,
  type ObjectionDoc,
  type ProposeChange,
  type SubProcessorChangeDoc,
} from './change.js';
import { newTenantChangeRecord, objectionReasons, tenantChangeRecordId, type TenantChangeRecordDoc } from './change-notices.js';
import { changeProblem, discrepancySchema, documentDiscrepancies, subProcessorListSchema, type SubProcessorList } from './registry.js';
import { SubProcessorStore } from './store.js';

type Meta = RequestMeta & { idempotency?: IdempotencyOptions };

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const publishedListSchema = subProcessorListSchema
  .extend({
    documentDiscrepancies: z
      .array(discrepancySchema)
      .meta({ description: 'Where the privacy notice or the DPA says otherwise than the list the system runs on' }),
    pendingChanges: z
      .array(
        z.object({
          changeId: z.string(),
          kind: z.enum(['add', 'remove', 'modify']),
          name: z.string(),
          service: z.string(),
          effectiveAt: z.iso.datetime(),
        }),
      )
      .meta({ description: 'Changes announced and not yet in force' }),
  })
  .meta({ id: 'PublishedSubProcessorList' });
export type PublishedList = z.infer<typeof publishedListSchema>;

export const listVersionSchema = subProcessorListSchema.extend({
  changeId: z.string().optional().meta({ description: 'The change that made this version (absent for version 1)' }),
});
export const listHistorySchema = z.object({ versions: z.array(listVersionSchema) }).meta({ id: 'SubProcessorListVersions' });

/** The list in force (or an earlier version), with the changes announced and where the documents disagree. */
export async function publishedList(services: Services, now: Date, version?: number): Promise<PublishedList> {
  const store = await SubProcessorStore.open(services);
  const doc = await store.list(now);
  const current = doc.versions[doc.versions.length - 1]!;
  const chosen = version === undefined ? current : doc.versions.find((v) => v.version === version);
  if (!chosen)
    throw new NotFoundError(
      'SUBPROCESSORS.VERSION_NOT_FOUND',
      `There is no version ${version} of the sub-processor list; the current one is ${current.version}.`,
    );
  const pending = (await store.changes()).filter((c) => c.phase === 'notice-period');
  return {
    version: chosen.version,
    effectiveFrom: chosen.effectiveFrom,
    subProcessors: chosen.subProcessors,
    documentDiscrepancies: documentDiscrepancies(current.subProcessors, services.config),
    pendingChanges: pending
      .sort((a, b) => a.effectiveAt.localeCompare(b.effectiveAt))
      .map((c) => ({ changeId: c.changeId, kind: c.kind, name: c.subProcessor.name, service: c.subProcessor.service, effectiveAt: c.effectiveAt })),
  };
}

/** Every version, oldest first, each with the change that made it. */
export async function listHistory(services: Services, now: Date): Promise<(SubProcessorList & { changeId?: string })[]> {
  return (await (await SubProcessorStore.open(services)).list(now)).versions;
}

/** Records a change; 422 when its notice is shorter than SUBPROCESSOR_NOTICE_PERIOD or it does not fit the list. */
export async function proposeChange(
  services: Services,
  principal: Principal,
  request: ProposeChange,
  meta: Meta,
): Promise<{ view: ChangeView; instanceId: string }> {
  authorize(principal, 'subProcessors.manage');
  const store = await SubProcessorStore.open(services);
  const changeId = newChangeId(meta.idempotency?.docId);
  const earlier = await store.readChange(changeId);
  if (earlier) {
    if (earlier.requestHash !== meta.idempotency?.requestHash)
      throw new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
    return { view: await readView(services, store, earlier), instanceId: earlier.instanceId };
  }
  const effectiveAt = parseInstant(request.effectiveAt);
  const { noticePeriod, noticePeriodMs } = services.config.subProcessors;
  const earliest = earliestEffectiveAt(meta.now, noticePeriodMs);
  if (effectiveAt.getTime() < earliest.getTime()) {
    throw new UnprocessableError(
      'SUBPROCESSORS.NOTICE_TOO_SHORT',
      `A change needs at least ${noticePeriod} of notice: effectiveAt must be at or after ${earliest.toISOString()}.`,
      [{ path: 'effectiveAt', message: `must be at least ${noticePeriod} ahead (${earliest.toISOString()} or later)` }],
    );
  }
  const list = await store.list(meta.now);
  const current = list.versions[list.versions.length - 1]!;
  const problem = changeProblem(current.subProcessors, request);
  if (problem) throw new UnprocessableError('SUBPROCESSORS.CHANGE_DOES_NOT_FIT', problem, [{ path: 'subProcessor', message: problem }]);
  const doc: SubProcessorChangeDoc = {
    id: changeId,
    pk: changeId,
    type: 'subProcessorChange',
    changeId,
    instanceId: changeInstanceId(changeId),
    kind: request.kind,
    subProcessor: request.subProcessor,
    effectiveAt: effectiveAt.toISOString(),
    reason: request.reason,
    noticePeriod,
    requestedAt: meta.now.toISOString(),
    requestedBy: principal.sub,
    fromVersion: current.version,
    phase: 'notice-period',
    ...(meta.idempotency ? { requestHash: meta.idempotency.requestHash } : {}),
  };
  if (!(await store.createChange(doc))) {
    const raced = await store.readChange(changeId);
    if (!raced || raced.requestHash !== meta.idempotency?.requestHash)
      throw new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
    return { view: await readView(services, store, raced), instanceId: raced.instanceId };
  }
  return { view: await readView(services, store, doc), instanceId: doc.instanceId };
}

/** The change with its counts; objection reasons are read (from each tenant's own data) only for `reasonsOf`. */
async function readView(
  services: Services,
  store: SubProcessorStore,
  doc: SubProcessorChangeDoc,
  reasonsOf: (tenantId: string) => boolean = () => false,
): Promise<ChangeView> {
  const [notices, objections] = await Promise.all([store.notices(doc.changeId), store.objections(doc.changeId)]);
  const reasons = await objectionReasons(services, doc.changeId, objections.map((o) => o.tenantId).filter(reasonsOf));
  return changeView(doc, notices, objections, reasons);
}

async function existingChange(store: SubProcessorStore, changeId: string): Promise<SubProcessorChangeDoc> {
  const doc = await store.readChange(changeId);
  if (!doc) throw new NotFoundError('SUBPROCESSORS.CHANGE_NOT_FOUND', `There is no sub-processor change ${changeId}.`);
  return doc;
}

/**
 * What a caller may see of the changes: ops.platform everything; anyone else the changes and their
 * counts, and of the objections only their own tenant's.
 */
function visibleTo(principal: Principal, view: ChangeView): ChangeView {
  if (can(principal, 'subProcessors.manage')) return view;
  return { ...view, objections: { ...view.objections, items: view.objections.items.filter((o) => o.tenantId === principal.tenantId) } };
}

const reasonsFor = (principal: Principal) => (tenantId: string) => can(principal, 'subProcessors.manage') || principal.tenantId === tenantId;

export async function listChanges(services: Services, principal: Principal): Promise<ChangeView[]> {
  const store = await SubProcessorStore.open(services);
  return Promise.all((await store.changes()).map(async (doc) => visibleTo(principal, await readView(services, store, doc, reasonsFor(principal)))));
}

export async function readChange(services: Services, principal: Principal, changeId: string): Promise<ChangeView> {
  const store = await SubProcessorStore.open(services);
  return visibleTo(principal, await readView(services, store, await existingChange(store, changeId), reasonsFor(principal)));
}

/** Withdraws a change still in its notice period (the workflow tells the tenants); withdrawing again changes nothing. */
export async function withdrawChange(
  services: Services,
  principal: Principal,
  changeId: string,
  reason: string,
  meta: RequestMeta,
): Promise<{ view: ChangeView; instanceId: string }> {
  authorize(principal, 'subProcessors.manage');
  const store = await SubProcessorStore.open(services);
  const doc = await existingChange(store, changeId);
  // From its instant on the change is being applied: refusing here keeps the list and the record in step.
  const effective = () =>
    new ConflictError(
      'SUBPROCESSORS.CHANGE_EFFECTIVE',
      `Change ${changeId} takes effect at ${doc.effectiveAt}; propose another change to reverse it.`,
    );
  if (doc.phase === 'effective' || (doc.phase === 'notice-period' && meta.now.getTime() >= new Date(doc.effectiveAt).getTime())) throw effective();
  const updated = await store.updateChange(changeId, (current) => {
    if (current.phase === 'withdrawn') return undefined;
    if (current.phase === 'effective') throw effective();
    return {
      ...current,
      phase: CHANGE_PHASES.advance(current.phase, 'withdrawn'),
      withdrawn: { at: meta.now.toISOString(), by: principal.sub, reason },
    };
  });
  return { view: await readView(services, store, updated, () => true), instanceId: updated.instanceId };
}

/**
 * A tenant objects to a change it was told of, before the change takes effect. The reason is kept in
 * the tenant's own data (its region), audited in its log; the change's history records that it
 * objected and when. Objecting again keeps the first objection.
 */
export async function objectToChange(
  services: Services,
  open: OpenTenant,
  changeId: string,
  reason: string,
  meta: RequestMeta,
): Promise<{ objection: ChangeView['objections']['items'][number]; instanceId: string }> {
  const store = await SubProcessorStore.open(services);
  const doc = await existingChange(store, changeId);
  const tenantId = open.partition.tenantId;
  if (!(await store.readNotice(changeId, tenantId))?.noticeAt)
    throw new NotFoundError('SUBPROCESSORS.CHANGE_NOT_FOUND', `Tenant ${tenantId} was not told of a sub-processor change ${changeId}.`);
  if (doc.phase !== 'notice-period' || meta.now.getTime() >= new Date(doc.effectiveAt).getTime()) {
    throw new ConflictError(
      'SUBPROCESSORS.CHANGE_CLOSED',
      `Change ${changeId} is ${doc.phase === 'notice-period' ? 'taking effect' : doc.phase}; objections are taken until it takes effect.`,
    );
  }
  await workInTenant(services, open, meta, async (tx) => {
    const id = tenantChangeRecordId(changeId);
    const current = await tx.partition.read<TenantChangeRecordDoc>(id);
    if (current?.objection) return;
    const next: TenantChangeRecordDoc = {
      ...(current ?? newTenantChangeRecord(doc, tenantId)),
      objection: { reason, at: meta.now.toISOString(), by: open.actor.sub },
    };
    if (current) tx.raw({ kind: 'replace', doc: next, ifMatch: current._etag!, conflict: 'retry' });
    else tx.raw({ kind: 'create', doc: next, conflict: 'retry' });
    tx.audit({ action: 'subprocessor.change.objected', target: { type: 'subProcessorChange', id: changeId } });
  });
  const recorded = (await open.partition.read<TenantChangeRecordDoc>(tenantChangeRecordId(changeId)))!.objection!;
  // The vendor's line (no reason): written after the tenant's record, and again on a retry.
  const line: ObjectionDoc = {
    id: `objection:${tenantId}`,
    pk: changeId,
    type: 'subProcessorObjection',
    changeId,
    tenantId,
    objectedAt: recorded.at,
    objectedBy: recorded.by,
  };
  await store.createObjection(line);
  const stored = (await store.readObjection(changeId, tenantId)) ?? line;
  return {
    objection: {
      tenantId,
      reason: recorded.reason,
      objectedAt: recorded.at,
      ...(stored.answer ? { answer: { text: stored.answer.text, at: stored.answer.at, by: stored.answer.by } } : {}),
    },
    instanceId: doc.instanceId,
  };
}

/** ops.platform answers a tenant's objection (sent to the tenant's privacy contacts by the workflow). The first answer stands. */
export async function answerObjection(
  services: Services,
  principal: Principal,
  changeId: string,
  tenantId: string,
  answer: string,
  meta: RequestMeta,
): Promise<{ view: ChangeView; instanceId: string }> {
  authorize(principal, 'subProcessors.manage');
  const store = await SubProcessorStore.open(services);
  const doc = await existingChange(store, changeId);
  if (!(await store.readObjection(changeId, tenantId)))
    throw new NotFoundError('SUBPROCESSORS.OBJECTION_NOT_FOUND', `Tenant ${tenantId} has not objected to change ${changeId}.`);
  await store.updateObjection(changeId, tenantId, (current) =>
    current.answer ? undefined : { ...current, answer: { text: answer, at: meta.now.toISOString(), by: principal.sub } },
  );
  return { view: await readView(services, store, doc, () => true), instanceId: doc.instanceId };
}
