// The tenant's audit log in Cosmos: append-only entries in several hash chains ("lanes") per log and
// bucket, each with a head document (its last sequence number and hash). A unit of work appends its
// entries to one randomly chosen lane of its bucket's chains, in the same transactional batch as the
// change they record (a batch stays in one bucket; see store/buckets.ts);
// the head's ETag makes a concurrent append to the same lane retry on another lane instead of
// forking the chain, so concurrent writers do not fail for want of the head. No code path updates
// or deletes an entry.
import { randomInt } from 'node:crypto';
import type { BatchOp, StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import {
  chainId,
  combinedHead,
  GENESIS_HASH,
  LogVerifier,
  sealEntry,
  type AuditActor,
  type AuditEntry,
  type AuditLogName,
  type ChainBreak,
  type ChainHead,
} from './chain.js';

/** Binds encrypted audit details to their entry (the entry's `at` is the unit of work's `now`). */
export const auditDetailsAad = (action: string, targetId: string, at: string): string => `audit|${action}|${targetId}|${at}`;
export const auditEntryId = (chain: string, seq: number): string => `audit:${chain}:${seq.toString().padStart(12, '0')}`;
export const auditHeadId = (chain: string): string => `audit-head:${chain}`;

export interface AuditHeadDoc extends StoredDoc {
  type: 'auditHead';
  chain: string;
  log: AuditLogName;
  seq: number;
  hash: string;
}

export type AuditEntryDoc = StoredDoc &
  AuditEntry & {
    type: 'audit';
    log: AuditLogName;
    /** Sorts the entries of every chain by time (then chain and position): the paging key. */
    ord: string;
  };

export interface AuditDraft {
  action: string;
  target: { type: string; id: string };
  outcome?: AuditEntry['outcome'];
  reason?: string;
  details?: EncryptedValue | null;
  /** The activity log unless said otherwise. */
  log?: AuditLogName;
}

export interface AuditContext {
  actor: AuditActor;
  requestId: string;
  correlationId?: string;
  now: Date;
}

/**
 * Orders entries stamped with the same instant (the same millisecond, or on a virtual clock the
 * same moment): when this process made the append, from its monotonic clock in microseconds. Not
 * a time anyone reads; only the order of the paging key.
 */
export function appendMoment(): string {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000)
    .toString(16)
    .padStart(14, '0');
}

/** Picks the lane a log's entries go to in this attempt; a lane that just lost a race is avoided. */
export function laneChooser(lanes: number): (log: AuditLogName, avoid?: number) => number {
  return (_log, avoid) => {
    if (lanes <= 1) return 0;
    const lane = randomInt(lanes - (avoid === undefined ? 0 : 1));
    return avoid !== undefined && lane >= avoid ? lane + 1 : lane;
  };
}

/**
 * The batch operations that append `drafts` after the head of one lane per log, in `bucket`. Every
 * operation is marked `lane`: if another writer took that lane first, append again on another one.
 */
