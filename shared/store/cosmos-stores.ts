// Cosmos DB access: one account per region, each reached only with its own region's client.
// Tenant data lives in `tenant-data` (partition key ['/tenantId', '/pk'], a tenant and a bucket) so a
// mutation, its audit entry and its idempotency record commit in one transactional batch; deletion certificates live in
// `certificates`, which tenant deletion never touches; vendor-level records (the breach register)
// live in `control` in the vendor's home region, UK South.
import type { CosmosClient, Container, Database, PartitionKeyDefinition, PartitionKeyKind } from '@azure/cosmos';
import { loadOnce } from '../azure/load-once.js';
import type { TokenCredential } from '@azure/core-auth';
import { REGIONS, type Config, type Region } from '../config.js';
import { storeFailure } from './store-failure.js';

export const CONTAINERS = {
  tenantData: 'tenant-data',
  certificates: 'certificates',
  control: 'control',
} as const;
export type ContainerName = (typeof CONTAINERS)[keyof typeof CONTAINERS];

/** The control plane is in the vendor's home region; it holds no tenant personal data. */
export const CONTROL_REGION: Region = 'uksouth';

export interface CosmosStoresOptions {
  /**
   * Create the database and containers on first use (stand-ins start empty). In Azure they are
   * provisioned by infra/ and the app's identity has data-plane rights only.
   */
  createMissingContainers?: boolean;
}

export class CosmosStores {
  /** One client per region, made on first use (loading the SDK then). */
  readonly #clients: () => Promise<Record<Region, CosmosClient>>;
  #made: Record<Region, CosmosClient> | undefined;
  readonly #containers = new Map<string, Promise<Container>>();
  readonly #databases = new Map<Region, Promise<Database>>();

  constructor(
    private readonly config: Pick<Config, 'regions' | 'cosmosDatabase'>,
    credential: TokenCredential,
    private readonly options: CosmosStoresOptions = {},
  ) {
    const client = (Client: typeof import('@azure/cosmos').CosmosClient, region: Region): CosmosClient => {
      const { endpoint, key } = config.regions[region].cosmos;
      return new Client({
        endpoint,
        ...(key ? { key } : { aadCredentials: credential }),
        // Each account is single-region by design: never discover or fail over to another region.
        connectionPolicy: { enableEndpointDiscovery: false, enableBackgroundEndpointRefreshing: false },
      });
    };
    this.#clients = loadOnce(async () => {
      const { CosmosClient } = await import('@azure/cosmos');
      this.#made = Object.fromEntries(REGIONS.map((r) => [r, client(CosmosClient, r)])) as Record<Region, CosmosClient>;
      return this.#made;
    });
  }

  container(region: Region, name: ContainerName): Promise<Container> {
    const cacheKey = `${region}/${name}`;
    let container = this.#containers.get(cacheKey);
    if (!container) {
      // Opening may call the store (creating a missing container): an outage then is the store's condition too.
      container = this.#open(region, name).catch((error: unknown) => {
        throw storeFailure(error);
      });
      container.catch(() => this.#containers.delete(cacheKey));
      this.#containers.set(cacheKey, container);
    }
    return container;
  }

  async #open(region: Region, name: ContainerName): Promise<Container> {
    const client = (await this.#clients())[region];
    if (!this.options.createMissingContainers) return client.database(this.config.cosmosDatabase).container(name);
    return createContainer(await this.#database(region, client), name);
  }

  /** The database, created once per region: containers opened at the same time must not race to create it (409). */
  #database(region: Region, client: CosmosClient): Promise<Database> {
    let database = this.#databases.get(region);
    if (!database) {
      database = client.databases.createIfNotExists({ id: this.config.cosmosDatabase }).then((answer) => answer.database);
      database.catch(() => this.#databases.delete(region));
      this.#databases.set(region, database);
    }
    return database;
  }

  dispose(): void {
    for (const client of Object.values(this.#made ?? {})) client.dispose();
  }
}

/** Each container's partition key, as infra/modules/data-region.bicep declares it. */
export const PARTITION_KEYS: Record<ContainerName, PartitionKeyDefinition> = {
  // Hierarchical: the tenant, then a bucket (shared/store/buckets.ts), so a tenant outgrows no logical partition.
  [CONTAINERS.tenantData]: { paths: ['/tenantId', '/pk'], kind: 'MultiHash' as PartitionKeyKind, version: 2 },
  [CONTAINERS.certificates]: { paths: ['/tenantId'] },
  [CONTAINERS.control]: { paths: ['/pk'] },
};

async function createContainer(database: Database, name: ContainerName): Promise<Container> {
  const { container } = await database.containers.createIfNotExists({
    id: name,
    partitionKey: PARTITION_KEYS[name],
    // TTL on, with no default: only documents that carry a ttl (idempotency records) expire.
    ...(name === CONTAINERS.tenantData ? { defaultTtl: -1 } : {}),
  });
  return container;
}
