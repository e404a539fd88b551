// The breach register (Art 33(5)): every breach with its facts, effects and remedial action, the
// updates, the clock alerts, and for each affected tenant when each notice was sent, how often it
// was re-sent and whether it was acknowledged. All of it is in the control plane, beside the breach
// (times and counts only: who received and who acknowledged stay in the tenant's own notice
// record), so the register outlives a tenant's deletion. Nothing is deleted.
import { z } from 'zod';
import { REGIONS } from '../config.js';
import { csvCell, toCsv, type CsvCell } from '../exports/csv.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { affectedTenantsView } from './affected-tenants.js';
import { clockAlertKindSchema } from './clock.js';
import {
  affectedTenantIds,
  BREACH_PHASES,
  CONTENT_FIELDS,
  contactPointViewSchema,
  INCIDENT_STATUSES,
  currentContent,
  joinedAt,
  noticeId,
  noticeSeqs,
  targetAt,
  tenantFactsThrough,
  type BreachDoc,
  type BreachStatus,
  type ChangeableField,
  type ClockAlertRecord,
  type ContactPoint,
  type IncidentStatus,
  type NoticeAlertRecord,
  type TrailEntry,
} from './breach.js';
import type { BreachStore } from './breach-store.js';
import { noticeStatusSchema, type NoticeStatus } from './notice.js';

export type BreachPhase = 'draft' | 'sending' | 'notified';

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const breachUpdateViewSchema = z
  .object({
    seq: z.int(),
    addedAt: z.iso.datetime(),
    addedBy: z.string(),
    information: z.string(),
    changed: z.array(z.enum(CONTENT_FIELDS)),
    noticeId: z
      .string()
      .nullable()
      .meta({ description: 'The notice that carries it: the initial one or its own update notice; null while the breach is a draft' }),
  })
  .meta({ id: 'BreachUpdate' });
export type BreachUpdateView = z.infer<typeof breachUpdateViewSchema>;

const tenantFiguresSchema = z.object({
  approxSubjects: z.int().nullable(),
  approxRecords: z.int().nullable(),
  categoriesOfData: z.array(z.string()).optional(),
  categoriesOfSubjects: z.array(z.string()).optional(),
});
const noticeAlertViewSchema = z.object({
  noticeId: z.string(),
  cause: z.enum(['unacknowledged', 'refused']),
  attempt: z.int().optional(),
  refused: z.int().optional(),
  at: z.iso.datetime(),
});
const tenantNoticesEntrySchema = z.object({
  tenantId: z.string(),
  region: z.enum(REGIONS).nullable(),
  addedBy: z.int().meta({ description: 'The update that added the tenant (0: affected from the start)' }),
  facts: tenantFiguresSchema.nullable().meta({ description: "The tenant's own figures as they stand (null while none were given)" }),
  awarenessToNoticeMinutes: z
    .number()
    .nullable()
    .meta({ description: "Minutes from awareness to the first send of the tenant's initial notice (null until sent)" }),
  notices: z.array(noticeStatusSchema),
  alerts: z.array(noticeAlertViewSchema).meta({ description: 'Ops were alerted that a notice may not have reached anyone' }),
  skipped: z.string().optional(),
});
export type TenantNoticesEntry = z.infer<typeof tenantNoticesEntrySchema>;

export const breachEntrySchema = z
  .object({
    breachId: z.string(),
    status: z.enum(BREACH_PHASES.phases),
    phase: z.enum(['draft', 'sending', 'notified']),
    openedAt: z.iso.datetime(),
    openedBy: z.string(),
    awareAt: z.iso.datetime(),
    awareAtGiven: z.string(),
    notifyBy: z.iso.datetime(),
    notifyTarget: z.iso.datetime().meta({ description: 'The internal target: after it, notices need a reason for the delay' }),
    notification: z
      .object({
        releasedAt: z.iso.datetime(),
        releasedBy: z.string(),
        late: z.boolean(),
        afterTarget: z.boolean(),
        delayReason: z.string().nullable(),
      })
      .nullable(),
    facts: z.object({
      summary: z.string(),
      nature: z.string(),
      categoriesOfData: z.array(z.string()),
      categoriesOfSubjects: z.array(z.string()),
      approxSubjects: z.int().nullable(),
      approxRecords: z.int().nullable(),
      tenantTotals: z
        .object({ approxSubjects: z.int(), approxRecords: z.int(), tenantsWithFigures: z.int() })
        .meta({ description: "The sum of the tenants' own figures given so far" }),
      occurredFrom: z.iso.datetime().nullable(),
      occurredTo: z.iso.datetime().nullable(),
      status: z.enum(INCIDENT_STATUSES).nullable().meta({ description: 'The incident: ongoing, contained or resolved' }),
    }),
    effects: z.object({ likelyConsequences: z.string() }),
    remedialAction: z.object({ measures: z.string() }),
    contactPoint: contactPointViewSchema,
    updates: z.array(breachUpdateViewSchema),
    affectedTenants: z.object({
      requested: z.union([z.array(z.string()), z.object({ region: z.enum(REGIONS) }), z.object({ all: z.literal(true) })]),
      resolvedAt: z.iso.datetime().nullable(),
      count: z.int().nullable(),
    }),
    clock: z.array(
      z.object({ kind: clockAlertKindSchema, audience: z.enum(['ops', 'escalation']), dueAt: z.iso.datetime(), sentAt: z.iso.datetime() }),
    ),
    tenants: z.array(tenantNoticesEntrySchema),
    trail: z.array(z.object({ at: z.iso.datetime(), actor: z.string(), action: z.string(), detail: z.string().optional() })),
    closed: z
      .object({ at: z.iso.datetime(), by: z.string(), outcome: z.string(), notifiable: z.boolean(), reasoning: z.string().nullable() })
      .nullable()
      .meta({ description: 'When and why ops concluded the breach; null while it is open' }),
  })
  .meta({ id: 'Breach', description: 'A breach as the register (Art 33(5)) records it' });
