// A change of the sub-processor list with prior notice (DPA §5): proposed by ops.platform at least
// the notice period ahead, told to every tenant's privacy contacts at once and again 7 days before it
// takes effect; a tenant may object (ops must answer before it takes effect: the DPA gives notice,
// not a veto); withdrawn, or effective at its instant, when the list's version increments. The
// records, phases and pure rules live here.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { instantSchema } from '../dsars/dsar.js';
import { phaseTable } from '../flows/phase-table.js';
import { plainText } from '../http/text.js';
import { subProcessorSchema, subProcessorViewSchema, type ChangeKind, type SubProcessor, type SubProcessorInput, type SubProcessorList } from './registry.js';

export const CHANGE_ID = /^spc-[0-9a-f]{16}$/;
export const changeIdSchema = z.string().regex(CHANGE_ID, 'must be a sub-processor change id (spc-…)');

export const proposeChangeSchema = z.strictObject({
  kind: z.enum(['add', 'remove', 'modify'], { message: 'must be one of add, remove, modify' }),
  subProcessor: subProcessorSchema,
  effectiveAt: instantSchema,
  reason: plainText(2000, { multiline: true, required: 'say why the change is made' }),
});
export type ProposeChange = z.infer<typeof proposeChangeSchema>;

export const objectionSchema = z.strictObject({ reason: plainText(4000, { multiline: true, required: 'say why the tenant objects' }) });
export const answerSchema = z.strictObject({ answer: plainText(4000, { multiline: true, required: 'give the answer' }) });
export const withdrawSchema = z.strictObject({ reason: plainText(2000, { multiline: true, required: 'say why the change is withdrawn' }) });

/** The phases of a change: the one table its record and its workflow's custom status read. */
export const CHANGE_PHASES = phaseTable('sub-processor-change', {
  'notice-period': ['effective', 'withdrawn'],
  effective: [],
  withdrawn: [],
});
export type ChangePhase = (typeof CHANGE_PHASES.phases)[number];

/** Reminder to the tenants this long before the change takes effect. */
export const TENANT_REMINDER_BEFORE_MS = 7 * 24 * 3600_000;
/** Reminder to ops of unanswered objections this long before. */
export const OPS_REMINDER_BEFORE_MS = 3 * 24 * 3600_000;
/** Tenants per notice batch (one activity): bounded work per step, whatever the number of tenants. */
export const NOTICE_BATCH_SIZE = 20;

/** Raised on the change's workflow: it was withdrawn, or an objection was made or answered. */
export const WITHDRAW_EVENT = 'sub-processor-change-withdrawn';
export const OBJECTIONS_EVENT = 'sub-processor-change-objections';

export type NoticeKind = 'notice' | 'reminder' | 'effective' | 'withdrawn';

export interface SubProcessorListDoc {
  id: string;
  pk: string;
  type: 'subProcessorList';
  /** Every published version, oldest first; the last is in force. */
  versions: (SubProcessorList & { changeId?: string })[];
  /** The changes already applied (so applying one again is harmless). */
  appliedChanges: string[];
  _etag?: string;
}

export interface SubProcessorChangeDoc {
  id: string;
  pk: string;
  type: 'subProcessorChange';
  changeId: string;
  instanceId: string;
  kind: ChangeKind;
  subProcessor: SubProcessorInput;
  effectiveAt: string;
  reason: string;
  noticePeriod: string;
  requestedAt: string;
  requestedBy: string;
  /** The list version the change was proposed against. */
  fromVersion: number;
  phase: ChangePhase;
  /** The tenants told, resolved once when the notices start: every tenant not deleted then. */
  tenants?: { resolvedAt: string; tenantIds: string[] };
  opsReminder?: { at: string; unanswered: number };
  effective?: { at: string; version: number };
  withdrawn?: { at: string; by: string; reason: string };
  /** Hash of the proposing request, to answer an idempotent retry. */
  requestHash?: string;
  _etag?: string;
}

/** One tenant's line of a change: when each message went out (times only, no address). */
export interface ChangeNoticeDoc {
  id: string;
  pk: string;
  type: 'subProcessorChangeNotice';
  changeId: string;
  tenantId: string;
  noticeAt?: string;
  reminderAt?: string;
  effectiveAt?: string;
  withdrawnAt?: string;
  /** The tenant was deleted before it could be told. */
  skippedAt?: string;
  _etag?: string;
}

export interface ObjectionDoc {
  id: string;
  pk: string;
  type: 'subProcessorObjection';
  changeId: string;
  tenantId: string;
  /** The reason is kept in the tenant's own data, in its region (TenantChangeRecordDoc.objection). */
  objectedAt: string;
  objectedBy: string;
  /** The confirmation to the tenant's privacy contacts and the message to ops went out. */
  confirmedAt?: string;
  opsToldAt?: string;
  answer?: { text: string; at: string; by: string; sentAt?: string };
  _etag?: string;
}

