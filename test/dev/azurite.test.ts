// Azurite started in-process, driven by the real @azure/storage-blob client; SAS links checked with plain fetch.
// @azure/storage-queue and @azure/data-tables are not dependencies, so queue and table get a raw-HTTP smoke test
// authorised by an account SAS signed with the blob package's StorageSharedKeyCredential.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobSASPermissions,
  BlobServiceClient,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { startAzurite, type AzuriteStandIn } from '../../dev/standins/azurite.js';

const MINUTE = 60_000;

function readSas(standIn: AzuriteStandIn, container: string, blob: string, startsOn: Date, expiresOn: Date): string {
  const credential = new StorageSharedKeyCredential(standIn.accountName, standIn.accountKey);
  const sas = generateBlobSASQueryParameters(
    { containerName: container, blobName: blob, permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn },
    credential,
  );
  return `${standIn.blobUrl}/${container}/${encodeURIComponent(blob)}?${sas.toString()}`;
}

describe('azurite stand-in (in memory)', () => {
  let standIn: AzuriteStandIn;
  before(async () => {
    standIn = await startAzurite();
  });
  after(async () => {
    await standIn.close();
  });

  test('exposes path-style endpoints on loopback and a connection string naming all three', () => {
    for (const url of [standIn.blobUrl, standIn.queueUrl, standIn.tableUrl]) {
      assert.match(url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/${standIn.accountName}$`));
    }
    assert.equal(new Set([standIn.blobUrl, standIn.queueUrl, standIn.tableUrl]).size, 3);
    assert.ok(standIn.connectionString.includes(`BlobEndpoint=${standIn.blobUrl};`));
    assert.ok(standIn.connectionString.includes(`QueueEndpoint=${standIn.queueUrl};`));
    assert.ok(standIn.connectionString.includes(`TableEndpoint=${standIn.tableUrl};`));
  });

  test('a blob uploaded as a stream in several blocks downloads through a read-only SAS link with fetch', async () => {
    const service = BlobServiceClient.fromConnectionString(standIn.connectionString);
    const container = service.getContainerClient('exports');
    await container.create();
    const blobName = 'tenant-1/export 2024.csv';
    const blob = container.getBlockBlobClient(blobName);
    const data = randomBytes(300 * 1024);
    const blockSize = 64 * 1024;
    await blob.uploadStream(Readable.from([data]), blockSize, 2, { blobHTTPHeaders: { blobContentType: 'text/csv' } });

    const blocks = await blob.getBlockList('committed');
    assert.equal(blocks.committedBlocks?.length, Math.ceil(data.length / blockSize), 'uploaded in blocks');

    const now = Date.now();
    const url = readSas(standIn, 'exports', blobName, new Date(now - 5 * MINUTE), new Date(now + 15 * MINUTE));
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), data);

    const write = await fetch(url, {
      method: 'PUT',
      headers: { 'x-ms-blob-type': 'BlockBlob' },
      body: 'overwritten',
    });
    assert.equal(write.status, 403, 'a read-only SAS cannot write');
  });

  test('a SAS link whose expiry has passed is refused', async () => {
    const service = BlobServiceClient.fromConnectionString(standIn.connectionString);
    const container = service.getContainerClient('expired');
    await container.create();
    await container.getBlockBlobClient('report.json').upload('{}', 2);

    const now = Date.now();
    const live = readSas(standIn, 'expired', 'report.json', new Date(now - 60 * MINUTE), new Date(now + MINUTE));
    assert.equal((await fetch(live)).status, 200, 'the same link with a future expiry works');

    const expired = readSas(standIn, 'expired', 'report.json', new Date(now - 60 * MINUTE), new Date(now - MINUTE));
    const response = await fetch(expired);
    assert.equal(response.status, 403);
    // Azurite answers a generic AuthorizationFailure where Azure says AuthenticationFailed; both are 403.
    assert.match(await response.text(), /<Code>(AuthorizationFailure|AuthenticationFailed)<\/Code>/);
  });

  test('a request signed with the wrong account key is refused', async () => {
    const wrong = new StorageSharedKeyCredential(standIn.accountName, randomBytes(64).toString('base64'));
    const service = new BlobServiceClient(standIn.blobUrl, wrong, { retryOptions: { maxTries: 1 } });
    await assert.rejects(service.getContainerClient('nope').create(), (err: { statusCode?: number }) => {
      assert.equal(err.statusCode, 403);
      return true;
    });
  });

  test('queue and table services answer requests authorised by an account SAS', async () => {
    const credential = new StorageSharedKeyCredential(standIn.accountName, standIn.accountKey);
    const sas = generateAccountSASQueryParameters(
      {
        services: AccountSASServices.parse('qt').toString(),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        permissions: AccountSASPermissions.parse('rwdlacup'),
        expiresOn: new Date(Date.now() + 15 * MINUTE),
      },
      credential,
    ).toString();

    const created = await fetch(`${standIn.queueUrl}/deletions?${sas}`, { method: 'PUT' });
    assert.equal(created.status, 201);
    const put = await fetch(`${standIn.queueUrl}/deletions/messages?${sas}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<QueueMessage><MessageText>tenant-1</MessageText></QueueMessage>',
    });
    assert.equal(put.status, 201);
    const got = await fetch(`${standIn.queueUrl}/deletions/messages?${sas}`);
    assert.equal(got.status, 200);
    assert.match(await got.text(), /<MessageText>tenant-1<\/MessageText>/);

    const json = { 'content-type': 'application/json', accept: 'application/json;odata=nometadata' };
    const table = await fetch(`${standIn.tableUrl}/Tables?${sas}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ TableName: 'certificates' }),
    });
    assert.equal(table.status, 201);
    const insert = await fetch(`${standIn.tableUrl}/certificates?${sas}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ PartitionKey: 'tenant-1', RowKey: 'cert-1', issued: true }),
    });
    assert.equal(insert.status, 201);
    const read = await fetch(`${standIn.tableUrl}/certificates(PartitionKey='tenant-1',RowKey='cert-1')?${sas}`, {
      headers: json,
    });
    assert.equal(read.status, 200);
    const entity = (await read.json()) as { issued?: boolean };
    assert.equal(entity.issued, true);
  });
});