export type BreachEntry = z.infer<typeof breachEntrySchema>;
export const breachRegisterSchema = z.object({ breaches: z.array(breachEntrySchema) }).meta({ id: 'BreachRegister' });

/** A tenant's figures as the register shows them (the tenant is the row's; null while none were given). */
function tenantFigures(facts: ReturnType<typeof tenantFactsThrough>): TenantNoticesEntry['facts'] {
  if (!facts) return null;
  const { tenantId: _tenant, ...figures } = facts;
  return figures;
}

export function updateViews(doc: BreachDoc): BreachUpdateView[] {
  return doc.updates.map((u) => ({
    seq: u.seq,
    addedAt: u.addedAt,
    addedBy: u.addedBy,
    information: u.information,
    changed: Object.keys(u.changes) as ChangeableField[],
    noticeId: !doc.release ? null : u.seq <= doc.release.includesUpdates ? noticeId(doc.breachId, 0) : noticeId(doc.breachId, u.seq),
  }));
}

function tenantNotices(doc: BreachDoc, tenantId: string, recorded: Map<string, NoticeStatus>): TenantNoticesEntry {
  const skipped = doc.skipped.find((s) => s.tenantId === tenantId);
  const notices = noticeSeqs(doc).map(
    (seq): NoticeStatus =>
      recorded.get(`${tenantId}:${seq}`) ?? {
        noticeId: noticeId(doc.breachId, seq),
        seq,
        kind: seq === 0 ? 'initial' : 'update',
        firstSentAt: null,
        lastSentAt: null,
        resends: 0,
        recipients: 0,
        acknowledgedAt: null,
      },
  );
  const initialSentAt = notices.find((n) => n.seq === 0)?.firstSentAt ?? null;
  return {
    tenantId,
    region: parseTenantId(tenantId)?.region ?? null,
    addedBy: joinedAt(doc, tenantId),
    facts: tenantFigures(tenantFactsThrough(doc, tenantId, Number.MAX_SAFE_INTEGER)),
    awarenessToNoticeMinutes: initialSentAt ? Math.round((Date.parse(initialSentAt) - Date.parse(doc.awareAt)) / 60_000) : null,
    notices,
    alerts: (doc.noticeAlerts ?? []).filter((a) => a.tenantId === tenantId).map(({ tenantId: _t, ...alert }) => alert),
    ...(skipped ? { skipped: skipped.reason } : {}),
  };
}

