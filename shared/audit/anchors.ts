// Anchors for the audit log: every day the heads of each tenant's audit chains (each chain's last
// sequence number and hash, and one digest of them all) are signed in the region's Key Vault and
// kept outside the tenant's data. A chain can be cut short and its head rewritten by someone with
// write access to the database; it cannot be made to match an anchor signed earlier, so
// verification then reports the cut.
import type { Services } from '../composition.js';
import type { Region } from '../config.js';
import { signCompactJws } from '../crypto/signed-records.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { tenantData, tenantRecords, tenantRef } from '../tenants/partitions.js';
import { auditEntryId, chainHeads, type AuditEntryDoc } from './audit-log.js';
import { combinedHead, type ChainBreak, type ChainHead } from './chain.js';

export interface AuditAnchorDoc extends StoredDoc {
  type: 'auditAnchor';
  /** Entries recorded by all chain heads together when signed (the anchor's position). */
  seq: number;
  /** The digest of every chain head. */
  hash: string;
  chains: ChainHead[];
  at: string;
  /** Compact JWS over {sub: tenantId, seq, hash, chains, iat}, verifiable with /api/.well-known/jwks.json. */
  signed: string;
}

const anchorId = (seq: number): string => `audit-anchor:${seq.toString().padStart(12, '0')}`;

/** Where an anchor's write-once copy is kept in its region's evidence container. */
export function anchorEvidenceName(tenantId: string, seq: number): string {
  return `${tenantId}/audit-anchors/${seq.toString().padStart(12, '0')}.jws`;
}

/** The signed anchor, also kept where no one can change it (the certificates container keeps serving it). */
async function keepAnchorCopy(services: Services, anchor: AuditAnchorDoc): Promise<void> {
  const { region } = tenantRef(anchor.tenantId);
  await services.blobs.keepEvidence(region, anchorEvidenceName(anchor.tenantId, anchor.seq), anchor.signed, 'application/jose');
}

async function partitionsOf(services: Services, tenantId: string): Promise<{ data: TenantPartition; records: TenantPartition }> {
  return { data: await tenantData(services, tenantId), records: await tenantRecords(services, tenantId) };
}

export async function latestAnchor(records: TenantPartition): Promise<AuditAnchorDoc | undefined> {
  const [latest] = await records.queryAll<AuditAnchorDoc>("c.type = 'auditAnchor'", [], { orderBy: 'c.seq DESC', top: 1 });
  return latest;
}

/** Signs and stores the current heads, unless they are already anchored. Returns the anchored position. */
export async function anchorAuditHead(services: Services, tenantId: string, now: Date): Promise<number | undefined> {
  const parsed = tenantRef(tenantId);
  const { data, records } = await partitionsOf(services, tenantId);
  const chains = await chainHeads(data);
  if (chains.length === 0) return undefined;
  const head = combinedHead(chains);
  const latest = await latestAnchor(records);
  if (latest && latest.seq >= head.seq) {
    await keepAnchorCopy(services, latest); // a crash may have come between storing and copying
    return latest.seq;
  }
  const signed = await signCompactJws(services.vaults[parsed.region], services.stores, parsed.region, {
    iss: 'urn:privacy-ops:audit-anchors',
    sub: tenantId,
    kind: 'audit-anchor',
    seq: head.seq,
    hash: head.hash,
    chains,
    iat: Math.floor(now.getTime() / 1000),
  });
  const doc: AuditAnchorDoc = { id: anchorId(head.seq), tenantId, type: 'auditAnchor', seq: head.seq, hash: head.hash, chains, at: now.toISOString(), signed };
  await records.commit([{ kind: 'create', doc }]).catch(async (error: unknown) => {
    if (!(await records.read(doc.id))) throw error;
  });
  await keepAnchorCopy(services, (await records.read<AuditAnchorDoc>(doc.id)) ?? doc);
  return head.seq;
}

/** Checks the log against its latest anchor: every entry that was a chain's head then must still be there, unchanged. */
export async function checkAgainstAnchor(services: Services, tenantId: string): Promise<{ anchor?: { seq: number; at: string }; problem?: ChainBreak }> {
  const { data, records } = await partitionsOf(services, tenantId);
  const anchor = await latestAnchor(records);
  if (!anchor) return {};
  const summary = { seq: anchor.seq, at: anchor.at };
  for (const head of anchor.chains) {
    const entry = await data.read<AuditEntryDoc>(auditEntryId(head.chain, head.seq));
    if (!entry || entry.hash !== head.hash) {
      const detail = `entry ${head.seq} of chain ${head.chain}, signed as its head on ${anchor.at}, is ${entry ? 'different' : 'gone'}: the log was cut short or rewritten`;
      return { anchor: summary, problem: { chain: head.chain, seq: head.seq, problem: 'anchor-mismatch', detail } };
    }
  }
  return { anchor: summary };
}
