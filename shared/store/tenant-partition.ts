// One tenant's data: the only door to it. Built from a tenant id (whose region is part of the id),
// it reads and writes only that region's container and only that tenant's partition, and every
// query is filtered by tenant in the query text too (defence in depth; some stand-ins ignore the
// partition-key option). In a bucketed container (`tenant-data`, key ['/tenantId', '/pk']) the
// tenant's partition is many logical partitions, one per bucket: a document's id names its bucket
// (see buckets.ts), queries take the tenant prefix and reach every bucket, and a batch stays in one.
import type { Container, JSONObject, OperationInput, PartitionKey, SqlParameter } from '@azure/cosmos';
import { azureStatusOf } from '../azure/rest-error.js';
import type { Region } from '../config.js';
import { isTransient, ServiceUnavailableError } from '../errors.js';
import { storeFailure } from './store-failure.js';
import type { TenantId } from '../tenancy/tenant-id.js';
import { bucketOf, TENANT_BUCKET } from './buckets.js';

export interface TenantRef {
  tenantId: TenantId;
  region: Region;
}

export interface StoredDoc {
  id: string;
  tenantId: string;
  type: string;
  _etag?: string;
  ttl?: number;
  /** The bucket, in a bucketed container: set on every write from the id (see buckets.ts). */
  pk?: string;
  [field: string]: unknown;
}

/**
 * What a refused operation means: `retry` (a race with another writer of bookkeeping such as a
 * subject key or an idempotency record; run the unit of work again), `lane` (another writer
 * appended to the same audit chain first; append on another chain), or the expected failure to
 * report to the caller.
 */
export type ConflictMeaning = 'retry' | 'lane' | (() => Error);

export type BatchOp = (
  | { kind: 'create'; doc: StoredDoc }
  | { kind: 'replace'; doc: StoredDoc; ifMatch: string }
  | { kind: 'upsert'; doc: StoredDoc }
  | { kind: 'delete'; id: string }
) & { conflict?: ConflictMeaning };

/** A batch was refused because of one of its operations. */
export class BatchConflict extends Error {
  constructor(
    readonly index: number,
    readonly status: number,
  ) {
    super(`batch operation ${index} failed with ${status}`);
  }
}

export const MAX_BATCH_OPERATIONS = 100;

/** A document id no one writes: read only to learn whether the store answers (see #batchFailure). */
const BATCH_PROBE_ID = 'store-probe';
const BATCH_PROBE_TIMEOUT_MS = 5_000;

/** Audit chains per log when the partition's owner does not say (see AUDIT_CHAIN_LANES). */
export const DEFAULT_AUDIT_LANES = 8;

export class TenantPartition {
  constructor(
    readonly ref: TenantRef,
    private readonly container: Container,
    /** How many hash chains each of this tenant's audit logs spreads its appends over. */
    readonly auditLanes: number = DEFAULT_AUDIT_LANES,
    /** Whether the container's key is ['/tenantId', '/pk'] (else '/tenantId' alone). */
    readonly bucketed: boolean = false,
  ) {}

  /** The bucket a document id is stored in (always the tenant bucket in a container without buckets). */
  bucketOf(id: string): string {
    return this.bucketed ? bucketOf(id) : TENANT_BUCKET;
  }

  /** The bucket of a batch operation's document. */
  bucketOfOp(op: BatchOp): string {
    return this.bucketOf(op.kind === 'delete' ? op.id : op.doc.id);
  }

