// The stand-in's item store for one container: the library's `Documents` plus an index per logical
// partition, lazy TTL expiry, and cached query results. Installed into the library's account tree so
// every handler (point ops, patch, batch, queries) goes through it.
import {
  Collections,
  Databases,
  Documents,
  Items,
  type Account,
  type Collection,
  type Document,
  type ItemObject,
  type PageRequest,
  type StoredDoc,
} from './internals.js';
import { compileQuery, page, partitionFromWhere, type Page, type QueryParameter, type ResultSet } from './query-engine.js';
import { RestoreHistory } from './restore-history.js';
import { fullKeyOf, isUnder, keyPaths } from './partition-keys.js';
import { itemBytes, PartitionSizes, type PartitionLimits } from './partition-cap.js';
import type { CosmosJournal, CosmosLogEntry, ReplayTarget } from './journal.js';

/** Where a store's changes are logged (journal.ts), when the account keeps its data across restarts. */
interface JournalContext {
  journal: CosmosJournal;
  db?: string;
  coll?: string;
}
/** Keyed by the library's Databases/Collections/Documents instances (two are installed by prototype swap, without a constructor). */
const JOURNALS = new WeakMap<object, JournalContext>();
/** Collections in the middle of a replace: its inner delete and set are logged as one `coll-replace`. */
const REPLACING = new WeakSet<object>();

/** A partition key as the client sends it in `x-ms-documentdb-partitionkey` (already JSON-parsed). */
export type PartitionKeyHeader = readonly unknown[];

interface Bucket {
  /** _rid -> the library's item wrapper, for every stored item of the logical partition */
  items: Map<string, Document>;
  /** bumped on every insert or replace in the partition (deletes do not invalidate cached results) */
  version: number;
  /** the items in _rid order, as the query engine orders them; dropped on any change */
  sorted?: StoredDoc[];
}

interface CachedResult {
  set: ResultSet;
  version: number;
}

const NO_TTL = Symbol('no ttl');
/** Result sets kept for their next pages (only queries that have a next page are kept). */
const MAX_CACHED_RESULTS = 32;
const MAX_CACHED_ROWS = 400_000;
const MAX_TTL = 2147483647;

/** Bucket key: distinguishes types the way the query engine's `=` does ("1" is not 1). */
function bucketKey(value: unknown): string {
  return value === undefined ? 'none' : `v${JSON.stringify(value)}`;
}

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { badRequest: true });
}

/** Item `ttl`: absent, -1, or a positive whole number of seconds (real Cosmos rejects anything else). */
export function validateItemTtl(doc: Record<string, unknown>): void {
  if (!('ttl' in doc) || doc.ttl === undefined) return;
  const ttl = doc.ttl;
  if (typeof ttl === 'number' && Number.isInteger(ttl) && (ttl === -1 || (ttl >= 1 && ttl <= MAX_TTL))) return;
  throw badRequest(
    `The value of 'ttl' (${JSON.stringify(ttl)}) is invalid: it must be -1 or a whole number of seconds between 1 and ${MAX_TTL}; omit it to use the container's defaultTtl.`,
  );
}

/** Container `defaultTtl`: absent/null (off), -1 (on, no default expiry) or a positive whole number. */
export function validateDefaultTtl(value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === 'number' && Number.isInteger(value) && (value === -1 || (value >= 1 && value <= MAX_TTL))) return;
  throw badRequest(`The value of 'defaultTtl' (${JSON.stringify(value)}) is invalid: use -1, a positive number of seconds, or omit it.`);
}

export class StandInDocuments extends Documents {
  private buckets = new Map<string, Bucket>();
  /** every item in _rid order; dropped on any change */
  private sorted: StoredDoc[] | undefined;
  /** bumped on every insert or replace in the container */
  private version = 0;
  private results = new Map<string, CachedResult>();
  /** Undo log for point-in-time restore (restore-history.ts). */
  private readonly history = new RestoreHistory();
  /** Bytes per logical partition, against the account's scaled-down cap (partition-cap.ts). */
  private readonly sizes = new PartitionSizes();
  /** Set by the container factory: the account's partition limits. */
  limits: PartitionLimits | undefined;

