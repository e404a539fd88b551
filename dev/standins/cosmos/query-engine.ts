// Linear-time execution of @zeit/cosmosdb-query's compiled SQL, plus cursor paging over a cached result.
//
// Why the library is slow: it compiles SQL to JS that builds the working set with
// `coll.reduce(($, c) => [...$, {c}], [])`, copying the accumulator for every document (quadratic: ~75%
// of CPU plus GC at 15k documents), re-runs the whole query (filter + sort of the entire container) for
// every page, and `stripUndefined` copies arrays the same quadratic way. We keep its parser, its
// transformer and its helpers (so every query shape keeps its semantics) and change only: the
// accumulator appends in place, the page cut happens here (so one sorted result serves all pages), and
// `stripUndefined` is linear.
import { queryInternals, type ContinuationToken, type JsNode } from './internals.js';

const { transform, generate, helpers, aggregateFunctions, builtinFunctions, continuationToken, parse } = queryInternals;

/** One row handed to `paginate` by the compiled query: [projected value, the row's source bindings]. */
export type Row = [unknown, Record<string, unknown>];
type Order = [string[], boolean];

export type QueryRun =
  | { kind: 'rows'; rows: Row[]; getRid: (env: Record<string, unknown>) => unknown; orders: Order[] }
  | { kind: 'final'; result: unknown };

export interface CompiledQuery {
  /** Runs over `docs` and returns either rows to page through or the final (aggregate) result. */
  run(
    docs: readonly unknown[],
    parameters: readonly QueryParameter[] | undefined,
    udf: unknown,
    compositeIndexes: unknown,
  ): QueryRun;
  /** True when the compiled code calls user-defined functions (results then are not cached). */
  readonly usesUdf: boolean;
  /** False when the quadratic accumulator could not be rewritten (the original code runs). */
  readonly linear: boolean;
}

export interface QueryParameter {
  name: string;
  value: unknown;
}

const CAPTURED = Symbol('captured rows');
interface Captured {
  [CAPTURED]: true;
  rows: Row[];
  getRid: (env: Record<string, unknown>) => unknown;
  orders: Order[];
}

export function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== undefined) out.push(stripUndefined(v));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
    return out;
  }
  return value;
}

const engineHelpers: Record<string, unknown> = {
  ...helpers,
  stripUndefined,
  $append(acc: unknown[], items: unknown[]): unknown[] {
    for (const item of items) acc.push(item);
    return acc;
  },
  paginate(
    rows: Row[],
    _maxItemCount: unknown,
    _continuation: unknown,
    getRid: (env: Record<string, unknown>) => unknown,
    ...orders: Order[]
  ): Captured {
    return { [CAPTURED]: true, rows, getRid, orders };
  },
};

function isNode(value: unknown): value is JsNode {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
}

function isIdentifier(node: unknown, name: string): boolean {
  return isNode(node) && node.type === 'Identifier' && node.name === name;
}

/** `[...$, a, ...b]`: the accumulator copy the transformer emits inside every FROM/JOIN reduce. */
function isAccumulatorCopy(node: unknown): node is JsNode & { elements: unknown[] } {
  if (!isNode(node) || node.type !== 'ArrayExpression' || !Array.isArray(node.elements)) return false;
  const first: unknown = node.elements[0];
  return isNode(first) && first.type === 'SpreadElement' && isIdentifier(first.argument, '$');
}

function appendInPlace(copy: JsNode & { elements: unknown[] }): JsNode {
  return {
    type: 'CallExpression',
    callee: {
      type: 'MemberExpression',
      object: { type: 'Identifier', name: '$h' },
      property: { type: 'Identifier', name: '$append' },
      computed: false,
    },
    arguments: [
      { type: 'Identifier', name: '$' },
      { type: 'ArrayExpression', elements: copy.elements.slice(1) },
    ],
  };
}

/** Rewrites every `($, x) => [...$, y]` / `($, x) => cond ? [...$, y] : $` reducer to append in place. */
function rewriteAccumulators(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, child: unknown) => n + rewriteAccumulators(child), 0);
  if (!isNode(node)) return 0;
  let count = 0;
  for (const key of Object.keys(node)) {
    if (key !== 'type') count += rewriteAccumulators(node[key]);
  }
  const params = node.params;
  if (node.type === 'ArrowFunctionExpression' && Array.isArray(params) && isIdentifier(params[0], '$')) {
    const body = node.body;
    if (isAccumulatorCopy(body)) {
      node.body = appendInPlace(body);
      count += 1;
    } else if (
      isNode(body) &&
      body.type === 'ConditionalExpression' &&
      isAccumulatorCopy(body.consequent) &&
      isIdentifier(body.alternate, '$')
    ) {
      body.consequent = appendInPlace(body.consequent);
      count += 1;
    }
  }
  return count;
}

type Executable = (...args: unknown[]) => unknown;

const compiled = new Map<string, CompiledQuery>();
const COMPILED_MAX = 500;

