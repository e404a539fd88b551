// Anchors for the audit log: every day the head of each tenant's log (its last sequence number
// and hash) is signed in the region's Key Vault and kept outside the tenant's data. A chain can
// be cut short and its head rewritten by someone with write access to the database; it cannot be
// made to match an anchor signed earlier, so verification then reports the cut.
import type { Services } from '../composition.js';
import type { Region } from '../config.js';
import { signCompactJws } from '../crypto/signed-records.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { certificatesPartition } from '../termination/termination-service.js';
import { AUDIT_HEAD_ID, auditEntryId, type AuditEntryDoc, type AuditHeadDoc } from './audit-log.js';
import type { ChainBreak } from './chain.js';

export interface AuditAnchorDoc extends StoredDoc {
  type: 'auditAnchor';
  seq: number;
  hash: string;
  at: string;
  /** Compact JWS over {sub: tenantId, seq, hash, iat}, verifiable with /api/.well-known/jwks.json. */
  signed: string;
}

const anchorId = (seq: number): string => `audit-anchor:${seq.toString().padStart(12, '0')}`;

/** Where an anchor's write-once copy is kept in its region's evidence container. */
export function anchorEvidenceName(tenantId: string, seq: number): string {
  return `${tenantId}/audit-anchors/${seq.toString().padStart(12, '0')}.jws`;
}

/** The signed anchor, also kept where no one can change it (the certificates container keeps serving it). */
async function keepAnchorCopy(services: Services, anchor: AuditAnchorDoc): Promise<void> {
  const region = parseTenantId(anchor.tenantId)!.region as Region;
  await services.blobs.keepEvidence(region, anchorEvidenceName(anchor.tenantId, anchor.seq), anchor.signed, 'application/jose');
}

async function partitionsOf(services: Services, tenantId: string): Promise<{ data: TenantPartition; records: TenantPartition }> {
  const parsed = parseTenantId(tenantId);
  if (!parsed) throw new Error(`not a tenant id: ${tenantId}`);
  return { data: await tenantPartition(services, parsed.tenantId, parsed.region), records: await certificatesPartition(services, parsed.tenantId, parsed.region) };
}

export async function latestAnchor(records: TenantPartition): Promise<AuditAnchorDoc | undefined> {
  const [latest] = await records.queryAll<AuditAnchorDoc>("c.type = 'auditAnchor'", [], { orderBy: 'c.seq DESC', top: 1 });
  return latest;
}

/** Signs and stores the current head, unless it is already anchored. Returns the anchored sequence number. */
export async function anchorAuditHead(services: Services, tenantId: string, now: Date): Promise<number | undefined> {
  const parsed = parseTenantId(tenantId)!;
  const { data, records } = await partitionsOf(services, tenantId);
  const head = await data.read<AuditHeadDoc>(AUDIT_HEAD_ID);
  if (!head) return undefined;
  const latest = await latestAnchor(records);
  if (latest && latest.seq >= head.seq) {
    await keepAnchorCopy(services, latest); // a crash may have come between storing and copying
    return latest.seq;
  }
  const signed = await signCompactJws(services.vaults[parsed.region], parsed.region, {
    iss: 'urn:privacy-ops:audit-anchors',
    sub: tenantId,
    kind: 'audit-anchor',
    seq: head.seq,
    hash: head.hash,
    iat: Math.floor(now.getTime() / 1000),
  });
  const doc: AuditAnchorDoc = { id: anchorId(head.seq), tenantId, type: 'auditAnchor', seq: head.seq, hash: head.hash, at: now.toISOString(), signed };
  await records.commit([{ kind: 'create', doc }]).catch(async (error: unknown) => {
    if (!(await records.read(doc.id))) throw error;
  });
  await keepAnchorCopy(services, (await records.read<AuditAnchorDoc>(doc.id)) ?? doc);
  return head.seq;
}

/** Checks the log against its latest anchor: the anchored entry must still be there, unchanged. */
export async function checkAgainstAnchor(services: Services, tenantId: string): Promise<{ anchor?: { seq: number; at: string }; problem?: ChainBreak }> {
  const { data, records } = await partitionsOf(services, tenantId);
  const anchor = await latestAnchor(records);
  if (!anchor) return {};
  const summary = { seq: anchor.seq, at: anchor.at };
  const entry = await data.read<AuditEntryDoc>(auditEntryId(anchor.seq));
  if (!entry || entry.hash !== anchor.hash) {
    return { anchor: summary, problem: { seq: anchor.seq, problem: 'anchor-mismatch', detail: `entry ${anchor.seq}, signed as the head on ${anchor.at}, is ${entry ? 'different' : 'gone'}: the log was cut short or rewritten` } };
  }
  return { anchor: summary };
}
