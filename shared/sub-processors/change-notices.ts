// The telling of a sub-processor change, step by step for its workflow: resolve the tenants once,
// tell each tenant's privacy contacts (notice, reminder, withdrawal) batch by batch, record the
// change against each tenant when it takes effect, confirm objections and tell ops, send ops' answers,
// remind ops of unanswered objections, and apply the change to the list. Every step is idempotent:
// each message has an idempotency key naming the change, the tenant, the message and the contact, and
// each tenant's line records what was done, so a re-run sends nothing twice.
import type { Services } from '../composition.js';
import type { AuditActor } from '../audit/chain.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';
import { renderEmail, type RenderedEmail } from '../email/render.js';
import { sendToEach } from '../email/send-to-each.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { openContacts, recipientsOf } from '../tenants/contacts.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { listTenantIds } from '../tenants/tenant-service.js';
import { TENANT_DOC_ID, type TenantDoc } from '../tenants/tenant.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { CHANGE_PHASES, NOTICE_BATCH_SIZE, type ChangeNoticeDoc, type NoticeKind, type ObjectionDoc, type SubProcessorChangeDoc } from './change.js';
import { applyChange } from './registry.js';
import { SubProcessorStore } from './store.js';

export const CHANGE_WORKFLOW_ACTOR: AuditActor = { sub: 'system:sub-processor-change', roles: [] };

/** The change as recorded against one tenant, in the tenant's own data (audited in its log). */
export interface TenantChangeRecordDoc extends StoredDoc {
  type: 'subProcessorChangeRecord';
  changeId: string;
  kind: string;
  name: string;
  service: string;
  effectiveAt: string;
  noticeAt?: string;
  reminderAt?: string;
  effectiveRecordedAt?: string;
  effectiveVersion?: number;
  withdrawnAt?: string;
  /** The tenant's objection: its reason stays here, in the tenant's region. */
  objection?: { reason: string; at: string; by: string };
}
export const tenantChangeRecordId = (changeId: string): string => `subprocessor-change:${changeId}`;

/** A fresh record of `doc` for one tenant. */
export function newTenantChangeRecord(doc: SubProcessorChangeDoc, tenantId: string): TenantChangeRecordDoc {
  return {
    id: tenantChangeRecordId(doc.changeId),
    tenantId,
    type: 'subProcessorChangeRecord',
    changeId: doc.changeId,
    kind: doc.kind,
    name: doc.subProcessor.name,
    service: doc.subProcessor.service,
    effectiveAt: doc.effectiveAt,
  };
}

