// Blob storage per region, for exports and access packages: streamed uploads with bounded buffers,
// read-only expiring download links, and deletion of everything a tenant left there; and the
// write-once copies of signed evidence (deletion certificates, audit anchors).
// A blob name always starts with its tenant's id, and the tenant's region must be the region
// written to, so a copy of a tenant's data can only ever land in the tenant's own region.
import type { Readable } from 'node:stream';
import type { TokenCredential } from '@azure/core-auth';
import type { BlobSASSignatureValues, BlobServiceClient, ContainerClient, StorageSharedKeyCredential, UserDelegationKey } from '@azure/storage-blob';
import { loadOnce } from '../azure/load-once.js';
import { azureStatusOf } from '../azure/rest-error.js';
import type { Clock } from '../clock.js';
import { REGIONS, type Region, type RegionSettings } from '../config.js';
import { parseTenantId } from '../tenancy/tenant-id.js';

/** The containers Bicep provisions, with a lifecycle rule deleting a blob once it is more than 7 days old (in practice on day 8 or 9). */
export const EXPORT_CONTAINERS = ['exports', 'packages'] as const;
export type ExportContainer = (typeof EXPORT_CONTAINERS)[number];

/** Write-once copies of signed records; infra/ gives the container a five-year WORM retention policy. */
export const EVIDENCE_CONTAINER = 'evidence';
/** The erasure ledger (shared/erasure/ledger.ts): outside the Cosmos data a point-in-time restore brings back. */
export const ERASURE_LEDGER_CONTAINER = 'erasure-ledger';
type ContainerName = ExportContainer | typeof EVIDENCE_CONTAINER | typeof ERASURE_LEDGER_CONTAINER;

/** The settings this adapter reads (a `Config` is one). */
export interface BlobStorageSettings {
  regions: Record<Region, Pick<RegionSettings, 'blob'>>;
}

export interface BlobStorageOptions {
  /** Block size of streamed uploads; with `uploadConcurrency` it bounds the memory one upload holds. */
  blockBytes?: number;
  uploadConcurrency?: number;
  /** Links that also work over plain HTTP (a local stand-in); in Azure links are HTTPS only. */
  allowHttpLinks?: boolean;
  /** Create the containers on first use (a stand-in starts empty); in Azure infra/ provisions them with their lifecycle rule. */
  createMissingContainers?: boolean;
}

export interface UploadOptions {
  /** Suggested file name for browsers (`Content-Disposition: attachment`). */
  downloadName?: string;
}

/** Clock skew allowance for the start of a SAS, as Microsoft recommends (up to 15 minutes). */
const SAS_START_SKEW_MS = 5 * 60_000;
/** A user delegation key is valid for at most 7 days from when it is requested. */
const MAX_DELEGATION_MS = 7 * 24 * 3600_000;

const blobSdk = loadOnce(() => import('@azure/storage-blob'));

interface RegionClient {
  service: BlobServiceClient;
  accountName: string;
  /** Present only locally; in Azure shared-key access is disabled and links are user-delegation SAS. */
  sharedKey?: StorageSharedKeyCredential;
}

export class RegionalBlobStorage {
  /** One service client per region, made on first use (loading the SDK then). */
  readonly #regions: () => Promise<Record<Region, RegionClient>>;
  readonly #containers = new Map<string, Promise<ContainerClient>>();
  readonly #delegationKeys = new Map<Region, Promise<UserDelegationKey>>();
  readonly #blockBytes: number;
  readonly #concurrency: number;
  readonly #options: BlobStorageOptions;

