// Streaming export writers: rows come from an async iterable and leave as CSV or JSON bytes to a
// sink (a blob in the tenant's region), one chunk of about 64 KB at a time, waiting whenever the
// sink is slower. Memory is bounded by one chunk plus the sink's buffers, never by the size of
// the export.
//
// Why chunks of text, not batches of rows: each row is encoded as it arrives and appended to the
// file's pending text; the text is converted to bytes, hashed and written once per chunk. Converting
// a long concatenated string to UTF-8 costs several times more once the string outgrows V8's
// regular heap objects (about 128 KB), so chunks stay well below that (bench/export.bench.ts).
// One pass over the rows can feed several files (the CSV and the JSON of a package) at once.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { csvCell, csvHeader, csvLine, CSV_CONTENT_TYPE, type CsvCell, type CsvFormat } from './csv.js';

/** Where an export's bytes go. `store` resolves only once the whole body is durably stored. */
export interface FileSink {
  store(name: string, body: Readable, contentType: string): Promise<void>;
}

/** What was written: enough for a manifest and for a reader to check the download. */
export interface WrittenFile {
  name: string;
  contentType: string;
  rows: number;
  bytes: number;
  /** Hex SHA-256 of the stored bytes, computed as they streamed. */
  sha256: string;
}

/** How rows become bytes; one instance per file (it may remember whether a row was written). */
export interface RowEncoder<Row> {
  readonly contentType: string;
  start(): string;
  /** One row's text (its line, or its array element with the separator before it). */
  encodeRow(row: Row): string;
  /** Several rows' text, as `encodeRow` would give them one after the other. */
  encode(rows: readonly Row[]): string;
  finish(): string;
}

export interface CsvColumn<Row> {
  header: string;
  /** The cell; any value goes through `csvCell` (objects become JSON text). */
  value(row: Row): unknown;
}

export class CsvEncoder<Row> implements RowEncoder<Row> {
  readonly contentType = CSV_CONTENT_TYPE;
  readonly #cells: CsvCell[];

  constructor(
    private readonly columns: readonly CsvColumn<Row>[],
    private readonly format: CsvFormat = {},
  ) {
    this.#cells = new Array<CsvCell>(columns.length);
  }

  start(): string {
    return csvHeader(
      this.columns.map((c) => c.header),
      this.format,
    );
  }

  encodeRow(row: Row): string {
    // One scratch array for the row's cells: csvLine reads it synchronously and keeps nothing.
    const cells = this.#cells;
    for (let c = 0; c < this.columns.length; c++) cells[c] = csvCell(this.columns[c]!.value(row));
    return csvLine(cells);
  }

  encode(rows: readonly Row[]): string {
    let text = '';
    for (const row of rows) text += this.encodeRow(row);
    return text;
  }

  finish(): string {
    return '';
  }
}

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * One JSON document: an array written element by element, one element per line. Any JSON
 * reader opens it whole, and a line-oriented reader can take it line by line (strip the `[`,
 * `]` lines and the trailing commas), which is what JSON Lines would have bought us.
 */
export class JsonArrayEncoder<Row> implements RowEncoder<Row> {
  readonly contentType = JSON_CONTENT_TYPE;
  #first = true;

  constructor(private readonly toJson: (row: Row) => unknown = (row) => row) {}

  start(): string {
    return '[';
  }

  encodeRow(row: Row): string {
    const separator = this.#first ? '\n' : ',\n';
    this.#first = false;
    return separator + JSON.stringify(this.toJson(row));
  }

  encode(rows: readonly Row[]): string {
    let text = '';
    for (const row of rows) text += this.encodeRow(row);
    return text;
  }

  finish(): string {
    return this.#first ? ']\n' : '\n]\n';
  }
}

export interface FileOutput<Row> {
  sink: FileSink;
  name: string;
  encoder: RowEncoder<Row>;
}

export interface WriteOptions {
  /** At most this many rows per chunk (a chunk also ends at CHUNK_CHARS), for sinks that want small writes. */
  batchRows?: number;
}

const DEFAULT_BATCH_ROWS = 10_000;
/** Text gathered before it is converted, hashed and written: well below V8's large-object threshold. */
const CHUNK_CHARS = 64 * 1024;
const STREAM_HIGH_WATER = 256 * 1024;

/** One file being written: its stream to the sink, and the running count, size and hash. */
class FileChannel {
  readonly body = new PassThrough({ highWaterMark: STREAM_HIGH_WATER });
  readonly stored: Promise<void>;
  /** Rejects when the sink fails, or if it claims to be done before the body ended. */
  readonly #broken: Promise<never>;
  readonly #hash: Hash = createHash('sha256');
  #bytes = 0;
  #ended = false;
  rows = 0;
  /** Encoded rows not yet written. */
  pending = '';

