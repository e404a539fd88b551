// Hierarchical (MultiHash) partition keys, as Cosmos treats them: the logical partition is the value
// of every path together, so two items sharing only their tenant are in different logical partitions
// (separate size caps, separate transactional batches). The library underneath indexes one value per
// item; for a container with more than one path that value is the whole key, encoded here. Queries
// may name a prefix of the key (Cosmos routes them to the partitions under it); point operations and
// transactional batches must name the whole key.

/** Marks an encoded full key, so it can never equal a single-path value a client wrote. */
const FULL_KEY = '\u0000multihash:';

/** `/a/b` -> ['a', 'b'] for every path of the container's key. */
export function keyPaths(paths: readonly string[]): string[][] {
  return paths.map((p) => p.slice(1).split('/'));
}

function valueAt(path: readonly string[], doc: unknown): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
}

/** The one value the item store indexes an item under: its full key, encoded when the key has several paths. */
export function encodeFullKey(values: readonly unknown[]): string {
  return FULL_KEY + JSON.stringify(values.map((v) => (v === undefined ? null : v)));
}

export function decodeFullKey(key: unknown): unknown[] | undefined {
  if (typeof key !== 'string' || !key.startsWith(FULL_KEY)) return undefined;
  return JSON.parse(key.slice(FULL_KEY.length)) as unknown[];
}

/** The full key of `doc` in a container keyed on `paths` (paths.length > 1). */
export function fullKeyOf(paths: readonly string[][], doc: unknown): string {
  return encodeFullKey(paths.map((p) => valueAt(p, doc)));
}

/** True when `key` (an encoded full key) lies under `prefix` (the first values of a key). */
export function isUnder(key: unknown, prefix: readonly unknown[]): boolean {
  const values = decodeFullKey(key);
  if (!values) return false;
  return prefix.every((v, i) => JSON.stringify(v === undefined ? null : v) === JSON.stringify(values[i] ?? null));
}

export class PartitionKeyMismatch extends Error {
  readonly badRequest = true;
}

/**
 * The partition key header of a point operation or a transactional batch on a MultiHash container,
 * rewritten to the encoded full key the item store indexes by. A key with fewer values than paths is
 * refused (400), as Cosmos refuses it: such a request would span several logical partitions.
 */
export function fullKeyHeader(paths: readonly string[][], header: readonly unknown[]): string {
  if (header.length !== paths.length) {
    throw new PartitionKeyMismatch(
      `The partition key supplied has ${header.length} of the ${paths.length} values of the container's hierarchical key; ` +
        'point operations and transactional batches need the full key.',
    );
  }
  return JSON.stringify([encodeFullKey(header)]);
}
