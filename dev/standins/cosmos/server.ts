// The HTTP face of the Cosmos DB stand-in: @vercel/cosmosdb-server's routes and handlers, served in
// process over plain HTTP with keep-alive, with a thin layer in front for the requests where the
// library departs from real Cosmos (partition-scoped queries, query plans, transactional batch,
// conditional patch, deleteAllItemsForPartitionKey). Item storage semantics live in documents.ts.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Account,
  createOperation,
  deleteOperation,
  matchRoute,
  patchOperation,
  queryInternals,
  readItems,
  readJsonBody,
  readOperation,
  replaceOperation,
  upsertOperation,
  type Collection,
  type OperationResult,
  type StoredDoc,
} from './internals.js';
import { installStore, isNoneKey, isStandInDocuments, type PartitionKeyHeader, type StandInDocuments } from './documents.js';
import { compileQuery } from './query-engine.js';
import { restoreAccount } from './restore-history.js';
import { fullKeyHeader, keyPaths } from './partition-keys.js';
import { isPartitionFull, PARTITION_FULL_SUBSTATUS, partitionCapFromEnv, type PartitionLimits } from './partition-cap.js';
import { CosmosJournal } from './journal.js';

/** The Cosmos DB emulator's published key. The stand-in accepts any key; this one keeps configs uniform. */
export const COSMOS_EMULATOR_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosStandIn {
  /** `http://127.0.0.1:PORT` — pass with `key` and `connectionPolicy.enableEndpointDiscovery: false`. */
  endpoint: string;
  key: string;
  /** Requests served and documents deleted since start or the last reset (benchmarks count round trips). */
  stats(): CosmosStats;
  resetStats(): void;
  /** Test control: once this many more documents have been deleted, every write waits until `release()`. */
  holdWritesAfterDeletes(count: number): void;
  release(): void;
  /** Point-in-time restore drill: every container back to its state at `instant` (see restore-history.ts). */
  restoreTo(instant: Date): { changesUndone: number; containers: number };
  /** The scaled-down logical partition cap in bytes (undefined: none); see partition-cap.ts. */
  setPartitionCap(bytes: number | undefined): void;
  close(): Promise<void>;
}

export interface CosmosStats {
  requests: number;
  byKind: Record<string, number>;
  documentsDeleted: number;
  heldRequests: number;
}

/** Request accounting and the write hold, per stand-in instance. */
class Controls {
  requests = 0;
  byKind: Record<string, number> = {};
  documentsDeleted = 0;
  holdAt: number | undefined;
  held: (() => void)[] = [];

  count(req: IncomingMessage): void {
    this.requests++;
    const path = (req.url ?? '').split('?')[0] ?? '';
    const kind = /\/docs$/.test(path)
      ? req.method === 'POST'
        ? isTrue(req, 'x-ms-documentdb-isquery') || (req.headers['content-type'] ?? '').includes('query')
          ? 'query'
          : req.headers['x-ms-cosmos-is-batch-request'] ? 'batch' : 'create'
        : 'read-feed'
      : /\/docs\/[^/]+$/.test(path)
        ? (req.method ?? 'GET').toLowerCase()
        : 'metadata';
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
  }

  deleted(n: number): void {
    this.documentsDeleted += n;
  }

  async gate(req: IncomingMessage): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD' || isTrue(req, 'x-ms-documentdb-isquery')) return;
    if (this.holdAt === undefined || this.documentsDeleted < this.holdAt) return;
    await new Promise<void>((resolve) => this.held.push(resolve));
  }

  release(): void {
    this.holdAt = undefined;
    const held = this.held;
    this.held = [];
    held.forEach((resolve) => resolve());
  }
}

export interface CosmosStandInOptions {
  /** Azure region the account pretends to live in (its single read/write location). */
  region: string;
  /** Keep the account's data in this file (journal.ts) and start with what it holds; in memory only when absent. */
  stateFile?: string;
  host?: string;
  port?: number;
  /** Logical partition cap in bytes (default: COSMOS_STANDIN_PARTITION_CAP_BYTES, else none). */
  partitionCapBytes?: number;
}