  #key(bucket: string): PartitionKey {
    return this.bucketed ? [this.ref.tenantId, bucket] : this.ref.tenantId;
  }

  /** Every document of the tenant: the tenant's prefix of a hierarchical key reaches every bucket. */
  #everyBucket(): PartitionKey {
    return this.bucketed ? [this.ref.tenantId] : this.ref.tenantId;
  }

  get tenantId(): TenantId {
    return this.ref.tenantId;
  }

  async read<T extends StoredDoc>(id: string): Promise<T | undefined> {
    try {
      const { resource } = await this.container.item(id, this.#key(this.bucketOf(id))).read<T>();
      if (!resource || resource.tenantId !== this.ref.tenantId) return undefined;
      return resource;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw storeFailure(error);
    }
  }

  /**
   * Runs `SELECT * FROM c WHERE c.tenantId = @tenantId AND (<where>) [ORDER BY ...]`, one page at
   * a time. `where` must not reference another tenant; the tenant filter is always added here.
   */
  async *query<T extends StoredDoc>(
    where: string,
    parameters: SqlParameter[] = [],
    options: { orderBy?: string; pageSize?: number; top?: number; fields?: string[] } = {},
  ): AsyncGenerator<T[]> {
    // A projection always keeps tenantId, so the ownership check below still applies.
    const select = options.fields ? [...new Set(['id', 'tenantId', ...options.fields])].map((f) => `c.${f}`).join(', ') : '*';
    const query = `SELECT ${options.top ? `TOP ${options.top} ` : ''}${select} FROM c WHERE c.tenantId = @tenantId AND (${where})${options.orderBy ? ` ORDER BY ${options.orderBy}` : ''}`;
    const iterator = this.container.items.query<T>(
      { query, parameters: [{ name: '@tenantId', value: this.ref.tenantId }, ...parameters] },
      { partitionKey: this.#everyBucket(), maxItemCount: options.pageSize ?? Math.min(options.top ?? 100, 1000) },
    );
    try {
      while (iterator.hasMoreResults()) {
        const { resources } = await iterator.fetchNext();
        const own = resources.filter((doc) => doc.tenantId === this.ref.tenantId);
        if (own.length > 0) yield own;
      }
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async queryAll<T extends StoredDoc>(
    where: string,
    parameters: SqlParameter[] = [],
    options: { orderBy?: string; top?: number; fields?: string[] } = {},
  ): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.query<T>(where, parameters, options)) all.push(...page);
    return all;
  }

  async count(where: string, parameters: SqlParameter[] = []): Promise<number> {
    try {
      const { resources } = await this.container.items
        .query<number>(
          {
            query: `SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @tenantId AND (${where})`,
            parameters: [{ name: '@tenantId', value: this.ref.tenantId }, ...parameters],
          },
          { partitionKey: this.#everyBucket() },
        )
        .fetchAll();
      return resources.reduce((sum, n) => sum + n, 0);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /** Commits every operation or none (a Cosmos transactional batch within one bucket of this tenant's partition). */
  async commit(ops: BatchOp[]): Promise<void> {
    if (ops.length === 0) return;
    if (ops.length > MAX_BATCH_OPERATIONS) throw new Error(`a batch holds at most ${MAX_BATCH_OPERATIONS} operations (got ${ops.length})`);
    const bucket = this.bucketOfOp(ops[0]!);
    for (const op of ops) {
      if (op.kind !== 'delete' && op.doc.tenantId !== this.ref.tenantId)
        throw new Error(`refusing to write a document of tenant ${op.doc.tenantId} into ${this.ref.tenantId}`);
      if (this.bucketOfOp(op) !== bucket) throw new Error(`a batch stays in one bucket (${bucket}), not ${this.bucketOfOp(op)}`);
    }
    const partitionKey = this.#key(bucket);
    const body = (doc: StoredDoc): JSONObject => strip(this.bucketed ? { ...doc, pk: bucket } : doc);
    // The batch's key applies to every operation (a transactional batch is one logical partition).
    const operations: OperationInput[] = ops.map((op) => {
      switch (op.kind) {
        case 'create':
          return { operationType: 'Create', resourceBody: body(op.doc) };
        case 'upsert':
          return { operationType: 'Upsert', resourceBody: body(op.doc) };
        case 'replace':
          return { operationType: 'Replace', id: op.doc.id, resourceBody: body(op.doc), ifMatch: op.ifMatch };
        case 'delete':
          return { operationType: 'Delete', id: op.id };
      }
    });
    let result;
    try {
      result = await this.container.items.batch(operations, partitionKey);
    } catch (error) {
      throw await this.#batchFailure(error);
    }
    const responses = result.result ?? [];
    const failed = responses.findIndex((r) => r.statusCode >= 400 && r.statusCode !== 424);
    if (failed >= 0) {
      const status = responses[failed]!.statusCode;
      // The service's batch answer carries each operation's substatus; the SDK's type leaves it out.
      if (status === 403 && (responses[failed] as { subStatusCode?: number }).subStatusCode === PARTITION_FULL_SUBSTATUS) throw partitionFull(bucket);
      // An operation refused because the store is busy or unavailable fails the batch as the store's condition.
      const condition = storeFailure({ statusCode: status });
      if (isTransient(condition)) throw condition;
      throw new BatchConflict(failed, status);
    }
    if (result.code !== undefined && result.code >= 400) throw new BatchConflict(-1, result.code);
  }

  /**
   * What a batch that was not answered means. The SDK rethrows a batch's failure as a plain Error
   * that keeps only the message (its status or network code is lost), so when the failure names
   * none, one point read asks whether the store answers at all: if it does not (or not within
   * BATCH_PROBE_TIMEOUT_MS), the batch failed for the store's condition; otherwise the failure is
   * passed on as it was (a bug to report). Either way the batch committed nothing or everything.
   */
  async #batchFailure(error: unknown): Promise<unknown> {
    const translated = storeFailure(error);
    if (translated !== error || azureStatusOf(error) !== undefined) return translated;
    try {
      await this.container.item(BATCH_PROBE_ID, this.#key(TENANT_BUCKET)).read({ abortSignal: AbortSignal.timeout(BATCH_PROBE_TIMEOUT_MS) });
      return error;
    } catch (probe) {
      if (azureStatusOf(probe) === 404) return error;
      const condition = probe instanceof Error && probe.name === 'AbortError' ? storeFailure({ code: 'TimeoutError' }) : storeFailure(probe);
      return isTransient(condition) ? condition : error;
    }
  }

  /**
   * Deletes documents by id, 100 per transactional batch (one round trip each, within one bucket), a
   * few batches at a time. A batch that meets a document already gone (a re-run after a crash) falls
   * back to point deletes that ignore it; throttling throws, for the caller's retry policy.
   */
  async deleteIds(ids: string[]): Promise<void> {
    const byBucket = new Map<string, string[]>();
    for (const id of ids) {
      const bucket = this.bucketOf(id);
      const list = byBucket.get(bucket);
      if (list) list.push(id);
      else byBucket.set(bucket, [id]);
    }
    const chunks: string[][] = [];
    for (const inBucket of byBucket.values()) {
      for (let i = 0; i < inBucket.length; i += MAX_BATCH_OPERATIONS) chunks.push(inBucket.slice(i, i + MAX_BATCH_OPERATIONS));
    }
    const PARALLEL = 5;
    for (let i = 0; i < chunks.length; i += PARALLEL) {
      await Promise.all(chunks.slice(i, i + PARALLEL).map((chunk) => this.#deleteChunk(chunk)));
    }
  }

  async #deleteChunk(ids: string[]): Promise<void> {
    try {
      await this.commit(ids.map((id) => ({ kind: 'delete' as const, id })));
      return;
    } catch (error) {
      if (!(error instanceof BatchConflict) || error.status !== 404) throw error;
    }
    for (const id of ids) {
      try {
        await this.container.item(id, this.#key(this.bucketOf(id))).delete();
      } catch (error) {
        if (azureStatusOf(error) !== 404) throw storeFailure(error);
      }
    }
  }
}

/** Cosmos DB's substatus for a logical partition at its size limit (20 GB). */
const PARTITION_FULL_SUBSTATUS = 1014;

/**
 * A bucket of the tenant's data at the store's size limit: nothing was written, and retrying will
 * not help until the layout changes, so it is an incident for ops (logged and reported as every 5xx
 * is), not the caller's conflict. The tenant's other buckets keep working.
 */
function partitionFull(bucket: string): ServiceUnavailableError {
  return new ServiceUnavailableError(
    'STORE.PARTITION_FULL',
    "This part of the tenant's data has reached the data store's size limit; nothing was changed. The operations team is alerted.",
    3600,
    `status 403/${PARTITION_FULL_SUBSTATUS} in bucket ${bucket}`,
  );
}

function strip(doc: StoredDoc): JSONObject {
  const { _etag: _ignored, ...rest } = doc;
  return JSON.parse(JSON.stringify(rest)) as JSONObject;
}
