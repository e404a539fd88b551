// A data-subject request (DSAR): what was asked (access, portability, rectification, erasure,
// restriction, objection), about whom, when and under which law, and where it stands. The request
// schema is the source of the types; personal data on the stored document is always ciphertext.
import { z } from 'zod';
import { isCalendarDate, JURISDICTIONS, parseInstant, parseJurisdiction, type CalendarDate, type DsarDeadline, type Jurisdiction } from '../deadlines/index.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { DSAR_ACTIONS, DSAR_STATUSES, type DsarAction, type DsarStatus } from './lifecycle.js';
import { MODULES } from '../records/record.js';
import { displayName, plainText, tenantIdSchema } from '../http/text.js';

export const DSAR_TYPES = ['access', 'portability', 'rectification', 'erasure', 'restriction', 'objection'] as const;
export type DsarType = (typeof DSAR_TYPES)[number];

/** Raised on the DSAR's orchestration whenever its deadline or status changed: it re-reads the request and re-plans. */
export const DSAR_CHANGED_EVENT = 'dsar-changed';

const userRef = z.string().regex(/^u-[0-9a-f]{20}$/, 'must be a user id (u-…)');

/** An instant with an explicit offset, checked by the deadline module's own parser (so 2025-02-29 is refused). */
export const instantSchema = z
  .string()
  .max(40)
  .refine((value) => {
    try {
      parseInstant(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be an ISO 8601 instant with an offset (Z or ±hh:mm), such as 2026-03-02T09:30:00Z');

const calendarDate = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');

const jurisdictionSchema = z.string().transform((value, ctx): Jurisdiction => {
  try {
    return parseJurisdiction(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'unknown jurisdiction' });
    return z.NEVER;
  }
});

/** The corrections a rectification request asks for: the user profile fields (null removes an optional one). */
export const requestedChangesSchema = z
  .strictObject({
    name: displayName(200).optional(),
    email: z.email({ message: 'must be an email address' }).max(320).optional(),
    role: plainText(100).nullable().optional(),
    department: plainText(200).nullable().optional(),
    avatarUrl: z.url({ protocol: /^https$/, message: 'must be an https URL' }).max(2048).nullable().optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'ask for at least one correction' });
export type RequestedChanges = z.infer<typeof requestedChangesSchema>;

export const createDsarSchema = z
  .strictObject({
    type: z.enum(DSAR_TYPES, { message: `must be one of ${DSAR_TYPES.join(', ')}` }),
    subject: z
      .strictObject({
        userId: userRef.optional(),
        email: z.email({ message: 'must be an email address' }).max(320).optional(),
      })
      .refine((s) => s.userId !== undefined || s.email !== undefined, { message: 'name the data subject by userId or email (or both)' }),
    receivedAt: instantSchema,
    jurisdiction: jurisdictionSchema,
    /** The organisation asked for identity evidence: the clock restarts when it arrives. */
    identityRequired: z.boolean().default(false),
    changes: requestedChangesSchema.optional(),
  })
  .superRefine((request, ctx) => {
    if (request.type === 'rectification' && request.changes === undefined) {
      ctx.addIssue({ code: 'custom', path: ['changes'], message: 'a rectification request says what to correct' });
    }
    if (request.type !== 'rectification' && request.changes !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['changes'], message: 'only a rectification request carries changes' });
    }
  });
export type CreateDsarRequest = z.infer<typeof createDsarSchema>;

export const identitySchema = z.strictObject({ receivedAt: instantSchema });
/** A fee (where one may be charged) or proof of an agent's authority, asked for and now received. */
export const evidenceSchema = z.strictObject({
  kind: z.enum(['fee', 'agent-authority'], { message: 'must be fee or agent-authority' }),
  receivedAt: instantSchema,
});
/** Identity evidence asked for after intake, with the reason (kept for the record). */
export const requestIdentitySchema = z.strictObject({ reason: plainText(2000, { multiline: true, required: 'say why identity evidence is needed' }) });
/** UK GDPR Art 12A: the clarification the controller reasonably requires to identify what the request is about. */
export const requestClarificationSchema = z.strictObject({ question: plainText(4000, { multiline: true, required: 'say what needs clarifying' }) });
export const clarificationSchema = z.strictObject({ receivedAt: instantSchema });
export const reasonSchema = z.strictObject({ reason: plainText(2000, { multiline: true, required: 'say why' }) });
export const pauseSchema = z
  .strictObject({ from: calendarDate, to: calendarDate })
  .refine((p) => !isCalendarDate(p.from) || !isCalendarDate(p.to) || p.to >= p.from, { message: 'must not be before from', path: ['to'] });

export const dsarParams = z.object({ tenantId: tenantIdSchema, dsarId: z.string().regex(/^d-[0-9a-f]{20}$/, 'must be a DSAR id (d-…)') });

export type ReceivedBy = 'controller' | 'vendor';

/** What fulfilment did, without personal data (values that changed are sealed in `detail`). */
const dsarOutcomeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('package'),
    subjectFound: z.boolean(),
    jobId: z.string(),
    files: z.int(),
    rows: z.int(),
    counts: z.object({ users: z.int(), records: z.record(z.enum(MODULES), z.int()), auditEntries: z.int() }),
    generatedAt: z.iso.datetime(),
  }),
  z.object({ kind: z.literal('rectified'), subjectFound: z.boolean(), changedFields: z.array(z.string()), unchangedFields: z.array(z.string()) }),
  z.object({
    kind: z.literal('erased'),
    subjectFound: z.boolean(),
    user: z.enum(['erased', 'already-erased', 'none']),
    recordsErased: z.record(z.string(), z.int()),
    referencingRecordsKept: z.int(),
  }),
  z.object({ kind: z.literal('restricted'), subjectFound: z.boolean(), since: z.iso.datetime().optional() }),
  z.object({ kind: z.literal('routed-to-controller'), subjectFound: z.boolean(), contacts: z.int() }),
]);
export type DsarOutcome = z.infer<typeof dsarOutcomeSchema>;

