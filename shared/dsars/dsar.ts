// A data-subject request (DSAR): what was asked (access, portability, rectification, erasure,
// restriction, objection), about whom, when and under which law, and where it stands. The request
// schema is the source of the types; personal data on the stored document is always ciphertext.
import { z } from 'zod';
import { isCalendarDate, parseInstant, parseJurisdiction, type CalendarDate, type DsarDeadline, type Jurisdiction } from '../deadlines/index.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import type { SubjectCounts } from '../exports/subject-package.js';
import type { DsarAction, DsarStatus } from './lifecycle.js';
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
export type DsarOutcome =
  | { kind: 'package'; subjectFound: boolean; jobId: string; files: number; rows: number; counts: SubjectCounts; generatedAt: string }
  | { kind: 'rectified'; subjectFound: boolean; changedFields: string[]; unchangedFields: string[] }
  | { kind: 'erased'; subjectFound: boolean; user: 'erased' | 'already-erased' | 'none'; recordsErased: Record<string, number>; referencingRecordsKept: number }
  | { kind: 'restricted'; subjectFound: boolean; since?: string }
  | { kind: 'routed-to-controller'; subjectFound: boolean; contacts: number };

export type StepKind = 'reminder-7d' | 'reminder-1d' | 'escalation' | 'close-unverified';

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

export interface DsarSummary {
  dsarId: string;
  type: DsarType;
  status: DsarStatus;
  receivedBy: ReceivedBy;
  receivedAt: string;
  dueOn: string;
  operationalTargetOn: string;
  extendedDueOn?: string;
  escalatedAt?: string;
  /** Whole days from today to the due date in the jurisdiction's calendar (negative once overdue); null while waiting on the person. */
  daysLeft: number | null;
}

export interface DsarView extends DsarSummary {
  open: boolean;
  recordedAt: string;
  jurisdiction: Jurisdiction;
  timeZone: string;
  legalDueOn: string;
  extensionNoticeBy: string;
  startsOn: string;
  clockStartedBy: DsarDeadline['clockStartedBy'];
  pausedDays: number;
  clarificationPauses: { from: string; to: string }[];
  explanation: readonly string[];
  subject: { userId?: string; email?: string; erased?: true };
  identityRequired: boolean;
  identityReceivedAt?: string;
  feeReceivedAt?: string;
  agentAuthorityReceivedAt?: string;
  changes?: RequestedChanges | 'erased';
  extension?: { at: string; reason: string };
  refusal?: { at: string; reason: string };
  /** Waiting on the person: no reminder or escalation; closed as not verified at `closesAt` if nothing comes. */
  awaiting?: { kind: 'identity' | 'clarification'; since: string; closesAt: string };
  /** Identity evidence and clarifications asked for, with what was asked. */
  asked: { kind: 'identity' | 'clarification'; at: string; answeredAt?: string; ask: string }[];
  /** When the workflow reminds and escalates for the deadline in force (see shared/dsars/schedule.ts). */
  schedule: { kind: StepKind; at: string; dueOn: string; done: boolean }[];
  fulfilment?: {
    state: 'requested' | 'completed' | 'failed';
    requestedAt: string;
    completedAt?: string;
    outcome?: DsarOutcome;
    changes?: Record<string, { from: unknown; to: unknown }>;
    failure?: { at: string; code: string };
  };
  /** Access and portability: fresh expiring links to the package (minted on each read; never stored). */
  package?: { expiresOn: string; manifest: string; files: Record<string, string> };
  restrictionLiftedAt?: string;
  possibleDuplicateOf?: string;
  duplicates: { at: string; receivedBy: ReceivedBy; receivedAt: string }[];
  notices: DsarNoticeRecord[];
  closedAt?: string;
  transitions: DsarTransition[];
  /** Present when this answer is an existing open request that a duplicate submission was linked to. */
  duplicateLinked?: true;
}