/** The reasons of the tenants that objected, each read from the tenant's own data. */
export async function objectionReasons(services: Services, changeId: string, tenantIds: readonly string[]): Promise<Map<string, string>> {
  const found = await Promise.all(
    tenantIds.map(
      async (tenantId) =>
        [
          tenantId,
          (await (await tenantData(services, tenantId)).read<TenantChangeRecordDoc>(tenantChangeRecordId(changeId)))?.objection?.reason,
        ] as const,
    ),
  );
  return new Map(found.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}

async function changeOf(store: SubProcessorStore, changeId: string): Promise<SubProcessorChangeDoc> {
  const doc = await store.readChange(changeId);
  if (!doc) throw new Error(`no sub-processor change ${changeId}`);
  return doc;
}

/** The tenants to tell, resolved once (every tenant not deleted, those in their grace window included) and recorded. */
export async function resolveChangeTenants(services: Services, changeId: string, now: Date): Promise<{ tenants: number; batches: number }> {
  const store = await SubProcessorStore.open(services);
  let doc = await changeOf(store, changeId);
  if (!doc.tenants) {
    const tenantIds = await listTenantIds(services);
    doc = await store.updateChange(changeId, (current) =>
      current.tenants ? undefined : { ...current, tenants: { resolvedAt: now.toISOString(), tenantIds } },
    );
  }
  const tenants = doc.tenants!.tenantIds.length;
  return { tenants, batches: Math.ceil(tenants / NOTICE_BATCH_SIZE) };
}

const FIELD: Record<NoticeKind, keyof Pick<ChangeNoticeDoc, 'noticeAt' | 'reminderAt' | 'effectiveAt' | 'withdrawnAt'>> = {
  notice: 'noticeAt',
  reminder: 'reminderAt',
  effective: 'effectiveAt',
  withdrawn: 'withdrawnAt',
};

const describeChange = (doc: SubProcessorChangeDoc): string =>
  `${doc.kind === 'add' ? 'Adding' : doc.kind === 'remove' ? 'Removing' : 'Changing'} ${doc.subProcessor.name} (${doc.subProcessor.service})`;

function changeFacts(doc: SubProcessorChangeDoc, tenantId: string): { label: string; value: string }[] {
  return [
    { label: 'Tenant', value: tenantId },
    { label: 'Change', value: doc.changeId },
    { label: 'Sub-processor', value: `${doc.subProcessor.name}: ${doc.subProcessor.service}` },
    { label: 'Purpose', value: doc.subProcessor.purpose },
    { label: 'Data categories', value: doc.subProcessor.dataCategories.join('; ') },
    { label: 'Locations', value: doc.subProcessor.locations.join('; ') },
    { label: 'Transfer mechanism', value: doc.subProcessor.transferMechanism },
    { label: 'Takes effect', value: doc.effectiveAt },
  ];
}

export function renderChangeNotice(doc: SubProcessorChangeDoc, tenantId: string, kind: 'notice' | 'reminder' | 'withdrawn'): RenderedEmail {
  const objectHow = `An administrator of your tenancy may object before it takes effect: POST /api/tenants/${tenantId}/sub-processor-changes/${doc.changeId}/object with the reason. We answer every objection before the change takes effect.`;
  if (kind === 'withdrawn') {
    return renderEmail({
      subject: `Withdrawn: sub-processor change ${doc.changeId}`,
      title: 'A sub-processor change has been withdrawn',
      paragraphs: [
        `${describeChange(doc)}, announced for ${doc.effectiveAt}, has been withdrawn and will not take effect.`,
        `Reason: ${doc.withdrawn?.reason ?? 'not given'}`,
      ],
      facts: changeFacts(doc, tenantId),
    });
  }
  return renderEmail({
    subject: `${kind === 'reminder' ? 'Reminder: ' : ''}sub-processor change on ${doc.effectiveAt.slice(0, 10)}: ${doc.subProcessor.name}`,
    title: kind === 'reminder' ? 'Reminder: a sub-processor change takes effect in 7 days' : 'Notice of a change to our sub-processors',
    paragraphs: [
      `${describeChange(doc)}, taking effect at ${doc.effectiveAt}. We give this notice under section 5 of the data processing agreement.`,
      `Why: ${doc.reason}`,
      objectHow,
      'The current list and every announced change: GET /api/sub-processors and GET /api/sub-processors/changes.',
    ],
    facts: changeFacts(doc, tenantId),
  });
}

/**
 * One batch of tenants for one message of the change. `effective` records the change against each
 * tenant (no email); the others email the privacy contacts. Returns how many tenants the batch held.
 */
export async function deliverChangeBatch(
  services: Services,
  input: { changeId: string; notice: NoticeKind; batch: number },
  meta: { now: Date; requestId: string },
): Promise<{ tenants: number; sent: number }> {
  const store = await SubProcessorStore.open(services);
  const doc = await changeOf(store, input.changeId);
  // A change withdrawn while its notices go out is not announced or reminded any further.
  if (doc.phase === 'withdrawn' && (input.notice === 'notice' || input.notice === 'reminder')) return { tenants: 0, sent: 0 };
  const tenantIds = (doc.tenants?.tenantIds ?? []).slice(input.batch * NOTICE_BATCH_SIZE, (input.batch + 1) * NOTICE_BATCH_SIZE);
  let sent = 0;
  for (const tenantId of tenantIds) sent += await deliverToTenant(services, store, doc, tenantId, input.notice, meta);
  return { tenants: tenantIds.length, sent };
}

async function deliverToTenant(
  services: Services,
  store: SubProcessorStore,
  doc: SubProcessorChangeDoc,
  tenantId: string,
  kind: NoticeKind,
  meta: { now: Date; requestId: string },
): Promise<number> {
  const line = await store.readNotice(doc.changeId, tenantId);
  const field = FIELD[kind];
  if (line?.[field] || line?.skippedAt) return 0;
  // Only a tenant told of the change is reminded of it, told of its withdrawal, or has it recorded.
  if (kind !== 'notice' && !line?.noticeAt) return 0;
  const partition = await tenantData(services, tenantId);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || tenant.status === 'deleted') {
    if (kind === 'notice')
      await store.recordNotice(doc.changeId, tenantId, (current) =>
        current.skippedAt ? undefined : { ...current, skippedAt: meta.now.toISOString() },
      );
    return 0;
  }
  let sent = 0;
  if (kind !== 'effective') {
    const cipher = services.keyring.cipherFor(partition, meta.now);
    const recipients = recipientsOf(await openContacts(cipher, tenant), ['privacy']);
    const result = await sendToEach(services.email, {
      region: tenantRef(tenantId).region,
      recipients,
      rendered: renderChangeNotice(doc, tenantId, kind),
      idempotencyKeyFor: async (recipient) =>
        `sub-processor-change:${doc.changeId}:${tenantId}:${kind}:${await cipher.blindIndex('sub-processor-change-recipient', recipient.email.toLowerCase())}`,
    });
    sent = result.sent;
  }
  const at = meta.now.toISOString();
  const list = kind === 'effective' ? await store.list(meta.now) : undefined;
  await runTenantWork(services.keyring, partition, { actor: CHANGE_WORKFLOW_ACTOR, requestId: meta.requestId, now: meta.now }, async (tx) => {
    const id = tenantChangeRecordId(doc.changeId);
    const current = await tx.partition.read<TenantChangeRecordDoc>(id);
    const base: TenantChangeRecordDoc = current ?? newTenantChangeRecord(doc, tenantId);
    const next: TenantChangeRecordDoc =
      kind === 'notice'
        ? { ...base, noticeAt: base.noticeAt ?? at }
        : kind === 'reminder'
          ? { ...base, reminderAt: base.reminderAt ?? at }
          : kind === 'withdrawn'
            ? { ...base, withdrawnAt: base.withdrawnAt ?? at }
            : { ...base, effectiveRecordedAt: base.effectiveRecordedAt ?? at, effectiveVersion: list?.versions[list.versions.length - 1]?.version };
    if (current) tx.raw({ kind: 'replace', doc: next, ifMatch: current._etag!, conflict: 'retry' });
    else tx.raw({ kind: 'create', doc: next, conflict: 'retry' });
    tx.audit({
      action: `subprocessor.change.${kind === 'notice' ? 'noticed' : kind === 'reminder' ? 'reminded' : kind}`,
      target: { type: 'subProcessorChange', id: doc.changeId },
    });
  });
  await store.recordNotice(doc.changeId, tenantId, (current) => (current[field] ? undefined : { ...current, [field]: at }));
  return sent;
}

