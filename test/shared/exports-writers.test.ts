// The streaming writers against in-memory sinks: counts and hashes match the bytes, one pass feeds
// CSV and JSON, a slow sink holds the producer back, and a failure on either side aborts every file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { parseCsv } from '../support/csv.js';
import { CsvEncoder, JsonArrayEncoder, writeCsv, writeJson, writeRows, type CsvColumn, type FileSink } from '../../shared/exports/writers.js';

interface Row {
  id: number;
  text: string;
}

const columns: CsvColumn<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'text', value: (r) => r.text },
];

async function* rowsOf(n: number, onPull?: (i: number) => void): AsyncGenerator<Row> {
  for (let i = 0; i < n; i++) {
    onPull?.(i);
    yield { id: i, text: i % 3 === 0 ? `=cmd ${i}` : `row, "${i}"` };
  }
}

/** Keeps what it is given, and whether the body failed. */
class MemorySink implements FileSink {
  readonly files = new Map<string, Buffer>();
  readonly failures = new Map<string, Error>();

  constructor(private readonly delay?: () => Promise<void>) {}

  async store(name: string, body: Readable): Promise<void> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of body) {
        parts.push(chunk as Buffer);
        if (this.delay) await this.delay();
      }
    } catch (error) {
      this.failures.set(name, error as Error);
      throw error;
    }
    this.files.set(name, Buffer.concat(parts));
  }
}

