// Exports through the API: durable jobs that stream users, the audit log or a module's records to
// storage in the tenant's region, download and parse back to the same data, neutralise formulas,
// keep working in the termination grace window, and keep the host's memory flat at 100k rows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';
import { parseCsv } from '../support/csv.js';
import { seedItems } from '../../dev/standins/cosmos/seed.js';

interface ExportBody {
  exportId: string;
  status: string;
  rows?: number;
  sha256?: string;
  download?: { url: string; expiresAt: string };
}

const MB = 1024 * 1024;

describe('exports', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system, { region: 'eu' });
  });
  after(async () => {
    await system?.stop();
  });

  async function exportOf(body: Record<string, unknown>): Promise<ExportBody> {
    const started = await system.post<ExportBody>(`/api/tenants/${tenant.tenantId}/exports`, body, tenant.adminToken);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.headers.get('location'), `/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`);
    await system.settle();
    const done = await system.get<ExportBody>(`/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`, tenant.adminToken);
    assert.equal(done.status, 200);
    assert.equal(done.body.status, 'ready', JSON.stringify(done.body));
    return done.body;
  }

  test('users, a module and the audit log download and parse back to the same data', async () => {
    const ada = await createUser(system, tenant, { name: 'Ada Export', email: 'ada.export@customer.test' });
    await createUser(system, tenant, { name: 'Bob Export', email: 'bob.export@customer.test' });
    await createRecord(system, tenant, 'shift-logs', { subjectUserId: ada.userId, data: { date: '2026-11-02', note: '=HYPERLINK("http://evil")', hours: 8 } });

    const users = await exportOf({ kind: 'users', format: 'csv' });
    const usersCsv = await (await fetch(users.download!.url)).text();
    const rows = parseCsv(usersCsv);
    const header = rows[0]!;
    const byEmail = new Map(rows.slice(1).map((r) => [r[header.indexOf('email')], r[header.indexOf('name')]]));
    assert.equal(byEmail.get('ada.export@customer.test'), 'Ada Export');
    assert.equal(byEmail.get('bob.export@customer.test'), 'Bob Export');
    assert.equal(users.rows, rows.length - 1);
    assert.match(users.download!.url, /^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/exports\/t-eu-/);

    const shifts = await exportOf({ kind: 'module', module: 'shift-logs', format: 'csv' });
    const shiftsCsv = parseCsv(await (await fetch(shifts.download!.url)).text());
    const noteColumn = shiftsCsv[0]!.indexOf('data.note');
    assert.equal(shiftsCsv[1]![noteColumn], `'=HYPERLINK("http://evil")`, 'a formula comes out neutralised');
    assert.equal(shiftsCsv[1]![shiftsCsv[0]!.indexOf('data.hours')], '8');

    const audit = await exportOf({ kind: 'audit', format: 'json' });
    const entries = (await (await fetch(audit.download!.url)).json()) as { chain: string; seq: number; action: string }[];
    const page = await system.get<{ entries: { chain: string; seq: number; action: string }[] }>(
      `/api/tenants/${tenant.tenantId}/audit?limit=500`,
      tenant.adminToken,
    );
    const oldestFirst = page.body.entries.map((e) => `${e.chain}/${e.seq}`).reverse();
    assert.deepEqual(
      entries.map((e) => `${e.chain}/${e.seq}`),
      oldestFirst.slice(0, entries.length),
      'the audit export is the log, oldest first, up to when it began',
    );
    assert.equal(entries[0]!.action, 'tenant.provisioned');

    const mails = (await system.outbox()).filter((m) => m.subject.startsWith('An export of'));
    assert.ok(mails.length >= 3, 'the privacy contact is told about each export');
    assert.ok(!mails.some((m) => (m.text ?? '').includes('devstoreaccount1')), 'the notice carries no download link');
  });

  test('bad export requests are 400s naming the field', async () => {
    const missing = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/exports`,
      { kind: 'module', format: 'csv' },
      tenant.adminToken,
    );
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0]?.path, 'module');
    const format = await system.post<{ errors: { path: string }[] }>(
      `/api/tenants/${tenant.tenantId}/exports`,
      { kind: 'users', format: 'xlsx' },
      tenant.adminToken,
    );
    assert.equal(format.body.errors[0]?.path, 'format');
    const other = await provisionTenant(system);
    assert.equal((await system.post(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, other.adminToken)).status, 403);
  });

  /** Loads `count` stored audit entries for a new tenant, exports them, and measures the host's growth. */
  async function measuredAuditExport(count: number): Promise<{ grewBy: number; rows: number; bytes: number }> {
    const owner = await provisionTenant(system);
    const at = (await system.now()).toISOString();
    const container = system.cosmosContainer('uksouth', 'tenant-data');
    for (let from = 0; from < count; from += 20_000) {
      const entries = Array.from({ length: Math.min(20_000, count - from) }, (_, k) => {
        const i = from + k;
        return {
          id: `audit:activity:00:${String(i + 1000).padStart(12, '0')}`,
          tenantId: owner.tenantId,
          pk: 't',
          type: 'audit',
          log: 'activity',
          chain: 'activity:00',
          seq: i + 1000,
          // Sorts before anything the export itself records: the export reads up to the newest entry when it starts.
          ord: `${at}|00000000000000|activity:00|${String(i + 1000).padStart(12, '0')}`,
          at,
          actor: { sub: `admin-of-${owner.tenantId}`, roles: ['tenant.admin'], tenantId: owner.tenantId },
          action: 'record.corrected',
          target: { type: 'record:shift-logs', id: `r-${i.toString(16).padStart(20, '0')}` },
          outcome: 'success',
          requestId: `portal-${i.toString(16).padStart(32, '0')}`,
          details: null,
          prevHash: 'a'.repeat(64),
          hash: 'b'.repeat(64),
        };
      });
      await seedItems(container, entries, (e) => [e.tenantId, e.pk]);
    }
    const baseline = await system.post<{ rss: number }>('/runtime/dev/memory/reset');
    const exported = await system.post<ExportBody>(`/api/tenants/${owner.tenantId}/exports`, { kind: 'audit', format: 'csv' }, owner.adminToken);
    await system.settle();
    const memory = (await system.get<{ peakRss: number }>('/runtime/dev/memory')).body;
    const done = await system.get<ExportBody & { bytes: number }>(`/api/tenants/${owner.tenantId}/exports/${exported.body.exportId}`, owner.adminToken);
    assert.equal(done.body.status, 'ready');
    return { grewBy: memory.peakRss - baseline.body.rss, rows: done.body.rows ?? 0, bytes: done.body.bytes };
  }

  test('an export of 100k audit entries completes with the host growing less than a fixed bound, no more than for 10k', async () => {
    const small = await measuredAuditExport(10_000);
    const large = await measuredAuditExport(100_000);
    assert.ok(large.rows >= 100_000 && small.rows >= 10_000);
    const detail = `10k rows: +${Math.round(small.grewBy / MB)} MB for a ${Math.round(small.bytes / MB)} MB file; 100k rows: +${Math.round(large.grewBy / MB)} MB for ${Math.round(large.bytes / MB)} MB`;
    assert.ok(large.grewBy < 128 * MB, `fixed bound: ${detail}`);
    assert.ok(large.grewBy < small.grewBy + 48 * MB, `ten times the rows must not cost ten times the memory: ${detail}`);
  });
});
