// Envelope encryption for personal data. Each tenant has a key-encryption key in its region's Key
// Vault (never leaves the vault), which wraps the tenant's data key. Each data subject has a key
// of their own, wrapped by the tenant's data key and stored beside the data. So:
//  - destroying the tenant's vault key makes every copy of the tenant's data unreadable, backups
//    included (crypto-shredding at termination);
//  - destroying a subject's key makes that person's data unreadable everywhere, including in the
//    immutable audit log (erasure), while the log's hash chain still verifies.
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Region } from '../config.js';
import type { BatchOp, StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { isEncryptedValue, openValue, sealValue, unwrapLocal, wrapLocal, type EncryptedValue } from './field-cipher.js';
import type { RegionalKeyVault } from './key-vault.js';
import { azureStatusOf } from '../azure/rest-error.js';
import { ServiceUnavailableError } from '../errors.js';

export const TENANT_KEY_DOC_ID = 'key:tenant';
export const subjectKeyDocId = (subjectId: string): string => `key:subject:${subjectId}`;
export const tenantKeyName = (tenantId: string): string => `tenant-${tenantId}`;

interface TenantKeyDoc extends StoredDoc {
  type: 'tenantKey';
  kekId: string;
  wrapped: string;
  createdAt: string;
}

interface SubjectKeyDoc extends StoredDoc {
  type: 'subjectKey';
  subjectId: string;
  wrapped: string;
  createdAt: string;
}

/** The data a value belonged to can no longer be read: its subject's key was destroyed (erasure). */
export const ERASED = Symbol('erased');

export type KeyOwner = { kind: 'tenant' } | { kind: 'subject'; subjectId: string };

/**
 * How long unwrapped keys stay in this instance's memory. The tenant data key costs a Key Vault
 * unwrap to obtain, so caching it is what keeps Key Vault operations per request near zero once
 * warm; the bound is how long a key can outlive, on another instance, the erasure or termination
 * that destroyed it (the instance that performs it evicts at once: `forgetSubject`, `forgetTenant`).
 */
export interface KeyCachePolicy {
  /** An unwrapped key is used for at most this long after it was unwrapped (KEY_CACHE_SECONDS). */
  maxAgeMs: number;
  /** At most this many unwrapped keys in memory (an export of 100k people must not keep them all). */
  maxEntries?: number;
  /** Monotonic milliseconds; `performance.now()` unless a test drives it. */
  now?: () => number;
}

export const DEFAULT_KEY_CACHE_MS = 5 * 60_000;
const DEFAULT_CACHE_ENTRIES = 10_000;

export class Keyring {
  readonly #cache = new Map<string, { key: Buffer; until: number }>();
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(
    private readonly vaults: Record<Region, RegionalKeyVault>,
    policy: KeyCachePolicy = { maxAgeMs: DEFAULT_KEY_CACHE_MS },
  ) {
    this.#maxAgeMs = policy.maxAgeMs;
    this.#maxEntries = policy.maxEntries ?? DEFAULT_CACHE_ENTRIES;
    this.#now = policy.now ?? (() => performance.now());
  }

  /**
   * Creates the tenant's vault key and a wrapped data key; returns the document to store with the
   * tenant. Nothing is cached here: concurrent provisioning requests each make a data key, only the
   * one whose batch commits is the tenant's, and every reader unwraps the stored document.
   */
  async prepareTenantKey(partition: TenantPartition, now: Date): Promise<{ doc: TenantKeyDoc; dataKey: Buffer }> {
    const vault = this.vaults[partition.ref.region];
    let kekId: string;
    let wrapped: Buffer;
    const dataKey = randomBytes(32);
    try {
      kekId = await vault.ensureWrappingKey(tenantKeyName(partition.tenantId), { tenantId: partition.tenantId });
      wrapped = await vault.wrap(kekId, dataKey);
    } catch (error) {
      throw vaultBusyOrDown(error);
    }
    return {
      doc: {
        id: TENANT_KEY_DOC_ID,
        tenantId: partition.tenantId,
        type: 'tenantKey',
        kekId,
        wrapped: wrapped.toString('base64'),
        createdAt: now.toISOString(),
      },
      dataKey,
    };
  }

  /** Remembers a tenant data key whose document has been committed (never before). */
  rememberCommittedTenantKey(tenantId: string, dataKey: Buffer): void {
    this.#remember(`${tenantId}|tenant`, dataKey);
  }

  async #tenantDataKey(partition: TenantPartition): Promise<Buffer> {
    const cacheKey = `${partition.tenantId}|tenant`;
    const cached = this.#recall(cacheKey);
    if (cached) return cached;
    const doc = await partition.read<TenantKeyDoc>(TENANT_KEY_DOC_ID);
    if (!doc) throw new Error(`tenant ${partition.tenantId} has no data key`);
    const key = await this.vaults[partition.ref.region].unwrap(doc.kekId, Buffer.from(doc.wrapped, 'base64'));
    this.#remember(cacheKey, key);
    return key;
  }

  /**
   * A cipher for one unit of work. Subject keys it has to create are returned as batch operations,
   * so a new key is stored in the same transaction as the first data encrypted with it.
   */
  cipherFor(partition: TenantPartition, now: Date): TenantCipher {
    return new TenantCipher(this, partition, now);
  }

  async subjectKey(partition: TenantPartition, subjectId: string): Promise<Buffer | undefined> {
    const cacheKey = `${partition.tenantId}|subject|${subjectId}`;
    const cached = this.#recall(cacheKey);
    if (cached) return cached;
    const doc = await partition.read<SubjectKeyDoc>(subjectKeyDocId(subjectId));
    if (!doc) return undefined;
    const key = unwrapLocal(await this.#tenantDataKey(partition), doc.wrapped, `${partition.tenantId}|${subjectId}`);
    this.#remember(cacheKey, key);
    return key;
  }

  async newSubjectKey(partition: TenantPartition, subjectId: string, now: Date): Promise<{ key: Buffer; op: BatchOp }> {
    const key = randomBytes(32);
    const wrapped = wrapLocal(await this.#tenantDataKey(partition), key, `${partition.tenantId}|${subjectId}`);
    const doc: SubjectKeyDoc = {
      id: subjectKeyDocId(subjectId),
      tenantId: partition.tenantId,
      type: 'subjectKey',
      subjectId,
      wrapped,
      createdAt: now.toISOString(),
    };
    return { key, op: { kind: 'create', doc } };
  }

  async tenantKey(partition: TenantPartition): Promise<Buffer> {
    return this.#tenantDataKey(partition);
  }

  /** The batch operation that destroys a subject's key; call `forgetSubject` once it committed. */
  destroySubjectKeyOp(subjectId: string): BatchOp {
    return { kind: 'delete', id: subjectKeyDocId(subjectId) };
  }

  forgetSubject(tenantId: string, subjectId: string): void {
    this.#cache.delete(`${tenantId}|subject|${subjectId}`);
  }

  forgetTenant(tenantId: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${tenantId}|`)) this.#cache.delete(key);
  }

  /** A keyed hash for equality lookups (e.g. email) without storing the value; useless once the tenant key is gone. */
  async blindIndex(partition: TenantPartition, purpose: string, value: string): Promise<string> {
    const indexKey = Buffer.from(hkdfSync('sha256', await this.#tenantDataKey(partition), Buffer.alloc(0), `blind-index:${purpose}`, 32));
    return createHmac('sha256', indexKey).update(value).digest('base64url');
  }

  #recall(cacheKey: string): Buffer | undefined {
    const hit = this.#cache.get(cacheKey);
    if (!hit) return undefined;
    if (hit.until <= this.#now()) {
      this.#cache.delete(cacheKey);
      return undefined;
    }
    return hit.key;
  }

  #remember(cacheKey: string, key: Buffer): void {
    this.#cache.delete(cacheKey);
    if (this.#maxAgeMs <= 0) return;
    this.#cache.set(cacheKey, { key, until: this.#now() + this.#maxAgeMs });
    // Maps keep insertion order: the first entries are the oldest.
    while (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
  }
}

export class TenantCipher {
  readonly pendingOps: BatchOp[] = [];
  readonly #created = new Map<string, Buffer>();
  /** A tenant data key being provisioned in this unit of work: used here only, stored by its commit. */
  #pendingTenantKey: Buffer | undefined;

  constructor(
    private readonly keyring: Keyring,
    private readonly partition: TenantPartition,
    private readonly now: Date,
  ) {}

  /** Seals with a tenant data key that this unit of work is provisioning (its document commits with the work). */
  usePendingTenantKey(dataKey: Buffer): void {
    this.#pendingTenantKey = dataKey;
  }

  #tenantKey(): Promise<Buffer> {
    return this.#pendingTenantKey ? Promise.resolve(this.#pendingTenantKey) : this.keyring.tenantKey(this.partition);
  }

  /** Encrypts `value` under the owner's key, bound to `aad` (e.g. `user:u-1|profile`). */
  async seal(owner: KeyOwner, value: unknown, aad: string): Promise<EncryptedValue> {
    if (owner.kind === 'tenant') return sealValue(await this.#tenantKey(), 'tenant', value, aad);
    let key = this.#created.get(owner.subjectId) ?? (await this.keyring.subjectKey(this.partition, owner.subjectId));
    if (!key) {
      const created = await this.keyring.newSubjectKey(this.partition, owner.subjectId, this.now);
      key = created.key;
      this.#created.set(owner.subjectId, key);
      this.pendingOps.push(created.op);
    }
    return sealValue(key, `subject:${owner.subjectId}`, value, aad);
  }

  blindIndex(purpose: string, value: string): Promise<string> {
    return this.keyring.blindIndex(this.partition, purpose, value);
  }

  /** Decrypts; ERASED when the subject's key has been destroyed. */
  async open(value: EncryptedValue, aad: string): Promise<unknown> {
    if (!isEncryptedValue(value)) throw new Error('not an encrypted value');
    if (value.k === 'tenant') return openValue(await this.#tenantKey(), value, aad);
    const subjectId = value.k.slice('subject:'.length);
    const key = this.#created.get(subjectId) ?? (await this.keyring.subjectKey(this.partition, subjectId));
    if (!key) return ERASED;
    return openValue(key, value, aad);
  }
}

/**
 * A vault still throttling (429) or unavailable (503) once the SDK's own retries are spent is our
 * dependency's condition, answered 503 so the caller retries; nothing was stored yet. (Key Vault
 * allows few RSA key creations per vault per 10 s, so provisioning many tenants at once meets it.)
 */
function vaultBusyOrDown(error: unknown): unknown {
  const status = azureStatusOf(error);
  if (status === 429 || status === 503) return new ServiceUnavailableError('KEYS.UNAVAILABLE', 'The key vault is busy or unavailable; retry shortly.');
  return error;
}