describe('streaming writers', () => {
  test('CSV: rows, bytes and SHA-256 describe exactly what the sink received', async () => {
    const sink = new MemorySink();
    const file = await writeCsv(rowsOf(1000), columns, sink, 'rows.csv', { bom: true, batchRows: 64 });
    const bytes = sink.files.get('rows.csv')!;
    assert.equal(file.rows, 1000);
    assert.equal(file.bytes, bytes.length);
    assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(file.contentType, 'text/csv; charset=utf-8; header=present');
    const parsed = parseCsv(bytes.toString('utf8'));
    assert.equal(parsed.length, 1001);
    assert.deepEqual(parsed[0], ['id', 'text']);
    assert.deepEqual(parsed[1], ['0', "'=cmd 0"]);
    assert.deepEqual(parsed[2], ['1', 'row, "1"']);
  });

  test('JSON: one array, one element per line, that parses back to the rows', async () => {
    const sink = new MemorySink();
    const file = await writeJson(rowsOf(5), sink, 'rows.json');
    const text = sink.files.get('rows.json')!.toString('utf8');
    assert.equal(file.rows, 5);
    assert.deepEqual(JSON.parse(text), [...Array(5).keys()].map((i) => ({ id: i, text: i % 3 === 0 ? `=cmd ${i}` : `row, "${i}"` })));
    assert.equal(text.split('\n').length, 5 + 3, '[ + five lines + ] + final newline');
  });

  test('no rows: a CSV with only its header and an empty JSON array', async () => {
    const sink = new MemorySink();
    const [csv, json] = await writeRows(rowsOf(0), [
      { sink, name: 'a.csv', encoder: new CsvEncoder(columns) },
      { sink, name: 'a.json', encoder: new JsonArrayEncoder<Row>() },
    ]);
    assert.equal(csv!.rows, 0);
    assert.equal(sink.files.get('a.csv')!.toString(), '"id","text"\r\n');
    assert.equal(sink.files.get('a.json')!.toString(), '[]\n');
    assert.equal(json!.bytes, 3);
  });

  test('one pass over the rows feeds the CSV and the JSON file together', async () => {
    let pulls = 0;
    const sink = new MemorySink();
    const files = await writeRows(rowsOf(300, () => pulls++), [
      { sink, name: 'x.csv', encoder: new CsvEncoder(columns) },
      { sink, name: 'x.json', encoder: new JsonArrayEncoder<Row>() },
    ]);
    assert.equal(pulls, 300);
    assert.deepEqual(files.map((f) => [f.name, f.rows]), [['x.csv', 300], ['x.json', 300]]);
  });

  test('a file written in many chunks holds exactly the text of its rows encoded in one go, non-ASCII included', async () => {
    // About 1 MB per file: many 64 KB chunks, row boundaries and multi-byte characters falling across them.
    const text = (i: number): string => (i % 5 === 0 ? `-${i} naïve ＝ 東京 "q"` : `row ${i} ${'é'.repeat(i % 97)}`);
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < 8000; i++) yield { id: i, text: text(i) };
    }
    const all = [...Array(8000).keys()].map((i) => ({ id: i, text: text(i) }));
    const sink = new MemorySink();
    const [csv, json] = await writeRows(rows(), [
      { sink, name: 'c.csv', encoder: new CsvEncoder(columns) },
      { sink, name: 'c.json', encoder: new JsonArrayEncoder<Row>() },
    ]);
    const csvEncoder = new CsvEncoder(columns);
    const jsonEncoder = new JsonArrayEncoder<Row>();
    assert.equal(sink.files.get('c.csv')!.toString('utf8'), csvEncoder.start() + csvEncoder.encode(all) + csvEncoder.finish());
    assert.equal(sink.files.get('c.json')!.toString('utf8'), jsonEncoder.start() + jsonEncoder.encode(all) + jsonEncoder.finish());
    assert.deepEqual(JSON.parse(sink.files.get('c.json')!.toString('utf8')), all);
    assert.equal(csv!.bytes, sink.files.get('c.csv')!.length);
    assert.equal(json!.sha256, createHash('sha256').update(sink.files.get('c.json')!).digest('hex'));
  });

  test('a slow sink holds the producer back: what is produced stays within a bounded distance of what is consumed', async () => {
    const rowBytes = 2000;
    let produced = 0;
    let consumed = 0;
    let widest = 0;
    const big = 'x'.repeat(rowBytes);
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < 5000; i++) {
        produced += rowBytes;
        widest = Math.max(widest, produced - consumed);
        yield { id: i, text: big };
      }
    }
    const sink: FileSink = {
      async store(_name, body) {
        for await (const chunk of body) {
          consumed += (chunk as Buffer).length;
          await tick();
        }
      },
    };
    const file = await writeCsv(rows(), columns, sink, 'slow.csv', { batchRows: 10 });
    assert.equal(file.rows, 5000);
    // 10 MB went through; the stream buffers (2 x 256 KB), a read of the whole readable buffer and one batch are all that can be in flight.
    assert.ok(widest < 1.5 * 1024 * 1024, `the producer ran ${widest} bytes ahead of the sink`);
  });

  test('a failing source aborts every file: each sink sees the error, and the writer rethrows it', async () => {
    const sink = new MemorySink();
    async function* failing(): AsyncGenerator<Row> {
      yield* rowsOf(600);
      throw new Error('cosmos went away');
    }
    await assert.rejects(
      writeRows(failing(), [
        { sink, name: 'f.csv', encoder: new CsvEncoder(columns) },
        { sink, name: 'f.json', encoder: new JsonArrayEncoder<Row>() },
      ]),
      /cosmos went away/,
    );
    assert.equal(sink.files.size, 0, 'no sink completed');
    assert.match(sink.failures.get('f.csv')?.message ?? '', /cosmos went away/);
    assert.match(sink.failures.get('f.json')?.message ?? '', /cosmos went away/);
  });

  test('a failing sink stops the export instead of leaving it waiting for a drain that never comes', async () => {
    const failingSink: FileSink = {
      async store(_name, body) {
        for await (const _chunk of body) throw new Error('storage refused the block');
      },
    };
    const big = 'y'.repeat(10_000);
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < 10_000; i++) yield { id: i, text: big };
    }
    await assert.rejects(writeCsv(rows(), columns, failingSink, 'g.csv'), /storage refused the block/);
  });

  test('a sink that returns before the body ended is a failure, not a silent short file', async () => {
    const quitter: FileSink = { store: async () => undefined };
    const big = 'z'.repeat(10_000);
    async function* rows(): AsyncGenerator<Row> {
      for (let i = 0; i < 10_000; i++) yield { id: i, text: big };
    }
    await assert.rejects(writeCsv(rows(), columns, quitter, 'h.csv'), /finished before the export did/);
  });
});