type Body = Record<string, unknown> | unknown[] | null | undefined;

function isTrue(req: IncomingMessage, name: string): boolean {
  const value = req.headers[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.some((v) => v.toLowerCase() === 'true');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `x-ms-documentdb-partitionkey`, parsed (`["t1"]`, `[{}]` for "none", `["a", 2]` hierarchical). */
function partitionKeyOf(raw: string | undefined): PartitionKeyHeader | undefined {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw Object.assign(new Error(`Failed to parse x-ms-documentdb-partitionkey header: ${raw}`), { badRequest: true });
  }
  return Array.isArray(parsed) ? parsed : [parsed];
}

function docsOf(collection: Collection): StandInDocuments {
  const docs: unknown = collection.documents;
  if (!isStandInDocuments(docs)) throw new Error('container was not created through the stand-in');
  return docs;
}

const PRECONDITION_FAILED = {
  code: 'PreconditionFailed',
  message: 'Condition specified in the patch request is not satisfied.',
};

interface PatchInput {
  id: string;
  partitionKey: string | undefined;
  ifMatch: string | undefined;
  operations: unknown[];
  condition: unknown;
}

/**
 * Patch with Cosmos's conditional form (`from c where ...`). The library lower-cases the condition
 * (so `c.tenantId` never matches) and evaluates it across every partition; here it is evaluated on
 * the one target item, then the library applies the operations.
 */
function patchDocument(collection: Collection, input: PatchInput): OperationResult {
  if (input.condition !== undefined && input.condition !== null) {
    if (typeof input.condition !== 'string' || !/^\s*from\s/i.test(input.condition)) {
      return { statusCode: 400, body: { code: 'BadRequest', message: 'A patch condition must have the form "from c where ...".' } };
    }
    const pk = partitionKeyOf(input.partitionKey);
    const partition = pk && !isNoneKey(pk[0]) ? pk[0] : undefined;
    const target = collection.document(input.id, partition ?? input.id).read() as StoredDoc | undefined;
    if (target && (!input.ifMatch || input.ifMatch === target._etag)) {
      const sql = `SELECT * ${input.condition}`;
      const docs = docsOf(collection);
      try {
        const parsed = docs._getQuery(sql);
        const run = compileQuery(sql, parsed.ast, () => parsed.code).run([target], [], docs._userDefinedFunctions(), []);
        if (run.kind !== 'rows' || run.rows.length === 0) return { statusCode: 412, body: PRECONDITION_FAILED };
      } catch (err) {
        return { statusCode: 400, body: { code: 'BadRequest', message: `Invalid patch condition: ${(err as Error).message}` } };
      }
    }
  }
  return patchOperation(collection, {
    id: input.id,
    partitionKey: input.partitionKey,
    ifMatch: input.ifMatch,
    operations: input.operations,
  } as Parameters<typeof patchOperation>[1]);
}

// --- handlers in front of the library's ---------------------------------------------------------

type Params = Record<string, string>;

async function queryDocuments(account: Account, req: IncomingMessage, res: ServerResponse, { dbId, collId }: Params): Promise<Body> {
  const body = (await readJsonBody(req)) as { query?: unknown; parameters?: unknown } | null;
  if (isTrue(req, 'x-ms-cosmos-is-query-plan-request')) {
    // The SDK asks for a plan before every query but only uses it after a 400 from the query itself,
    // which the stand-in never sends. The library would run the whole query to answer it.
    res.statusCode = 400;
    return { code: 'BadRequest', message: 'The Cosmos DB stand-in does not serve query plans.' };
  }
  return (await readItems(req, res, 'Documents', ({ continuation, maxItemCount }) => {
    if (!body || typeof body.query !== 'string' || !body.query) {
      res.statusCode = 400;
      return { message: 'missing query' };
    }
    const collection = account.database(dbId as string).collection(collId as string);
    const definition = collection.read() as { partitionKey?: { paths?: string[] } } | undefined;
    if (!definition) return null;
    const docs = docsOf(collection);
    const paths = definition.partitionKey?.paths ?? [];
    const partitionKey = partitionKeyOf(header(req, 'x-ms-documentdb-partitionkey'));
    if (!partitionKey && !isTrue(req, 'x-ms-documentdb-query-enablecrosspartition') && paths.length) {
      if (!docs._getQuery(body.query).containsPartitionKeys(paths)) {
        res.statusCode = 400;
        return { message: 'missing partition keys' };
      }
    }
    const parameters = Array.isArray(body.parameters) ? (body.parameters as { name: string; value: unknown }[]) : undefined;
    return docs.queryScoped({ query: body.query, parameters }, { continuation, maxItemCount }, partitionKey);
  })) as Body;
}

interface BatchOperation {
  operationType?: unknown;
  id?: unknown;
  partitionKey?: unknown;
  ifMatch?: unknown;
  resourceBody?: Record<string, unknown>;
}

async function batchDocuments(account: Account, req: IncomingMessage, res: ServerResponse, { dbId, collId }: Params): Promise<Body> {
  const ops = await readJsonBody(req);
  const collection = account.database(dbId as string).collection(collId as string);
  if (!collection.read()) {
    res.statusCode = 404;
    return {};
  }
  if (!Array.isArray(ops)) {
    res.statusCode = 400;
    return { message: 'Invalid request body' };
  }
  const docs = docsOf(collection);
  const atomic = isTrue(req, 'x-ms-cosmos-batch-atomic');
  const continueOnError = isTrue(req, 'x-ms-cosmos-batch-continue-on-error');
  const batchKey = header(req, 'x-ms-documentdb-partitionkey');
  const batchPk = partitionKeyOf(batchKey);
  const batchPartition = batchPk && !isNoneKey(batchPk[0]) ? batchPk[0] : undefined;
  // Atomic batch: the state of every touched item before the batch, to roll back on failure.
  const before = new Map<string, { id: string; partition: unknown; data: StoredDoc | undefined }>();
  const remember = (id: string, partition: unknown): void => {
    const key = JSON.stringify([partition ?? null, id]);
    if (!before.has(key)) before.set(key, { id, partition, data: docs.rawGet(id, partition) });
  };

  const results: Record<string, unknown>[] = [];
  let failed = -1;
  let deletedInBatch = 0;
  for (let i = 0; i < ops.length; i += 1) {
    const op = (ops[i] ?? {}) as BatchOperation;
    if (failed >= 0 && !continueOnError) {
      results.push({ statusCode: 424, requestCharge: 0 });
      continue;
    }
    // The SDK leaves partitionKey off the operations of a transactional batch (it is in the header).
    const partitionKey = typeof op.partitionKey === 'string' ? op.partitionKey : batchKey;
    const id = String(op.resourceBody?.id ?? op.id ?? '');
    let result: OperationResult;
    try {
      if (atomic && typeof op.partitionKey === 'string' && op.partitionKey !== batchKey) {
        throw Object.assign(new Error('Every operation of a transactional batch must be in the partition of the batch.'), { badRequest: true });
      }
      if (atomic && op.resourceBody && op.operationType !== 'Patch') {
        const own: unknown = docs._getPartition(op.resourceBody);
        if (JSON.stringify(own ?? null) !== JSON.stringify(batchPartition ?? null)) {
          throw Object.assign(new Error('The partition key of the item does not match the partition key of the batch.'), {
            badRequest: true,
          });
        }
      }
      if (atomic) remember(id, batchPartition ?? id);
      const input = { ...op, partitionKey, id } as never;
      switch (op.operationType) {
        case 'Create':
          result = createOperation(collection, input);
          break;
        case 'Upsert':
          result = upsertOperation(collection, input);
          break;
        case 'Read':
          result = readOperation(collection, input);
          break;
        case 'Delete':
          result = deleteOperation(collection, input);
          break;
        case 'Replace':
          result = replaceOperation(collection, input);
          break;
        case 'Patch':
          result = patchDocument(collection, {
            id,
            partitionKey,
            ifMatch: typeof op.ifMatch === 'string' ? op.ifMatch : undefined,
            operations: Array.isArray(op.resourceBody?.operations) ? op.resourceBody.operations : [],
            condition: op.resourceBody?.condition,
          });
          break;
        default:
          res.statusCode = 400;
          return { message: `Operation type '${String(op.operationType)}' is not supported in Batch.` };
      }
    } catch (err) {
      if (isPartitionFull(err)) {
        result = { statusCode: 403, body: { code: 'Forbidden', message: err.message, subStatusCode: PARTITION_FULL_SUBSTATUS } };
      } else {
        if (!(err as { badRequest?: boolean }).badRequest) throw err;
        result = { statusCode: 400, body: { code: 'BadRequest', message: (err as Error).message } };
      }
    }
    if (result.statusCode >= 400) {
      failed = i;
      const subStatusCode = (result.body as { subStatusCode?: unknown } | undefined)?.subStatusCode;
      results.push({
        statusCode: result.statusCode,
        requestCharge: 0,
        ...(typeof subStatusCode === 'number' ? { subStatusCode } : {}),
        ...messageOf(result.body),
      });
    } else {
      const resourceBody = result.body as StoredDoc | undefined;
      results.push({ statusCode: result.statusCode, requestCharge: 1, eTag: resourceBody?._etag, resourceBody });
      if (op.operationType === 'Delete') deletedInBatch++;
    }
  }
  if (atomic && failed >= 0) {
    for (const { id, partition, data } of [...before.values()].reverse()) docs.restore(id, partition, data);
    // Real Cosmos: 207 Multi-Status; the failing operation keeps its status, every other one is 424.
    res.statusCode = 207;
    return results.map((r, i) => (i === failed ? r : { statusCode: 424, requestCharge: 0 }));
  }
  controlsOf(account).deleted(deletedInBatch);
  return results;
}

const CONTROLS = new WeakMap<Account, Controls>();
function controlsOf(account: Account): Controls {
  let controls = CONTROLS.get(account);
  if (!controls) {
    controls = new Controls();
    CONTROLS.set(account, controls);
  }
  return controls;
}

function messageOf(body: unknown): Record<string, unknown> {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? { message } : {};
}

async function patchItem(account: Account, req: IncomingMessage, res: ServerResponse, { dbId, collId, docId }: Params): Promise<Body> {
  const body = (await readJsonBody(req)) as { operations?: unknown; condition?: unknown } | unknown[] | null;
  const operations = Array.isArray(body) ? body : body?.operations;
  if (!Array.isArray(operations)) {
    res.statusCode = 400;
    return { code: 'BadRequest', message: 'Invalid patch request: check syntax of patch specification.' };
  }
  const collection = account.database(dbId as string).collection(collId as string);
  const result = patchDocument(collection, {
    id: docId as string,
    partitionKey: header(req, 'x-ms-documentdb-partitionkey'),
    ifMatch: header(req, 'if-match'),
    operations,
    condition: Array.isArray(body) ? undefined : body?.condition,
  });
  res.statusCode = result.statusCode;
  return (result.body ?? {}) as Body;
}

async function deleteAllItemsForPartitionKey(account: Account, req: IncomingMessage, res: ServerResponse, { dbId, collId }: Params): Promise<Body> {
  await readJsonBody(req).catch(() => undefined);
  const collection = account.database(dbId as string).collection(collId as string);
  if (!collection.read()) {
    res.statusCode = 404;
    return { code: 'NotFound', message: 'Resource Not Found' };
  }
  const partitionKey = partitionKeyOf(header(req, 'x-ms-documentdb-partitionkey'));
  if (!partitionKey) {
    res.statusCode = 400;
    return { code: 'BadRequest', message: 'A partition key is required.' };
  }
  docsOf(collection).deletePartition(partitionKey);
  res.statusCode = 200;
  return {};
}

function normalisedPath(req: IncomingMessage): string {
  let path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  if (path.startsWith('//')) path = path.slice(1);
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

/**
 * A point operation or batch on a MultiHash container names its logical partition by the values of
 * every path; the item store indexes the encoded full key (partition-keys.ts), so the header is
 * rewritten to it here, and a partial key is refused (400).
 */
function toFullKeyHeader(account: Account, req: IncomingMessage, { dbId, collId }: Params): void {
  const definition = account.database(dbId as string).collection(collId as string).read() as { partitionKey?: { paths?: string[] } } | undefined;
  const paths = definition?.partitionKey?.paths ?? [];
  if (paths.length < 2) return;
  const given = partitionKeyOf(header(req, 'x-ms-documentdb-partitionkey'));
  if (!given) return;
  req.headers['x-ms-documentdb-partitionkey'] = fullKeyHeader(keyPaths(paths), given);
}

const DOCS = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs$/;
const DOC = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs\/([^/]+)$/;
const PARTITION_DELETE = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/operations\/partitionkeydelete$/;

function dispatch(account: Account, req: IncomingMessage, res: ServerResponse): Promise<Body> | Body {
  const path = normalisedPath(req);
  const params = (m: RegExpExecArray, ...names: string[]): Params =>
    Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] as string)]));
  let m: RegExpExecArray | null;
  // Real Cosmos answers 404 for items of a container that does not exist; the library throws (500).
  if ((m = DOCS.exec(path) ?? DOC.exec(path) ?? PARTITION_DELETE.exec(path))) {
    const { dbId, collId } = params(m, 'dbId', 'collId');
    if (!account.database(dbId as string).collection(collId as string).read()) {
      res.statusCode = 404;
      return { code: 'NotFound', message: 'Resource Not Found' };
    }
  }
  if ((m = DOC.exec(path)) || (req.method === 'POST' && isTrue(req, 'x-ms-cosmos-is-batch-request') && (m = DOCS.exec(path)))) {
    toFullKeyHeader(account, req, params(m, 'dbId', 'collId'));
  }
  if (req.method === 'POST' && (m = DOCS.exec(path))) {
    const isQuery = isTrue(req, 'x-ms-documentdb-isquery') || header(req, 'content-type') === 'application/query+json';
    if (isQuery) return queryDocuments(account, req, res, params(m, 'dbId', 'collId'));
    if (isTrue(req, 'x-ms-cosmos-is-batch-request') && !isTrue(req, 'x-ms-documentdb-is-upsert')) {
      return batchDocuments(account, req, res, params(m, 'dbId', 'collId'));
    }
  }
  if (req.method === 'PATCH' && (m = DOC.exec(path))) return patchItem(account, req, res, params(m, 'dbId', 'collId', 'docId'));
  if (req.method === 'POST' && (m = PARTITION_DELETE.exec(path))) {
    return deleteAllItemsForPartitionKey(account, req, res, params(m, 'dbId', 'collId'));
  }
  const route = matchRoute(req);
  if (!route) {
    res.statusCode = 400;
    return { message: 'no route' };
  }
  const [routeParams, handler] = route;
  return handler(account, req, res, routeParams) as Promise<Body> | Body;
}