describe('azurite stand-in isolation and persistence', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'azurite-standin-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('two in-memory stand-ins in one process do not see each other\'s blobs', async () => {
    const [a, b] = await Promise.all([startAzurite(), startAzurite()]);
    try {
      const inA = BlobServiceClient.fromConnectionString(a.connectionString).getContainerClient('shared-name');
      await inA.create();
      await inA.getBlockBlobClient('x.txt').upload('from a', 6);
      const inB = BlobServiceClient.fromConnectionString(b.connectionString).getContainerClient('shared-name');
      assert.equal(await inB.exists(), false);
      await inB.create();
      await inB.getBlockBlobClient('x.txt').upload('from b', 6);
      await a.close();
      const text = (await inB.getBlockBlobClient('x.txt').downloadToBuffer()).toString();
      assert.equal(text, 'from b', 'closing one stand-in leaves the other\'s data intact');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('with a location, blobs survive a restart', async () => {
    const location = join(dir, 'storage');
    const first = await startAzurite({ location });
    const container = BlobServiceClient.fromConnectionString(first.connectionString).getContainerClient('durable');
    await container.create();
    await container.getBlockBlobClient('kept.txt').upload('still here', 10);
    await first.close();

    const second = await startAzurite({ location });
    try {
      const again = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient('durable');
      const text = (await again.getBlockBlobClient('kept.txt').downloadToBuffer()).toString();
      assert.equal(text, 'still here');
    } finally {
      await second.close();
    }
  });
});
