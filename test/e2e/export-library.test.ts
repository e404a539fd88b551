// The export library end to end: a tenant made through the public API on the local system, a
// complete package built from this process with the app's own services against the same stand-ins,
// every file downloaded through its expiring link with fetch and read back to the same data.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture, type UserFixture } from '../support/builders.js';
import { localAppSettings } from '../../dev/app-settings.js';
import { loadConfig } from '../../shared/config.js';
import { createServices, type Services } from '../../shared/composition.js';
import { parseTenantId, type TenantId } from '../../shared/tenancy/tenant-id.js';
import { MODULES } from '../../shared/records/record.js';
import { flattenObject, UTF8_BOM } from '../../shared/exports/csv.js';
import { parseCsv } from '../support/csv.js';
import {
  buildPackage,
  deleteTenantExports,
  exportTenantData,
  packageDownloadLinks,
  type ExportPackage,
  type ManifestFile,
} from '../../shared/exports/tenant-export.js';
import { OTHER_DATA_COLUMN } from '../../shared/exports/tenant-rows.js';

const EVIL = '=HYPERLINK("http://evil")';

interface AuditEntryBody {
  chain: string;
  seq: number;
  action: string;
  details: unknown;
  hash: string;
  prevHash: string;
  target: { type: string; id: string };
}

/** What a CSV cell must read back as, from the value in the JSON file (an oracle independent of the writer). */
function expectedCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /^[=+\-@\t\r＝＋－＠]/.test(text) ? `'${text}` : text;
}

