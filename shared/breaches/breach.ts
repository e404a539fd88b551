// A personal data breach as the vendor documents it (Art 33(3)-(5)): the facts, effects and remedial
// action, the contact point, the affected tenants, the 72-hour deadline, the phased updates and the
// clock alerts. It is a vendor-level record in the control plane (UK South): it holds no tenant's
// personal data and no contact of any tenant; what each tenant was sent lives in that tenant's data.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { REGIONS, type Region } from '../config.js';
import { phaseTable } from '../flows/phase-table.js';
import { DEFAULT_NOTIFY_TARGET_MS, type ClockAlertKind, type ClockAudience } from './clock.js';
import { displayName, plainText, tenantIdSchema } from '../http/text.js';

// ---- requests --------------------------------------------------------------------------------

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with an offset (Z or ±hh:mm)' });
const text = (max: number) => plainText(max, { multiline: true });
/** An approximate number; null while it is not yet known ("where possible", Art 33(3)(a)). */
const approximate = z.number({ message: 'must be a whole number, or null while unknown' }).int().min(0).max(1e12).nullable();
const categories = z.array(text(200)).max(50);

export const contactPointSchema = z.strictObject({
  name: displayName(200),
  email: z.email({ message: 'must be an email address' }).max(320),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{3,40}$/, 'must be a telephone number').optional(),
});
export type ContactPoint = z.infer<typeof contactPointSchema>;
export const contactPointViewSchema = z.object({ name: z.string(), email: z.string(), phone: z.string().optional() });

/**
 * One tenant's own figures and categories (Art 33(3)(a)): what its notices say, so a tenant learns its
 * own numbers for its own notification and never another customer's or a vendor-wide total.
 */
export const tenantFactsSchema = z.strictObject({
  tenantId: tenantIdSchema,
  approxSubjects: approximate,
  approxRecords: approximate,
  categoriesOfData: categories.min(1, 'name at least one category of personal data').optional(),
  categoriesOfSubjects: categories.optional(),
});
export type TenantFactsRequest = z.infer<typeof tenantFactsSchema>;

/** A tenant named by its id alone, or with its own figures. */
const affectedTenantSchema = z.union([tenantIdSchema, tenantFactsSchema], {
  message: 'must be a tenant id or {"tenantId", "approxSubjects", "approxRecords", …}',
});
export type AffectedTenantRequest = z.infer<typeof affectedTenantSchema>;

/** A list of tenants (ids, or ids with their own figures), or a selector resolved once, when the notices are sent. */
export const affectedTenantsSchema = z.union(
  [
    z.array(affectedTenantSchema).min(1, 'name at least one tenant').max(10_000),
    z.strictObject({ region: z.enum(REGIONS) }),
    z.strictObject({ all: z.literal(true) }),
  ],
  { message: `must be a list of tenant ids (or {"tenantId", "approxSubjects", "approxRecords"}), {"region": "${REGIONS.join('" | "')}"} or {"all": true}` },
);