function renderObjectionConfirmation(doc: SubProcessorChangeDoc, objection: ObjectionDoc, reason: string): RenderedEmail {
  return renderEmail({
    subject: `Objection received: sub-processor change ${doc.changeId}`,
    title: 'We have received your objection',
    paragraphs: [
      `Your tenancy objected at ${objection.objectedAt} to this change: ${describeChange(doc)}, taking effect at ${doc.effectiveAt}.`,
      `Your reason: ${reason}`,
      'Our team will answer before the change takes effect. Under the data processing agreement an objection does not by itself stop the change.',
    ],
    facts: changeFacts(doc, objection.tenantId),
  });
}

function renderObjectionToOps(doc: SubProcessorChangeDoc, objection: ObjectionDoc, reason: string): RenderedEmail {
  return renderEmail({
    subject: `Objection to sub-processor change ${doc.changeId} from ${objection.tenantId}`,
    title: 'A customer objects to a sub-processor change',
    paragraphs: [
      `Tenant ${objection.tenantId} objected at ${objection.objectedAt} to: ${describeChange(doc)}, taking effect at ${doc.effectiveAt}.`,
      `Reason given: ${reason}`,
      `Answer it before ${doc.effectiveAt}: POST /api/sub-processors/changes/${doc.changeId}/objections/${objection.tenantId}/answer {"answer": "..."}.`,
    ],
    facts: [{ label: 'Change', value: doc.changeId }, { label: 'Tenant', value: objection.tenantId }, { label: 'Takes effect', value: doc.effectiveAt }],
  });
}