export const STEP_KINDS = ['reminder-7d', 'reminder-1d', 'escalation', 'close-unverified'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export interface DsarNoticeRecord {
  /** `forwarded`, `objection-routed`, or a workflow step (`reminder-7d`, `reminder-1d`, `escalation`, `close-unverified`). */
  kind: string;
  /** For deadline steps: the due date the step was for (a new deadline has its own steps). */
  dueOn?: string;
  sentAt: string;
  recipients: number;
  refused?: number;
}

export interface DsarTransition {
  at: string;
  /** `recorded` for the request's creation, otherwise the lifecycle action. */
  action: DsarAction | 'recorded';
  from: DsarStatus | null;
  to: DsarStatus;
  by: string;
}

export interface DsarClock {
  receivedAt: string;
  jurisdiction: Jurisdiction;
  identityEvidenceReceivedAt?: string;
  agentAuthorityReceivedAt?: string;
  feeReceivedAt?: string;
  clarificationPauses: { from: string; to: string }[];
  extended: boolean;
}

export interface DsarDoc extends StoredDoc {
  type: 'dsar';
  dsarId: string;
  instanceId: string;
  requestType: DsarType;
  status: DsarStatus;
  /** Derived from status, for the open-requests query. */
  open: boolean;
  receivedBy: ReceivedBy;
  recordedAt: string;
  recordedBy: string;
  subject: {
    /** The user account the data subject has in this tenant, when known. */
    userId?: string;
    /** `{ email? }` under the subject's key when the user is known, the tenant key otherwise. */
    sealed: EncryptedValue;
  };
  /** Id of the claim document that keeps a second open request of this type for this person out. */
  claimId: string;
  identityRequired: boolean;
  clock: DsarClock;
  /** The deadline in force, recomputed by the deadline module on every change of `clock`. */
  deadline: DsarDeadline;
  /** Rectification only: the requested corrections (sealed like the subject). */
  changes?: EncryptedValue;
  extension?: { at: string; by: string; reason: EncryptedValue };
  /** What the request waits for from the person, since when, and the status it returns to (absent when identity was asked for at intake). */
  awaiting?: { kind: 'identity' | 'clarification'; since: string; by: string; resume: 'received' | 'in-progress' | 'extended'; ask: EncryptedValue };
  /** Every identity or clarification asked for, answered or not (the asks are sealed like the request). */
  asked?: { kind: 'identity' | 'clarification'; at: string; by: string; answeredAt?: string; ask: EncryptedValue }[];
  refusal?: { at: string; by: string; reason: EncryptedValue };
  fulfilment?: {
    state: 'requested' | 'completed' | 'failed';
    requestedAt: string;
    requestedBy: string;
    completedAt?: string;
    outcome?: DsarOutcome;
    /** Personal detail of the outcome (rectification: from/to values), sealed. */
    detail?: EncryptedValue;
    /** Erasure: what is about to be erased, fixed before the first deletion so a re-run reports the same. */
    erasurePlan?: { user: 'erased' | 'already-erased' | 'none'; records: { module: string; recordId: string }[]; referencingRecordsKept: number };
    failure?: { at: string; code: string };
  };
  restrictionLiftedAt?: string;
  /** A vendor-received request about a person who already had an open request of this type (never linked by the vendor). */
  possibleDuplicateOf?: string;
  duplicates: { at: string; by: string; receivedBy: ReceivedBy; receivedAt: string }[];
  notices: DsarNoticeRecord[];
  escalatedAt?: string;
  closedAt?: string;
  transitions: DsarTransition[];
  version: number;
}

export interface DsarClaimDoc extends StoredDoc {
  type: 'dsarClaim';
  dsarId: string;
}

export const dsarDocId = (dsarId: string): string => `dsar:${dsarId}`;
export const dsarInstanceId = (tenantId: string, dsarId: string): string => `dsar-${tenantId}-${dsarId}`;
export const dsarAad = (dsarId: string, part: string): string => `dsar:${dsarId}|${part}`;
/** A package's job folder: `<tenantId>/dsar-<dsarId>/` in the `packages` container. */
export const dsarPackageJobId = (dsarId: string): string => `dsar-${dsarId}`;

export interface DsarRef {
  tenantId: string;
  dsarId: string;
}

export interface DeadlineView {
  jurisdiction: Jurisdiction;
  timeZone: string;
  receivedOn: CalendarDate;
  startsOn: CalendarDate;
  clockStartedBy: DsarDeadline['clockStartedBy'];
  pausedDays: number;
  legalDueOn: CalendarDate;
  operationalTargetOn: CalendarDate;
  extensionNoticeBy: CalendarDate;
  extendedDueOn?: CalendarDate;
  dueOn: CalendarDate;
  explanation: readonly string[];
}

// Responses (documented in the OpenAPI document; the view types are derived from them).
const dayOf = z.iso.date();
const receivedBySchema = z.enum(['controller', 'vendor']);
export const dsarSummarySchema = z
  .object({
    dsarId: z.string(),
    type: z.enum(DSAR_TYPES),
    status: z.enum(DSAR_STATUSES),
    receivedBy: receivedBySchema,
    receivedAt: z.iso.datetime({ offset: true }),
    dueOn: dayOf,
    operationalTargetOn: dayOf,
    extendedDueOn: dayOf.optional(),
    escalatedAt: z.iso.datetime().optional(),
    daysLeft: z
      .int()
      .nullable()
      .meta({
        description: "Whole days from today to the due date in the jurisdiction's calendar (negative once overdue); null while waiting on the person",
      }),
  })
  .meta({ id: 'DsarSummary' });
export type DsarSummary = z.infer<typeof dsarSummarySchema>;
export const dsarListSchema = z.object({ dsars: z.array(dsarSummarySchema) }).meta({ id: 'DsarList' });

const fieldChange = z.object({ from: z.unknown(), to: z.unknown() });
export const dsarViewSchema = dsarSummarySchema
  .extend({
    open: z.boolean(),
    recordedAt: z.iso.datetime(),
    jurisdiction: z.enum(JURISDICTIONS),
    timeZone: z.string(),
    legalDueOn: dayOf,
    extensionNoticeBy: dayOf,
    startsOn: dayOf,
    clockStartedBy: z.enum(['request', 'identity evidence', 'agent authority', 'fee']),
    pausedDays: z.int(),
    clarificationPauses: z.array(z.object({ from: dayOf, to: dayOf })),
    explanation: z.array(z.string()).readonly(),
    subject: z.object({ userId: z.string().optional(), email: z.string().optional(), erased: z.literal(true).optional() }),
    identityRequired: z.boolean(),
    identityReceivedAt: z.iso.datetime({ offset: true }).optional(),
    feeReceivedAt: z.iso.datetime({ offset: true }).optional(),
    agentAuthorityReceivedAt: z.iso.datetime({ offset: true }).optional(),
    changes: z
      .union([
        z.object({
          name: z.string().optional(),
          email: z.string().optional(),
          role: z.string().nullable().optional(),
          department: z.string().nullable().optional(),
          avatarUrl: z.string().nullable().optional(),
        }),
        z.literal('erased'),
      ])
      .optional(),
    extension: z.object({ at: z.iso.datetime(), reason: z.string() }).optional(),
    refusal: z.object({ at: z.iso.datetime(), reason: z.string() }).optional(),
    awaiting: z
      .object({ kind: z.enum(['identity', 'clarification']), since: z.iso.datetime(), closesAt: z.iso.datetime() })
      .optional()
      .meta({ description: 'Waiting on the person: no reminder or escalation; closed as not verified at closesAt if nothing comes' }),
    asked: z
      .array(
        z.object({ kind: z.enum(['identity', 'clarification']), at: z.iso.datetime(), answeredAt: z.iso.datetime().optional(), ask: z.string() }),
      )
      .meta({ description: 'Identity evidence and clarifications asked for, with what was asked' }),
    schedule: z
      .array(z.object({ kind: z.enum(STEP_KINDS), at: z.iso.datetime(), dueOn: dayOf, done: z.boolean() }))
      .meta({ description: 'When the workflow reminds and escalates for the deadline in force' }),
    fulfilment: z
      .object({
        state: z.enum(['requested', 'completed', 'failed']),
        requestedAt: z.iso.datetime(),
        completedAt: z.iso.datetime().optional(),
        outcome: dsarOutcomeSchema.optional(),
        changes: z.record(z.string(), fieldChange).optional(),
        failure: z.object({ at: z.iso.datetime(), code: z.string() }).optional(),
      })
      .optional(),
    package: z
      .object({ expiresOn: z.iso.datetime(), manifest: z.string(), files: z.record(z.string(), z.string()) })
      .optional()
      .meta({ description: 'Access and portability: fresh expiring links to the package (minted on each read; never stored)' }),
    restrictionLiftedAt: z.iso.datetime().optional(),
    possibleDuplicateOf: z.string().optional(),
    duplicates: z.array(z.object({ at: z.iso.datetime(), receivedBy: receivedBySchema, receivedAt: z.iso.datetime({ offset: true }) })),
    notices: z.array(
      z.object({ kind: z.string(), dueOn: dayOf.optional(), sentAt: z.iso.datetime(), recipients: z.int(), refused: z.int().optional() }),
    ),
    closedAt: z.iso.datetime().optional(),
    transitions: z.array(
      z.object({
        at: z.iso.datetime(),
        action: z.enum([...DSAR_ACTIONS, 'recorded']),
        from: z.enum(DSAR_STATUSES).nullable(),
        to: z.enum(DSAR_STATUSES),
        by: z.string(),
      }),
    ),
    duplicateLinked: z
      .literal(true)
      .optional()
      .meta({ description: 'Present when this answer is an existing open request that a duplicate submission was linked to' }),
  })
  .meta({ id: 'Dsar' });
export type DsarView = z.infer<typeof dsarViewSchema>;

/**
 * What vendor staff are told about a request they recorded: the same fields for every person,
 * known to the tenant or not, and nothing the controller holds (no user id, no other request).
 */
export const vendorReceiptSchema = z
  .object({
    dsarId: z.string(),
    type: z.enum(DSAR_TYPES),
    receivedBy: z.literal('vendor'),
    receivedAt: z.iso.datetime({ offset: true }),
    jurisdiction: z.enum(JURISDICTIONS),
    forwarding: z.literal('to the controller'),
  })
  .meta({ id: 'DsarVendorReceipt' });
export type VendorReceipt = z.infer<typeof vendorReceiptSchema>;
