// A personal data breach as the vendor documents it (Art 33(3)-(5)): the facts, effects and remedial
// action, the contact point, the affected tenants, the 72-hour deadline, the phased updates and the
// clock alerts. It is a vendor-level record in the control plane (UK South): it holds no tenant's
// personal data and no contact of any tenant; what each tenant was sent lives in that tenant's data.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { REGIONS, type Region } from '../config.js';
import { phaseTable } from '../flows/phase-table.js';
import type { ClockAlertKind, ClockAudience } from './clock.js';
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

/** A list of tenant ids, or a selector resolved once, when the notices are sent. */
export const affectedTenantsSchema = z.union(
  [
    z.array(tenantIdSchema).min(1, 'name at least one tenant').max(10_000),
    z.strictObject({ region: z.enum(REGIONS) }),
    z.strictObject({ all: z.literal(true) }),
  ],
  { message: `must be a list of tenant ids, {"region": "${REGIONS.join('" | "')}"} or {"all": true}` },
);

export const openBreachSchema = z.strictObject({
  awareAt: instant,
  summary: text(200),
  nature: text(4000),
  categoriesOfData: categories.min(1, 'name at least one category of personal data'),
  categoriesOfSubjects: categories.default([]),
  approxSubjects: approximate,
  approxRecords: approximate,
  likelyConsequences: text(4000),
  measures: text(4000),
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
});

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
}
export const CONTENT_FIELDS = ['nature', 'categoriesOfData', 'categoriesOfSubjects', 'approxSubjects', 'approxRecords', 'likelyConsequences', 'measures'] as const;
export type ChangeableField = (typeof CONTENT_FIELDS)[number];

export type AffectedTenants = { kind: 'list'; tenantIds: string[] } | { kind: 'region'; region: Region } | { kind: 'all' };

/**
 * The lifecycle, the one table the record's `status` and the workflow's custom status read: a draft
 * (notices not sent; the clock alerts run) until ops release the notices, then notifying (notices
 * and update notices go out) until ops close it with its outcome (kept in `closed`).
 */
export const BREACH_PHASES = phaseTable('breach', { draft: ['notifying'], notifying: ['closed'], closed: [] });
export type BreachStatus = (typeof BREACH_PHASES.phases)[number];

export interface BreachUpdate {
  seq: number;
  addedAt: string;
  addedBy: string;
  information: string;
  changes: Partial<Pick<BreachContent, ChangeableField>>;
  /** Which request added it (Idempotency-Key), to answer a retry with the same update. */
  idempotency?: { docId: string; requestHash: string };
}

export interface BreachRelease {
  at: string;
  by: string;
  late: boolean;
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
  content: BreachContent;
  contactPoint: ContactPoint;
  affectedTenants: AffectedTenants;
  /** The affected tenants as resolved when the notices were sent (a selector is resolved once). */
  resolved?: { at: string; tenantIds: string[] };
  release?: BreachRelease;
  updates: BreachUpdate[];
  alerts: ClockAlertRecord[];
  /** Tenants that could not be notified (e.g. deleted since), by notice. */
  skipped: { tenantId: string; seq: number; reason: string; at: string }[];
  /** Who did what to this record, in order (the register's own trail; entries are only appended). */
  trail: TrailEntry[];
  /** How ops concluded it (status `closed`): no further updates; notices already sent keep their re-sends until acknowledged. */
  closed?: { at: string; by: string; outcome: string };
  /** Hash of the opening request when it came with an Idempotency-Key. */
  openRequestHash?: string;
  version: number;
  _etag?: string;
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
