// The size cap of one logical partition (20 GB in Azure), scaled down so a test can reach it: a write
// that would take a logical partition past the cap is refused with 403 and substatus 1014, as Cosmos
// refuses it. The size counted is each item's JSON (system properties excluded), which is what grows
// with the data; Cosmos also counts index and metadata, so real figures run somewhat higher.
import type { StoredDoc } from './internals.js';

/** Cosmos's substatus for "partition key reached maximum size". */
export const PARTITION_FULL_SUBSTATUS = 1014;

/** Environment setting for the cap, in bytes (unset: no cap, as before). */
export const PARTITION_CAP_ENV = 'COSMOS_STANDIN_PARTITION_CAP_BYTES';

export function partitionCapFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[PARTITION_CAP_ENV];
  if (raw === undefined || raw === '') return undefined;
  const bytes = Number(raw);
  if (!Number.isInteger(bytes) || bytes <= 0) throw new Error(`${PARTITION_CAP_ENV} must be a positive whole number of bytes (got ${raw})`);
  return bytes;
}

/** Shared by every container of one stand-in account; changed at run time through the stand-in's handle. */
export interface PartitionLimits {
  capBytes: number | undefined;
}

export class PartitionFullError extends Error {
  readonly partitionFull = true;
  constructor(capBytes: number) {
    super(`Partition key reached maximum size of ${capBytes} bytes (the stand-in's scaled-down logical partition cap).`);
  }
}

export function isPartitionFull(error: unknown): error is PartitionFullError {
  return (error as { partitionFull?: unknown } | null)?.partitionFull === true;
}

/** Bytes an item counts for: its own JSON, without the store's system properties. */
export function itemBytes(doc: StoredDoc | Record<string, unknown>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(doc)) {
    if (key.startsWith('_') && key !== '_partitionKey') continue;
    bytes += Buffer.byteLength(JSON.stringify(key)) + Buffer.byteLength(JSON.stringify(value) ?? '') + 2;
  }
  return bytes;
}

/** Running byte totals per logical partition. */
export class PartitionSizes {
  readonly #bytes = new Map<string, number>();

  add(partition: string, bytes: number): void {
    const total = (this.#bytes.get(partition) ?? 0) + bytes;
    if (total <= 0) this.#bytes.delete(partition);
    else this.#bytes.set(partition, total);
  }

  of(partition: string): number {
    return this.#bytes.get(partition) ?? 0;
  }

  /** Throws PartitionFullError when replacing `oldBytes` by `newBytes` would take the partition past the cap. */
  check(limits: PartitionLimits | undefined, partition: string, oldBytes: number, newBytes: number): void {
    const cap = limits?.capBytes;
    if (cap === undefined || newBytes <= oldBytes) return;
    if (this.of(partition) - oldBytes + newBytes > cap) throw new PartitionFullError(cap);
  }
}