/**
 * Compiles the parsed query (`ast` from the library's own parser) once per SQL text. The original code
 * (`originalCode`) is used when the rewrite does not apply, so no query shape is lost.
 */
export function compileQuery(sql: string, ast: unknown, originalCode: () => string): CompiledQuery {
  const hit = compiled.get(sql);
  if (hit) return hit;
  // Same construction as the library's executor, but once per query instead of once per page.
  const build = (source: string): Executable => new Function(`"use strict";return (${source})`)() as Executable;
  let code: string | undefined;
  let fn: Executable | undefined;
  try {
    const jsAst = transform(structuredClone(ast));
    rewriteAccumulators(jsAst);
    const rewritten = generate(jsAst).code;
    if (!/\[\s*\.\.\.\$\s*,/.test(rewritten)) {
      fn = build(rewritten);
      code = rewritten;
    }
  } catch {
    // fall through to the library's own code (which reports the error, if there is one, as it always did)
  }
  const linear = fn !== undefined;
  if (!fn || code === undefined) {
    code = originalCode();
    fn = build(code);
  }
  const execute = fn;
  const query: CompiledQuery = {
    usesUdf: /\budf\./.test(code),
    linear,
    run(docs, parameters, udf, compositeIndexes) {
      const params: Record<string, unknown> = {};
      for (const { name, value } of parameters ?? []) params[name.slice(1)] = value;
      const out = execute(aggregateFunctions, builtinFunctions, docs, engineHelpers, udf, params, null, null, compositeIndexes);
      if (out !== null && typeof out === 'object' && CAPTURED in out) {
        const captured = out as Captured;
        return { kind: 'rows', rows: captured.rows, getRid: captured.getRid, orders: captured.orders };
      }
      return { kind: 'final', result: (out as { result: unknown }).result };
    },
  };
  if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value as string);
  compiled.set(sql, query);
  return query;
}

/** Parses and compiles `sql` (for callers without a container's query cache, e.g. tests). */
export function compileSql(sql: string): CompiledQuery & { ast: unknown } {
  const parsed = parse(sql);
  return { ...compileQuery(sql, parsed.ast, () => parsed.code), ast: parsed.ast };
}

// --- paging -----------------------------------------------------------------------------------------

/** A query's full, sorted result, kept so that later pages cost only the page itself. */
export interface ResultSet {
  rows: Row[];
  getRid: (env: Record<string, unknown>) => unknown;
  orders: Order[];
  /** continuation token we issued -> index of the first row of that page */
  cursors: Map<string, number>;
}

export interface Page {
  result: unknown[];
  continuation: { token: string; range: { min: string; max: string } } | null;
}

const TYPE_ORDER = ['undefined', 'null', 'boolean', 'number', 'string', 'array', 'object'];
function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
/** The library's ordering (helpers.comparator, not exported): type rank first, then value. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta === tb) {
    if (ta === 'object') return 0;
    return (a as number | string) < (b as number | string) ? -1 : 1;
  }
  return TYPE_ORDER.indexOf(ta) - TYPE_ORDER.indexOf(tb) < 0 ? -1 : 1;
}
function getPath(doc: unknown, keys: readonly string[]): unknown {
  let value: unknown = doc;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
    if (value === undefined) return undefined;
  }
  return value;
}

/** Where a token points in `rows` when we did not issue it on this result set (same rule as the library). */
function seek(set: ResultSet, token: ContinuationToken): number {
  let src = 0;
  const index = set.rows.findIndex(([, env]) => {
    if (token.RTD !== undefined && set.orders.length) {
      for (let i = 0; i < set.orders.length; i += 1) {
        const [keys, desc] = set.orders[i] as Order;
        const r = compareValues(getPath(env, keys), token.RTD[i]) * (desc ? -1 : 1);
        if (r < 0) return false;
        if (r > 0) return true;
      }
    }
    const rid = set.getRid(env);
    if (!rid) throw new Error('The _rid field is required on items for the continuation option.');
    if (compareValues(rid, token.RID) < 0) return false;
    if (!token.SRC || rid !== token.RID) return true;
    if (src === token.SRC) return true;
    src += 1;
    return false;
  });
  return index >= 0 ? index : set.rows.length;
}

/**
 * Cuts one page out of a result set. Rows whose document has since been deleted or has expired are
 * skipped (`isLive`), so a caller that deletes while paging sees each remaining item exactly once.
 */
