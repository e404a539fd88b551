// A unit of work on one tenant's data: the changes, the audit entries that record them, any new
// subject keys and the idempotency record all commit in one transactional batch, or none does. The
// batch lands in one bucket of the tenant's data (store/buckets.ts): the bucket of its changes, or
// the month's audit bucket for a request that changes nothing. A new subject key needed by a change
// outside the tenant bucket commits just before it (a key nobody used yet is harmless).
// Races on bookkeeping (a subject key, the idempotency record) re-run the work; a race for an
// audit chain's head only moves the audit entries to another chain.
import { randomInt } from 'node:crypto';
import { appendOperations, laneChooser, type AuditContext, type AuditDraft } from '../audit/audit-log.js';
import { auditBucketFor, auditLanesIn, inBucket, TENANT_BUCKET } from './buckets.js';
import { AUDIT_LOGS, type AuditLogName } from '../audit/chain.js';
import { ERASED, type KeyOwner, type Keyring, type TenantCipher } from '../crypto/keyring.js';
import { isEncryptedValue, type EncryptedValue } from '../crypto/field-cipher.js';
import { ConflictError, PreconditionFailedError, UnprocessableError } from '../errors.js';
import { retryLostRaces } from './optimistic.js';
import { BatchConflict, type BatchOp, type ConflictMeaning, type StoredDoc, type TenantPartition } from './tenant-partition.js';

