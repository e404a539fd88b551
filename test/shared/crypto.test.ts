// Field encryption is bound to its context, and tenant ids pin the region.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openValue, sealValue, unwrapLocal, wrapLocal } from '../../shared/crypto/field-cipher.js';
import { newTenantId, parseTenantId, siblingTenantIds } from '../../shared/tenancy/tenant-id.js';

test('a sealed value opens only with the same key and the same context', () => {
  const key = randomBytes(32);
  const sealed = sealValue(key, 'subject:u-1', { name: 'Ada' }, 'user:u-1|profile');
  assert.deepEqual(openValue(key, sealed, 'user:u-1|profile'), { name: 'Ada' });
  assert.throws(() => openValue(key, sealed, 'user:u-2|profile'), 'moved to another record');
  assert.throws(() => openValue(randomBytes(32), sealed, 'user:u-1|profile'), 'another key');
  assert.throws(() => openValue(key, { ...sealed, k: 'tenant' }, 'user:u-1|profile'), 'relabelled key');
  assert.ok(!JSON.stringify(sealed).includes('Ada'));
});

test('a wrapped key unwraps only under its wrapping key and context', () => {
  const wrapping = randomBytes(32);
  const key = randomBytes(32);
  const wrapped = wrapLocal(wrapping, key, 't|u-1');
  assert.deepEqual(unwrapLocal(wrapping, wrapped, 't|u-1'), key);
  assert.throws(() => unwrapLocal(wrapping, wrapped, 't|u-2'));
});

test('tenant ids carry their region; idempotent seeds give the same id; siblings differ only by region', () => {
  const uk = newTenantId('uksouth');
  assert.equal(parseTenantId(uk)?.region, 'uksouth');
  assert.equal(parseTenantId(newTenantId('eu'))?.region, 'eu');
  assert.equal(newTenantId('eu', 'seed'), newTenantId('eu', 'seed'));
  assert.notEqual(newTenantId('eu', 'seed'), newTenantId('eu', 'other'));
  assert.deepEqual(siblingTenantIds(newTenantId('eu', 'seed')), [newTenantId('uksouth', 'seed')]);
  for (const bad of ['t-us-aaaaaaaaaaaaaaaaaaaa', 't-uks-short', '../t-uks-aaaaaaaaaaaaaaaaaaaa', 't-uks-AAAAAAAAAAAAAAAAAAAA'])
    assert.equal(parseTenantId(bad), undefined, bad);
});
