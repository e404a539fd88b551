// Reading the audit log through the API: entries newest first with their details decrypted where
// the key still exists, and the chain check.
import { workInTenant } from '../tenants/tenant-access.js';
import type { Services } from '../composition.js';
import { ERASED } from '../crypto/keyring.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { auditDetailsAad, readPage, verifyLog, type LogVerification } from './audit-log.js';
import type { AuditEntry, AuditLogName } from './chain.js';
import { checkAgainstAnchor } from './anchors.js';

export interface AuditEntryView extends Omit<AuditEntry, 'details'> {
  /** Decrypted details; "erased" when the data subject's key has been destroyed. */
  details: unknown;
}

export async function auditPage(services: Services, open: OpenTenant, options: { cursor?: string; limit: number; log?: AuditLogName }, meta: RequestMeta): Promise<{ entries: AuditEntryView[]; nextCursor?: string }> {
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
): Promise<LogVerification & { anchoredThrough?: { seq: number; at: string } }> {
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