/** Where the breach stands: still happening, stopped from spreading, or over. */
export const INCIDENT_STATUSES = ['ongoing', 'contained', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
const incidentStatus = z.enum(INCIDENT_STATUSES, { message: `must be one of ${INCIDENT_STATUSES.join(', ')}` });

export const openBreachSchema = z.strictObject({
  awareAt: instant,
  summary: text(200),
  nature: text(4000),
  categoriesOfData: categories.min(1, 'name at least one category of personal data'),
  categoriesOfSubjects: categories.default([]),
  /** The vendor-wide totals (the register's); each tenant's notice carries only its own figures. */
  approxSubjects: approximate.optional(),
  approxRecords: approximate.optional(),
  likelyConsequences: text(4000),
  measures: text(4000),
  /** When the breach began and ended; null while unknown. */
  occurredFrom: instant.nullable().default(null),
  occurredTo: instant.nullable().default(null),
  status: incidentStatus.default('ongoing'),
  /** Defaults to the vendor's DPO (settings DPO_NAME, DPO_EMAIL). */
  contactPoint: contactPointSchema.optional(),
  affectedTenants: affectedTenantsSchema,
  /** Open without notifying yet (facts still being gathered); the 72-hour clock runs regardless. */
  draft: z.boolean().default(false),
  /** Required when notices go out after notifyBy (Art 33(1)). */
  delayReason: text(2000).optional(),
});
export type OpenBreachRequest = z.infer<typeof openBreachSchema>;

export const notifyBreachSchema = z.strictObject({
  delayReason: text(2000).optional(),
});
export type NotifyBreachRequest = z.infer<typeof notifyBreachSchema>;

export const closeBreachSchema = z.strictObject({
  /** What was done and concluded (the register's remedial action and effects, in the end). */
  outcome: plainText(5000, { multiline: true, required: 'say how the breach was concluded' }),
  /** false closes a draft found not to be notifiable (Art 33(1): unlikely to result in a risk), with the reasoning (Art 33(5)). */
  notifiable: z.boolean().default(true),
  reasoning: text(5000).optional(),
});
export type CloseBreachRequest = z.infer<typeof closeBreachSchema>;

/** Phased information (Art 33(4)): new information, and any facts it changes. */
export const breachUpdateSchema = z.strictObject({
  information: text(4000),
  nature: text(4000).optional(),
  categoriesOfData: categories.min(1).optional(),
  categoriesOfSubjects: categories.optional(),
  approxSubjects: approximate.optional(),
  approxRecords: approximate.optional(),
  likelyConsequences: text(4000).optional(),
  measures: text(4000).optional(),
  occurredFrom: instant.nullable().optional(),
  occurredTo: instant.nullable().optional(),
  status: incidentStatus.optional(),
  /** Figures per tenant given (or corrected) later, e.g. for tenants chosen by a selector. */
  tenantFacts: z.array(tenantFactsSchema).max(10_000).optional(),
  /** Tenants found to be affected later: they get the initial notice and every update so far. */
  addTenants: z.array(affectedTenantSchema).min(1).max(10_000).optional(),
});
export type BreachUpdateRequest = z.infer<typeof breachUpdateSchema>;

export const registerQuerySchema = z.strictObject({ format: z.enum(['json', 'csv']).default('json') });

// ---- the record ------------------------------------------------------------------------------

/** Art 33(3)(a), (c), (d): the facts, their likely effects and the measures. */
export interface BreachContent {
  summary: string;
  nature: string;
  categoriesOfData: string[];
  categoriesOfSubjects: string[];
  approxSubjects: number | null;
  approxRecords: number | null;
  likelyConsequences: string;
  measures: string;
  /** Absent on records opened before the breach window and status were kept. */
  occurredFrom?: string | null;
  occurredTo?: string | null;
  status?: IncidentStatus;
}
export const CONTENT_FIELDS = [
  'nature',
  'categoriesOfData',
  'categoriesOfSubjects',
  'approxSubjects',
  'approxRecords',
  'likelyConsequences',
  'measures',
  'occurredFrom',
  'occurredTo',
  'status',
] as const;
export type ChangeableField = (typeof CONTENT_FIELDS)[number];

export type AffectedTenants = { kind: 'list'; tenantIds: string[] } | { kind: 'region'; region: Region } | { kind: 'all' };

/** One tenant's figures as given at update `seq` (0: when the breach was opened). The latest given wins. */
export interface TenantFacts {
  tenantId: string;
  seq: number;
  approxSubjects: number | null;
  approxRecords: number | null;
  categoriesOfData?: string[];
  categoriesOfSubjects?: string[];
}

/** A tenant found to be affected by update `seq`. */
export interface AddedTenant {
  tenantId: string;
  seq: number;
}

/**
 * The lifecycle, the one table the record's `status` and the workflow's custom status read: a draft
 * (notices not sent; the clock alerts run) until ops release the notices, then notifying (notices
 * and update notices go out) until ops close it with its outcome (kept in `closed`).
 */
export const BREACH_PHASES = phaseTable('breach', { draft: ['notifying', 'closed'], notifying: ['closed'], closed: [] });
export type BreachStatus = (typeof BREACH_PHASES.phases)[number];

export interface BreachUpdate {
  seq: number;
  addedAt: string;
  addedBy: string;
  information: string;
  changes: Partial<Pick<BreachContent, ChangeableField>>;
  /** Tenants found to be affected by this update. */
  addedTenants?: string[];
  /** Tenants whose own figures this update gives or corrects. */
  tenantFigures?: string[];
  /** Which request added it (Idempotency-Key), to answer a retry with the same update. */
  idempotency?: { docId: string; requestHash: string };
}

export interface BreachRelease {
  at: string;
  by: string;
  /** After the 72-hour promise (notifyBy). */
  late: boolean;
  /** After the internal target: the delay reason was required (absent on older records). */
  afterTarget?: boolean;
  delayReason?: string;
  /** Updates added before the release are part of the initial notice; later ones get update notices. */
  includesUpdates: number;
}

export interface ClockAlertRecord {
  kind: ClockAlertKind;
  audience: ClockAudience;
  dueAt: string;
  sentAt: string;
}

/** Ops were told that a tenant's notice may not have reached anyone (tenant and notice only). */
export interface NoticeAlertRecord {
  tenantId: string;
  noticeId: string;
  cause: 'unacknowledged' | 'refused';
  /** For a refusal: which send, and how many addresses were refused. */
  attempt?: number;
  refused?: number;
  at: string;
}

export interface TrailEntry {
  at: string;
  actor: string;
  action: string;
  detail?: string;
}

export interface BreachDoc {
  id: string;
  /** Partition key of the control container: the breach id. */
  pk: string;
  type: 'breach';
  breachId: string;
  instanceId: string;
  status: BreachStatus;
  openedAt: string;
  openedBy: string;
  /** As given (with its offset), and normalised to UTC. */
  awareAtGiven: string;
  awareAt: string;
  notifyBy: string;
  /** The internal notification target in force when it was opened (BREACH_NOTIFY_TARGET), in ms after awareness; absent on older records (24 hours). */
  notifyTargetMs?: number;
  content: BreachContent;
  contactPoint: ContactPoint;
  affectedTenants: AffectedTenants;
  /** Each tenant's own figures, in the order given (absent on older records). */
  tenantFacts?: TenantFacts[];
  /** Tenants added by updates (absent on older records). */
  addedTenants?: AddedTenant[];
  /** The affected tenants as resolved when the notices were sent (a selector is resolved once). */
  resolved?: { at: string; tenantIds: string[] };
  release?: BreachRelease;
  updates: BreachUpdate[];
  alerts: ClockAlertRecord[];
  /** Tenants that could not be notified (e.g. deleted since), by notice. */
  skipped: { tenantId: string; seq: number; reason: string; at: string }[];
  /** Notices ops were alerted about (absent on older records). */
  noticeAlerts?: NoticeAlertRecord[];
  /** Who did what to this record, in order (the register's own trail; entries are only appended). */
  trail: TrailEntry[];
  /** How ops concluded it (status `closed`): no further updates; notices already sent keep their re-sends until acknowledged. */
  closed?: { at: string; by: string; outcome: string; notifiable: boolean; reasoning?: string };
  /** Hash of the opening request when it came with an Idempotency-Key. */
  openRequestHash?: string;
  version: number;
  _etag?: string;
}

/** The breach's internal target after awareness: after it, notices need a reason for the delay. */
export function targetMsOf(breach: Pick<BreachDoc, 'notifyTargetMs'>): number {
  return breach.notifyTargetMs ?? DEFAULT_NOTIFY_TARGET_MS;
}

/** The instant the internal target passes. */
export function targetAt(breach: Pick<BreachDoc, 'notifyTargetMs' | 'awareAt'>): string {
  return new Date(Date.parse(breach.awareAt) + targetMsOf(breach)).toISOString();
}

// ---- ids and events --------------------------------------------------------------------------

/** A new breach id; with an idempotency seed (caller + key) a retried request lands on the same one. */
export function newBreachId(idempotencySeed?: string): string {
  const bytes = idempotencySeed ? createHash('sha256').update(`breach|${idempotencySeed}`).digest().subarray(0, 10) : randomBytes(10);
  return `b-${bytes.toString('hex')}`;
}
export const BREACH_ID = /^b-[0-9a-f]{20}$/;

export const breachInstanceId = (breachId: string): string => `breach-${breachId}`;
/** A notice is one message of a breach to a tenant: seq 0 is the initial notice, seq n the update n. */
export const noticeId = (breachId: string, seq: number): string => `${breachId}-n${seq}`;
export function parseNoticeId(value: string): { breachId: string; seq: number } | undefined {
  const m = /^(b-[0-9a-f]{20})-n(\d{1,4})$/.exec(value);
  return m ? { breachId: m[1]!, seq: Number(m[2]) } : undefined;
}
export const noticeInstanceId = (breachId: string, tenantId: string, seq: number): string => `breach-${breachId}-${tenantId}-n${seq}`;

/** Raised on the breach workflow when ops release the notices of a draft. */
export const RELEASE_EVENT = 'notices-released';
/**
 * Raised on the breach workflow when update `seq` is added after the release. One name per update:
 * each name is awaited once, so a wake-up can never be taken by a waiter that lost an earlier race.
 */
export const updateEvent = (seq: number): string => `update-added-${seq}`;
/** Raised on the breach workflow when ops close the breach: it stops waiting for updates. */
export const CLOSE_EVENT = 'breach-closed';
/** Raised on a tenant's notice workflow when the tenant acknowledges the notice. */
export const ACKNOWLEDGE_EVENT = 'notice-acknowledged';

// ---- pure rules ------------------------------------------------------------------------------

/** The notices (by seq) due after the release, beyond `after`: the initial one and one per later update. */
export function noticeSeqsDue(breach: Pick<BreachDoc, 'release' | 'updates'>, after: number): number[] {
  if (!breach.release) return [];
  const includes = breach.release.includesUpdates;
  const seqs = [0, ...breach.updates.filter((u) => u.seq > includes).map((u) => u.seq)];
  return seqs.filter((seq) => seq > after);
}

/**
 * The notices due beyond `after` to tenants added by updates: a tenant added by update j gets every
 * notice so far (the initial one included) when update j goes out, or at the release if j was added
 * while the breach was a draft, and every later update with everyone else.
 */
export function addedTenantNoticesDue(breach: Pick<BreachDoc, 'release' | 'updates' | 'addedTenants'>, after: number): { tenantId: string; seq: number }[] {
  if (!breach.release) return [];
  const includes = breach.release.includesUpdates;
  const due = new Set(noticeSeqsDue(breach, after));
  const pairs: { tenantId: string; seq: number }[] = [];
  for (const added of breach.addedTenants ?? []) {
    const joins = added.seq <= includes ? 0 : added.seq;
    for (const seq of noticeSeqs(breach)) if (due.has(Math.max(seq, joins))) pairs.push({ tenantId: added.tenantId, seq });
  }
  return pairs;
}

/** The update that added `tenantId` (0 for a tenant affected from the start). */
export function joinedAt(breach: Pick<BreachDoc, 'addedTenants'>, tenantId: string): number {
  return breach.addedTenants?.find((a) => a.tenantId === tenantId)?.seq ?? 0;
}

/** A breach that affects one named tenant only: its totals are that tenant's figures. */
export function singleTenant(breach: Pick<BreachDoc, 'affectedTenants' | 'addedTenants'>): boolean {
  return breach.affectedTenants.kind === 'list' && breach.affectedTenants.tenantIds.length === 1 && (breach.addedTenants ?? []).length === 0;
}

/** A tenant's own figures and categories as given up to update `throughSeq`, or undefined if none were given. */
export function tenantFactsThrough(breach: Pick<BreachDoc, 'tenantFacts'>, tenantId: string, throughSeq: number): Omit<TenantFacts, 'seq'> | undefined {
  let facts: Omit<TenantFacts, 'seq'> | undefined;
  for (const entry of breach.tenantFacts ?? []) {
    if (entry.tenantId !== tenantId || entry.seq > throughSeq) continue;
    const { seq: _seq, ...given } = entry;
    facts = { ...facts, ...given };
  }
  return facts;
}

/**
 * What the record said to one tenant through update `throughSeq`: the breach-wide facts with the
 * tenant's own figures and categories. A tenant whose figures are not given yet reads "not yet
 * known", never the vendor-wide total (unless it is the only tenant affected).
 */
export function tenantContentThrough(
  breach: Pick<BreachDoc, 'content' | 'updates' | 'tenantFacts' | 'affectedTenants' | 'addedTenants'>,
  tenantId: string,
  throughSeq: number,
): BreachContent {
  const content = contentThrough(breach, throughSeq);
  const own = tenantFactsThrough(breach, tenantId, Math.max(throughSeq, joinedAt(breach, tenantId)));
  if (!own) return singleTenant(breach) ? content : { ...content, approxSubjects: null, approxRecords: null };
  return {
    ...content,
    approxSubjects: own.approxSubjects,
    approxRecords: own.approxRecords,
    ...(own.categoriesOfData ? { categoriesOfData: own.categoriesOfData } : {}),
    ...(own.categoriesOfSubjects ? { categoriesOfSubjects: own.categoriesOfSubjects } : {}),
  };
}

/** Every tenant named so far: the original list (or its resolution) and those added by updates. */
export function affectedTenantIds(breach: Pick<BreachDoc, 'affectedTenants' | 'resolved' | 'addedTenants'>): string[] {
  const original = breach.resolved?.tenantIds ?? (breach.affectedTenants.kind === 'list' ? breach.affectedTenants.tenantIds : []);
  return [...original, ...(breach.addedTenants ?? []).map((a) => a.tenantId).filter((id) => !original.includes(id))];
}

/** Every notice seq sent or to be sent so far. */
export function noticeSeqs(breach: Pick<BreachDoc, 'release' | 'updates'>): number[] {
  return noticeSeqsDue(breach, -1);
}

/** What the breach record said once the updates up to `throughSeq` were added. */
export function contentThrough(breach: Pick<BreachDoc, 'content' | 'updates'>, throughSeq: number): BreachContent {
  let content = { ...breach.content };
  for (const update of breach.updates) if (update.seq <= throughSeq) content = { ...content, ...update.changes };
  return content;
}

/** The facts as they stand now. */
export function currentContent(breach: Pick<BreachDoc, 'content' | 'updates'>): BreachContent {
  return contentThrough(breach, Number.MAX_SAFE_INTEGER);
}

export function changesOf(request: BreachUpdateRequest): BreachUpdate['changes'] {
  const changes: BreachUpdate['changes'] = {};
  for (const field of CONTENT_FIELDS) {
    const value = request[field];
    if (value !== undefined) (changes as Record<string, unknown>)[field] = value;
  }
  return changes;
}
