// Audits by the customer (DPA §11): on-site or remote, "no more than once annually unless justified".
// A request is recorded in the tenant's own data (audited); one made within 12 months of the last is
// refused with the date the next one is allowed, unless ops.platform records a justification.
// Documentation (the evidence pack) is on demand and not limited.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { can } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { addMonthsClamped, isCalendarDate, type CalendarDate } from '../deadlines/index.js';
import { calendarDateInZone } from '../deadlines/instant.js';
import { ConflictError, ForbiddenError } from '../errors.js';
import { problemSchema } from '../http/problem.js';
import { plainText } from '../http/text.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import type { IdempotencyOptions } from '../store/unit-of-work.js';
import { workInTenant, type OpenTenant, type RequestMeta } from '../tenants/tenant-access.js';

export const AUDIT_INTERVAL_MONTHS = 12;

const calendarDate = z.string().refine(isCalendarDate, 'must be a calendar date YYYY-MM-DD');

export const auditRequestSchema = z.strictObject({
  scope: plainText(4000, { multiline: true, required: 'say what the audit covers' }),
  kind: z.enum(['on-site', 'remote'], { message: 'must be on-site or remote' }).default('remote'),
  proposedDates: z.array(calendarDate).min(1, 'propose at least one date').max(10),
  /** Why another audit within 12 months is justified; recorded only by ops.platform. */
  justification: plainText(4000, { multiline: true }).optional(),
});
export type AuditRequestInput = z.infer<typeof auditRequestSchema>;

export interface AuditRequestDoc extends StoredDoc {
  type: 'auditRequest';
  auditRequestId: string;
  requestedAt: string;
  requestedBy: string;
  kind: 'on-site' | 'remote';
  scope: string;
  proposedDates: string[];
  justification?: { text: string; by: string };
}

// Responses (documented in the OpenAPI document; the view types are derived from them).
export const auditRequestViewSchema = z
  .object({
    auditRequestId: z.string(),
    requestedAt: z.iso.datetime(),
    requestedBy: z.string(),
    kind: z.enum(['on-site', 'remote']),
    scope: z.string(),
    proposedDates: z.array(z.iso.date()),
    justification: z
      .object({ text: z.string(), by: z.string() })
      .optional()
      .meta({ description: 'Why another audit within 12 months is justified, recorded by ops.platform' }),
    nextAllowedOn: z.iso.date().meta({ description: 'The first day another audit may be requested (12 months after this one)' }),
  })
  .meta({ id: 'AuditRequest' });
export type AuditRequestView = z.infer<typeof auditRequestViewSchema>;
export const auditRequestListSchema = z.object({ auditRequests: z.array(auditRequestViewSchema) }).meta({ id: 'AuditRequestList' });

/** The refusal of a second audit within the year: the problem document says when the next is allowed. */
// nextAllowedOn is optional: the route's other conflicts (the tenant's state) answer 409 without it.
export const auditRequestConflictSchema = problemSchema
  .extend({ nextAllowedOn: z.iso.date().optional().meta({ description: 'With code AUDIT_REQUEST.TOO_SOON: the first day another audit may be requested' }) })
  .meta({ id: 'AuditRequestConflict' });

/** A second audit within the year, without a justification. */
export class AuditTooSoonError extends ConflictError {
  override readonly extensions: Record<string, string>;
  constructor(last: string, nextAllowedOn: CalendarDate) {
    super(
      'AUDIT_REQUEST.TOO_SOON',
      `An audit was requested on ${last.slice(0, 10)}; the DPA allows one a year unless justified. The next may be requested on or after ${nextAllowedOn}, or ops.platform may record a justification.`,
    );
    this.extensions = { nextAllowedOn };
  }
}

/** The first day another audit may be requested after one requested at `requestedAt` (UTC calendar). */
export function nextAllowedOn(requestedAt: string): CalendarDate {
  return addMonthsClamped(calendarDateInZone(requestedAt, 'UTC'), AUDIT_INTERVAL_MONTHS);
}

const viewOf = (doc: AuditRequestDoc): AuditRequestView => ({
  auditRequestId: doc.auditRequestId,
  requestedAt: doc.requestedAt,
  requestedBy: doc.requestedBy,
  kind: doc.kind,
  scope: doc.scope,
  proposedDates: doc.proposedDates,
  ...(doc.justification ? { justification: doc.justification } : {}),
  nextAllowedOn: nextAllowedOn(doc.requestedAt),
});

export async function requestAudit(
  services: Services,
  principal: Principal,
  open: OpenTenant,
  input: AuditRequestInput,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<AuditRequestView> {
  if (input.justification !== undefined && !can(principal, 'auditRequests.justify', open.partition.tenantId)) {
    throw new ForbiddenError(
      'AUDIT_REQUEST.JUSTIFICATION_BY_OPS',
      'Only ops.platform records a justification for another audit within 12 months; ask us and we will record it.',
    );
  }
  return workInTenant(
    services,
    open,
    meta,
    async (tx) => {
      const [last] = await tx.partition.queryAll<AuditRequestDoc>("c.type = 'auditRequest'", [], { orderBy: 'c.requestedAt DESC', top: 1 });
      const today = calendarDateInZone(meta.now, 'UTC');
      if (last && today < nextAllowedOn(last.requestedAt) && input.justification === undefined)
        throw new AuditTooSoonError(last.requestedAt, nextAllowedOn(last.requestedAt));
      const auditRequestId = `ar-${randomBytes(8).toString('hex')}`;
      const doc: AuditRequestDoc = {
        id: `audit-request:${auditRequestId}`,
        tenantId: open.partition.tenantId,
        type: 'auditRequest',
        auditRequestId,
        requestedAt: meta.now.toISOString(),
        requestedBy: principal.sub,
        kind: input.kind,
        scope: input.scope,
        proposedDates: input.proposedDates,
        ...(input.justification !== undefined ? { justification: { text: input.justification, by: principal.sub } } : {}),
      };
      tx.create(doc);
      tx.audit({
        action: input.justification !== undefined ? 'audit-request.recorded-with-justification' : 'audit-request.recorded',
        target: { type: 'auditRequest', id: auditRequestId },
      });
      return viewOf(doc);
    },
    meta.idempotency,
  );
}

export async function listAuditRequests(services: Services, open: OpenTenant, meta: RequestMeta): Promise<AuditRequestView[]> {
  const docs = await open.partition.queryAll<AuditRequestDoc>("c.type = 'auditRequest'", [], { orderBy: 'c.requestedAt DESC' });
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'audit-requests.read', target: { type: 'tenant', id: open.partition.tenantId } });
  });
  return docs.map(viewOf);
}