  constructor(
    config: BlobStorageSettings,
    credential: TokenCredential,
    private readonly clock: Clock,
    options: BlobStorageOptions = {},
  ) {
    this.#options = options;
    this.#blockBytes = options.blockBytes ?? 4 * 1024 * 1024;
    this.#concurrency = options.uploadConcurrency ?? 4;
    const client = ({ BlobServiceClient, StorageSharedKeyCredential }: typeof import('@azure/storage-blob'), region: Region): RegionClient => {
      const { url, accountKey } = config.regions[region].blob;
      const accountName = accountNameOf(url);
      if (accountKey) {
        const sharedKey = new StorageSharedKeyCredential(accountName, accountKey);
        return { service: new BlobServiceClient(url, sharedKey), accountName, sharedKey };
      }
      return { service: new BlobServiceClient(url, credential), accountName };
    };
    this.#regions = loadOnce(async () => {
      const sdk = await blobSdk();
      return Object.fromEntries(REGIONS.map((r) => [r, client(sdk, r)])) as Record<Region, RegionClient>;
    });
  }

  /**
   * Uploads `readable` as a block blob, staging blocks as they fill: at most `uploadConcurrency`
   * blocks of `blockBytes` are held, however large the blob. The blob appears only when the stream
   * ends; if the stream fails, nothing is committed (a half-written export never looks complete).
   */
  async uploadStream(
    region: Region,
    container: ExportContainer,
    blobName: string,
    readable: Readable,
    contentType: string,
    options: UploadOptions = {},
  ): Promise<void> {
    assertTenantBlob(region, blobName);
    const client = (await this.#container(region, container)).getBlockBlobClient(blobName);
    await client.uploadStream(readable, this.#blockBytes, this.#concurrency, {
      blobHTTPHeaders: {
        blobContentType: contentType,
        ...(options.downloadName ? { blobContentDisposition: attachment(options.downloadName) } : {}),
      },
    });
  }

  /**
   * A read-only link to one blob that stops working at `expiresOn` (HTTPS only in Azure). Locally
   * it is signed with the account key; in Azure with a user delegation key obtained with the app's
   * identity, so no account key exists to leak and the links can be revoked by revoking the keys.
   */
  async downloadLink(region: Region, container: ExportContainer, blobName: string, expiresOn: Date): Promise<string> {
    assertTenantBlob(region, blobName);
    const { service, accountName, sharedKey } = (await this.#regions())[region];
    const { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol } = await blobSdk();
    const now = this.clock.now();
    const values: BlobSASSignatureValues = {
      containerName: container,
      blobName,
      permissions: BlobSASPermissions.parse('r'),
      startsOn: new Date(now.getTime() - SAS_START_SKEW_MS),
      expiresOn,
      protocol: this.#options.allowHttpLinks ? SASProtocol.HttpsAndHttp : SASProtocol.Https,
    };
    const query = sharedKey
      ? generateBlobSASQueryParameters(values, sharedKey)
      : generateBlobSASQueryParameters(values, await this.#delegationKey(region, now, expiresOn), accountName);
    return `${service.getContainerClient(container).getBlockBlobClient(blobName).url}?${query.toString()}`;
  }

  /** Deletes every blob whose name starts with `prefix` (which must be `<tenantId>/...`); returns how many. */
  async deletePrefix(region: Region, container: ExportContainer, prefix: string): Promise<number> {
    assertTenantBlob(region, prefix);
    if (!prefix.includes('/')) throw new Error(`a deletion prefix must end a path segment: ${prefix}`);
    const client = (await this.#regions())[region].service.getContainerClient(container);
    let deleted = 0;
    try {
      for await (const page of client.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1000 })) {
        const names = page.segment.blobItems.map((item) => item.name);
        for (let i = 0; i < names.length; i += 16) {
          const results = await Promise.all(
            names.slice(i, i + 16).map((name) => client.getBlobClient(name).deleteIfExists({ deleteSnapshots: 'include' })),
          );
          deleted += results.filter((r) => r.succeeded).length;
        }
      }
    } catch (error) {
      // A container that does not exist (never used locally) holds nothing to delete.
      if (azureStatusOf(error) === 404) return deleted;
      throw error;
    }
    return deleted;
  }

  /**
   * Deletes every blob of `container` created at or before `cutoff` (the retention sweep; in Azure
   * the lifecycle rule does the same a day or two later); returns how many.
   */
  async deleteCreatedBefore(region: Region, container: ExportContainer, cutoff: Date): Promise<number> {
    const client = (await this.#regions())[region].service.getContainerClient(container);
    let deleted = 0;
    try {
      for await (const blob of client.listBlobsFlat()) {
        const created = blob.properties.createdOn ?? blob.properties.lastModified;
        if (created.getTime() > cutoff.getTime()) continue;
        if ((await client.getBlobClient(blob.name).deleteIfExists({ deleteSnapshots: 'include' })).succeeded) deleted++;
      }
    } catch (error) {
      if (azureStatusOf(error) === 404) return deleted;
      throw error;
    }
    return deleted;
  }

  /** How many blobs of a container start with `prefix` (`<tenantId>/...`): what a certificate says remains. */
  async countPrefix(region: Region, container: ContainerName, prefix: string): Promise<number> {
    assertTenantBlob(region, prefix);
    let count = 0;
    try {
      for await (const _blob of (await this.#regions())[region].service.getContainerClient(container).listBlobsFlat({ prefix })) count++;
    } catch (error) {
      if (azureStatusOf(error) === 404) return count;
      throw error;
    }
    return count;
  }

  /** The whole content of a small blob (a manifest), or undefined when there is none. */
  async readSmall(region: Region, container: ExportContainer, blobName: string): Promise<Buffer | undefined> {
    assertTenantBlob(region, blobName);
    try {
      return await (await this.#regions())[region].service.getContainerClient(container).getBlobClient(blobName).downloadToBuffer();
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /**
   * Keeps a copy of a signed record (`<tenantId>/...`) in the region's evidence container, once: an
   * existing copy is never replaced (in Azure the WORM policy would refuse it anyway), so running
   * this again after a crash is harmless.
   */
  async keepEvidence(region: Region, blobName: string, content: string, contentType: string): Promise<void> {
    assertTenantBlob(region, blobName);
    const client = (await this.#container(region, EVIDENCE_CONTAINER)).getBlockBlobClient(blobName);
    try {
      await client.upload(content, Buffer.byteLength(content), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: contentType },
      });
    } catch (error) {
      const status = azureStatusOf(error);
      if (status === 409 || status === 412) return; // kept already
      throw error;
    }
  }

  /** A kept copy, or undefined when there is none. */
  async readEvidence(region: Region, blobName: string): Promise<string | undefined> {
    assertTenantBlob(region, blobName);
    try {
      return (
        await (await this.#regions())[region].service.getContainerClient(EVIDENCE_CONTAINER).getBlobClient(blobName).downloadToBuffer()
      ).toString('utf8');
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Whether a blob exists (for tests and idempotent activities). */
  async exists(region: Region, container: ExportContainer, blobName: string): Promise<boolean> {
    assertTenantBlob(region, blobName);
    return (await this.#regions())[region].service.getContainerClient(container).getBlobClient(blobName).exists();
  }

  /** The region's erasure ledger container; shared/erasure/ledger.ts owns what is in it. */
  erasureLedger(region: Region): Promise<ContainerClient> {
    return this.#container(region, ERASURE_LEDGER_CONTAINER);
  }

  #container(region: Region, name: ContainerName): Promise<ContainerClient> {
    const cacheKey = `${region}/${name}`;
    let container = this.#containers.get(cacheKey);
    if (!container) {
      container = this.#openContainer(region, name);
      container.catch(() => this.#containers.delete(cacheKey));
      this.#containers.set(cacheKey, container);
    }
    return container;
  }

  async #openContainer(region: Region, name: ContainerName): Promise<ContainerClient> {
    const client = (await this.#regions())[region].service.getContainerClient(name);
    if (this.#options.createMissingContainers) await client.createIfNotExists();
    return client;
  }

  /** One user delegation key per region, reused while it covers the requested link's lifetime. */
  async #delegationKey(region: Region, now: Date, expiresOn: Date): Promise<UserDelegationKey> {
    // Clients first: from here to caching a request nothing awaits, so concurrent links share one key request.
    const { service } = (await this.#regions())[region];
    const cached = this.#delegationKeys.get(region);
    if (cached) {
      const key = await cached.catch(() => undefined);
      if (key && key.signedStartsOn.getTime() <= now.getTime() - SAS_START_SKEW_MS && key.signedExpiresOn.getTime() >= expiresOn.getTime())
        return key;
    }
    const startsOn = new Date(now.getTime() - SAS_START_SKEW_MS);
    const keyExpiresOn = new Date(now.getTime() + MAX_DELEGATION_MS - SAS_START_SKEW_MS);
    if (expiresOn.getTime() > keyExpiresOn.getTime())
      throw new Error('a download link can be valid for at most 7 days (the limit of a user delegation key)');
    const fresh = service.getUserDelegationKey(startsOn, keyExpiresOn).then((response) => response as UserDelegationKey);
    this.#delegationKeys.set(region, fresh);
    fresh.catch(() => this.#delegationKeys.delete(region));
    return fresh;
  }
}

/** The storage account name from its blob endpoint: path-style locally (`http://host:port/account`), host-style in Azure. */
export function accountNameOf(blobUrl: string): string {
  const url = new URL(blobUrl);
  const firstSegment = url.pathname.split('/').find((s) => s !== '');
  if (firstSegment) return firstSegment;
  const label = url.hostname.split('.')[0];
  if (!label) throw new Error(`cannot tell the storage account of ${blobUrl}`);
  return label;
}

/** Refuses (as a bug) a blob name that does not start with a tenant id of `region`. */
export function assertTenantBlob(region: Region, blobName: string): void {
  const tenant = parseTenantId(blobName.split('/')[0] ?? '');
  if (!tenant) throw new Error(`blob names start with the tenant id: ${blobName}`);
  if (tenant.region !== region) throw new Error(`tenant ${tenant.tenantId} lives in ${tenant.region}; refusing to use ${region} storage for it`);
}

function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
