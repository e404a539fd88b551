// A support-access grant (the lockbox): a support engineer asks for read access to one tenant, for
// a reason and a ticket, with scopes and a duration; the tenant's admin approves or denies it; it is
// active from approval until its duration has passed, unless revoked first; a request nobody
// decides lapses after 24 hours. Break-glass is active at once for at most an hour and must be
// reviewed by the tenant afterwards. The lifecycle is this one phase table. Schemas and pure rules.
import { z } from 'zod';
import { GRANT_SCOPES, type GrantScope } from '../auth/policy.js';
import { phaseTable } from '../flows/phase-table.js';
import { plainText } from '../http/text.js';
import type { CsvColumn } from '../exports/writers.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { isCountryCode, transferSchema, type Transfer } from './transfer.js';

export const GRANT_PHASES = phaseTable('support-grant', {
  pending: ['active', 'denied', 'expired', 'revoked'],
  active: ['expired', 'revoked'],
  denied: [],
  expired: [],
  revoked: [],
});
export type GrantStatus = (typeof GRANT_PHASES.phases)[number];

/** How long a request waits for the tenant's decision before it lapses. */
export const PENDING_LIFETIME_MS = 24 * 3600_000;
export const MAX_DURATION_MS = 8 * 3600_000;
export const MAX_EMERGENCY_DURATION_MS = 3600_000;

