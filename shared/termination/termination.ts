// Tenant termination as the privacy notice and the DPA promise it: a 30-day grace window after
// termination that allows reactivation; the controller's choice to have data returned first;
// then deletion of primary data everywhere, destruction of the tenant's keys, backups expiring on
// their schedule, and a signed deletion certificate. The termination record holds no personal
// data and lives outside the tenant's data, so it survives the deletion it describes.
import { z } from 'zod';
import { phaseTable } from '../flows/phase-table.js';
import type { StoredDoc } from '../store/tenant-partition.js';

export const GRACE_WINDOW_MS = 30 * 24 * 3600_000;
export const REMINDER_OFFSETS_MS = [7 * 24 * 3600_000, 24 * 3600_000] as const;
export const REACTIVATE_EVENT = 'reactivate';

export const DISPOSITIONS = ['delete', 'return-then-delete'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * The phases of a termination, the one table the record and the workflow's custom status read:
 * scheduled for later or in its grace window (reactivation cancels it), then primary deletion, key
 * destruction, waiting for the key purge and for the backups to expire, and completed.
 */
export const TERMINATION_PHASES = phaseTable('termination', {
  scheduled: ['grace', 'cancelled'],
  grace: ['deleting', 'cancelled'],
  cancelled: [],
  deleting: ['destroying-keys'],
  'destroying-keys': ['awaiting-key-purge'],
  'awaiting-key-purge': ['awaiting-backup-expiry'],
  'awaiting-backup-expiry': ['completed'],
  completed: [],
});
export type TerminationPhase = (typeof TERMINATION_PHASES.phases)[number];

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with an offset' });

export const requestTerminationSchema = z.strictObject({
  effectiveAt: instant.optional(),
  disposition: z.enum(DISPOSITIONS, { message: `must be one of ${DISPOSITIONS.join(', ')}` }),
  /**
   * The customer's instruction to delete without the 30-day grace window (DPA: deletion within 30
   * days of the instruction): deletion starts when termination takes effect, after a final notice.
   */
  waiveGrace: z.boolean().optional(),
  /** Required with waiveGrace: the tenant's name exactly as registered, so a waiver is never a slip. */
  confirmTenantName: z.string().max(200).optional(),
});
export type RequestTermination = z.infer<typeof requestTerminationSchema>;

const storeDeletionSchema = z.object({ store: z.string(), method: z.string(), items: z.int(), byType: z.record(z.string(), z.int()) });
export type StoreDeletion = z.infer<typeof storeDeletionSchema>;

const keyDestructionStepSchema = z.object({
  step: z.enum(['disabled', 'deleted', 'purge-requested', 'unrecoverable']),
  at: z.iso.datetime(),
  /** `pending` until the moment has passed and been checked. */
  status: z.enum(['done', 'pending', 'refused']).meta({ description: '`pending` until the moment has passed and been checked' }),
  note: z.string().optional(),
});
export type KeyDestructionStep = z.infer<typeof keyDestructionStepSchema>;

// The parts of the record the API shows as they are stored (one schema for both).
const returnPackageSchema = z.object({ generatedAt: z.iso.datetime(), files: z.int(), rows: z.int(), linkExpiresAt: z.iso.datetime() });
const deletionSchema = z.object({
  startedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().optional(),
  batches: z.int(),
  stores: z.array(storeDeletionSchema),
  log: z.object({ entries: z.int(), sha256: z.string() }).optional(),
});
const keysSchema = z.object({ name: z.string(), vault: z.string(), steps: z.array(keyDestructionStepSchema) });
const backupsSchema = z.object({ retentionDays: z.int(), expireAt: z.iso.datetime(), status: z.enum(['pending', 'expired']) });
const certificatesSchema = z.array(z.object({ kind: z.enum(['interim', 'final']), issuedAt: z.iso.datetime() }));
const noticesSchema = z.array(z.object({ kind: z.string(), sentAt: z.iso.datetime(), recipients: z.int(), refused: z.int().optional() }));

export interface TerminationDoc extends StoredDoc {
  type: 'termination';
  terminationId: string;
  instanceId: string;
  disposition: Disposition;
  requestedAt: string;
  requestedBy: string;
  effectiveAt: string;
  graceEndsAt: string;
  phase: TerminationPhase;
  /** The tenant's name and region, kept for the certificate (business data, not personal data). */
  tenantName: string;
  region: string;
  cancelledAt?: string;
  cancelledBy?: string;
  /** The grace window was waived by the customer's admin: it ends when termination takes effect. */
  graceWaived?: { at: string; by: string };
  returnPackage?: z.infer<typeof returnPackageSchema>;
  deletion?: z.infer<typeof deletionSchema>;
  keys?: z.infer<typeof keysSchema>;
  backups?: z.infer<typeof backupsSchema>;
  certificates: z.infer<typeof certificatesSchema>;
  notices: z.infer<typeof noticesSchema>;
  version: number;
}

export const terminationDocId = (terminationId: string): string => `termination:${terminationId}`;
export const orchestrationInstanceId = (tenantId: string, terminationId: string): string => `termination-${tenantId}-${terminationId}`;

/** Grace ends exactly 30 days of elapsed time after termination takes effect (no calendar or DST arithmetic). */
export function graceEndsAt(effectiveAt: Date): Date {
  return new Date(effectiveAt.getTime() + GRACE_WINDOW_MS);
}

/** Reminder instants still ahead of `now`: 7 days and 1 day before grace ends. */
export function reminderInstants(graceEnd: Date, now: Date): { at: Date; daysLeft: number }[] {
  return REMINDER_OFFSETS_MS.map((offset) => ({ at: new Date(graceEnd.getTime() - offset), daysLeft: offset / (24 * 3600_000) })).filter(
    (r) => r.at.getTime() > now.getTime(),
  );
}

export const terminationViewSchema = z
  .object({
    tenantId: z.string(),
    terminationId: z.string(),
    disposition: z.enum(DISPOSITIONS),
    phase: z.enum(TERMINATION_PHASES.phases),
    requestedAt: z.iso.datetime(),
    effectiveAt: z.iso.datetime(),
    graceEndsAt: z.iso.datetime(),
    cancelledAt: z.iso.datetime().optional(),
    graceWaived: z.object({ at: z.iso.datetime(), by: z.string() }).optional().meta({ description: "The grace window was waived by the customer's admin" }),
    returnPackage: returnPackageSchema.optional(),
    deletion: deletionSchema.optional(),
    keys: keysSchema.optional(),
    backups: backupsSchema.optional(),
    certificates: certificatesSchema,
    notices: noticesSchema,
  })
  .meta({ id: 'Termination' });
export type TerminationView = z.infer<typeof terminationViewSchema>;

/** The signed deletion certificate (a compact JWS) and the claims it signs. */
export const deletionCertificateViewSchema = z
  .object({ certificate: z.string().meta({ description: 'Compact JWS; verify with /.well-known/jwks.json' }), claims: z.record(z.string(), z.unknown()) })
  .meta({ id: 'DeletionCertificate' });

export function terminationView(doc: TerminationDoc): TerminationView {
  return {
    tenantId: doc.tenantId,
    terminationId: doc.terminationId,
    disposition: doc.disposition,
    phase: doc.phase,
    requestedAt: doc.requestedAt,
    effectiveAt: doc.effectiveAt,
    graceEndsAt: doc.graceEndsAt,
    ...(doc.cancelledAt ? { cancelledAt: doc.cancelledAt } : {}),
    ...(doc.graceWaived ? { graceWaived: doc.graceWaived } : {}),
    ...(doc.returnPackage ? { returnPackage: doc.returnPackage } : {}),
    ...(doc.deletion ? { deletion: doc.deletion } : {}),
    ...(doc.keys ? { keys: doc.keys } : {}),
    ...(doc.backups ? { backups: doc.backups } : {}),
    certificates: doc.certificates,
    notices: doc.notices,
  };
}