describe('export library end to end', () => {
  let system: LocalSystem;
  let services: Services;
  let tenant: TenantFixture;
  let tenantId: TenantId;
  let now: Date;
  let ada: UserFixture;
  let bob: UserFixture;
  let carol: UserFixture;
  let mallory: UserFixture;
  const recordIds: Record<string, string> = {};
  let pkg: ExportPackage;
  const downloads = new Map<string, Buffer>();

  const api = <T>(path: string): Promise<T> =>
    system.get<T>(`/api/tenants/${tenantId}${path}`, tenant.adminToken).then((r) => {
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
      return r.body;
    });

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenant = await provisionTenant(system);
    tenantId = parseTenantId(tenant.tenantId)!.tenantId;
    ada = await createUser(system, tenant, { name: 'Ada Lovelace', department: 'Analytical Engines' });
    bob = await createUser(system, tenant, { name: 'Bob Leaving' });
    carol = await createUser(system, tenant, { name: 'Carol, "CJ" Jones' });
    mallory = await createUser(system, tenant, { name: EVIL });

    recordIds.evil = (
      await createRecord(system, tenant, 'shift-logs', {
        subjectUserId: ada.userId,
        data: {
          note: EVIL,
          hours: 8,
          overtime: -2,
          approved: true,
          location: { site: '@SUM(1+1)', floor: 3 },
          tags: ['night', 'weekend'],
          comment: 'line one\r\nline two, "quoted"',
        },
      })
    ).recordId;
    const plain = await createRecord(system, tenant, 'shift-logs', { data: { note: 'no subject', hours: 7.5, code: '-5' } });
    recordIds.plain = plain.recordId;
    recordIds.bobs = (await createRecord(system, tenant, 'shift-logs', { subjectUserId: bob.userId, data: { note: "Bob's shift" } })).recordId;
    recordIds.chain = (
      await createRecord(system, tenant, 'approval-chains', { peopleUserIds: [ada.userId, carol.userId], data: { step: 1, approver: 'Carol' } })
    ).recordId;

    const corrected = await system.request('PATCH', `/api/tenants/${tenantId}/modules/shift-logs/records/${plain.recordId}`, {
      token: tenant.adminToken,
      body: { data: { hours: 6 }, reason: 'clocked out early' },
      headers: { 'if-match': plain.etag },
    });
    assert.equal(corrected.status, 200, JSON.stringify(corrected.body));
    const rectified = await system.request('PATCH', `/api/tenants/${tenantId}/users/${bob.userId}`, {
      token: tenant.adminToken,
      body: { department: 'Leavers', reason: 'moving on' },
      headers: { 'if-match': bob.etag },
    });
    assert.equal(rectified.status, 200, JSON.stringify(rectified.body));
    const erased = await system.request(
      'DELETE',
      `/api/tenants/${tenantId}/users/${bob.userId}?reason=${encodeURIComponent('asked to be forgotten')}`,
      { token: tenant.adminToken },
    );
    assert.equal(erased.status, 200, JSON.stringify(erased.body));

    now = await system.now();
    const settings = localAppSettings(system.platform!.addresses, system.url);
    services = createServices(loadConfig(settings), { now: () => now });
    pkg = await buildPackage(services, { tenantId, jobId: 'return-package-1', now });
    for (const file of pkg.manifest.files) {
      const response = await fetch(pkg.links.files[file.name]!);
      assert.equal(response.status, 200, `${file.name} downloads`);
      downloads.set(file.name, Buffer.from(await response.arrayBuffer()));
    }
  });

  after(async () => {
    services?.stores.dispose();
    await system?.stop();
  });

  const file = (name: string): ManifestFile => {
    const found = pkg.manifest.files.find((f) => f.name === name);
    assert.ok(found, `the manifest lists ${name}`);
    return found;
  };
  const json = <T>(name: string): T[] => JSON.parse(downloads.get(name)!.toString('utf8')) as T[];
  const csv = (name: string): { header: string[]; rows: string[][]; cell(row: string[], column: string): string } => {
    const [header, ...rows] = parseCsv(downloads.get(name)!.toString('utf8'));
    return {
      header: header!,
      rows,
      cell: (row, column) => {
        const at = header!.indexOf(column);
        assert.ok(at >= 0, `${name} has a column ${column}`);
        return row[at]!;
      },
    };
  };

  test('the manifest lists users, every module, the audit log, the support-access grants and log, the DSAR records and the breach notices, each as CSV and JSON, and downloads through its own link', async () => {
    const tables = ['users', ...MODULES.map((m) => `records-${m}`), 'audit-log', 'support-access', 'support-access-log', 'dsars', 'breach-notices'];
    const expected = tables.flatMap((base) => [`${base}.csv`, `${base}.json`]);
    assert.deepEqual(
      pkg.manifest.files.map((f) => f.name),
      expected,
    );
    assert.equal(pkg.manifest.tenant, tenantId);
    assert.equal(pkg.manifest.region, 'uksouth');
    assert.equal(pkg.manifest.generatedAt, now.toISOString());
    assert.equal(new Date(pkg.links.expiresOn).getTime(), now.getTime() + 72 * 3600_000, 'DOWNLOAD_LINK_TTL_HOURS (72 by default)');
    const manifest = await fetch(pkg.links.manifest);
    assert.equal(manifest.status, 200);
    assert.deepEqual(await manifest.json(), pkg.manifest);
  });

  test('every file has the size and SHA-256 the manifest states, and as many rows', () => {
    for (const f of pkg.manifest.files) {
      const bytes = downloads.get(f.name)!;
      assert.equal(bytes.length, f.bytes, `${f.name} size`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, `${f.name} hash`);
      const rows = f.format === 'json' ? json(f.name).length : parseCsv(bytes.toString('utf8')).length - 1;
      assert.equal(rows, f.rows, `${f.name} rows`);
    }
    assert.equal(file('users.json').rows, 4);
    assert.equal(file('records-shift-logs.json').rows, 3);
    assert.equal(file('records-approval-chains.json').rows, 1);
    assert.equal(file('records-schedules.csv').rows, 0);
  });

  test('users read back as the API shows them; the erased user is a tombstone', async () => {
    const exported = new Map(json<{ userId: string }>('users.json').map((u) => [u.userId, u]));
    for (const user of [ada, bob, carol, mallory]) assert.deepEqual(exported.get(user.userId), await api(`/users/${user.userId}`), user.name);
    const table = csv('users.csv');
    const row = (userId: string): string[] => table.rows.find((r) => table.cell(r, 'userId') === userId)!;
    assert.equal(table.cell(row(ada.userId), 'name'), 'Ada Lovelace');
    assert.equal(table.cell(row(carol.userId), 'name'), 'Carol, "CJ" Jones');
    assert.equal(table.cell(row(mallory.userId), 'name'), `'${EVIL}`, 'a formula in a name is neutralised');
    assert.equal(table.cell(row(bob.userId), 'status'), 'erased');
    assert.equal(table.cell(row(bob.userId), 'name'), '');
    assert.equal(table.cell(row(bob.userId), 'email'), '');
  });

  test('module records read back as the API shows them, with their data flattened into neutralised CSV columns', async () => {
    const exported = new Map(json<{ recordId: string }>('records-shift-logs.json').map((r) => [r.recordId, r]));
    for (const id of [recordIds.evil!, recordIds.plain!, recordIds.bobs!]) assert.deepEqual(exported.get(id), await api(`/modules/shift-logs/records/${id}`));
    assert.deepEqual(json('records-approval-chains.json'), [await api(`/modules/approval-chains/records/${recordIds.chain}`)]);

    const table = csv('records-shift-logs.csv');
    const row = (id: string): string[] => table.rows.find((r) => table.cell(r, 'recordId') === id)!;
    const evil = row(recordIds.evil!);
    assert.equal(table.cell(evil, 'data.note'), `'${EVIL}`);
    assert.equal(table.cell(evil, 'data.location.site'), "'@SUM(1+1)", 'nested values are neutralised in their own column');
    assert.equal(table.cell(evil, 'data.overtime'), '-2');
    assert.match(downloads.get('records-shift-logs.csv')!.toString('utf8'), /,-2,/, 'a negative number is written bare');
    assert.equal(table.cell(evil, 'data.tags'), '["night","weekend"]');
    assert.equal(table.cell(evil, 'data.approved'), 'true');
    assert.equal(table.cell(evil, 'data.comment'), 'line one\r\nline two, "quoted"');
    assert.equal(table.cell(row(recordIds.plain!), 'data.code'), "'-5", 'text that looks like a negative number is still text');
    assert.equal(table.cell(row(recordIds.plain!), 'data.hours'), '6');
    assert.equal(JSON.parse(table.cell(row(recordIds.plain!), 'original')).hours, 7.5);
    assert.deepEqual(JSON.parse(table.cell(row(recordIds.plain!), 'corrections')).map((c: { reason: string }) => c.reason), ['clocked out early']);
    const bobs = row(recordIds.bobs!);
    assert.deepEqual([table.cell(bobs, 'status'), table.cell(bobs, 'erasure'), table.cell(bobs, 'data.note')], ['erased', 'subject-erased', '']);
    assert.equal(table.cell(evil, OTHER_DATA_COLUMN), '');
  });

  test('every CSV cell of every record matches its value in the JSON file', () => {
    for (const module of MODULES) {
      const table = csv(`records-${module}.csv`);
      const byId = new Map(
        json<{ recordId: string; data?: Record<string, unknown>; [k: string]: unknown }>(`records-${module}.json`).map((r) => [r.recordId, r]),
      );
      assert.equal(table.rows.length, byId.size);
      for (const row of table.rows) {
        const record = byId.get(table.cell(row, 'recordId'))!;
        const flat = flattenObject(record.data ?? {});
        for (const column of table.header) {
          if (column === OTHER_DATA_COLUMN) continue;
          const value = column.startsWith('data.')
            ? flat.get(column.slice('data.'.length))
            : column === 'corrections' && (record.corrections as unknown[] | undefined)?.length === 0
              ? undefined
              : record[column];
          assert.equal(table.cell(row, column), expectedCell(value), `${module} ${record.recordId} ${column}`);
        }
      }
    }
  });

  test('the audit log reads back oldest first as whole chains, with details decrypted or "erased"', async () => {
    const entries = json<AuditEntryBody>('audit-log.json');
    const chains = new Map<string, AuditEntryBody[]>();
    for (const entry of entries) chains.set(entry.chain, [...(chains.get(entry.chain) ?? []), entry]);
    for (const [chain, inChain] of chains) {
      assert.deepEqual(inChain.map((e) => e.seq), inChain.map((_, i) => i + 1), `chain ${chain} is whole`);
      for (let i = 1; i < inChain.length; i++) assert.equal(inChain[i]!.prevHash, inChain[i - 1]!.hash, `chain ${chain} at ${i + 1}`);
    }
    const key = (e: AuditEntryBody): string => `${e.chain}/${e.seq}`;
    const fromApi = new Map((await api<{ entries: AuditEntryBody[] }>('/audit?limit=200')).entries.map((e) => [key(e), e]));
    for (const entry of entries) assert.deepEqual(entry, fromApi.get(key(entry)), `entry ${key(entry)} as the API shows it`);
    const bobsRectification = entries.find((e) => e.action === 'user.rectified' && e.target.id === bob.userId);
    assert.equal(bobsRectification?.details, 'erased', "the erased user's details cannot be read");
    assert.deepEqual(entries.find((e) => e.action === 'user.erased')?.details, { reason: 'asked to be forgotten' });
    const table = csv('audit-log.csv');
    assert.deepEqual(table.rows.map((r) => `${table.cell(r, 'chain')}/${table.cell(r, 'seq')}`), entries.map(key));
    const corrected = table.rows.find((r) => table.cell(r, 'action') === 'record.corrected')!;
    assert.deepEqual(JSON.parse(table.cell(corrected, 'details')), { fields: ['hours'], reason: 'clocked out early' });
  });

  test('a link whose expiry has passed is refused', async () => {
    const expired = await services.blobs.downloadLink('uksouth', pkg.container, pkg.manifestBlob, new Date(now.getTime() - 60_000));
    const response = await fetch(expired);
    assert.equal(response.status, 403);
  });

  test('the package is stored only in the tenant\'s region', async () => {
    const addresses = system.platform!.addresses.storage;
    const names = async (region: 'uksouth' | 'eu'): Promise<string[]> => {
      const container = BlobServiceClient.fromConnectionString(addresses[region]!.connectionString).getContainerClient('packages');
      if (!(await container.exists())) return [];
      const found: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: `${tenantId}/` })) found.push(blob.name);
      return found;
    };
    assert.equal((await names('uksouth')).length, pkg.manifest.files.length + 1);
    assert.deepEqual(await names('eu'), []);
  });

  test('running the same job again returns the stored package instead of exporting twice', async () => {
    const later = new Date(now.getTime() + 3600_000);
    const again = await buildPackage(services, { tenantId, jobId: 'return-package-1', now: later });
    assert.deepEqual(again.manifest, pkg.manifest);
    assert.equal(new Date(again.links.expiresOn).getTime(), later.getTime() + 72 * 3600_000, 'with fresh links');
  });

  test('links to a built package can be made later (so a workflow need not keep them in its history)', async () => {
    const links = await packageDownloadLinks(services, { tenantId, jobId: 'return-package-1', now });
    assert.deepEqual(Object.keys(links?.files ?? {}), pkg.manifest.files.map((f) => f.name));
    assert.equal((await fetch(links!.files['users.csv']!)).status, 200);
    assert.equal(await packageDownloadLinks(services, { tenantId, jobId: 'never-built', now }), undefined);
  });

  test('a single export of one kind, with a byte-order mark, lands in the exports container', async () => {
    const single = await exportTenantData(services, {
      tenantId,
      jobId: 'export-7',
      subject: { kind: 'records', module: 'shift-logs' },
      format: 'csv',
      bom: true,
      now,
    });
    assert.equal(single.container, 'exports');
    assert.equal(single.blobName, `${tenantId}/export-7/records-shift-logs.csv`);
    const bytes = Buffer.from(await (await fetch(single.link)).arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(bytes.toString('utf8').startsWith(UTF8_BOM));
    assert.equal(single.file.rows, 3);
    const audit = await exportTenantData(services, { tenantId, jobId: 'export-8', subject: { kind: 'audit-log' }, format: 'json', now });
    assert.equal((JSON.parse(Buffer.from(await (await fetch(audit.link)).arrayBuffer()).toString('utf8')) as unknown[]).length, audit.file.rows);
  });

  test('tenant deletion removes every export and package of the tenant, with counts', async () => {
    const counts = await deleteTenantExports(services.blobs, tenantId);
    assert.deepEqual(counts, { exports: 2, packages: pkg.manifest.files.length + 1 });
    assert.equal((await fetch(pkg.links.manifest)).status, 404);
  });
});
