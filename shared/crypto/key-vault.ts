// One region's Key Vault: the tenant key-encryption keys (never leave the vault; they wrap and
// unwrap tenant data keys) and the signing key for deletion certificates (signs digests in the
// vault; the private key never leaves it).
import type { CryptographyClient, KeyClient, KeyVaultKey } from '@azure/keyvault-keys';
import { loadOnce } from '../azure/load-once.js';
import { azureStatusOf } from '../azure/rest-error.js';
import type { TokenCredential } from '@azure/core-auth';
import type { Clock } from '../clock.js';

const keyVaultSdk = loadOnce(() => import('@azure/keyvault-keys'));

/** Client options the composition root chooses (the local stand-in: plain HTTP, no challenge resource check). */
export interface KeyVaultClientOptions {
  disableChallengeResourceVerification?: boolean;
  allowInsecureConnection?: boolean;
}

/**
 * The SDK's own retries, kept short: a failing call reaches whoever retries it properly within about
 * 1.5 s instead of about 6 s (the SDK's defaults). An API request then answers 503 KEYS.UNAVAILABLE
 * with Retry-After, and a workflow's retry loop (workflows/kit) waits on a durable timer, sees every
 * failure and alerts ops; seconds spent sleeping inside an activity only hold its worker. A 429
 * still waits for the vault's Retry-After (the SDK's throttling strategy does not use these delays).
 */
const SDK_RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } as const;

export interface KeyDeletion {
  deletedOn: string;
  /** When Key Vault purges the deleted key by itself (end of soft-delete retention). */
  scheduledPurgeDate: string | undefined;
}

export class RegionalKeyVault {
  /** The key client, made on first use (loading the SDK then). */
  readonly #keys: () => Promise<KeyClient>;
  readonly #credential: TokenCredential;
  readonly #options: KeyVaultClientOptions;
  readonly #clock: Clock;
  readonly #crypto = new Map<string, CryptographyClient>();

  constructor(readonly vaultUrl: string, credential: TokenCredential, clock: Clock, options: KeyVaultClientOptions = {}) {
    this.#credential = credential;
    this.#clock = clock;
    this.#options = options;
    this.#keys = loadOnce(async () => new (await keyVaultSdk()).KeyClient(vaultUrl, credential, { ...this.#options, retryOptions: SDK_RETRY_OPTIONS }));
  }

  /** A key-encryption key (a tenant key, or the notices key), created on first use: RSA 3072, wrap and unwrap only. */
  async ensureWrappingKey(name: string, tags: Record<string, string>): Promise<string> {
    const existing = await this.#tryGet(name);
    if (existing?.id) return existing.id;
    const created = await (await this.#keys()).createRsaKey(name, { keySize: 3072, keyOps: ['wrapKey', 'unwrapKey'], tags });
    return created.id!;
  }

  async wrap(keyId: string, dataKey: Buffer): Promise<Buffer> {
    const result = await (await this.#cryptoClient(keyId)).wrapKey('RSA-OAEP-256', dataKey);
    return Buffer.from(result.result);
  }

  async unwrap(keyId: string, wrapped: Buffer): Promise<Buffer> {
    const result = await (await this.#cryptoClient(keyId)).unwrapKey('RSA-OAEP-256', wrapped);
    return Buffer.from(result.result);
  }

  /** An EC P-256 signing key, created on first use; returns its id (with version). */
  async ensureSigningKey(name: string): Promise<KeyVaultKey> {
    const existing = await this.#tryGet(name);
    if (existing) return existing;
    return (await this.#keys()).createEcKey(name, { curve: 'P-256', keyOps: ['sign', 'verify'] });
  }

  /** Every enabled version of a key, newest first (for the public JWKS across rotations). */
  async keyVersions(name: string): Promise<KeyVaultKey[]> {
    const versions: KeyVaultKey[] = [];
    try {
      for await (const properties of (await this.#keys()).listPropertiesOfKeyVersions(name)) {
        if (properties.enabled === false || !properties.version) continue;
        versions.push(await (await this.#keys()).getKey(name, { version: properties.version }));
      }
    } catch (error) {
      if (azureStatusOf(error) === 404) return [];
      throw error;
    }
    return versions.sort((a, b) => (b.properties.createdOn?.getTime() ?? 0) - (a.properties.createdOn?.getTime() ?? 0));
  }

  /** Signs a SHA-256 digest with ES256 inside the vault: raw r||s, 64 bytes. */
  async signDigest(keyId: string, digest: Buffer): Promise<Buffer> {
    const result = await (await this.#cryptoClient(keyId)).sign('ES256', digest);
    return Buffer.from(result.result);
  }

  /** Disables then deletes a key (soft delete). Returns when the deletion is recorded. */
  async deleteKey(name: string): Promise<KeyDeletion | undefined> {
    const existing = await this.#tryGet(name);
    if (existing) await (await this.#keys()).updateKeyProperties(name, { enabled: false });
    let deleted;
    try {
      const poller = await (await this.#keys()).beginDeleteKey(name);
      deleted = await poller.pollUntilDone();
    } catch (error) {
      if (azureStatusOf(error) !== 404) throw error;
      deleted = await (await this.#keys()).getDeletedKey(name).catch((e: unknown) => {
        if (azureStatusOf(e) === 404) return undefined;
        throw e;
      });
      if (!deleted) return undefined;
    }
    return {
      deletedOn: (deleted.properties.deletedOn ?? this.#clock.now()).toISOString(),
      scheduledPurgeDate: deleted.properties.scheduledPurgeDate?.toISOString(),
    };
  }

  /** Purges a deleted key. Returns false when the vault refuses (purge protection keeps it until retention ends). */
  async purgeDeletedKey(name: string): Promise<'purged' | 'refused' | 'absent'> {
    try {
      await (await this.#keys()).purgeDeletedKey(name);
      return 'purged';
    } catch (error) {
      if (azureStatusOf(error) === 403) return 'refused';
      if (azureStatusOf(error) === 404) return 'absent';
      throw error;
    }
  }

  async isKeyGone(name: string): Promise<boolean> {
    const live = await this.#tryGet(name);
    if (live) return false;
    try {
      await (await this.#keys()).getDeletedKey(name);
      return false;
    } catch (error) {
      if (azureStatusOf(error) === 404) return true;
      throw error;
    }
  }

  async #tryGet(name: string): Promise<KeyVaultKey | undefined> {
    try {
      return await (await this.#keys()).getKey(name);
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async #cryptoClient(keyId: string): Promise<CryptographyClient> {
    let client = this.#crypto.get(keyId);
    if (!client) {
      client = new (await keyVaultSdk()).CryptographyClient(keyId, this.#credential, { ...this.#options, retryOptions: SDK_RETRY_OPTIONS });
      this.#crypto.set(keyId, client);
    }
    return client;
  }
}