  /** Every path of the key, when it has more than one (MultiHash); see partition-keys.ts. */
  private get multiHashPaths(): string[][] | undefined {
    return this._partitionKeyPath.length > 1 ? keyPaths(this._partitionKeyPath) : undefined;
  }

  /** The logical partition of an item: the value of every path of the key (the library takes the first only). */
  override _getPartition(data: Parameters<Documents['_getPartition']>[0]): ReturnType<Documents['_getPartition']> {
    const paths = this.multiHashPaths;
    return (paths ? fullKeyOf(paths, data) : super._getPartition(data)) as ReturnType<Documents['_getPartition']>;
  }
  /** While a logged change is replayed at start-up: the instant it was made (for the restore history). */
  private replayAt: number | undefined;

  // --- index maintenance --------------------------------------------------------------------------

  private bucket(partition: unknown, create: true): Bucket;
  private bucket(partition: unknown, create: false): Bucket | undefined;
  private bucket(partition: unknown, create: boolean): Bucket | undefined {
    const key = bucketKey(partition);
    let b = this.buckets.get(key);
    if (!b && create) {
      b = { items: new Map(), version: 0 };
      this.buckets.set(key, b);
    }
    return b;
  }

  override _set(data: ItemObject): ItemObject {
    const at = this.replayAt ?? Date.now();
    this.history.record(String(data.id), this._getPartition(data), this.rawGet(String(data.id), this._getPartition(data)), at);
    const stored = super._set(data);
    this.sizes.add(bucketKey(this._getPartition(stored)), itemBytes(stored as unknown as StoredDoc));
    const log = JOURNALS.get(this);
    log?.journal.record({ k: 'doc', db: log.db!, coll: log.coll!, data: stored as unknown as StoredDoc, n: this._ridCount, at });
    const item = this._data.get(stored._rid);
    const b = this.bucket(this._getPartition(stored), true);
    if (item) b.items.set(stored._rid, item);
    b.sorted = undefined;
    this.sorted = undefined;
    // One counter for the container and every partition, so a partition emptied and refilled never
    // repeats a version a cached result was computed at.
    this.version += 1;
    b.version = this.version;
    return stored;
  }