export async function breachEntry(store: BreachStore, doc: BreachDoc): Promise<BreachEntry> {
  const tenantIds = affectedTenantIds(doc);
  const recorded = new Map((await store.noticeStatuses(doc.breachId)).map((s) => [`${s.tenantId}:${s.status.seq}`, s.status]));
  const tenants = tenantIds.map((id) => tenantNotices(doc, id, recorded));
  const initialDone = tenants.every((t) => t.skipped !== undefined || t.notices.some((n) => n.seq === 0 && n.firstSentAt !== null));
  const phase: BreachPhase = doc.status === 'draft' ? 'draft' : doc.resolved && initialDone ? 'notified' : 'sending';
  const content = currentContent(doc);
  const withFigures = tenants.filter((t) => t.facts !== null);
  return {
    breachId: doc.breachId,
    closed: doc.closed
      ? {
          at: doc.closed.at,
          by: doc.closed.by,
          outcome: doc.closed.outcome,
          notifiable: doc.closed.notifiable ?? true,
          reasoning: doc.closed.reasoning ?? null,
        }
      : null,
    status: doc.status,
    phase,
    openedAt: doc.openedAt,
    openedBy: doc.openedBy,
    awareAt: doc.awareAt,
    awareAtGiven: doc.awareAtGiven,
    notifyBy: doc.notifyBy,
    notifyTarget: targetAt(doc),
    notification: doc.release
      ? {
          releasedAt: doc.release.at,
          releasedBy: doc.release.by,
          late: doc.release.late,
          afterTarget: doc.release.afterTarget ?? doc.release.late,
          delayReason: doc.release.delayReason ?? null,
        }
      : null,
    facts: {
      summary: content.summary,
      nature: content.nature,
      categoriesOfData: content.categoriesOfData,
      categoriesOfSubjects: content.categoriesOfSubjects,
      approxSubjects: content.approxSubjects,
      approxRecords: content.approxRecords,
      tenantTotals: {
        approxSubjects: withFigures.reduce((sum, t) => sum + (t.facts!.approxSubjects ?? 0), 0),
        approxRecords: withFigures.reduce((sum, t) => sum + (t.facts!.approxRecords ?? 0), 0),
        tenantsWithFigures: withFigures.length,
      },
      occurredFrom: content.occurredFrom ?? null,
      occurredTo: content.occurredTo ?? null,
      status: content.status ?? null,
    },
    effects: { likelyConsequences: content.likelyConsequences },
    remedialAction: { measures: content.measures },
    contactPoint: doc.contactPoint,
    updates: updateViews(doc),
    affectedTenants: {
      requested: affectedTenantsView(doc.affectedTenants),
      resolvedAt: doc.resolved?.at ?? null,
      count: doc.resolved ? doc.resolved.tenantIds.length : null,
    },
    clock: doc.alerts,
    tenants,
    trail: doc.trail,
  };
}

export const REGISTER_COLUMNS = [
  'breachId',
  'status',
  'phase',
  'openedAt',
  'awareAt',
  'notifyBy',
  'noticesReleasedAt',
  'late',
  'delayReason',
  'summary',
  'nature',
  'categoriesOfData',
  'categoriesOfSubjects',
  'approxSubjects',
  'approxRecords',
  'occurredFrom',
  'occurredTo',
  'breachStatus',
  'closedNotNotifiable',
  'likelyConsequences',
  'measures',
  'contactPoint',
  'updates',
  'remindersSent',
  'tenantId',
  'tenantRegion',
  'tenantApproxSubjects',
  'tenantApproxRecords',
  'awarenessToNoticeMinutes',
  'noticeId',
  'noticeKind',
  'noticeFirstSentAt',
  'noticeLastSentAt',
  'resends',
  'recipients',
  'acknowledgedAt',
  'notDeliveredBecause',
  'opsAlerted',
] as const;

/** One row per breach, affected tenant and notice (a breach without tenants or notices still has its row). */
export function registerRows(entries: BreachEntry[]): CsvCell[][] {
  const rows: CsvCell[][] = [];
  for (const e of entries) {
    const breach: unknown[] = [
      e.breachId,
      e.status,
      e.phase,
      e.openedAt,
      e.awareAt,
      e.notifyBy,
      e.notification?.releasedAt ?? null,
      e.notification ? e.notification.late : null,
      e.notification?.delayReason ?? null,
      e.facts.summary,
      e.facts.nature,
      e.facts.categoriesOfData.join('; '),
      e.facts.categoriesOfSubjects.join('; '),
      e.facts.approxSubjects,
      e.facts.approxRecords,
      e.facts.occurredFrom,
      e.facts.occurredTo,
      e.facts.status,
      e.closed ? !e.closed.notifiable : null,
      e.effects.likelyConsequences,
      e.remedialAction.measures,
      `${e.contactPoint.name} <${e.contactPoint.email}>`,
      e.updates.length,
      e.clock.map((a) => `${a.kind} ${a.sentAt}`).join('; '),
    ];
    const tenantRows: unknown[][] = [];
    for (const t of e.tenants) {
      const tenant = [t.tenantId, t.region, t.facts?.approxSubjects ?? null, t.facts?.approxRecords ?? null, t.awarenessToNoticeMinutes];
      const alerted = (id: string): string | null => t.alerts.filter((a) => a.noticeId === id).map((a) => `${a.cause} ${a.at}`).join('; ') || null;
      if (t.notices.length === 0) tenantRows.push([...tenant, null, null, null, null, null, null, null, t.skipped ?? null, null]);
      for (const n of t.notices)
        tenantRows.push([
          ...tenant,
          n.noticeId,
          n.kind,
          n.firstSentAt,
          n.lastSentAt,
          n.resends,
          n.recipients,
          n.acknowledgedAt,
          t.skipped ?? null,
          alerted(n.noticeId),
        ]);
    }
    if (tenantRows.length === 0) tenantRows.push(Array.from({ length: 14 }, () => null));
    for (const tenantRow of tenantRows) rows.push([...breach, ...tenantRow].map(csvCell));
  }
  return rows;
}

/** The register as CSV (formula-looking cells are quoted as text: see shared/exports/csv.ts). */
export function registerCsv(entries: BreachEntry[]): string {
  return toCsv(REGISTER_COLUMNS, registerRows(entries), { bom: true });
}
