// Buckets: the second level of `tenant-data`'s hierarchical partition key (['/tenantId', '/pk']), so
// one tenant's data spreads over many logical partitions instead of filling one (Cosmos DB caps a
// logical partition at 20 GB). A transactional batch stays within one full key, so every unit of
// work lands in one bucket, and a document's id says which bucket it is in: point reads and deletes
// need no other hint. The layout and its ceilings are argued in infra/README.md.
//
//   t            the tenant's own documents: tenant, configuration, users, keys, DSARs, idempotency, ...
//   r-<hh>       a module record, everything naming it (its erasure marker) and the audit entries of
//                its changes: the record id's first two hex digits, 256 buckets
//   a-<yyyy-mm>  audit entries of requests that change nothing (reads, refusals), by month: the
//                bulk of the log's growth
import { randomBytes } from 'node:crypto';

export const TENANT_BUCKET = 't';

/** `name@bucket`, the form of a document id (or audit chain) kept outside the tenant bucket. */
export function inBucket(name: string, bucket: string): string {
  return bucket === TENANT_BUCKET ? name : `${name}@${bucket}`;
}

const NAMED_BUCKET = /@([a-z0-9-]+)/;
const RECORD_REFERENCE = /(?:^|:)record:[^:]+:r-([0-9a-f]{2})/;

/** The bucket a document id belongs to (the `pk` it is stored under). */
export function bucketOf(id: string): string {
  const named = NAMED_BUCKET.exec(id);
  if (named) return named[1]!;
  const record = RECORD_REFERENCE.exec(id);
  if (record) return recordBucketOf(record[1]!);
  return TENANT_BUCKET;
}

const recordBucketOf = (hex: string): string => `r-${hex}`;

/**
 * The bucket of a record about to be created: spread at random, or, for a request with an
 * idempotency record, derived from it, so a retry looks for its stored reply where the first
 * attempt put it (the idempotency record commits in the record's batch).
 */
export function newRecordBucket(idempotencyDocId?: string): string {
  return recordBucketOf(idempotencyDocId === undefined ? randomBytes(1).toString('hex') : bucketHexOf(idempotencyDocId));
}

/** A new record id (`r-` and 20 hex digits) in `bucket`: its first two digits name the bucket. */
export function newRecordId(bucket: string): string {
  return `r-${bucket.slice('r-'.length)}${randomBytes(9).toString('hex')}`;
}

/** Two hex digits spread evenly from an idempotency document id (itself a SHA-256 digest). */
function bucketHexOf(idempotencyDocId: string): string {
  let sum = 0;
  for (const char of idempotencyDocId) sum = (sum * 31 + char.charCodeAt(0)) % 256;
  return sum.toString(16).padStart(2, '0');
}

/** Where the audit entries of a request that changes nothing go: the month of the request (UTC). */
export function auditBucketFor(now: Date): string {
  return `a-${now.toISOString().slice(0, 7)}`;
}

/**
 * Audit chains per log in a bucket. A record's bucket sees few writers at once, so one chain (a
 * writer that loses the race for it appends again after a pause); the tenant bucket and the monthly
 * audit buckets take every request's entries, so they spread them over the configured lanes.
 */
export function auditLanesIn(bucket: string, tenantLanes: number): number {
  return bucket.startsWith('r-') ? 1 : tenantLanes;
}