  /** Removes an item from every index (the library's delete, without its lookup). */
  private unlink(data: StoredDoc): void {
    const partition: unknown = this._getPartition(data);
    const at = this.replayAt ?? Date.now();
    this.history.record(data.id, partition, data, at);
    const log = JOURNALS.get(this);
    log?.journal.record({ k: 'doc-', db: log.db!, coll: log.coll!, id: data.id, p: partition, at });
    for (const keyPath of this._uniqueKeyPaths) {
      const value: unknown = keyPath
        .slice(1)
        .split('/')
        .reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), data);
      this._index.delete(this._getId(keyPath, value as string, partition));
    }
    this._data.delete(data._rid);
    this.sizes.add(bucketKey(partition), -itemBytes(data));
    const b = this.bucket(partition, false);
    this.sorted = undefined;
    if (b) {
      b.sorted = undefined;
      b.items.delete(data._rid);
      if (b.items.size === 0) this.buckets.delete(bucketKey(partition));
    }
  }

  override delete(idOrRid: string, partition: unknown): void {
    const data = Items.prototype._item.call(this, '/id', idOrRid, partition).read() as StoredDoc | undefined;
    if (!data) throw new Error('does not exist');
    this.unlink(data);
  }

  /** The stored item for (id, partition) as it is, expired or not (for batch rollback). */
  rawGet(id: string, partition: unknown): StoredDoc | undefined {
    return Items.prototype._item.call(this, '/id', id, partition).read() as StoredDoc | undefined;
  }

  /** Puts (id, partition) back to `data` exactly (same _rid, _etag, _ts), or removes it when undefined. */
  restore(id: string, partition: unknown, data: StoredDoc | undefined): void {
    const current = this.rawGet(id, partition);
    if (current) this.unlink(current);
    if (data) this._set(data as unknown as ItemObject);
  }

  // --- TTL ------------------------------------------------------------------------------------------

  /** Seconds to live for `data`, or NO_TTL. Container TTL off => item ttl ignored (as in Cosmos). */
  private ttlOf(data: StoredDoc, defaultTtl: unknown): number | typeof NO_TTL {
    if (typeof defaultTtl !== 'number') return NO_TTL;
    const ttl = typeof data.ttl === 'number' ? data.ttl : defaultTtl;
    return ttl > 0 ? ttl : NO_TTL;
  }

  private defaultTtl(): unknown {
    const coll = this._parent.read() as { defaultTtl?: unknown } | undefined;
    return coll?.defaultTtl;
  }

  /** True (and the item is purged for good) when its time to live has passed. */
  private expire(data: StoredDoc, defaultTtl: unknown, nowMs: number): boolean {
    const ttl = this.ttlOf(data, defaultTtl);
    if (ttl === NO_TTL || nowMs < (data._ts + ttl) * 1000) return false;
    this.unlink(data);
    return true;
  }

  override _item(keyPath: string, keyPathValue: string, partition: unknown): Document {
    const item = super._item(keyPath, keyPathValue, partition);
    const data = item.read() as StoredDoc | undefined;
    if (data && this.expire(data, this.defaultTtl(), Date.now())) return this._newItem(undefined);
    return item;
  }

  override create(data: Parameters<Documents['create']>[0]): ItemObject {
    validateItemTtl(data);
    const partition = this._getPartition(data);
    const existing = this.rawGet(String(data.id), partition);
    // A clash is the library's 409; only a write that would land is weighed against the cap.
    if (!existing) this.sizes.check(this.limits, bucketKey(partition), 0, itemBytes(data));
    return super.create(data);
  }

  override replace(data: Parameters<Documents['replace']>[0], original: Parameters<Documents['replace']>[1]): ItemObject {
    validateItemTtl(data);
    const partition = this._getPartition(data);
    const old = this.rawGet(String(data.id), partition);
    this.sizes.check(this.limits, bucketKey(partition), old ? itemBytes(old) : 0, itemBytes(data));
    return super.replace(data, original);
  }

  // --- queries --------------------------------------------------------------------------------------

  /**
   * Live items of one logical partition, or of the whole container, in _rid order; expired ones are
   * purged on the way. Handing the engine its input already in _rid order turns the sort every
   * compiled query performs into a single pass.
   */
  private liveDocs(scope: PartitionKeyHeader | undefined): StoredDoc[] {
    const single = this.bucketOfScope(scope);
    const b = single === undefined ? undefined : this.bucket(single.value, false);
    if (single && !b) return [];
    let sorted = b ? b.sorted : this.sorted;
    if (!sorted) {
      sorted = [...(b ? b.items.values() : this._data.values())].map((item) => item.read() as StoredDoc);
      sorted.sort((x, y) => (x._rid === y._rid ? 0 : x._rid < y._rid ? -1 : 1));
      if (b) b.sorted = sorted;
      else this.sorted = sorted;
    }
    const defaultTtl = this.defaultTtl();
    const extra = scope && !single ? this.prefixFilter(scope) : undefined;
    if (typeof defaultTtl !== 'number' && !extra) return sorted;
    const now = Date.now();
    const out: StoredDoc[] = [];
    for (const data of sorted) {
      if (this.expire(data, defaultTtl, now)) continue;
      if (extra && !extra(data)) continue;
      out.push(data);
    }
    return out;
  }

  /**
   * The one logical partition a query scope names, if it names one: the value for a single-path key,
   * the encoded full key when a MultiHash scope gives every path; undefined for the whole container or
   * a prefix of a MultiHash key (then `prefixFilter` picks the partitions under it).
   */
  private bucketOfScope(scope: PartitionKeyHeader | undefined): { value: unknown } | undefined {
    if (!scope) return undefined;
    const paths = this.multiHashPaths;
    if (!paths) return { value: scope[0] };
    if (scope.length < paths.length) return undefined;
    return { value: this._getPartition(docWithKey(paths, scope) as Parameters<Documents['_getPartition']>[0]) };
  }

  /** Items under a prefix of a MultiHash key (a query naming the tenant only, say). */
  private prefixFilter(scope: PartitionKeyHeader): (d: StoredDoc) => boolean {
    const prefix = scope.map((v) => (isNoneKey(v) ? undefined : v));
    return (d) => isUnder(this._getPartition(d), prefix);
  }

  private isLive = (env: Record<string, unknown>, getRid: (env: Record<string, unknown>) => unknown): boolean => {
    const rid = getRid(env);
    if (typeof rid !== 'string') return true;
    const item = this._data.get(rid);
    if (!item) return false;
    return !this.expire(item.read() as StoredDoc, this.defaultTtl(), Date.now());
  };

  /**
   * Runs a query, scoped to one logical partition when the client sent a partition key (as real Cosmos
   * does) or when the WHERE clause pins the partition key path; otherwise over the whole container.
   */
  queryScoped(
    params: { query: string; parameters?: QueryParameter[] },
    { maxItemCount, continuation }: PageRequest,
    partitionKey: PartitionKeyHeader | undefined,
  ): Page | null {
    const collection = this._parent.read() as { indexingPolicy?: { compositeIndexes?: unknown } } | undefined;
    if (!collection) return null;
    const parsed = this._getQuery(params.query);
    const query = compileQuery(params.query, parsed.ast, () => parsed.code);
    let scope = partitionKey ? [isNoneKey(partitionKey[0]) ? undefined : partitionKey[0], ...partitionKey.slice(1)] : undefined;
    if (!scope) {
      const pinned = partitionFromWhere(parsed.ast, this._getPartitionKeyPath(), params.parameters);
      if (pinned) scope = [pinned.value];
    }
    const cacheKey = JSON.stringify([params.query, params.parameters ?? [], scope === undefined ? 'all' : scope.map(bucketKey)]);
    const single = this.bucketOfScope(scope);
    const version = single ? (this.bucket(single.value, false)?.version ?? -1) : this.version;
    const cached = this.results.get(cacheKey);
    let set: ResultSet;
    if (cached && cached.version === version) {
      set = cached.set;
    } else {
      const compositeIndexes = collection.indexingPolicy?.compositeIndexes ?? [];
      let run;
      try {
        run = query.run(this.liveDocs(scope), params.parameters, this._userDefinedFunctions(), compositeIndexes);
      } catch (err) {
        if (err instanceof Error) Object.assign(err, { badRequest: true });
        throw err;
      }
      if (run.kind === 'final') return { result: run.result as unknown[], continuation: null };
      set = { rows: run.rows, getRid: run.getRid, orders: run.orders, cursors: new Map() };
    }
    const { getRid } = set;
    const result = page(set, maxItemCount, continuation, (env) => this.isLive(env, getRid));
    this.results.delete(cacheKey);
    // Keep the sorted result only while the client has more pages to ask for (most recent last).
    if (result.continuation && !query.usesUdf) this.remember(cacheKey, { set, version });
    return result;
  }

  private remember(key: string, entry: CachedResult): void {
    let rows = entry.set.rows.length;
    for (const cached of this.results.values()) rows += cached.set.rows.length;
    for (const [oldKey, cached] of this.results) {
      if (this.results.size < MAX_CACHED_RESULTS && rows <= MAX_CACHED_ROWS) break;
      this.results.delete(oldKey);
      rows -= cached.set.rows.length;
    }
    this.results.set(key, entry);
  }

  override query(params: { query: string; parameters?: QueryParameter[] }, request: PageRequest): Page | null {
    return this.queryScoped(params, request, undefined);
  }

  override read(request: PageRequest = {}): Page | null {
    return this.queryScoped({ query: 'SELECT * FROM c' }, request, undefined);
  }

  /** Puts the container back to its items at `instant` (ms); returns the changes undone. */
  restoreTo(instant: number): number {
    return this.history.undoAfter(instant, (id, partition, data) => this.restore(id, partition, data));
  }

  /** Applies a change read back from the journal, as it was made (same instant, same _rid). */
  applyLogged(entry: Extract<CosmosLogEntry, { k: 'doc' | 'doc-' }>): void {
    this.replayAt = entry.at;
    try {
      if (entry.k === 'doc') {
        this._set(entry.data as unknown as ItemObject);
        this._ridCount = Math.max(this._ridCount, entry.n);
      } else {
        const current = this.rawGet(entry.id, entry.p);
        if (current) this.unlink(current);
      }
    } finally {
      this.replayAt = undefined;
    }
  }

  /** deleteAllItemsForPartitionKey: removes every item of the logical partition at once. */
  deletePartition(partitionKey: PartitionKeyHeader): number {
    const docs = [...this.liveDocs([isNoneKey(partitionKey[0]) ? undefined : partitionKey[0], ...partitionKey.slice(1)])];
    for (const d of docs) this.unlink(d);
    return docs.length;
  }
}

