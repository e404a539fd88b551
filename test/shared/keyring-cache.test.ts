// Unwrapped keys are cached so that Key Vault is not asked on every request, but never used past
// the configured bound (KEY_CACHE_SECONDS), and erasure and termination evict them at once. The
// vault and the partition are minimal in-memory doubles: what is under test is the cache's logic
// (when the vault and the stored key documents are consulted), with a clock the test drives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { wrapLocal } from '../../shared/crypto/field-cipher.js';
import { Keyring, subjectKeyDocId, TENANT_KEY_DOC_ID } from '../../shared/crypto/keyring.js';
import type { RegionalKeyVault } from '../../shared/crypto/key-vault.js';
import type { TenantPartition } from '../../shared/store/tenant-partition.js';
import type { Region } from '../../shared/config.js';

const TENANT = 't-uks-abcdefghijklmnopqrst';
const MAX_AGE_MS = 60_000;

/** A vault whose unwrap returns the current tenant data key (or fails once the key is destroyed), counting calls. */
function setUp(): {
  keyring: Keyring;
  partition: TenantPartition;
  vault: { unwraps: number; destroyed: boolean; dataKey: Buffer };
  docs: Map<string, unknown>;
  clock: { ms: number };
  } {
  const clock = { ms: 1_000 };
  const vault = { unwraps: 0, destroyed: false, dataKey: randomBytes(32) };
  const regional = {
    unwrap: async (): Promise<Buffer> => {
      vault.unwraps++;
      if (vault.destroyed) throw new Error('key is deleted');
      return Buffer.from(vault.dataKey);
    },
  } as unknown as RegionalKeyVault;
  const docs = new Map<string, unknown>([[TENANT_KEY_DOC_ID, { id: TENANT_KEY_DOC_ID, tenantId: TENANT, type: 'tenantKey', kekId: 'kek', wrapped: 'AA==' }]]);
  const partition = {
    tenantId: TENANT,
    ref: { tenantId: TENANT, region: 'uksouth' },
    read: async (id: string) => docs.get(id),
  } as unknown as TenantPartition;
  const keyring = new Keyring({ uksouth: regional, eu: regional } as Record<Region, RegionalKeyVault>, { maxAgeMs: MAX_AGE_MS, now: () => clock.ms });
  return { keyring, partition, vault, docs, clock };
}

function storeSubjectKey(docs: Map<string, unknown>, tenantDataKey: Buffer, subjectId: string): Buffer {
  const key = randomBytes(32);
  const wrapped = wrapLocal(tenantDataKey, key, `${TENANT}|${subjectId}`);
  docs.set(subjectKeyDocId(subjectId), { id: subjectKeyDocId(subjectId), tenantId: TENANT, type: 'subjectKey', subjectId, wrapped });
  return key;
}

test('a warm tenant key costs no Key Vault operation, and is unwrapped again once its bound has passed, never used past it', async () => {
  const { keyring, partition, vault, clock } = setUp();
  const first = await keyring.tenantKey(partition);
  assert.equal(vault.unwraps, 1);
  for (let i = 0; i < 100; i++) await keyring.tenantKey(partition);
  clock.ms += MAX_AGE_MS - 1;
  await keyring.tenantKey(partition);
  assert.equal(vault.unwraps, 1, 'within the bound the cached key serves every request');

  // The vault key is rotated under the same wrapped document (what the vault now returns differs):
  // at the bound, the cached copy must not be served again.
  vault.dataKey = randomBytes(32);
  clock.ms += 1;
  const after = await keyring.tenantKey(partition);
  assert.equal(vault.unwraps, 2, 'at the bound the key is unwrapped again');
  assert.notDeepEqual(after, first, 'the expired copy was not used');
});

test('a subject key stays cached only until its bound, so another instance stops reading an erased subject by then', async () => {
  const { keyring, partition, vault, docs, clock } = setUp();
  const subjectKey = storeSubjectKey(docs, vault.dataKey, 'u-1');
  assert.deepEqual(await keyring.subjectKey(partition, 'u-1'), subjectKey);
  // Erasure on another instance deletes the key document; this instance was not told.
  docs.delete(subjectKeyDocId('u-1'));
  clock.ms += MAX_AGE_MS - 1;
  assert.deepEqual(await keyring.subjectKey(partition, 'u-1'), subjectKey, 'until the bound this instance may still hold it');
  clock.ms += 1;
  assert.equal(await keyring.subjectKey(partition, 'u-1'), undefined, 'past the bound the key is gone here too');
});

test('erasure evicts the subject key at once on the instance that performed it', async () => {
  const { keyring, partition, vault, docs } = setUp();
  storeSubjectKey(docs, vault.dataKey, 'u-1');
  const other = storeSubjectKey(docs, vault.dataKey, 'u-2');
  await keyring.subjectKey(partition, 'u-1');
  await keyring.subjectKey(partition, 'u-2');
  docs.delete(subjectKeyDocId('u-1'));
  keyring.forgetSubject(TENANT, 'u-1');
  assert.equal(await keyring.subjectKey(partition, 'u-1'), undefined);
  assert.deepEqual(await keyring.subjectKey(partition, 'u-2'), other, 'other subjects keep their cached keys');
});

test('termination evicts every key of the tenant at once: nothing is served from memory after the vault key is destroyed', async () => {
  const { keyring, partition, vault, docs } = setUp();
  storeSubjectKey(docs, vault.dataKey, 'u-1');
  await keyring.tenantKey(partition);
  await keyring.subjectKey(partition, 'u-1');
  vault.destroyed = true;
  keyring.forgetTenant(TENANT);
  await assert.rejects(keyring.tenantKey(partition), /deleted/);
  await assert.rejects(keyring.subjectKey(partition, 'u-1'), /deleted/, 'the subject key needs the destroyed tenant key to unwrap');
});

test('a bound of zero caches nothing: one unwrap per use', async () => {
  const { partition, vault } = setUp();
  const regional = { unwrap: async () => (vault.unwraps++, Buffer.from(vault.dataKey)) } as unknown as RegionalKeyVault;
  const keyring = new Keyring({ uksouth: regional, eu: regional } as Record<Region, RegionalKeyVault>, { maxAgeMs: 0 });
  await keyring.tenantKey(partition);
  await keyring.tenantKey(partition);
  assert.equal(vault.unwraps, 2);
});
