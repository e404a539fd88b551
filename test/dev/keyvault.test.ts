// The Key Vault stand-in driven by the real @azure/keyvault-keys clients, as product code drives them.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { CryptographyClient, KeyClient, type KeyClientOptions, type KeyVaultKey } from '@azure/keyvault-keys';
import { compactVerify, importJWK, type JWK } from 'jose';
import { startKeyVault, type KeyVaultOptions, type KeyVaultStandIn } from '../../dev/standins/keyvault.js';

const DAY_MS = 86_400_000;

/** A credential that hands out one static token and remembers what it was asked for. */
class StaticCredential implements TokenCredential {
  readonly requests: { scopes: string[]; tenantId: string | undefined }[] = [];
  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    this.requests.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
    return { token: 'dev-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  }
}

const clientOptions = { disableChallengeResourceVerification: true, allowInsecureConnection: true } as const;

interface Vault {
  standIn: KeyVaultStandIn;
  credential: StaticCredential;
  keys: KeyClient;
  crypto(key: KeyVaultKey | string): CryptographyClient;
}

async function vault(t: TestContext, options: Partial<KeyVaultOptions> = {}, extra: KeyClientOptions = {}): Promise<Vault> {
  const standIn = await startKeyVault({ name: 'privacy-dev', ...options });
  t.after(() => standIn.close());
  const credential = new StaticCredential();
  return {
    standIn,
    credential,
    keys: new KeyClient(standIn.url, credential, { ...clientOptions, ...extra }),
    crypto: (key) => new CryptographyClient(key, credential, clientOptions),
  };
}

/** The parts of @azure/core-rest-pipeline's RestError the tests read (not a direct dependency). */
interface RestErrorLike {
  statusCode?: number;
  code?: string;
}

async function rejection(promise: Promise<unknown>): Promise<RestErrorLike> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error && (err as Error & RestErrorLike).statusCode !== undefined, `expected a RestError, got ${String(err)}`);
    return err as RestErrorLike;
  }
  assert.fail('expected the call to be rejected');
}