function renderAnswer(doc: SubProcessorChangeDoc, objection: ObjectionDoc): RenderedEmail {
  return renderEmail({
    subject: `Answer to your objection: sub-processor change ${doc.changeId}`,
    title: 'Our answer to your objection',
    paragraphs: [
      `You objected at ${objection.objectedAt} to: ${describeChange(doc)}, taking effect at ${doc.effectiveAt}.`,
      `Our answer: ${objection.answer?.text ?? ''}`,
    ],
    facts: changeFacts(doc, objection.tenantId),
  });
}

async function privacyContacts(services: Services, tenantId: string, now: Date) {
  const partition = await tenantData(services, tenantId);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || tenant.status === 'deleted') return undefined;
  const cipher = services.keyring.cipherFor(partition, now);
  return { recipients: recipientsOf(await openContacts(cipher, tenant), ['privacy']), cipher };
}

/**
 * Confirms each new objection to the tenant's privacy contacts and tells ops, and sends each new
 * answer to the tenant; each at most once. Returns how many objections are still unanswered.
 */
export async function processObjections(services: Services, changeId: string, now: Date): Promise<{ objections: number; unanswered: number }> {
  const store = await SubProcessorStore.open(services);
  const doc = await changeOf(store, changeId);
  const objections = await store.objections(changeId);
  const reasons = await objectionReasons(services, changeId, objections.filter((o) => !o.confirmedAt || !o.opsToldAt).map((o) => o.tenantId));
  for (const objection of objections) {
    const region = tenantRef(objection.tenantId).region;
    const reason = reasons.get(objection.tenantId) ?? '(no longer readable: the tenant has been deleted)';
    if (!objection.confirmedAt || (objection.answer && !objection.answer.sentAt)) {
      const contacts = await privacyContacts(services, objection.tenantId, now);
      const keyFor = (what: string) => async (recipient: { email: string }) =>
        `sub-processor-change:${changeId}:${objection.tenantId}:${what}:${await contacts!.cipher.blindIndex('sub-processor-change-recipient', recipient.email.toLowerCase())}`;
      if (contacts && !objection.confirmedAt)
        await sendToEach(services.email, {
          region,
          recipients: contacts.recipients,
          rendered: renderObjectionConfirmation(doc, objection, reason),
          idempotencyKeyFor: keyFor('objection-confirmed'),
        });
      if (!objection.confirmedAt)
        await store.updateObjection(changeId, objection.tenantId, (o) => (o.confirmedAt ? undefined : { ...o, confirmedAt: now.toISOString() }));
      if (contacts && objection.answer && !objection.answer.sentAt)
        await sendToEach(services.email, {
          region,
          recipients: contacts.recipients,
          rendered: renderAnswer(doc, objection),
          idempotencyKeyFor: keyFor('objection-answered'),
        });
      if (objection.answer && !objection.answer.sentAt)
        await store.updateObjection(changeId, objection.tenantId, (o) =>
          o.answer && !o.answer.sentAt ? { ...o, answer: { ...o.answer, sentAt: now.toISOString() } } : undefined,
        );
    }
    if (!objection.opsToldAt) {
      // Sent through the tenant's region: the reason is the tenant's words and stays in its geography.
      await services.email.send({
        region,
        to: [{ email: services.config.subProcessors.opsEmail }],
        ...renderObjectionToOps(doc, objection, reason),
        idempotencyKey: `sub-processor-change:${changeId}:${objection.tenantId}:objection-to-ops`,
      });
      await store.updateObjection(changeId, objection.tenantId, (o) => (o.opsToldAt ? undefined : { ...o, opsToldAt: now.toISOString() }));
    }
  }
  const latest = await store.objections(changeId);
  return { objections: latest.length, unanswered: latest.filter((o) => !o.answer).length };
}

