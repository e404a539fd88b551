// Typed handles on the pieces of @vercel/cosmosdb-server and its query engine (@zeit/cosmosdb-query)
// that the stand-in reuses. Both packages are pinned (package-lock), so the internal paths are stable;
// test/dev/cosmos.test.ts fails loudly if an upgrade moves them.
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import accountModule from '@vercel/cosmosdb-server/lib/account/index.js';
import collectionsModule from '@vercel/cosmosdb-server/lib/account/collections.js';
import databasesModule from '@vercel/cosmosdb-server/lib/account/databases.js';
import documentsModule from '@vercel/cosmosdb-server/lib/account/documents.js';
import itemsModule from '@vercel/cosmosdb-server/lib/account/items.js';
import routesModule from '@vercel/cosmosdb-server/lib/routes.js';
import readItemsModule from '@vercel/cosmosdb-server/lib/handler/_read-items.js';
import * as documentOperations from '@vercel/cosmosdb-server/lib/handler/_document-operations.js';
import * as patchOperations from '@vercel/cosmosdb-server/lib/handler/_patch-operations.js';
import jsonModule from '@vercel/cosmosdb-server/lib/json.js';
import type ItemObjectModule from '@vercel/cosmosdb-server/lib/account/item-object.js';

export const Account = accountModule.default;
export type Account = InstanceType<typeof Account>;
export const Databases = databasesModule.default;
export const Collections = collectionsModule.default;
export const Documents = documentsModule.default;
export type Documents = InstanceType<typeof Documents>;
export const Items = itemsModule.default;
export type Collection = Documents['_parent'];
export type Document = ReturnType<Documents['_newItem']>;
/** The library's own record type (loosely typed); converted to StoredDoc at our boundary. */
export type ItemObject = ItemObjectModule.default;

/** A stored item as the library keeps it: the user's JSON plus the system properties. */
export interface StoredDoc {
  id: string;
  _rid: string;
  _etag: string;
  _ts: number;
  ttl?: unknown;
  [key: string]: unknown;
}

export type RouteHandler = (
  account: Account,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;
export const matchRoute = routesModule.default as unknown as (
  req: IncomingMessage,
) => [Record<string, string>, RouteHandler] | undefined;

export interface PageRequest {
  maxItemCount?: number | null;
  continuation?: { token: string } | null;
}
export const readItems = readItemsModule.default;
export const readJsonBody = jsonModule.default as (req: IncomingMessage) => Promise<unknown>;

export interface OperationResult {
  statusCode: number;
  body?: unknown;
}
export const { createOperation, deleteOperation, readOperation, replaceOperation, upsertOperation } =
  documentOperations;
export const { patchOperation } = patchOperations;

// --- @zeit/cosmosdb-query internals (a dependency of the server, resolved from the server's own location)
const requireFromServer = createRequire(createRequire(import.meta.url).resolve('@vercel/cosmosdb-server'));
const requireFromQuery = createRequire(requireFromServer.resolve('@zeit/cosmosdb-query'));

/** JavaScript AST node as produced by the query transformer (Babel shape). */
export interface JsNode {
  type: string;
  [key: string]: unknown;
}

export interface ContinuationToken {
  RID: string;
  RT: number;
  TRC: number;
  SRC?: number;
  RTD?: unknown[];
}

export type Helpers = Record<string, unknown>;

export const queryInternals = {
  transform: (requireFromQuery('@zeit/cosmosdb-query/lib/transformer') as { default: (sqlAst: unknown) => JsNode })
    .default,
  generate: (requireFromQuery('@babel/generator') as { default: (ast: JsNode) => { code: string } }).default,
  helpers: requireFromQuery('@zeit/cosmosdb-query/lib/helpers') as Helpers & {
    equal: (a: unknown, b: unknown) => boolean | undefined;
  },
  aggregateFunctions: requireFromQuery('@zeit/cosmosdb-query/lib/aggregate-functions') as Record<string, unknown>,
  builtinFunctions: requireFromQuery('@zeit/cosmosdb-query/lib/builtin-functions') as Record<string, unknown>,
  continuationToken: requireFromQuery('@zeit/cosmosdb-query/lib/continuation-token') as {
    encode: (t: ContinuationToken) => string;
    decode: (token: string) => ContinuationToken;
  },
  SyntaxError: (requireFromQuery('@zeit/cosmosdb-query') as { SyntaxError: new (...args: never[]) => Error })
    .SyntaxError,
  /** The library's SQL parser (what `Items._getQuery` caches): `ast` plus the library's own `code`. */
  parse: (requireFromQuery('@zeit/cosmosdb-query') as { default: (sql: string) => { ast: unknown; code: string } })
    .default,
};