async function rawRequest(url: string, method: string, body?: unknown, token: string | null = 'any-token') {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

function publicJwk(key: KeyVaultKey): JWK {
  const jwk = key.key;
  assert.ok(jwk);
  const b64 = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('base64url');
  return jwk.kty?.startsWith('EC')
    ? { kty: 'EC', crv: jwk.crv ?? '', x: b64(jwk.x), y: b64(jwk.y) }
    : { kty: 'RSA', n: b64(jwk.n), e: b64(jwk.e) };
}

/** Signs a compact JWS the way product code does: the vault signs SHA-256 of the signing input. */
async function signJws(client: CryptographyClient, alg: 'ES256' | 'RS256' | 'PS256', kid: string, payload: object) {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg, kid, typ: 'JWT' })}.${encode(payload)}`;
  const digest = createHash('sha256').update(signingInput).digest();
  const { result } = await client.sign(alg, digest);
  return { jws: `${signingInput}.${Buffer.from(result).toString('base64url')}`, signature: result };
}

describe('key vault stand-in', () => {
  test('the first call gets a bearer challenge; the client then authenticates with any token', async (t) => {
    const exchanges: { status: number; authorized: boolean }[] = [];
    const { standIn, keys, credential } = await vault(t, { tenantId: 'tenant-under-test' }, {
      additionalPolicies: [
        {
          position: 'perRetry',
          policy: {
            name: 'record-exchanges',
            async sendRequest(request, next) {
              const response = await next(request);
              exchanges.push({ status: response.status, authorized: request.headers.has('authorization') });
              return response;
            },
          },
        },
      ],
    });

    const anonymous = await rawRequest(`${standIn.url}/keys?api-version=7.6`, 'GET', undefined, null);
    assert.equal(anonymous.status, 401);
    assert.equal(
      anonymous.headers.get('www-authenticate'),
      'Bearer authorization="https://login.microsoftonline.com/tenant-under-test", resource="https://vault.azure.net"',
    );
    assert.deepEqual(anonymous.json, {
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });

    await keys.createEcKey('challenge-key', { curve: 'P-256' });
    await keys.getKey('challenge-key');
    assert.deepEqual(exchanges, [
      { status: 401, authorized: false },
      { status: 200, authorized: true },
      { status: 200, authorized: true },
    ]);
    assert.deepEqual(credential.requests[0], { scopes: ['https://vault.azure.net/.default'], tenantId: 'tenant-under-test' });
  });

  test('creates EC and RSA keys with operations, tags and attributes, and never returns the private key', async (t) => {
    const { standIn, keys } = await vault(t);
    const ec = await keys.createEcKey('certificate-signing', {
      curve: 'P-256',
      keyOps: ['sign', 'verify'],
      tags: { purpose: 'deletion certificate' },
    });
    assert.equal(ec.keyType, 'EC');
    assert.equal(ec.key?.crv, 'P-256');
    assert.deepEqual(ec.keyOperations, ['sign', 'verify']);
    assert.deepEqual(ec.properties.tags, { purpose: 'deletion certificate' });
    assert.equal(ec.properties.enabled, true);
    assert.equal(ec.properties.recoverableDays, 90);
    assert.equal(ec.properties.recoveryLevel, 'Recoverable+Purgeable');
    assert.equal(ec.properties.vaultUrl, standIn.url);
    assert.match(ec.properties.version ?? '', /^[0-9a-f]{32}$/);

    const rsa = await keys.createRsaKey('tenant-kek', { keySize: 3072, enabled: false });
    assert.equal(rsa.keyType, 'RSA');
    assert.equal(rsa.key?.n?.length, 384);
    assert.deepEqual(rsa.keyOperations, ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']);
    assert.equal(rsa.properties.enabled, false);

    const fetched = await keys.getKey('certificate-signing');
    assert.equal(fetched.id, ec.id);
    assert.deepEqual(fetched.key?.x, ec.key?.x);
    for (const key of [ec, rsa, fetched]) {
      assert.equal(key.key?.d, undefined);
      assert.equal(key.key?.p, undefined);
    }
    const raw = await rawRequest(`${standIn.url}/keys/tenant-kek?api-version=7.6`, 'GET');
    assert.equal(raw.status, 200);
    const rawKey = raw.json?.key as Record<string, unknown>;
    assert.deepEqual(Object.keys(rawKey).sort(), ['e', 'key_ops', 'kid', 'kty', 'n']);
  });

  test('each create adds a version; keys are fetched by version and listed page by page through nextLink', async (t) => {
    const { keys } = await vault(t);
    const created: KeyVaultKey[] = [];
    for (let i = 0; i < 3; i++) created.push(await keys.createEcKey('audit-signing', { tags: { generation: String(i) } }));
    await keys.createRsaKey('export-kek');

    const latest = await keys.getKey('audit-signing');
    assert.equal(latest.id, created[2]?.id);
    const first = await keys.getKey('audit-signing', { version: created[0]?.properties.version ?? '' });
    assert.equal(first.id, created[0]?.id);
    assert.deepEqual(first.properties.tags, { generation: '0' });
    assert.notDeepEqual(first.key?.x, latest.key?.x);

    const pages: string[][] = [];
    for await (const page of keys.listPropertiesOfKeyVersions('audit-signing').byPage({ maxPageSize: 2 })) {
      pages.push(page.map((p) => p.version ?? ''));
    }
    assert.deepEqual(pages, [created.slice(0, 2).map((k) => k.properties.version), [created[2]?.properties.version]]);

    const names: string[] = [];
    for await (const properties of keys.listPropertiesOfKeys()) names.push(properties.name);
    assert.deepEqual(names, ['audit-signing', 'export-kek']);

    const missing = await rejection(keys.getKey('audit-signing', { version: '0'.repeat(32) }));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'KeyNotFound');
  });

  test('an ES256 signature over a JWS signing input is raw r||s and verifies with jose', async (t) => {
    const { keys, crypto } = await vault(t);
    const key = await keys.createEcKey('deletion-certificate', { curve: 'P-256' });
    const client = crypto(key);
    const { jws, signature } = await signJws(client, 'ES256', key.id ?? '', { sub: 'tenant-1', erased: true });
    assert.equal(signature.length, 64);

    const publicKey = await importJWK(publicJwk(await keys.getKey('deletion-certificate')), 'ES256');
    const verified = await compactVerify(jws, publicKey);
    assert.deepEqual(JSON.parse(Buffer.from(verified.payload).toString()), { sub: 'tenant-1', erased: true });

    const [header, , sig] = jws.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'tenant-2', erased: true })).toString('base64url')}.${sig}`;
    await assert.rejects(compactVerify(forged, publicKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });

    const digest = createHash('sha256').update(jws.split('.').slice(0, 2).join('.')).digest();
    assert.equal((await client.verify('ES256', digest, signature)).result, true);
    const tampered = Uint8Array.from(signature);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    assert.equal((await client.verify('ES256', digest, tampered)).result, false);
  });

  test('RS256 and PS256 signatures from an RSA key verify with jose and with the vault', async (t) => {
    const { keys, crypto } = await vault(t);
    const key = await keys.createRsaKey('rsa-signing', { keySize: 2048 });
    const client = crypto(key);
    for (const alg of ['RS256', 'PS256'] as const) {
      const { jws, signature } = await signJws(client, alg, key.id ?? '', { alg });
      assert.equal(signature.length, 256);
      const verified = await compactVerify(jws, await importJWK(publicJwk(key), alg));
      assert.equal(verified.protectedHeader.alg, alg);
      const digest = createHash('sha256').update(jws.split('.').slice(0, 2).join('.')).digest();
      assert.equal((await client.verify(alg, digest, signature)).result, true);
      assert.equal((await client.verify(alg, createHash('sha256').update('other').digest(), signature)).result, false);
    }
  });

  test('a 32-byte data key wraps and unwraps with RSA-OAEP-256 and RSA-OAEP, and encrypts and decrypts', async (t) => {
    const { keys, crypto } = await vault(t);
    const kek = await keys.createRsaKey('tenant-kek', { keySize: 2048 });
    const client = crypto(kek.id ?? '');
    const dataKey = randomBytes(32);
    for (const alg of ['RSA-OAEP-256', 'RSA-OAEP'] as const) {
      const wrapped = await client.wrapKey(alg, dataKey);
      assert.equal(wrapped.result.length, 256);
      assert.notDeepEqual(Buffer.from(wrapped.result), dataKey);
      const unwrapped = await client.unwrapKey(alg, wrapped.result);
      assert.deepEqual(Buffer.from(unwrapped.result), dataKey);
      assert.equal(unwrapped.keyID, kek.id);

      const encrypted = await client.encrypt({ algorithm: alg, plaintext: Buffer.from('export manifest') });
      const decrypted = await client.decrypt({ algorithm: alg, ciphertext: encrypted.result });
      assert.equal(Buffer.from(decrypted.result).toString(), 'export manifest');
    }
    const wrongKey = await keys.createRsaKey('other-kek');
    const wrapped = await client.wrapKey('RSA-OAEP-256', dataKey);
    const refused = await rejection(crypto(wrongKey).unwrapKey('RSA-OAEP-256', wrapped.result));
    assert.equal(refused.statusCode, 400);
  });

  test('a disabled key refuses to sign with 403 and signs again once re-enabled', async (t) => {
    const { keys, crypto } = await vault(t);
    const key = await keys.createEcKey('certificate-signing');
    const digest = createHash('sha256').update('certificate').digest();
    const version = key.properties.version ?? '';

    const disabled = await keys.updateKeyProperties('certificate-signing', version, { enabled: false, tags: { state: 'paused' } });
    assert.equal(disabled.properties.enabled, false);
    assert.deepEqual(disabled.properties.tags, { state: 'paused' });
    const refused = await rejection(crypto(key.id ?? '').sign('ES256', digest));
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.code, 'Forbidden');

    await keys.updateKeyProperties('certificate-signing', version, { enabled: true });
    const { result } = await crypto(key.id ?? '').sign('ES256', digest);
    assert.equal(result.length, 64);
  });

  test('an operation missing from keyOps is refused with 403 by the vault itself', async (t) => {
    const { standIn, keys } = await vault(t);
    const key = await keys.createEcKey('verify-only', { keyOps: ['verify'] });
    const digest = createHash('sha256').update('x').digest().toString('base64url');
    const response = await rawRequest(`${key.id}/sign?api-version=7.6`, 'POST', { alg: 'ES256', value: digest });
    assert.equal(response.status, 403);
    assert.deepEqual(response.json, { error: { code: 'Forbidden', message: 'Operation sign is not permitted on this key.' } });

    const unknown = await rawRequest(`${standIn.url}/keys/nothing-here?api-version=7.6`, 'GET');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.json?.error as Record<string, unknown>).code, 'KeyNotFound');
  });

  test('bad input is refused with 400 BadParameter', async (t) => {
    const { standIn, keys, crypto } = await vault(t);
    for (const body of [{ kty: 'oct' }, { kty: 'RSA', key_size: 1024 }, { kty: 'EC', crv: 'P-192' }, { kty: 'EC', key_ops: ['fly'] }]) {
      const response = await rawRequest(`${standIn.url}/keys/bad/create?api-version=7.6`, 'POST', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal((response.json?.error as Record<string, unknown>).code, 'BadParameter');
    }
    const badName = await rejection(keys.createEcKey('not_a_valid_name'));
    assert.equal(badName.statusCode, 400);

    const key = await keys.createEcKey('p256');
    const client = crypto(key);
    const shortDigest = await rejection(client.sign('ES256', randomBytes(20)));
    assert.equal(shortDigest.statusCode, 400);
    const wrongAlgorithm = await rejection(client.sign('ES384', randomBytes(48)));
    assert.equal(wrongAlgorithm.statusCode, 400);
    const notJson = await fetch(`${standIn.url}/keys/p256/create?api-version=7.6`, {
      method: 'POST',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(notJson.status, 400);
  });

  test('delete is soft: the key 404s, shows its scheduled purge date, blocks its name, and recovers intact', async (t) => {
    const { standIn, keys, crypto } = await vault(t);
    const key = await keys.createEcKey('tenant-signing', { tags: { tenant: 't1' } });

    const deleted = await (await keys.beginDeleteKey('tenant-signing')).pollUntilDone();
    assert.equal(deleted.properties.recoveryId, `${standIn.url}/deletedkeys/tenant-signing`);
    const gone = await rejection(keys.getKey('tenant-signing'));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'KeyNotFound');

    const fetched = await keys.getDeletedKey('tenant-signing');
    const deletedOn = fetched.properties.deletedOn?.getTime() ?? NaN;
    assert.ok(Math.abs(deletedOn - Date.now()) < 5_000);
    assert.equal(fetched.properties.scheduledPurgeDate?.getTime(), deletedOn + 90 * DAY_MS);
    assert.deepEqual(fetched.properties.tags, { tenant: 't1' });
    const listed: string[] = [];
    for await (const d of keys.listDeletedKeys()) listed.push(d.name);
    assert.deepEqual(listed, ['tenant-signing']);

    const reuse = await rejection(keys.createEcKey('tenant-signing'));
    assert.equal(reuse.statusCode, 409);

    const recovered = await (await keys.beginRecoverDeletedKey('tenant-signing')).pollUntilDone();
    assert.equal(recovered.id, key.id);
    const digest = createHash('sha256').update('after recovery').digest();
    const { result } = await crypto(key.id ?? '').sign('ES256', digest);
    assert.equal((await crypto(recovered).verify('ES256', digest, result)).result, true);
    assert.equal((await rejection(keys.getDeletedKey('tenant-signing'))).statusCode, 404);
  });

  test('purge removes a deleted key for good and frees its name', async (t) => {
    const { keys } = await vault(t);
    const original = await keys.createEcKey('short-lived');
    await (await keys.beginDeleteKey('short-lived')).pollUntilDone();
    await keys.purgeDeletedKey('short-lived');

    assert.equal((await rejection(keys.getDeletedKey('short-lived'))).statusCode, 404);
    assert.equal((await rejection(keys.getKey('short-lived'))).statusCode, 404);
    assert.equal((await rejection(keys.purgeDeletedKey('short-lived'))).statusCode, 404);
    const reborn = await keys.createEcKey('short-lived');
    assert.notEqual(reborn.id, original.id);
    assert.notDeepEqual(reborn.key?.x, original.key?.x);
  });

  test('a deleted key past its scheduled purge date behaves as purged', async (t) => {
    const { keys } = await vault(t, { softDeleteRetentionDays: 7 });
    await keys.createEcKey('retention-test');
    const deleted = await (await keys.beginDeleteKey('retention-test')).pollUntilDone();
    assert.equal(deleted.properties.recoverableDays, 7);
    assert.equal(deleted.properties.recoveryLevel, 'CustomizedRecoverable+Purgeable');
    const purgeAt = deleted.properties.scheduledPurgeDate?.getTime() ?? NaN;
    assert.equal(purgeAt, (deleted.properties.deletedOn?.getTime() ?? NaN) + 7 * DAY_MS);

    const realNow = Date.now.bind(Date);
    let offset = purgeAt - 1_000 - realNow();
    t.mock.method(Date, 'now', () => realNow() + offset);
    assert.equal((await keys.getDeletedKey('retention-test')).name, 'retention-test');

    offset = purgeAt - realNow();
    assert.equal((await rejection(keys.getDeletedKey('retention-test'))).statusCode, 404);
    const names: string[] = [];
    for await (const d of keys.listDeletedKeys()) names.push(d.name);
    assert.deepEqual(names, []);
    await keys.createEcKey('retention-test');
  });

  test('an imported key signs with its own private half; rotate, backup and restore keep working', async (t) => {
    const { keys, crypto } = await vault(t);
    const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'jwk' });
    const b = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');
    const imported = await keys.importKey('imported-signing', { kty: 'EC', crv: 'P-256', x: b(jwk.x), y: b(jwk.y), d: b(jwk.d), keyOps: ['sign', 'verify'] });
    assert.equal(imported.key?.d, undefined);
    const { jws } = await signJws(crypto(imported), 'ES256', imported.id ?? '', { imported: true });
    await compactVerify(jws, await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' }, 'ES256'));

    const rotated = await keys.rotateKey('imported-signing');
    assert.notEqual(rotated.properties.version, imported.properties.version);
    assert.deepEqual(rotated.keyOperations, ['sign', 'verify']);

    const backup = await keys.backupKey('imported-signing');
    assert.ok(backup);
    await (await keys.beginDeleteKey('imported-signing')).pollUntilDone();
    assert.equal((await rejection(keys.restoreKeyBackup(backup))).statusCode, 409);
    await keys.purgeDeletedKey('imported-signing');
    const restored = await keys.restoreKeyBackup(backup);
    assert.equal(restored.id, rotated.id);
    const versions: string[] = [];
    for await (const p of keys.listPropertiesOfKeyVersions('imported-signing')) versions.push(p.version ?? '');
    assert.deepEqual(versions, [imported.properties.version, rotated.properties.version]);
    assert.equal((await keys.getRandomBytes(16)).length, 16);
  });

  test('keys, private halves and deletions survive a restart when a state file is given', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kv-state-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const stateFile = join(dir, 'vault.json');
    const credential = new StaticCredential();
    const digest = createHash('sha256').update('persisted').digest();

    const first = await startKeyVault({ name: 'privacy-dev', stateFile });
    const firstKeys = new KeyClient(first.url, credential, clientOptions);
    const signing = await firstKeys.createEcKey('certificate-signing');
    await firstKeys.createRsaKey('tenant-kek');
    const wrapped = await new CryptographyClient(`${first.url}/keys/tenant-kek`, credential, clientOptions).wrapKey(
      'RSA-OAEP-256',
      Buffer.alloc(32, 7),
    );
    await firstKeys.createEcKey('retired');
    await (await firstKeys.beginDeleteKey('retired')).pollUntilDone();
    await first.close();
    assert.deepEqual(readdirSync(dir), ['vault.json']);

    const second = await startKeyVault({ name: 'privacy-dev', stateFile });
    t.after(() => second.close());
    const secondKeys = new KeyClient(second.url, credential, clientOptions);
    const reloaded = await secondKeys.getKey('certificate-signing');
    assert.equal(reloaded.properties.version, signing.properties.version);
    assert.deepEqual(reloaded.key?.x, signing.key?.x);

    const { result } = await new CryptographyClient(reloaded, credential, clientOptions).sign('ES256', digest);
    const { jws } = await signJws(new CryptographyClient(reloaded, credential, clientOptions), 'ES256', reloaded.id ?? '', { n: 1 });
    await compactVerify(jws, await importJWK(publicJwk(signing), 'ES256'));
    assert.equal(result.length, 64);
    const unwrapped = await new CryptographyClient(`${second.url}/keys/tenant-kek`, credential, clientOptions).unwrapKey(
      'RSA-OAEP-256',
      wrapped.result,
    );
    assert.deepEqual(Buffer.from(unwrapped.result), Buffer.alloc(32, 7));
    assert.equal((await secondKeys.getDeletedKey('retired')).name, 'retired');

    await assert.rejects(startKeyVault({ name: 'another-vault', stateFile }), /belongs to vault 'privacy-dev'/);
  });
});