const QUERY_METRICS = [
  'totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00',
  'queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00',
  'indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00',
  'userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;outputDocumentCount=1',
  'outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00',
].join(';');

/** Same response framing as the library's own server, over HTTP. */
function respond(req: IncomingMessage, res: ServerResponse, body: Body): void {
  let payload = body;
  if (res.statusCode > 399 && payload && !Array.isArray(payload) && !payload.message) payload = { ...payload, message: '' };
  const etag = payload && !Array.isArray(payload) ? payload._etag : undefined;
  if (typeof etag === 'string') res.setHeader('etag', etag);
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-location', `http://${req.headers.host ?? 'localhost'}${req.url ?? ''}`);
  res.setHeader('x-ms-activity-id', randomUUID());
  res.setHeader('x-ms-request-charge', '1');
  if (req.headers['x-ms-documentdb-populatequerymetrics']) res.setHeader('x-ms-documentdb-query-metrics', QUERY_METRICS);
  if (req.headers['a-im'] && res.statusCode === 200) {
    if (req.headers['if-none-match']) res.statusCode = 304;
    res.setHeader('etag', '1');
  }
  res.end(JSON.stringify(payload));
}

async function handle(account: Account, journal: CosmosJournal | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controls = controlsOf(account);
  controls.count(req);
  await controls.gate(req);
  let body: Body;
  try {
    body = await dispatch(account, req, res);
    if (req.method === 'DELETE' && /\/docs\/[^/]+$/.test((req.url ?? '').split('?')[0] ?? '') && res.statusCode < 300) controls.deleted(1);
  } catch (err) {
    if (isPartitionFull(err)) {
      res.statusCode = 403;
      res.setHeader('x-ms-substatus', String(PARTITION_FULL_SUBSTATUS));
      body = { code: 'Forbidden', message: err.message };
    } else if ((err as { badRequest?: boolean }).badRequest || err instanceof queryInternals.SyntaxError) {
      res.statusCode = 400;
      body = { code: 'BadRequest', message: (err as Error).message };
    } else {
      console.error('cosmos stand-in:', err);
      res.statusCode = 500;
      body = { code: 'InternalServerError', message: (err as Error).message };
    }
  }
  // What this request changed is on disk before it is acknowledged.
  journal?.flush();
  respond(req, res, body);
}