/** Three days before: ops are reminded once of the objections still unanswered (nothing is sent when all are answered). */
export async function remindOpsOfUnanswered(services: Services, changeId: string, now: Date): Promise<number> {
  const store = await SubProcessorStore.open(services);
  const doc = await changeOf(store, changeId);
  if (doc.opsReminder || doc.phase !== 'notice-period') return doc.opsReminder?.unanswered ?? 0;
  const unanswered = (await store.objections(changeId)).filter((o) => !o.answer);
  if (unanswered.length > 0) {
    await services.email.send({
      region: CONTROL_REGION,
      to: [{ email: services.config.subProcessors.opsEmail }],
      ...renderEmail({
        subject: `Reminder: ${unanswered.length} unanswered objection(s) to sub-processor change ${changeId}`,
        title: 'Objections to answer before the change takes effect',
        paragraphs: [
          `${describeChange(doc)} takes effect at ${doc.effectiveAt}. These tenants objected and have no answer yet: ${unanswered.map((o) => o.tenantId).join(', ')}.`,
          `Answer each: POST /api/sub-processors/changes/${changeId}/objections/{tenantId}/answer {"answer": "..."}; or withdraw the change.`,
        ],
        facts: [
          { label: 'Change', value: changeId },
          { label: 'Takes effect', value: doc.effectiveAt },
          { label: 'Unanswered', value: String(unanswered.length) },
        ],
      }),
      idempotencyKey: `sub-processor-change:${changeId}:ops-reminder`,
    });
  }
  await store.updateChange(changeId, (current) =>
    current.opsReminder ? undefined : { ...current, opsReminder: { at: now.toISOString(), unanswered: unanswered.length } },
  );
  return unanswered.length;
}

/**
 * At its instant: the list gains a version with the change applied (once, however often this runs),
 * and the change is effective; a change withdrawn meanwhile stays withdrawn.
 */
export async function applyChangeToList(services: Services, changeId: string, now: Date): Promise<{ outcome: 'effective' | 'withdrawn'; version?: number }> {
  const store = await SubProcessorStore.open(services);
  const doc = await changeOf(store, changeId);
  if (doc.phase === 'withdrawn') return { outcome: 'withdrawn' };
  if (doc.effective) return { outcome: 'effective', version: doc.effective.version };
  const list = await store.updateList(now, (current) => {
    if (current.appliedChanges.includes(changeId)) return undefined;
    const latest = current.versions[current.versions.length - 1]!;
    return {
      ...current,
      versions: [
        ...current.versions,
        {
          version: latest.version + 1,
          effectiveFrom: doc.effectiveAt,
          subProcessors: applyChange(latest.subProcessors, doc, doc.effectiveAt),
          changeId,
        },
      ],
      appliedChanges: [...current.appliedChanges, changeId],
    };
  });
  const version = list.versions.find((v) => v.changeId === changeId)!.version;
  // A withdrawal is refused from effectiveAt on (see withdrawChange), so none can come between the two writes.
  await store.updateChange(changeId, (current) =>
    current.phase === 'effective'
      ? undefined
      : { ...current, phase: CHANGE_PHASES.advance(current.phase, 'effective'), effective: { at: now.toISOString(), version } },
  );
  return { outcome: 'effective', version };
}

/** The workflow's view of the change: its instant and whether it has ended. */
export async function changePlan(services: Services, changeId: string): Promise<{ effectiveAt: string; phase: SubProcessorChangeDoc['phase'] }> {
  const doc = await changeOf(await SubProcessorStore.open(services), changeId);
  return { effectiveAt: doc.effectiveAt, phase: doc.phase };
}
