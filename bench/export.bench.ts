// Export writer: 1 million audit-like entries to CSV and to JSON through the streaming writers
// (csv-stringify's rules with formula neutralisation, SHA-256, stream backpressure) into a counting
// sink, against a minimal serialisation loop over the same rows in the same run. The loop does only
// what any streaming export must: it reads the same async generator, joins each row's fields with
// commas (no quoting, no formula check, no column projection), gathers the text into chunks of
// 64 KB (the writers' chunk size, the cheapest size to convert), converts each chunk to bytes,
// hashes it with SHA-256 and writes it to a stream read by the same counting sink, waiting for
// 'drain'. The JSON writer is also reported against the same loop with JSON.stringify of each row
// in place of the join (JSON's own least work: its rows are longer text, keys included). The four
// run interleaved, RUNS times, and each ratio is the median of its runs, so a burst of load from
// other processes falls on each alike.
// Reports the writers' rows per second as a fraction of the loop's, and the peak memory
// growth of the writer at 100k and at 1M rows, which should be the same (flat): once as it happens
// (mostly V8's young generation filling, which the bare loop shows too), and once with a collection
// every 10k rows, which shows what the export holds.
//
// Durations use performance.now(), which the local host's virtual clock does not touch.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { PassThrough } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AuditEntryView } from '../shared/audit/audit-view.js';
import { AUDIT_COLUMNS } from '../shared/exports/tenant-rows.js';
import { CountingSink, writeCsv, writeJson } from '../shared/exports/writers.js';

const MB = 1024 * 1024;
const RUNS = 5;
const CHUNK_CHARS = 64 * 1024;
const TENANT = 't-uks-abcdefghijklmnopqrst';
const REASON = 'Customer asked for the correction by email; verified against the rota.';

/** Audit entries as the export reads them (about 600 bytes of CSV each), made one at a time. */
export async function* auditLikeEntries(count: number, onRow?: (seq: number) => void): AsyncGenerator<AuditEntryView> {
  for (let seq = 1; seq <= count; seq++) {
    onRow?.(seq);
    yield {
      tenantId: TENANT,
      chain: 'activity:00',
      seq,
      at: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
      actor: { sub: `admin-of-${TENANT}`, roles: ['tenant.admin'], tenantId: TENANT },
      action: seq % 3 === 0 ? 'record.corrected' : 'user.read',
      target: { type: 'record:shift-logs', id: `r-${seq.toString(16).padStart(20, '0')}` },
      outcome: 'success',
      requestId: `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`,
      details: seq % 3 === 0 ? { fields: ['hours', 'note'], reason: seq % 30 === 0 ? `=HYPERLINK("http://x/${seq}")` : `${REASON} #${seq}` } : null,
      prevHash: (seq - 1).toString(16).padStart(64, '0'),
      hash: seq.toString(16).padStart(64, '0'),
    };
  }
}

/** The least a streaming CSV export must do: joined fields per row, 64 KB chunks to bytes, hashed, streamed. */
function minimalLoop(count: number): Promise<number> {
  return minimalStreamingLoop(
    count,
    (e) =>
      `${e.seq},${e.at},${e.actor.sub},${e.actor.roles.join(' ')},${e.actor.tenantId ?? ''},${e.action},${e.target.type},${e.target.id},${e.outcome},${e.requestId},${e.details === null ? '' : JSON.stringify(e.details)},${e.prevHash},${e.hash}\r\n`,
  );
}

/** The same with each row as its JSON text on its own line. */
function minimalJsonLoop(count: number): Promise<number> {
  return minimalStreamingLoop(count, (e) => `${JSON.stringify(e)}\n`);
}

async function minimalStreamingLoop(count: number, line: (e: AuditEntryView) => string): Promise<number> {
  const sink = new CountingSink();
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  const stored = sink.store('loop.csv', body);
  const hash = createHash('sha256');
  let pending = '';
  const write = async (): Promise<void> => {
    const chunk = Buffer.from(pending);
    pending = '';
    hash.update(chunk);
    if (!body.write(chunk)) await once(body, 'drain');
  };
  for await (const e of auditLikeEntries(count)) {
    pending += line(e);
    if (pending.length >= CHUNK_CHARS) await write();
  }
  await write();
  body.end();
  await stored;
  hash.digest('hex');
  return sink.files.get('loop.csv')!;
}

