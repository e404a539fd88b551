// Regional blob storage against two in-process Azurite accounts (one per region), through the real
// @azure/storage-blob client; links checked with plain fetch, as a browser would use them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite, type AzuriteStandIn } from '../../dev/standins/azurite.js';
import { accountNameOf, RegionalBlobStorage } from '../../shared/blob/regional-blob-storage.js';
import { newTenantId } from '../../shared/tenancy/tenant-id.js';
import type { TokenCredential } from '@azure/core-auth';

const HOUR = 3600_000;
const noCredential: TokenCredential = { getToken: async () => null };

describe('regional blob storage', () => {
  let uk: AzuriteStandIn;
  let eu: AzuriteStandIn;
  let blobs: RegionalBlobStorage;
  const now = new Date();

  before(async () => {
    [uk, eu] = await Promise.all([startAzurite(), startAzurite()]);
    blobs = new RegionalBlobStorage(
      {
        regions: {
          uksouth: { blob: { url: uk.blobUrl, accountKey: uk.accountKey } },
          eu: { blob: { url: eu.blobUrl, accountKey: eu.accountKey } },
        },
      },
      noCredential,
      { now: () => now },
      { blockBytes: 64 * 1024, uploadConcurrency: 2, allowHttpLinks: true, createMissingContainers: true },
    );
  });
  after(async () => {
    await Promise.all([uk?.close(), eu?.close()]);
  });

  const service = (standIn: AzuriteStandIn): BlobServiceClient => BlobServiceClient.fromConnectionString(standIn.connectionString);

  test('a stream uploads in blocks to the tenant region, creating the container, and downloads through a read-only link', async () => {
    const tenant = newTenantId('uksouth');
    const data = randomBytes(300 * 1024);
    const name = `${tenant}/job-1/users.csv`;
    await blobs.uploadStream('uksouth', 'exports', name, Readable.from([data]), 'text/csv; charset=utf-8', { downloadName: 'users.csv' });

    const blocks = await service(uk).getContainerClient('exports').getBlockBlobClient(name).getBlockList('committed');
    assert.equal(blocks.committedBlocks?.length, Math.ceil(data.length / (64 * 1024)), 'staged block by block');
    assert.equal(await service(eu).getContainerClient('exports').getBlobClient(name).exists(), false, 'nothing in the other region');

    const link = await blobs.downloadLink('uksouth', 'exports', name, new Date(now.getTime() + 72 * HOUR));
    assert.ok(link.startsWith(`${uk.blobUrl}/exports/${tenant}/job-1/users.csv?`));
    const response = await fetch(link);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="users.csv"/);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), data);

    const write = await fetch(link, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'replaced' });
    assert.equal(write.status, 403, 'the link cannot write');
    const remove = await fetch(link, { method: 'DELETE' });
    assert.equal(remove.status, 403, 'the link cannot delete');
  });

  test('a link whose expiry has passed is refused', async () => {
    const tenant = newTenantId('eu');
    const name = `${tenant}/job-2/manifest.json`;
    await blobs.uploadStream('eu', 'packages', name, Readable.from([Buffer.from('{}')]), 'application/json');
    const expired = await blobs.downloadLink('eu', 'packages', name, new Date(now.getTime() - 60_000));
    assert.equal((await fetch(expired)).status, 403);
    const live = await blobs.downloadLink('eu', 'packages', name, new Date(now.getTime() + HOUR));
    assert.equal((await fetch(live)).status, 200);
  });

  test('a tenant blob never goes to another region, and every blob name starts with a tenant id', async () => {
    const euTenant = newTenantId('eu');
    await assert.rejects(blobs.uploadStream('uksouth', 'exports', `${euTenant}/job/users.csv`, Readable.from(['x']), 'text/csv'), /lives in eu/);
    await assert.rejects(blobs.downloadLink('uksouth', 'exports', `${euTenant}/job/users.csv`, new Date(now.getTime() + HOUR)), /lives in eu/);
    await assert.rejects(blobs.uploadStream('uksouth', 'exports', 'job/users.csv', Readable.from(['x']), 'text/csv'), /start with the tenant id/);
    await assert.rejects(blobs.deletePrefix('uksouth', 'exports', ''), /start with the tenant id/);
  });

  test('a stream that fails part-way commits nothing', async () => {
    const tenant = newTenantId('uksouth');
    const name = `${tenant}/job-3/audit-log.csv`;
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(200 * 1024);
      throw new Error('source failed');
    }
    await assert.rejects(blobs.uploadStream('uksouth', 'exports', name, Readable.from(failing()), 'text/csv'), /source failed/);
    assert.equal(await blobs.exists('uksouth', 'exports', name), false);
  });

  test('deleting a tenant prefix removes only that tenant\'s blobs and says how many', async () => {
    const mine = newTenantId('uksouth');
    const other = newTenantId('uksouth');
    const put = (name: string, container: 'exports' | 'packages' = 'exports'): Promise<void> =>
      blobs.uploadStream('uksouth', container, name, Readable.from(['x']), 'text/plain');
    await Promise.all([
      put(`${mine}/a/1.csv`),
      put(`${mine}/a/2.csv`),
      put(`${mine}/b/1.json`),
      put(`${other}/a/1.csv`),
      put(`${mine}/p/manifest.json`, 'packages'),
    ]);
    assert.equal(await blobs.deletePrefix('uksouth', 'exports', `${mine}/`), 3);
    assert.equal(await blobs.exists('uksouth', 'exports', `${other}/a/1.csv`), true);
    assert.equal(await blobs.exists('uksouth', 'packages', `${mine}/p/manifest.json`), true, 'another container is another call');
    assert.equal(await blobs.deletePrefix('uksouth', 'exports', `${mine}/`), 0, 'running it again deletes nothing more');
    assert.equal(await blobs.deletePrefix('eu', 'packages', `${newTenantId('eu')}/`), 0);
    await assert.rejects(blobs.deletePrefix('uksouth', 'exports', mine), /end a path segment/);
  });

  test('small blobs read back whole, and a missing one reads as undefined', async () => {
    const tenant = newTenantId('uksouth');
    await blobs.uploadStream('uksouth', 'packages', `${tenant}/j/manifest.json`, Readable.from([Buffer.from('{"a":1}')]), 'application/json');
    assert.equal((await blobs.readSmall('uksouth', 'packages', `${tenant}/j/manifest.json`))?.toString(), '{"a":1}');
    assert.equal(await blobs.readSmall('uksouth', 'packages', `${tenant}/j/none.json`), undefined);
  });

  test('the account name comes from a path-style local endpoint or from an Azure host name', () => {
    assert.equal(accountNameOf('http://127.0.0.1:10000/devstoreaccount1'), 'devstoreaccount1');
    assert.equal(accountNameOf('https://stuksabc123.blob.core.windows.net/'), 'stuksabc123');
  });
});