const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export class TenantWork {
  readonly ops: BatchOp[] = [];
  readonly audits: AuditDraft[] = [];
  readonly #afterCommit: (() => void)[] = [];
  /**
   * Whose key seals the stored reply of an idempotent request: a reply naming a person is sealed
   * under that person's key, so their erasure makes it unreadable too (the tenant key otherwise).
   */
  replyOwner: KeyOwner = { kind: 'tenant' };

  constructor(
    readonly partition: TenantPartition,
    readonly cipher: TenantCipher,
    readonly context: AuditContext,
  ) {}

  get now(): Date {
    return this.context.now;
  }

  create(doc: StoredDoc, onConflict?: () => Error): void {
    this.ops.push({ kind: 'create', doc, ...(onConflict ? { conflict: onConflict } : {}) });
  }

  /** Replaces `doc` if nobody changed it since it was read with `etag`. */
  replace(doc: StoredDoc, etag: string): void {
    this.ops.push({
      kind: 'replace',
      doc,
      ifMatch: etag,
      conflict: () =>
        new PreconditionFailedError('RESOURCE.CHANGED', 'The resource changed while this request was processed; read it again and retry.'),
    });
  }

  delete(id: string): void {
    this.ops.push({ kind: 'delete', id });
  }

  raw(op: BatchOp): void {
    this.ops.push(op);
  }

  audit(draft: AuditDraft): void {
    this.audits.push(draft);
  }

  afterCommit(callback: () => void): void {
    this.#afterCommit.push(callback);
  }

  committed(): void {
    for (const callback of this.#afterCommit) callback();
  }
}

export interface IdempotencyOptions {
  /** Unique per caller, route and Idempotency-Key. */
  docId: string;
  /** Hash of the request (method, path, body): a key reused for a different request is refused. */
  requestHash: string;
  /** The bucket the work's changes commit in, when not the tenant bucket: the stored reply is kept beside them. */
  bucket?: string;
}

interface IdempotencyDoc extends StoredDoc {
  type: 'idempotency';
  requestHash: string;
  response: EncryptedValue;
}

/** Attempts for bookkeeping races that re-run the work (a subject key, the idempotency record). */
const MAX_ATTEMPTS = 6;
/**
 * Appends retried on another audit chain after losing a race for one. With the default eight
 * chains, fifty concurrent writers all land within a handful of rounds; the bound only stops a
 * store that refuses every append from holding the request forever.
 */
const MAX_LANE_ATTEMPTS = 60;

export async function runTenantWork<T>(
  keyring: Keyring,
  partition: TenantPartition,
  context: AuditContext,
  work: (tx: TenantWork) => Promise<T>,
  idempotency?: IdempotencyOptions,
): Promise<T> {
  try {
    return await retryLostRaces(() => attemptTenantWork(keyring, partition, context, work, idempotency), {
      attempts: MAX_ATTEMPTS,
      lostRace: (error) => error instanceof WorkConflict && error.meaning === 'retry',
    });
  } catch (error) {
    if (!(error instanceof WorkConflict)) throw error;
    // A concurrent twin of this request (same Idempotency-Key) committed first: answer with its result.
    if (idempotency) {
      const replay = await replayIdempotent<T>(new TenantWork(partition, keyring.cipherFor(partition, context.now), context), idempotency);
      if (replay.found) return replay.value;
    }
    if (typeof error.meaning === 'function') throw error.meaning();
    if (error.conflict.status === 412) throw new PreconditionFailedError('RESOURCE.CHANGED', 'The resource changed; read it again and retry.');
    throw new ConflictError('RESOURCE.CONFLICT', `The change conflicts with the current state (${error.conflict.status}).`);
  }
}

/** A batch refused for the operation at fault, with what that operation's conflict means. */
class WorkConflict extends Error {
  constructor(
    readonly conflict: BatchConflict,
    readonly meaning: ConflictMeaning | undefined,
  ) {
    super(`batch conflict (${conflict.status})`);
  }
}

/** One run of the work and its commit; a lost race on bookkeeping is thrown as a WorkConflict. */
async function attemptTenantWork<T>(
  keyring: Keyring,
  partition: TenantPartition,
  context: AuditContext,
  work: (tx: TenantWork) => Promise<T>,
  idempotency: IdempotencyOptions | undefined,
): Promise<T> {
  const tx = new TenantWork(partition, keyring.cipherFor(partition, context.now), context);
  if (idempotency) {
    const replay = await replayIdempotent<T>(tx, idempotency);
    if (replay.found) return replay.value;
  }
  const result = await work(tx);
  const keyOps: BatchOp[] = tx.cipher.pendingOps.map((op) => ({ ...op, conflict: 'retry' as const }));
  const ops: BatchOp[] = [...tx.ops];
  if (idempotency) {
    const doc: IdempotencyDoc = {
      id: idempotencyDocId(idempotency),
      tenantId: partition.tenantId,
      type: 'idempotency',
      requestHash: idempotency.requestHash,
      response: await tx.cipher.seal(tx.replyOwner, result, idempotency.docId),
      ttl: IDEMPOTENCY_TTL_SECONDS,
    };
    ops.push({ kind: 'create', doc, conflict: 'retry' });
  }
  const bucket = batchBucket(partition, ops, keyOps, context.now);
  if (bucket === TENANT_BUCKET) ops.unshift(...keyOps);
  else await commitFirst(partition, keyOps);
  const chooseLane = laneChooser(auditLanesIn(bucket, partition.auditLanes));
  const lanes: Partial<Record<AuditLogName, number>> = {};
  for (let laneAttempt = 1; ; laneAttempt++) {
    for (const log of AUDIT_LOGS) lanes[log] = chooseLane(log, lanes[log]);
    const batch = [...ops, ...(await appendOperations(partition, tx.audits, context, lanes, bucket))];
    try {
      await partition.commit(batch);
      tx.committed();
      return result;
    } catch (error) {
      if (!(error instanceof BatchConflict)) throw error;
      const meaning = batch[error.index]?.conflict;
      if (meaning === 'lane' && laneAttempt < MAX_LANE_ATTEMPTS) {
        // Another writer took that chain's head: the rest of the batch is still valid, so only the
        // audit entries move to another chain, after a short random pause that spreads the racers.
        await pause(randomInt(1 + Math.min(50, 2 * laneAttempt)));
        continue;
      }
      throw new WorkConflict(error, meaning);
    }
  }
}

/**
 * Where the batch commits: the bucket of its changes (all of them in one; the partition refuses a
 * batch across two), else the tenant bucket for new keys alone, else, for a request that changes
 * nothing and only leaves audit entries, the month's audit bucket.
 */
function batchBucket(partition: TenantPartition, ops: BatchOp[], keyOps: BatchOp[], now: Date): string {
  if (!partition.bucketed) return TENANT_BUCKET;
  if (ops.length > 0) return partition.bucketOfOp(ops[0]!);
  return keyOps.length > 0 ? TENANT_BUCKET : auditBucketFor(now);
}

/** New subject keys for a change outside the tenant bucket, committed on their own; a lost race re-runs the work. */
async function commitFirst(partition: TenantPartition, keyOps: BatchOp[]): Promise<void> {
  try {
    await partition.commit(keyOps);
  } catch (error) {
    if (!(error instanceof BatchConflict)) throw error;
    throw new WorkConflict(error, keyOps[error.index]?.conflict);
  }
}

const idempotencyDocId = (options: IdempotencyOptions): string => inBucket(options.docId, options.bucket ?? TENANT_BUCKET);

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function replayIdempotent<T>(tx: TenantWork, options: IdempotencyOptions): Promise<{ found: true; value: T } | { found: false }> {
  const existing = await tx.partition.read<IdempotencyDoc>(idempotencyDocId(options));
  if (!existing) return { found: false };
  if (existing.requestHash !== options.requestHash) {
    throw new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
  }
  if (!isEncryptedValue(existing.response)) throw new Error('idempotency record without a response');
  const reply = await tx.cipher.open(existing.response, options.docId);
  if (reply === ERASED)
    throw new ConflictError(
      'IDEMPOTENCY.REPLY_ERASED',
      'This request was carried out, but its reply named a person who has since been erased; it cannot be repeated.',
    );
  return { found: true, value: reply as T };
}