  constructor(
    readonly name: string,
    readonly contentType: string,
    sink: FileSink,
  ) {
    // Failures reach the caller through `stored` and `write`; a sink that stopped listening must
    // not turn the abort below into an uncaught exception.
    this.body.on('error', () => undefined);
    this.stored = Promise.resolve().then(() => sink.store(name, this.body, contentType));
    this.#broken = this.stored.then(() => {
      if (!this.#ended) throw new Error(`the sink for ${name} finished before the export did`);
      return new Promise<never>(() => undefined);
    });
    this.#broken.catch(() => undefined);
    this.stored.catch(() => undefined);
  }

  /** Writes the pending text; resolves at once unless the sink is behind (one promise per chunk, none per row). */
  flush(): Promise<void> | undefined {
    const text = this.pending;
    this.pending = '';
    return this.write(text);
  }

  write(text: string): Promise<void> | undefined {
    if (text === '') return undefined;
    const chunk = Buffer.from(text, 'utf8');
    this.#hash.update(chunk);
    this.#bytes += chunk.length;
    if (this.body.write(chunk)) return undefined;
    return this.#drained();
  }

  async #drained(): Promise<void> {
    const abort = new AbortController();
    try {
      await Promise.race([once(this.body, 'drain', { signal: abort.signal }), this.#broken]);
    } finally {
      abort.abort();
    }
  }

  async end(): Promise<WrittenFile> {
    this.#ended = true;
    this.body.end();
    await this.stored;
    return { name: this.name, contentType: this.contentType, rows: this.rows, bytes: this.#bytes, sha256: this.#hash.digest('hex') };
  }

  /** Makes the sink fail and keep nothing (a blob upload commits no block list). */
  async abort(reason: unknown): Promise<void> {
    this.body.destroy(reason instanceof Error ? reason : new Error(String(reason)));
    await this.stored.catch(() => undefined);
  }
}

/**
 * Writes every row to every output in one pass over `rows`, in batches, with backpressure from
 * the slowest sink. If the rows or a sink fail, every output is aborted and the error rethrown.
 */
export async function writeRows<Row>(rows: AsyncIterable<Row>, outputs: readonly FileOutput<Row>[], options: WriteOptions = {}): Promise<WrittenFile[]> {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const channels = outputs.map((o) => new FileChannel(o.name, o.encoder.contentType, o.sink));
  const encoders = outputs.map((o) => o.encoder);
  /** Flushes every file; waits (for the slowest sink) only when one of them is behind. */
  const flushAll = async (): Promise<void> => {
    const waits = channels.map((ch) => ch.flush()).filter((wait) => wait !== undefined);
    if (waits.length > 0) await Promise.all(waits);
  };
  try {
    for (let i = 0; i < channels.length; i++) channels[i]!.pending = encoders[i]!.start();
    let rowsInChunk = 0;
    for await (const row of rows) {
      let full = ++rowsInChunk >= batchRows;
      for (let i = 0; i < channels.length; i++) {
        const ch = channels[i]!;
        ch.pending += encoders[i]!.encodeRow(row);
        ch.rows++;
        if (ch.pending.length >= CHUNK_CHARS) full = true;
      }
      if (full) {
        rowsInChunk = 0;
        await flushAll();
      }
    }
    for (let i = 0; i < channels.length; i++) channels[i]!.pending += encoders[i]!.finish();
    await flushAll();
    return await Promise.all(channels.map((ch) => ch.end()));
  } catch (error) {
    await Promise.all(channels.map((ch) => ch.abort(error)));
    throw error;
  }
}

export function writeCsv<Row>(
  rows: AsyncIterable<Row>,
  columns: readonly CsvColumn<Row>[],
  sink: FileSink,
  name: string,
  options: WriteOptions & CsvFormat = {},
): Promise<WrittenFile> {
  return writeRows(rows, [{ sink, name, encoder: new CsvEncoder(columns, options) }], options).then(([file]) => file!);
}

export function writeJson<Row>(
  rows: AsyncIterable<Row>,
  sink: FileSink,
  name: string,
  options: WriteOptions & { toJson?: (row: Row) => unknown } = {},
): Promise<WrittenFile> {
  return writeRows(rows, [{ sink, name, encoder: new JsonArrayEncoder(options.toJson) }], options).then(([file]) => file!);
}

/** A sink that only counts what it is given (benchmarks, dry runs). */
export class CountingSink implements FileSink {
  readonly files = new Map<string, number>();

  async store(name: string, body: Readable): Promise<void> {
    let bytes = 0;
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    this.files.set(name, bytes);
  }
}
