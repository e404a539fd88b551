// Reading the audit log through the API: entries newest first with their details decrypted where
// the key still exists, and the chain check.
import { z } from 'zod';
import { workInTenant } from '../tenants/tenant-access.js';
import type { Services } from '../composition.js';
import { ERASED } from '../crypto/keyring.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { auditDetailsAad, readPage, verifyLog } from './audit-log.js';
import type { AuditLogName } from './chain.js';
import { checkAgainstAnchor } from './anchors.js';

export const auditEntryViewSchema = z
  .object({
    tenantId: z.string(),
    chain: z.string().meta({ description: 'The chain the entry belongs to: `<log>:<lane>`, e.g. `activity:03`' }),
    seq: z.int().min(1),
    at: z.iso.datetime(),
    actor: z.object({
      sub: z.string(),
      roles: z.array(z.string()),
      tenantId: z.string().optional(),
      supportGrant: z
        .object({
          grantId: z.string(),
          scope: z.string(),
          origin: z.string(),
          originSource: z.enum(['token', 'declared']),
          transferBasis: z.string().optional(),
        })
        .optional()
        .meta({ description: 'A support engineer acting under a lockbox grant: the grant, the scope used, where they were' }),
    }),
    action: z.string(),
    target: z.object({ type: z.string(), id: z.string() }),
    outcome: z.enum(['success', 'denied', 'refused', 'failure']),
    reason: z.string().optional().meta({ description: 'For a refusal: the stable error code' }),
    requestId: z.string(),
    correlationId: z.string().optional(),
    details: z.unknown().meta({ description: 'Decrypted details; "erased" when the data subject\'s key has been destroyed; null when none' }),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryView = z.infer<typeof auditEntryViewSchema>;

export const auditPageSchema = z.object({ entries: z.array(auditEntryViewSchema), nextCursor: z.string().optional() }).meta({ id: 'AuditPage' });

const chainBreakSchema = z.object({
  chain: z.string(),
  seq: z.int(),
  problem: z.enum(['altered', 'missing', 'broken-link', 'head-mismatch', 'anchor-mismatch']),
  detail: z.string(),
});
export const auditVerificationSchema = z
  .object({
    valid: z.boolean(),
    entries: z.int(),
    head: z.object({ seq: z.int(), hash: z.string() }),
    chains: z.array(z.object({ chain: z.string(), seq: z.int(), hash: z.string() })),
    firstBreak: chainBreakSchema.optional(),
    anchoredThrough: z.object({ seq: z.int(), at: z.iso.datetime() }).optional(),
  })
  .meta({ id: 'AuditVerification' });

export async function auditPage(
  services: Services,
  open: OpenTenant,
  options: { cursor?: string; limit: number; log?: AuditLogName },
  meta: RequestMeta,
): Promise<z.infer<typeof auditPageSchema>> {
  return workInTenant(services, open, meta, async (tx) => {
    const page = await readPage(open.partition, options);
    const entries: AuditEntryView[] = [];
    for (const entry of page.entries) {
      let details: unknown = null;
      if (entry.details) {
        const opened = await tx.cipher.open(entry.details, auditDetailsAad(entry.action, entry.target.id, entry.at));
        details = opened === ERASED ? 'erased' : opened;
      }
      entries.push({ ...entry, details });
    }
    tx.audit({ action: 'audit.read', target: { type: 'audit-log', id: open.partition.tenantId } });
    return { entries, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  });
}

export async function auditVerification(
  services: Services,
  open: OpenTenant,
  meta: RequestMeta,
): Promise<z.infer<typeof auditVerificationSchema>> {
  const chain = await verifyLog(open.partition);
  const anchored = await checkAgainstAnchor(services, open.partition.tenantId);
  const result = {
    ...chain,
    ...(anchored.anchor ? { anchoredThrough: anchored.anchor } : {}),
    ...(chain.valid && anchored.problem ? { valid: false, firstBreak: anchored.problem } : {}),
  };
  // Recorded after the check, so the check covers exactly the log as it was when asked.
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'audit.verified', target: { type: 'audit-log', id: open.partition.tenantId }, outcome: result.valid ? 'success' : 'failure' });
  });
  return result;
}
