// The tenant's audit log in Cosmos: append-only entries plus a head document (last sequence and
// hash). Appends are batch operations committed with the change they record; the head's ETag makes
// concurrent appends retry instead of forking the chain. No code path updates or deletes an entry.
import type { BatchOp, StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { ChainVerifier, GENESIS_HASH, sealEntry, type AuditActor, type AuditEntry, type ChainBreak } from './chain.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';

export const AUDIT_HEAD_ID = 'audit-head';
/** Binds encrypted audit details to their entry (the entry's `at` is the unit of work's `now`). */
export const auditDetailsAad = (action: string, targetId: string, at: string): string => `audit|${action}|${targetId}|${at}`;
export const auditEntryId = (seq: number): string => `audit:${seq.toString().padStart(12, '0')}`;

export interface AuditHeadDoc extends StoredDoc {
  type: 'auditHead';
  seq: number;
  hash: string;
}

export type AuditEntryDoc = StoredDoc & AuditEntry & { type: 'audit' };

export interface AuditDraft {
  action: string;
  target: { type: string; id: string };
  outcome?: AuditEntry['outcome'];
  details?: EncryptedValue | null;
}

export interface AuditContext {
  actor: AuditActor;
  requestId: string;
  now: Date;
}

/** The batch operations that append `drafts` after the current head (retry the batch on a head conflict). */
export async function appendOperations(partition: TenantPartition, drafts: AuditDraft[], context: AuditContext): Promise<BatchOp[]> {
  if (drafts.length === 0) return [];
  const head = await partition.read<AuditHeadDoc>(AUDIT_HEAD_ID);
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const ops: BatchOp[] = [];
  for (const draft of drafts) {
    seq++;
    const entry = sealEntry({
      tenantId: partition.tenantId,
      seq,
      at: context.now.toISOString(),
      actor: context.actor,
      action: draft.action,
      target: draft.target,
      outcome: draft.outcome ?? 'success',
      requestId: context.requestId,
      details: draft.details ?? null,
      prevHash,
    });
    ops.push({ kind: 'create', doc: { ...entry, id: auditEntryId(seq), type: 'audit' } satisfies AuditEntryDoc, conflict: 'retry' });
    prevHash = entry.hash;
  }
  const newHead: AuditHeadDoc = { id: AUDIT_HEAD_ID, tenantId: partition.tenantId, type: 'auditHead', seq, hash: prevHash };
  ops.push(head?._etag ? { kind: 'replace', doc: newHead, ifMatch: head._etag, conflict: 'retry' } : { kind: 'create', doc: newHead, conflict: 'retry' });
  return ops;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** Newest first; the cursor is the sequence number to continue below. */
export async function readPage(partition: TenantPartition, options: { cursor?: number; limit: number }): Promise<AuditPage> {
  const below = options.cursor ?? Number.MAX_SAFE_INTEGER;
  const docs = await partition.queryAll<AuditEntryDoc>("c.type = 'audit' AND c.seq < @below", [{ name: '@below', value: below }], {
    orderBy: 'c.seq DESC',
    top: options.limit + 1,
  });
  const entries = docs.slice(0, options.limit).map(toEntry);
  const last = entries[entries.length - 1];
  return { entries, ...(docs.length > options.limit && last ? { nextCursor: String(last.seq) } : {}) };
}

/** Walks the whole chain oldest first, page by page, in constant memory. */
export async function verifyLog(partition: TenantPartition): Promise<{ valid: boolean; entries: number; head: { seq: number; hash: string }; firstBreak?: ChainBreak }> {
  const headDoc = await partition.read<AuditHeadDoc>(AUDIT_HEAD_ID);
  const head = { seq: headDoc?.seq ?? 0, hash: headDoc?.hash ?? GENESIS_HASH };
  const verifier = new ChainVerifier(partition.tenantId);
  for await (const page of partition.query<AuditEntryDoc>("c.type = 'audit'", [], { orderBy: 'c.seq ASC', pageSize: 500 })) {
    for (const doc of page) verifier.add(toEntry(doc));
  }
  return { ...verifier.finish(head), head };
}

function toEntry(doc: AuditEntryDoc): AuditEntry {
  const { tenantId, seq, at, actor, action, target, outcome, requestId, details, prevHash, hash } = doc;
  return { tenantId, seq, at, actor, action, target, outcome, requestId, details, prevHash, hash };
}
