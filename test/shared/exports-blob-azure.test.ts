// The Azure side of download links: without an account key (shared-key access is disabled in
// Azure), links are user-delegation SAS signed with a key fetched with the app's identity. Azurite
// cannot issue delegation keys, so a small HTTPS endpoint plays the Blob service's
// userdelegationkey operation (bearer tokens are only sent over TLS).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { RegionalBlobStorage } from '../../shared/blob/regional-blob-storage.js';
import { newTenantId } from '../../shared/tenancy/tenant-id.js';

const HOUR = 3600_000;
// The test certificate comes from the openssl CLI, which every machine of this kind has (Debian base).
assert.equal(spawnSync('openssl', ['version']).status, 0, 'the openssl CLI is needed for a test certificate');

describe('download links in Azure (user delegation SAS)', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const keyRequests: { authorization: string | undefined; body: string }[] = [];
  const tokens: string[][] = [];
  const credential: TokenCredential = {
    getToken: async (scopes): Promise<AccessToken> => {
      tokens.push([scopes].flat());
      return { token: 'managed-identity-token', expiresOnTimestamp: Date.now() + HOUR };
    },
  };
  const now = new Date();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'delegation-'));
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ]);
    assert.equal(made.status, 0, made.stderr.toString());
    // This test process only: trust the throwaway certificate.
    process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url?.includes('comp=userdelegationkey')) {
          keyRequests.push({ authorization: req.headers.authorization, body });
          const start = /<Start>([^<]+)<\/Start>/.exec(body)?.[1] ?? '';
          const expiry = /<Expiry>([^<]+)<\/Expiry>/.exec(body)?.[1] ?? '';
          res.writeHead(200, { 'content-type': 'application/xml', 'x-ms-request-id': 'r' });
          res.end(
            `<?xml version="1.0" encoding="utf-8"?><UserDelegationKey><SignedOid>oid-of-app</SignedOid><SignedTid>tid-of-tenant</SignedTid>` +
              `<SignedStart>${start}</SignedStart><SignedExpiry>${expiry}</SignedExpiry><SignedService>b</SignedService><SignedVersion>2025-01-05</SignedVersion>` +
              `<Value>${randomBytes(32).toString('base64')}</Value></UserDelegationKey>`,
          );
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/stuksprivacy`;
  });

  after(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a link is a read-only, HTTPS-only SAS signed with a delegation key fetched with the app identity, reused across links', async () => {
    const blobs = new RegionalBlobStorage({ regions: { uksouth: { blob: { url } }, eu: { blob: { url } } } }, credential, { now: () => now });
    const tenant = newTenantId('uksouth');
    const expiresOn = new Date(now.getTime() + 72 * HOUR);
    const first = new URL(await blobs.downloadLink('uksouth', 'packages', `${tenant}/job/manifest.json`, expiresOn));
    const second = new URL(await blobs.downloadLink('uksouth', 'packages', `${tenant}/job/users.csv`, expiresOn));

    assert.equal(keyRequests.length, 1, 'one delegation key serves both links');
    assert.equal(keyRequests[0]!.authorization, 'Bearer managed-identity-token');
    assert.deepEqual(tokens[0], ['https://storage.azure.com/.default']);
    assert.equal(first.pathname, `/stuksprivacy/packages/${tenant}/job/manifest.json`);
    const q = first.searchParams;
    assert.equal(q.get('sp'), 'r', 'read only');
    assert.equal(q.get('spr'), 'https', 'HTTPS only');
    assert.equal(q.get('sr'), 'b', 'this one blob');
    assert.equal(q.get('se'), expiresOn.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.equal(q.get('skoid'), 'oid-of-app');
    assert.equal(q.get('sktid'), 'tid-of-tenant');
    assert.ok(q.get('sig'));
    assert.equal(second.searchParams.get('skoid'), 'oid-of-app');
    assert.notEqual(second.searchParams.get('sig'), q.get('sig'));
  });

  test('a link cannot outlive the 7 days a delegation key may last', async () => {
    const blobs = new RegionalBlobStorage({ regions: { uksouth: { blob: { url } }, eu: { blob: { url } } } }, credential, { now: () => now });
    await assert.rejects(blobs.downloadLink('eu', 'exports', `${newTenantId('eu')}/job/a.csv`, new Date(now.getTime() + 8 * 24 * HOUR)), /at most 7 days/);
  });
});
