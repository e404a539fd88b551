// An export of 100k audit entries streams to blob storage (Azurite in the platform process, as
// storage is another machine in Azure) without this process growing past a fixed bound. The bound
// is checked against the process's own memory measurements, sampled throughout the run; the
// export itself is larger than the bound, so it cannot have been held whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BlobServiceClient } from '@azure/storage-blob';
import { launchPlatform, type PlatformProcess } from '../../dev/launcher.js';
import { RegionalBlobStorage } from '../../shared/blob/regional-blob-storage.js';
import { AUDIT_COLUMNS } from '../../shared/exports/tenant-rows.js';
import { blobSink } from '../../shared/exports/tenant-export.js';
import { writeCsv } from '../../shared/exports/writers.js';
import { newTenantId } from '../../shared/tenancy/tenant-id.js';
import type { AuditEntryView } from '../../shared/audit/audit-view.js';

const MB = 1024 * 1024;
// What the export holds, not how lazily V8 gives memory back: the collector runs every
// COLLECT_EVERY rows, so a sample taken between collections shows what is live plus at most that
// many rows' garbage. Without it, peaks of 60 to 110 MB were measured (the upload client's block
// buffers and row strings waiting for the next full collection), the same for 100k and 300k rows.
const BOUND = 64 * MB;
const COLLECT_EVERY = 5000;
const ROWS = 100_000;

// gc() for the baseline (garbage left by start-up is not headroom) and during the run (above).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Audit entries shaped like the real ones with a long reason (about 1.4 KB of CSV each), made one at a time. */
async function* auditLike(count: number, tenantId: string, onRow: (n: number) => void): AsyncGenerator<AuditEntryView> {
  const reason = 'Customer asked for the correction by email; verified against the rota and the time sheet. '.repeat(12);
  for (let seq = 1; seq <= count; seq++) {
    onRow(seq);
    yield {
      tenantId,
      chain: 'activity:00',
      seq,
      at: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
      actor: { sub: `admin-of-${tenantId}`, roles: ['tenant.admin'], tenantId },
      action: 'record.corrected',
      target: { type: 'record:shift-logs', id: `r-${seq.toString(16).padStart(20, '0')}` },
      outcome: 'success',
      requestId: `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`,
      details: { fields: ['hours', 'note'], reason: seq % 10 === 0 ? `=HYPERLINK("http://evil/${seq}")` : `${reason}#${seq}` },
      prevHash: (seq - 1).toString(16).padStart(64, '0'),
      hash: seq.toString(16).padStart(64, '0'),
    };
  }
}

describe('export memory', () => {
  let stateDir: string;
  let platform: PlatformProcess;
  let blobs: RegionalBlobStorage;
  let service: BlobServiceClient;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'export-memory-'));
    platform = await launchPlatform({ stateDir, clock: 'real' });
    const storage = platform.addresses.storage;
    const region = (r: 'uksouth' | 'eu'): { blob: { url: string; accountKey: string } } => ({
      blob: { url: storage[r]!.blobUrl, accountKey: storage[r]!.accountKey },
    });
    blobs = new RegionalBlobStorage(
      { regions: { uksouth: region('uksouth'), eu: region('eu') } },
      { getToken: async () => null },
      { now: () => new Date() },
      { allowHttpLinks: true, createMissingContainers: true },
    );
    service = BlobServiceClient.fromConnectionString(storage.uksouth!.connectionString);
  });

  after(async () => {
    await platform?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test(`100k audit entries stream to a blob while the process grows by less than ${BOUND / MB} MB`, async () => {
    const tenantId = newTenantId('uksouth');
    // Warm up: the first upload loads the client code and opens connections; not part of the export.
    await writeCsv(auditLike(2000, tenantId, () => undefined), AUDIT_COLUMNS, blobSink(blobs, 'uksouth', 'exports', `${tenantId}/warm-up/`), 'audit-log.csv');

    gc();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sample = (): void => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    };
    const timer = setInterval(sample, 2);
    let file;
    try {
      file = await writeCsv(
        auditLike(ROWS, tenantId, (n) => {
          if (n % 250 === 0) sample();
          if (n % COLLECT_EVERY === 0) gc();
        }),
        AUDIT_COLUMNS,
        blobSink(blobs, 'uksouth', 'exports', `${tenantId}/job-100k/`),
        'audit-log.csv',
      );
    } finally {
      clearInterval(timer);
    }
    sample();

    const rssGrowth = peakRss - baseline.rss;
    const heapGrowth = peakHeap - baseline.heapUsed;
    const report = `rss +${(rssGrowth / MB).toFixed(1)} MB, heap +${(heapGrowth / MB).toFixed(1)} MB for ${(file.bytes / MB).toFixed(1)} MB of CSV`;
    process.stderr.write(`export memory: ${report}\n`);

    assert.equal(file.rows, ROWS);
    const stored = await service.getContainerClient('exports').getBlobClient(`${tenantId}/job-100k/audit-log.csv`).getProperties();
    assert.equal(stored.contentLength, file.bytes, 'the whole export reached storage');
    assert.ok(file.bytes > BOUND, `the export (${file.bytes} bytes) is larger than the bound, so it cannot have been held whole`);
    assert.ok(rssGrowth < BOUND, `resident set grew by ${rssGrowth} bytes (${report})`);
    assert.ok(heapGrowth < BOUND, `heap grew by ${heapGrowth} bytes (${report})`);
  });
});