/** An item carrying `values` at `paths` (to compute the encoded key of a scope). */
function docWithKey(paths: readonly string[][], values: readonly unknown[]): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  paths.forEach((path, i) => {
    let node = doc;
    path.forEach((k, j) => {
      if (j === path.length - 1) node[k] = isNoneKey(values[i]) ? undefined : values[i];
      else node = (node[k] ??= {}) as Record<string, unknown>;
    });
  });
  return doc;
}

/** `{}` in a partition key header is the SDK's encoding of "no value" (PartitionKey.None / undefined). */
export function isNoneKey(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

// --- wiring into the library's account tree ---------------------------------------------------------

type CollectionsInstance = InstanceType<typeof Collections>;

function partitionKeyPaths(data: unknown): string[] {
  const pk = (data as { partitionKey?: { paths?: unknown } } | null | undefined)?.partitionKey;
  return Array.isArray(pk?.paths) ? (pk.paths as string[]) : ['/id'];
}
function uniqueKeyPaths(data: unknown): string[] {
  const policy = (data as { uniqueKeyPolicy?: { uniqueKeys?: { paths: string[] }[] } } | null | undefined)?.uniqueKeyPolicy;
  return (policy?.uniqueKeys ?? []).flatMap((k) => k.paths);
}

class StandInCollections extends Collections {
  override _newItem(data: ItemObject | undefined | null): Collection {
    const collection = super._newItem(data);
    if (data) {
      const documents = new StandInDocuments(collection, partitionKeyPaths(data), uniqueKeyPaths(data));
      documents.limits = limitsOf(this);
      collection.documents = documents as Documents;
      const log = JOURNALS.get(this);
      if (log) JOURNALS.set(collection.documents, { ...log, coll: String(data.id) });
    }
    return collection;
  }

  override _set(data: ItemObject): ItemObject {
    const stored = super._set(data);
    const log = JOURNALS.get(this);
    if (log && !REPLACING.has(this)) log.journal.record({ k: 'coll', db: log.db!, data: stored as unknown as StoredDoc, n: this._ridCount });
    return stored;
  }

  override delete(idOrRid: string, partition: unknown): void {
    super.delete(idOrRid, partition);
    const log = JOURNALS.get(this);
    if (log && !REPLACING.has(this)) log.journal.record({ k: 'coll-', db: log.db!, id: idOrRid });
  }

  override create(data: Parameters<CollectionsInstance['create']>[0]): ItemObject {
    validateDefaultTtl(data.defaultTtl);
    return super.create(data);
  }

  /** Replacing a container (e.g. to change defaultTtl) must keep its items; the library drops them. */
  override replace(
    data: Parameters<CollectionsInstance['replace']>[0],
    original: Parameters<CollectionsInstance['replace']>[1],
  ): ItemObject {
    validateDefaultTtl(data.defaultTtl);
    const previous = this._item('/id', String(original.id), String(original.id));
    REPLACING.add(this);
    let replaced: ItemObject;
    try {
      replaced = super.replace(data, original);
    } finally {
      REPLACING.delete(this);
    }
    this.keepItems(previous, replaced);
    const log = JOURNALS.get(this);
    log?.journal.record({ k: 'coll-replace', db: log.db!, data: replaced as unknown as StoredDoc });
    return replaced;
  }

  /** The replaced container's definition takes over the previous one's items and functions. */
  private keepItems(previous: Collection, replaced: ItemObject): void {
    const next = this._data.get(replaced._rid) as Collection | undefined;
    if (next && previous.read()) {
      next.documents = previous.documents;
      next.userDefinedFunctions = previous.userDefinedFunctions;
      next.documents._parent = next;
      next.userDefinedFunctions._parent = next;
    }
  }

  applyLogged(entry: Extract<CosmosLogEntry, { k: 'coll' | 'coll-replace' | 'coll-' }>): void {
    if (entry.k === 'coll') {
      this._set(entry.data as unknown as ItemObject);
      this._ridCount = Math.max(this._ridCount, entry.n);
    } else if (entry.k === 'coll-') {
      if (this._item('/id', entry.id, entry.id).read()) this.delete(entry.id, entry.id);
    } else {
      const previous = this._item('/id', entry.data.id, entry.data.id);
      if (previous.read()) Collections.prototype.delete.call(this, entry.data.id, entry.data.id);
      this.keepItems(previous, this._set(entry.data as unknown as ItemObject));
    }
  }
}

/** The partition limits of the account a container list belongs to (set when its database is made). */
const LIMITS = new WeakMap<object, PartitionLimits>();
function limitsOf(owner: object): PartitionLimits | undefined {
  return LIMITS.get(owner);
}

class StandInDatabases extends Databases {
  override _newItem(data: ItemObject | undefined | null): ReturnType<InstanceType<typeof Databases>['_newItem']> {
    const database = super._newItem(data);
    Object.setPrototypeOf(database.collections, StandInCollections.prototype);
    const limits = limitsOf(this);
    if (limits) LIMITS.set(database.collections, limits);
    const log = JOURNALS.get(this);
    if (log && data) JOURNALS.set(database.collections, { journal: log.journal, db: String(data.id) });
    return database;
  }

  override _set(data: ItemObject): ItemObject {
    const stored = super._set(data);
    JOURNALS.get(this)?.journal.record({ k: 'db', data: stored as unknown as StoredDoc, n: this._ridCount });
    return stored;
  }

  override delete(idOrRid: string, partition: unknown): void {
    super.delete(idOrRid, partition);
    JOURNALS.get(this)?.journal.record({ k: 'db-', id: idOrRid });
  }
}

/**
 * Makes every database and container created in `account` use the stand-in's store, under `limits`; with a journal,
 * every change is logged to it, and what it holds is replayed into the (new, empty) account first.
 */
export function installStore(account: Account, limits: PartitionLimits = { capBytes: undefined }, journal?: CosmosJournal): void {
  Object.setPrototypeOf(account.databases, StandInDatabases.prototype);
  LIMITS.set(account.databases, limits);
  if (!journal) return;
  JOURNALS.set(account.databases, { journal });
  journal.replay(account, replayTarget);
}

function replayTarget(account: Account): ReplayTarget {
  return {
    applyDatabase: (entry) => {
      const databases = account.databases as unknown as StandInDatabases;
      if (entry.k === 'db') {
        databases._set(entry.data as unknown as ItemObject);
        databases._ridCount = Math.max(databases._ridCount, entry.n);
      } else if (account.database(entry.id).read()) {
        databases.delete(entry.id, entry.id);
      }
    },
    applyCollection: (entry) => (account.database(entry.db).collections as unknown as StandInCollections).applyLogged(entry),
    applyDocument: (entry) => {
      const docs: unknown = account.database(entry.db).collection(entry.coll).documents;
      if (!isStandInDocuments(docs)) throw new Error(`cosmos journal: container ${entry.db}/${entry.coll} is missing for a logged item change`);
      docs.applyLogged(entry);
    },
  };
}

export function isStandInDocuments(docs: unknown): docs is StandInDocuments {
  return docs instanceof StandInDocuments;
}

export type { CollectionsInstance };