/** An ISO 8601 duration in hours and minutes (`PT4H`, `PT30M`, `PT1H30M`), in milliseconds; undefined if it is not one. */
export function durationMs(iso: string): number | undefined {
  const m = /^PT(?:(\d{1,2})H)?(?:(\d{1,3})M)?$/.exec(iso);
  if (!m || (m[1] === undefined && m[2] === undefined)) return undefined;
  return (Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60_000;
}

const countryCode = z.string().refine(isCountryCode, 'must be an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US)');

export const requestGrantSchema = z
  .strictObject({
    reason: plainText(1000, { multiline: true }),
    ticket: plainText(100),
    scope: z
      .array(z.enum(GRANT_SCOPES, { message: `must be one of ${GRANT_SCOPES.join(', ')}` }))
      .min(1, 'name at least one scope')
      .max(GRANT_SCOPES.length)
      .refine((scopes) => new Set(scopes).size === scopes.length, 'must not repeat a scope'),
    duration: z.string().refine((d) => durationMs(d) !== undefined && durationMs(d)! > 0, 'must be an ISO 8601 duration in hours and minutes, e.g. PT4H'),
    origin: countryCode,
    emergency: z.boolean().default(false),
  })
  .superRefine((request, ctx) => {
    const ms = durationMs(request.duration);
    if (ms === undefined) return;
    const max = request.emergency ? MAX_EMERGENCY_DURATION_MS : MAX_DURATION_MS;
    if (ms > max)
      ctx.addIssue({
        code: 'custom',
        path: ['duration'],
        message: request.emergency ? 'a break-glass grant lasts at most PT1H' : 'must be at most PT8H',
      });
  });
export type RequestGrant = z.infer<typeof requestGrantSchema>;

export const denyGrantSchema = z.strictObject({ reason: plainText(1000, { multiline: true }) });
export const revokeGrantSchema = z.strictObject({ reason: plainText(1000, { multiline: true }).optional() });
export const reviewGrantSchema = z.strictObject({
  outcome: z.enum(['justified', 'not-justified'], { message: 'must be justified or not-justified' }),
  notes: plainText(2000, { multiline: true }),
});

export const GRANT_ID_PATTERN = /^g-[0-9a-f]{16}$/;
export const grantIdSchema = z.string().regex(GRANT_ID_PATTERN, 'must be a grant id (g-…)');

export interface GrantDoc extends StoredDoc {
  type: 'supportGrant';
  grantId: string;
  instanceId: string;
  /** The engineer's id (`sub`): no other personal data of theirs is kept. */
  engineer: string;
  reason: string;
  ticket: string;
  scopes: GrantScope[];
  duration: string;
  emergency: boolean;
  origin: { country: string; source: 'token' | 'declared'; declared: string };
  /** Null when the origin is inside the tenant's region's geography. */
  transfer: Transfer | null;
  status: GrantStatus;
  requestedAt: string;
  /** A pending request lapses here. */
  decideBy: string;
  decidedAt?: string;
  decidedBy?: string;
  denialReason?: string;
  activatedAt?: string;
  /** The grant is refused from this instant on, whatever its status says. */
  expiresAt?: string;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
  /** Break-glass only: the tenant's review after the fact. */
  review?: z.infer<typeof reviewSchema>;
  version: number;
}

const reviewSchema = z.object({
  required: z.literal(true),
  reviewedAt: z.string().optional(),
  reviewedBy: z.string().optional(),
  outcome: z.enum(['justified', 'not-justified']).optional(),
  notes: z.string().optional(),
});

/** A grant as the API shows it (and the schema of the OpenAPI response). */
export const grantViewSchema = z.object({
  grantId: z.string(),
  tenantId: z.string(),
  engineer: z.string().describe("The support engineer's id (token subject); nothing else about them is kept"),
  reason: z.string(),
  ticket: z.string(),
  scope: z.array(z.enum(GRANT_SCOPES)),
  duration: z.string(),
  emergency: z.boolean(),
  origin: z.object({ country: z.string(), source: z.enum(['token', 'declared']), declared: z.string() }),
  transfer: transferSchema.nullable(),
  status: z.enum(GRANT_PHASES.phases).describe('As of the request, by the clock: a grant past its expiresAt shows expired before its timer records it'),
  requestedAt: z.string(),
  decideBy: z.string(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  denialReason: z.string().optional(),
  activatedAt: z.string().optional(),
  expiresAt: z.string().optional(),
  endedAt: z.string().optional(),
  endedBy: z.string().optional(),
  endReason: z.string().optional(),
  review: reviewSchema.optional(),
});
export type GrantView = z.infer<typeof grantViewSchema>;
export const grantListSchema = z.object({ grants: z.array(grantViewSchema) });

export const grantDocId = (grantId: string): string => `support-grant:${grantId}`;
export const grantInstanceId = (tenantId: string, grantId: string): string => `support-grant-${tenantId}-${grantId}`;

/** Whether the grant lets its engineer in at `now`: checked on every request, whatever the timer did. */
export function isActiveAt(grant: Pick<GrantDoc, 'status' | 'expiresAt'>, now: Date): boolean {
  return grant.status === 'active' && grant.expiresAt !== undefined && now.getTime() < Date.parse(grant.expiresAt);
}

/** The status the grant has at `now` by the clock alone (a timer that fired late changes nothing). */
export function statusAt(grant: Pick<GrantDoc, 'status' | 'expiresAt' | 'decideBy'>, now: Date): GrantStatus {
  if (grant.status === 'pending' && now.getTime() >= Date.parse(grant.decideBy)) return 'expired';
  if (grant.status === 'active' && !isActiveAt(grant, now)) return 'expired';
  return grant.status;
}

export function viewOfGrant(doc: GrantDoc, now: Date): GrantView {
  const optional = <K extends keyof GrantDoc>(key: K) => (doc[key] !== undefined ? { [key]: doc[key] } : {});
  return {
    grantId: doc.grantId,
    tenantId: doc.tenantId,
    engineer: doc.engineer,
    reason: doc.reason,
    ticket: doc.ticket,
    scope: doc.scopes,
    duration: doc.duration,
    emergency: doc.emergency,
    origin: doc.origin,
    transfer: doc.transfer,
    status: statusAt(doc, now),
    requestedAt: doc.requestedAt,
    decideBy: doc.decideBy,
    ...optional('decidedAt'),
    ...optional('decidedBy'),
    ...optional('denialReason'),
    ...optional('activatedAt'),
    ...optional('expiresAt'),
    ...optional('endedAt'),
    ...optional('endedBy'),
    ...optional('endReason'),
    ...optional('review'),
  } as GrantView;
}

/** CSV columns of the grants list (the same for the API and the tenant's export). */
export const GRANT_COLUMNS: readonly CsvColumn<GrantView>[] = [
  { header: 'grantId', value: (g) => g.grantId },
  { header: 'status', value: (g) => g.status },
  { header: 'emergency', value: (g) => g.emergency },
  { header: 'engineer', value: (g) => g.engineer },
  { header: 'ticket', value: (g) => g.ticket },
  { header: 'reason', value: (g) => g.reason },
  { header: 'scope', value: (g) => g.scope.join(' ') },
  { header: 'duration', value: (g) => g.duration },
  { header: 'origin', value: (g) => g.origin.country },
  { header: 'originSource', value: (g) => g.origin.source },
  { header: 'transferBasis', value: (g) => g.transfer?.basis ?? null },
  { header: 'transferInstrument', value: (g) => g.transfer?.instrument ?? null },
  { header: 'tiaReference', value: (g) => g.transfer?.tiaReference ?? null },
  { header: 'requestedAt', value: (g) => g.requestedAt },
  { header: 'decidedAt', value: (g) => g.decidedAt ?? null },
  { header: 'decidedBy', value: (g) => g.decidedBy ?? null },
  { header: 'denialReason', value: (g) => g.denialReason ?? null },
  { header: 'activatedAt', value: (g) => g.activatedAt ?? null },
  { header: 'expiresAt', value: (g) => g.expiresAt ?? null },
  { header: 'endedAt', value: (g) => g.endedAt ?? null },
  { header: 'endedBy', value: (g) => g.endedBy ?? null },
  { header: 'reviewedAt', value: (g) => g.review?.reviewedAt ?? null },
  { header: 'reviewOutcome', value: (g) => g.review?.outcome ?? null },
];