export async function appendOperations(
  partition: TenantPartition,
  drafts: AuditDraft[],
  context: AuditContext,
  lanes: Partial<Record<AuditLogName, number>>,
  bucket: string,
): Promise<BatchOp[]> {
  const ops: BatchOp[] = [];
  const byLog = new Map<AuditLogName, AuditDraft[]>();
  for (const draft of drafts) byLog.set(draft.log ?? 'activity', [...(byLog.get(draft.log ?? 'activity') ?? []), draft]);
  for (const [log, logDrafts] of byLog) {
    const chain = chainId(log, lanes[log] ?? 0, bucket);
    const head = await partition.read<AuditHeadDoc>(auditHeadId(chain));
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    for (const draft of logDrafts) {
      seq++;
      const entry = sealEntry({
        tenantId: partition.tenantId,
        chain,
        seq,
        at: context.now.toISOString(),
        actor: context.actor,
        action: draft.action,
        target: draft.target,
        outcome: draft.outcome ?? 'success',
        ...(draft.reason ? { reason: draft.reason } : {}),
        requestId: context.requestId,
        ...(context.correlationId ? { correlationId: context.correlationId } : {}),
        details: draft.details ?? null,
        prevHash,
      });
      const doc: AuditEntryDoc = {
        ...entry,
        id: auditEntryId(chain, seq),
        type: 'audit',
        log,
        ord: `${entry.at}|${appendMoment()}|${chain}|${seq.toString().padStart(12, '0')}`,
      };
      ops.push({ kind: 'create', doc, conflict: 'lane' });
      prevHash = entry.hash;
    }
    const newHead: AuditHeadDoc = { id: auditHeadId(chain), tenantId: partition.tenantId, type: 'auditHead', chain, log, seq, hash: prevHash };
    ops.push(head?._etag ? { kind: 'replace', doc: newHead, ifMatch: head._etag, conflict: 'lane' } : { kind: 'create', doc: newHead, conflict: 'lane' });
  }
  return ops;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `cursor` to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** Newest first across every chain; the cursor is opaque (the paging key of the last entry). */
export async function readPage(partition: TenantPartition, options: { cursor?: string; limit: number; log?: AuditLogName }): Promise<AuditPage> {
  const below = options.cursor === undefined ? undefined : Buffer.from(options.cursor, 'base64url').toString('utf8');
  const where = ["c.type = 'audit'", ...(below !== undefined ? ['c.ord < @below'] : []), ...(options.log ? ['c.log = @log'] : [])].join(' AND ');
  const docs = await partition.queryAll<AuditEntryDoc>(
    where,
    [...(below !== undefined ? [{ name: '@below', value: below }] : []), ...(options.log ? [{ name: '@log', value: options.log }] : [])],
    { orderBy: 'c.ord DESC', top: options.limit + 1 },
  );
  const page = docs.slice(0, options.limit);
  const last = page[page.length - 1];
  return { entries: page.map(toEntry), ...(docs.length > options.limit && last ? { nextCursor: Buffer.from(last.ord, 'utf8').toString('base64url') } : {}) };
}

/** Every chain's head as recorded, in every bucket. */
export async function chainHeads(partition: TenantPartition): Promise<ChainHead[]> {
  const heads = await partition.queryAll<AuditHeadDoc>("c.type = 'auditHead'", [], { fields: ['chain', 'seq', 'hash'] });
  return heads.map(({ chain, seq, hash }) => ({ chain, seq, hash }));
}

export interface LogVerification {
  valid: boolean;
  entries: number;
  /** Every chain's head in one digest: `seq` is the number of entries the heads record. */
  head: { seq: number; hash: string };
  chains: ChainHead[];
  firstBreak?: ChainBreak;
}

/** Walks every chain oldest first, page by page, in constant memory. */
export async function verifyLog(partition: TenantPartition): Promise<LogVerification> {
  const heads = await chainHeads(partition);
  const verifier = new LogVerifier(partition.tenantId, new Map(heads.map((h) => [h.chain, h])));
  // Entry ids sort by chain, then by position in the chain.
  for await (const page of partition.query<AuditEntryDoc>("c.type = 'audit'", [], { orderBy: 'c.id ASC', pageSize: 500 })) {
    for (const doc of page) verifier.add(toEntry(doc));
  }
  return { ...verifier.finish(), head: combinedHead(heads), chains: heads.sort((a, b) => a.chain.localeCompare(b.chain)) };
}

/** The paging key of the newest entry now: an export includes entries up to here, not those it adds. */
export async function newestEntryKey(partition: TenantPartition): Promise<string | undefined> {
  const [newest] = await partition.queryAll<AuditEntryDoc>("c.type = 'audit'", [], { orderBy: 'c.ord DESC', top: 1, fields: ['ord'] });
  return newest?.ord;
}

/** Entries oldest first, up to and including `through`, a page at a time. */
export function entriesThrough(partition: TenantPartition, through: string): AsyncGenerator<AuditEntryDoc[]> {
  return partition.query<AuditEntryDoc>("c.type = 'audit' AND c.ord <= @through", [{ name: '@through', value: through }], {
    orderBy: 'c.ord ASC',
    pageSize: 500,
  });
}

export function toEntry(doc: AuditEntryDoc): AuditEntry {
  const { tenantId, chain, seq, at, actor, action, target, outcome, reason, requestId, correlationId, details, prevHash, hash } = doc;
  return {
    tenantId,
    chain,
    seq,
    at,
    actor,
    action,
    target,
    outcome,
    ...(reason ? { reason } : {}),
    requestId,
    ...(correlationId ? { correlationId } : {}),
    details,
    prevHash,
    hash,
  };
}