export function page(
  set: ResultSet,
  maxItemCount: number | null | undefined,
  continuation: { token: string } | null | undefined,
  isLive: (env: Record<string, unknown>) => boolean,
): Page {
  let token: ContinuationToken | undefined;
  let start = 0;
  if (continuation) {
    token = continuationToken.decode(continuation.token);
    start = set.cursors.get(continuation.token) ?? seek(set, token);
  }
  const limit = maxItemCount !== null && maxItemCount !== undefined && maxItemCount > 0 ? maxItemCount : Infinity;
  const out: unknown[] = [];
  let i = start;
  for (; i < set.rows.length && out.length < limit; i += 1) {
    const row = set.rows[i] as Row;
    if (isLive(row[1])) out.push(row[0]);
  }
  while (i < set.rows.length && !isLive((set.rows[i] as Row)[1])) i += 1;
  let next: Page['continuation'] = null;
  if (i < set.rows.length) {
    const env = (set.rows[i] as Row)[1];
    const RID = set.getRid(env);
    if (!RID) throw new Error('The _rid field is required on items for the maxItemCount option.');
    let j = i - 1;
    while (j >= 0 && set.getRid((set.rows[j] as Row)[1]) === RID) j -= 1;
    const encoded = continuationToken.encode({
      RID: String(RID),
      RT: (token ? token.RT : 0) + 1,
      SRC: i - j - 1,
      TRC: (token ? token.TRC : 0) + out.length,
      RTD: set.orders.length ? set.orders.map(([keys]) => getPath(env, keys)) : undefined,
    } as ContinuationToken);
    set.cursors.set(encoded, i);
    next = { token: encoded, range: { min: '', max: 'FF' } };
  }
  return { result: out.map(stripUndefined), continuation: next };
}

// --- partition scope from the WHERE clause ------------------------------------------------------------

type SqlNode = { type?: unknown; [key: string]: unknown };
function asSql(value: unknown): SqlNode | undefined {
  return value !== null && typeof value === 'object' ? (value as SqlNode) : undefined;
}

/** Name the root document is bound to (`FROM c`, `FROM root r`), or undefined for other FROM shapes. */
function rootAlias(body: SqlNode): string | undefined {
  const from = asSql(body.from);
  const source = asSql(from?.source);
  const expression = asSql(source?.expression);
  if (!source || source.iteration || expression?.type !== 'collection_expression') return undefined;
  const alias = asSql(source.alias)?.name ?? asSql(expression.expression)?.name;
  if (typeof alias !== 'string') return undefined;
  const joins = Array.isArray(from?.joins) ? (from.joins as unknown[]) : [];
  for (const join of joins) {
    const j = asSql(join);
    const bound = asSql(j?.alias)?.name ?? asSql(asSql(j?.expression)?.property)?.name;
    if (typeof bound !== 'string' || bound === alias) return undefined; // shadowing: do not guess
  }
  return alias;
}

function memberPath(node: SqlNode | undefined, alias: string): string[] | undefined {
  const path: string[] = [];
  let cur = node;
  while (cur?.type === 'scalar_member_expression') {
    const prop = asSql(cur.property);
    const name = prop?.type === 'identifier' ? prop.name : prop?.type === 'string_constant' ? prop.value : undefined;
    if (typeof name !== 'string') return undefined;
    path.unshift(name);
    cur = asSql(cur.object);
  }
  return cur?.type === 'identifier' && cur.name === alias && path.length ? path : undefined;
}

function literal(node: SqlNode | undefined, parameters: readonly QueryParameter[] | undefined): { value: unknown } | undefined {
  switch (node?.type) {
    case 'string_constant':
    case 'number_constant':
    case 'boolean_constant':
      return { value: node.value };
    case 'null_constant':
      return { value: null };
    case 'parameter_name': {
      const p = parameters?.find((param) => param.name === node.name);
      return p ? { value: p.value } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * If the WHERE clause is `<pk path> = <constant or parameter> AND ...` (at top level), returns that
 * value: only documents of that logical partition can match, so only that partition needs scanning.
 */
export function partitionFromWhere(
  ast: unknown,
  pkPath: readonly string[],
  parameters: readonly QueryParameter[] | undefined,
): { value: unknown } | undefined {
  const body = asSql(asSql(ast)?.body);
  if (!body || body.type !== 'select_query') return undefined;
  const alias = rootAlias(body);
  const condition = asSql(asSql(body.where)?.condition);
  if (!alias || !condition) return undefined;
  const conjuncts: SqlNode[] = [];
  const collect = (n: SqlNode | undefined): void => {
    if (n?.type === 'scalar_binary_expression' && n.operator === 'AND') {
      collect(asSql(n.left));
      collect(asSql(n.right));
    } else if (n) conjuncts.push(n);
  };
  collect(condition);
  for (const c of conjuncts) {
    if (c.type !== 'scalar_binary_expression' || c.operator !== '=') continue;
    for (const [side, other] of [
      [asSql(c.left), asSql(c.right)],
      [asSql(c.right), asSql(c.left)],
    ] as const) {
      const path = memberPath(side, alias);
      if (!path || path.length !== pkPath.length || path.some((p, i) => p !== pkPath[i])) continue;
      const value = literal(other, parameters);
      // Only primitives: equality on objects/arrays is deep and not what a partition key holds.
      if (value && (value.value === null || typeof value.value !== 'object')) return value;
    }
  }
  return undefined;
}