export async function startCosmos(options: CosmosStandInOptions): Promise<CosmosStandIn> {
  if (!options.region) throw new Error('startCosmos: a region is required');
  let account: Account | undefined;
  const journal = options.stateFile === undefined ? undefined : new CosmosJournal(options.stateFile);
  const server = createServer({ keepAlive: true }, (req, res) => {
    if (!account) {
      res.writeHead(503).end();
      return;
    }
    handle(account, journal, req, res).catch((err: unknown) => {
      console.error('cosmos stand-in:', err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Idle keep-alive sockets outlive a test's client; do not let them keep the process up.
  server.keepAliveTimeout = 5_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const endpoint = `http://${publicHost}:${port}`;
  const created = new Account(publicHost, port);
  const limits: PartitionLimits = { capBytes: options.partitionCapBytes ?? partitionCapFromEnv() };
  installStore(created, limits, journal);
  // The account document names its locations; make them this endpoint (HTTP) in this region.
  const meta = created.read() as Record<string, unknown>;
  const location = [{ name: options.region, databaseAccountEndpoint: `${endpoint}/` }];
  meta.writableLocations = location;
  meta.readableLocations = location;
  account = created;
  const controls = controlsOf(created);
  return {
    endpoint,
    key: COSMOS_EMULATOR_KEY,
    stats: () => ({
      requests: controls.requests,
      byKind: { ...controls.byKind },
      documentsDeleted: controls.documentsDeleted,
      heldRequests: controls.held.length,
    }),
    resetStats: () => {
      controls.requests = 0;
      controls.byKind = {};
    },
    holdWritesAfterDeletes: (count: number) => {
      controls.holdAt = controls.documentsDeleted + count;
    },
    release: () => controls.release(),
    restoreTo: (instant: Date) => {
      const restored = restoreAccount(created, instant);
      journal?.flush();
      return restored;
    },
    setPartitionCap: (bytes: number | undefined) => {
      limits.capBytes = bytes;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