export function newChangeId(idempotencySeed?: string): string {
  const bytes = idempotencySeed ? createHash('sha256').update(`sub-processor-change|${idempotencySeed}`).digest().subarray(0, 8) : randomBytes(8);
  return `spc-${bytes.toString('hex')}`;
}
export const changeInstanceId = (changeId: string): string => `sub-processor-change-${changeId}`;

/** When the tenants are reminded and when ops are reminded of unanswered objections. */
export function changeMilestones(effectiveAt: Date): { tenantReminderAt: Date; opsReminderAt: Date } {
  return {
    tenantReminderAt: new Date(effectiveAt.getTime() - TENANT_REMINDER_BEFORE_MS),
    opsReminderAt: new Date(effectiveAt.getTime() - OPS_REMINDER_BEFORE_MS),
  };
}

/** The earliest instant a change proposed at `now` may take effect. */
export const earliestEffectiveAt = (now: Date, noticePeriodMs: number): Date => new Date(now.getTime() + noticePeriodMs);

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const objectionViewSchema = z
  .object({
    tenantId: z.string(),
    reason: z.string().nullable().meta({ description: "Kept in the objecting tenant's own data: null once that tenant is deleted" }),
    objectedAt: z.iso.datetime(),
    answer: z.object({ text: z.string(), at: z.iso.datetime(), by: z.string() }).optional(),
  })
  .meta({ id: 'SubProcessorObjection' });
export type ObjectionView = z.infer<typeof objectionViewSchema>;

export const changeViewSchema = z
  .object({
    changeId: z.string(),
    kind: z.enum(['add', 'remove', 'modify']),
    subProcessor: subProcessorViewSchema.omit({ since: true }),
    effectiveAt: z.iso.datetime(),
    reason: z.string(),
    phase: z.enum(CHANGE_PHASES.phases),
    requestedAt: z.iso.datetime(),
    requestedBy: z.string(),
    noticePeriod: z.string(),
    fromVersion: z.int(),
    tenantReminderAt: z.iso.datetime(),
    opsReminderAt: z.iso.datetime(),
    notices: z.object({ tenants: z.int(), sent: z.int(), reminded: z.int(), recordedEffective: z.int(), withdrawalsSent: z.int(), skipped: z.int() }),
    objections: z.object({ count: z.int(), unanswered: z.int(), items: z.array(objectionViewSchema) }),
    effective: z.object({ at: z.iso.datetime(), version: z.int() }).optional(),
    withdrawn: z.object({ at: z.iso.datetime(), by: z.string(), reason: z.string() }).optional(),
  })
  .meta({ id: 'SubProcessorChange', description: 'A sub-processor change with its notice and objection counts' });
export type ChangeView = z.infer<typeof changeViewSchema>;
export const changeListSchema = z.object({ changes: z.array(changeViewSchema) }).meta({ id: 'SubProcessorChangeList' });

/** `reasons`: each objecting tenant's reason, read from its own data (absent once the tenant is deleted). */
export function changeView(
  doc: SubProcessorChangeDoc,
  notices: readonly ChangeNoticeDoc[],
  objections: readonly ObjectionDoc[],
  reasons: ReadonlyMap<string, string>,
): ChangeView {
  const { tenantReminderAt, opsReminderAt } = changeMilestones(new Date(doc.effectiveAt));
  return {
    changeId: doc.changeId,
    kind: doc.kind,
    subProcessor: doc.subProcessor,
    effectiveAt: doc.effectiveAt,
    reason: doc.reason,
    phase: doc.phase,
    requestedAt: doc.requestedAt,
    requestedBy: doc.requestedBy,
    noticePeriod: doc.noticePeriod,
    fromVersion: doc.fromVersion,
    tenantReminderAt: tenantReminderAt.toISOString(),
    opsReminderAt: opsReminderAt.toISOString(),
    notices: {
      tenants: doc.tenants?.tenantIds.length ?? 0,
      sent: notices.filter((n) => n.noticeAt).length,
      reminded: notices.filter((n) => n.reminderAt).length,
      recordedEffective: notices.filter((n) => n.effectiveAt).length,
      withdrawalsSent: notices.filter((n) => n.withdrawnAt).length,
      skipped: notices.filter((n) => n.skippedAt).length,
    },
    objections: {
      count: objections.length,
      unanswered: objections.filter((o) => !o.answer).length,
      items: [...objections]
        .sort((a, b) => a.objectedAt.localeCompare(b.objectedAt))
        .map((o) => ({
          tenantId: o.tenantId,
          reason: reasons.get(o.tenantId) ?? null,
          objectedAt: o.objectedAt,
          ...(o.answer ? { answer: { text: o.answer.text, at: o.answer.at, by: o.answer.by } } : {}),
        })),
    },
    ...(doc.effective ? { effective: doc.effective } : {}),
    ...(doc.withdrawn ? { withdrawn: doc.withdrawn } : {}),
  };
}

export type { SubProcessor };