interface Run {
  ms: number;
  rssGrowth: number;
  heapGrowth: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Times `work` and samples the process's memory every 5 ms, from a collected baseline. */
async function measure(work: () => Promise<unknown>): Promise<Run> {
  gc();
  const baseline = process.memoryUsage();
  let rss = baseline.rss;
  let heap = baseline.heapUsed;
  const sample = (): void => {
    const now = process.memoryUsage();
    rss = Math.max(rss, now.rss);
    heap = Math.max(heap, now.heapUsed);
  };
  const timer = setInterval(sample, 5);
  const start = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const ms = performance.now() - start;
  sample();
  return { ms, rssGrowth: rss - baseline.rss, heapGrowth: heap - baseline.heapUsed };
}

let csvBytesPerRow = 0;
const csvExport = (rows: number, onRow?: (seq: number) => void) => async (): Promise<void> => {
  const file = await writeCsv(auditLikeEntries(rows, onRow), AUDIT_COLUMNS, new CountingSink(), 'audit-log.csv', { batchRows: 500 });
  if (file.rows !== rows) throw new Error(`wrote ${file.rows} rows, expected ${rows}`);
  csvBytesPerRow = file.bytes / file.rows;
};
const jsonExport = (rows: number) => async (): Promise<void> => {
  const file = await writeJson(auditLikeEntries(rows), new CountingSink(), 'audit-log.json', { batchRows: 500 });
  if (file.rows !== rows) throw new Error(`wrote ${file.rows} rows, expected ${rows}`);
};

export async function run(): Promise<Record<string, number | string>> {
  const million = 1_000_000;
  // Warm up the JIT on every path before measuring.
  await minimalLoop(100_000);
  await minimalJsonLoop(100_000);
  await csvExport(100_000)();
  await jsonExport(100_000)();

  const small = await measure(csvExport(100_000));
  // Several alternating runs, so a burst of machine load falls on each alike; ratios are medians.
  const runs: { loop: Run; csv: Run; json: Run; jsonLoop: Run }[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push({
      loop: await measure(() => minimalLoop(million)),
      csv: await measure(csvExport(million)),
      json: await measure(jsonExport(million)),
      jsonLoop: await measure(() => minimalJsonLoop(million)),
    });
  }
  const fixed = (ratio: number): string => ratio.toFixed(2);
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const { loop, csv } = runs[runs.length - 1]!;

  const collecting = (seq: number): void => {
    if (seq % 10_000 === 0) gc();
  };
  const smallLive = await measure(csvExport(100_000, collecting));
  const bigLive = await measure(csvExport(million, collecting));

  return {
    rows: million,
    'runs (median of each ratio)': RUNS,
    'CSV writer rows/s as a fraction of the minimal loop (floor 0.6)': median(runs.map((r) => r.loop.ms / r.csv.ms)),
    'JSON writer rows/s as a fraction of the minimal loop (floor 0.6)': median(runs.map((r) => r.loop.ms / r.json.ms)),
    'JSON writer rows/s as a fraction of the minimal JSON loop': median(runs.map((r) => r.jsonLoop.ms / r.json.ms)),
    'per-run ratios CSV / JSON / JSON to JSON loop': runs
      .map((r) => `${fixed(r.loop.ms / r.csv.ms)}/${fixed(r.loop.ms / r.json.ms)}/${fixed(r.jsonLoop.ms / r.json.ms)}`)
      .join(' '),
    'CSV writer peak RSS growth, 100k rows (MB)': small.rssGrowth / MB,
    'CSV writer peak RSS growth, 1M rows (MB)': csv.rssGrowth / MB,
    'CSV writer peak heap growth, 100k rows (MB)': small.heapGrowth / MB,
    'CSV writer peak heap growth, 1M rows (MB)': csv.heapGrowth / MB,
    'minimal loop peak heap growth, 1M rows (MB)': loop.heapGrowth / MB,
    'collected every 10k rows: peak heap growth, 100k rows (MB)': smallLive.heapGrowth / MB,
    'collected every 10k rows: peak heap growth, 1M rows (MB)': bigLive.heapGrowth / MB,
    'collected every 10k rows: peak RSS growth, 100k rows (MB)': smallLive.rssGrowth / MB,
    'collected every 10k rows: peak RSS growth, 1M rows (MB)': bigLive.rssGrowth / MB,
    // Flat means no row is kept: a writer that kept its rows would add at least a row's text per row.
    'collected every 10k rows: extra live heap per extra row, 100k to 1M rows (bytes)': (bigLive.heapGrowth - smallLive.heapGrowth) / (million - 100_000),
    'bytes of CSV text per row (what keeping each row would add at least)': csvBytesPerRow,
  };
}
