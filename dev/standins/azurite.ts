// Azurite's blob, queue and table servers started inside this process, for the real @azure/storage-* clients.
// `require('azurite')` loads its VS Code extension, so the server classes are taken from azurite/dist/src directly.
//
// Client configuration: `BlobServiceClient.fromConnectionString(standIn.connectionString)` (the connection string
// carries explicit BlobEndpoint/QueueEndpoint/TableEndpoint, path-style: http://127.0.0.1:PORT/devstoreaccount1),
// or `new BlobServiceClient(standIn.blobUrl, new StorageSharedKeyCredential(accountName, accountKey))`.
// Plain HTTP needs no extra client option for the storage SDKs. SAS works; versioning, soft delete, legal hold and
// immutability policies do not (Azurite answers 501).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface AzuriteStandIn {
  /** e.g. http://127.0.0.1:PORT/devstoreaccount1 (no trailing slash) */
  blobUrl: string;
  queueUrl: string;
  tableUrl: string;
  connectionString: string;
  accountName: string;
  accountKey: string;
  /**
   * With a `location`: writes the blob service's metadata to disk now. Azurite saves it every 5 s on its
   * own, so a process killed in between loses acknowledged writes; call this after a write and before
   * answering it (dev/platform does, in its proxy) so a killed stand-in comes back with every one of them.
   */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The LokiJS databases behind Azurite's blob service (BlobServer's own fields; no declarations ship). */
interface LokiBacked {
  db: { saveDatabase(callback: (error?: unknown) => void): void };
}
interface BlobServerStores {
  metadataStore?: LokiBacked;
  extentMetadataStore?: LokiBacked;
}

export interface AzuriteStandInOptions {
  host?: string;
  /** Directory for persistence; in memory when absent. */
  location?: string;
}

// Azurite 3.35 ships no type declarations; these are the parts of its classes this module touches.
interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getHttpServerAddress(): string;
}
interface PersistenceLocation {
  locationId: string;
  locationPath: string;
  maxConcurrency: number;
}
type ChunkStore = object;
type BlobOrQueueConfigurationCtor = new (
  host: string,
  port: number,
  keepAliveTimeoutSeconds: number,
  metadataDBPath: string,
  extentDBPath: string,
  persistencePathArray: PersistenceLocation[],
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  enableDebugLog: boolean,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
  memoryStore: ChunkStore | undefined,
) => object;
// Note the table configuration's different order: debug log before access log, and no extent store.
type TableConfigurationCtor = new (
  host: string,
  port: number,
  keepAliveTimeoutSeconds: number,
  metadataDBPath: string,
  enableDebugLog: boolean,
  enableAccessLog: boolean,
  accessLogWriteStream: undefined,
  debugLogFilePath: undefined,
  loose: boolean,
  skipApiVersionCheck: boolean,
  cert: string,
  key: string,
  pwd: string,
  oauth: undefined,
  disableProductStyleUrl: boolean,
  isMemoryPersistence: boolean,
) => object;
type ServerCtor = new (configuration: object) => AzuriteServer;
interface AzuriteModules {
  BlobServer: ServerCtor;
  BlobConfiguration: BlobOrQueueConfigurationCtor;
  QueueServer: ServerCtor;
  QueueConfiguration: BlobOrQueueConfigurationCtor;
  TableServer: ServerCtor;
  TableConfiguration: TableConfigurationCtor;
  MemoryExtentChunkStore: new (sizeLimit?: number) => ChunkStore;
  defaultExtentMemoryLimit: number;
  emulatorAccountName: string;
  emulatorAccountKey: Buffer;
  disableTelemetry(): void;
  silenceDebugLog(): void;
}

let modules: AzuriteModules | undefined;

function loadAzurite(): AzuriteModules {
  if (modules !== undefined) return modules;
  const require = createRequire(import.meta.url);
  const load = <T>(path: string, member: string): T => {
    const mod = require(`azurite/dist/src/${path}`) as Record<string, unknown>;
    const value = mod[member];
    if (value === undefined) throw new Error(`azurite/dist/src/${path} has no export ${member}; azurite version changed?`);
    return value as T;
  };
  const telemetry = load<{ init(location: string, enable: boolean, env: undefined): void }>(
    'common/Telemetry.js',
    'AzuriteTelemetryClient',
  );
  const configLogger = load<(enable: boolean) => void>('common/Logger.js', 'configLogger');
  modules = {
    BlobServer: load('blob/BlobServer.js', 'default'),
    BlobConfiguration: load('blob/BlobConfiguration.js', 'default'),
    QueueServer: load('queue/QueueServer.js', 'default'),
    QueueConfiguration: load('queue/QueueConfiguration.js', 'default'),
    TableServer: load('table/TableServer.js', 'default'),
    TableConfiguration: load('table/TableConfiguration.js', 'default'),
    MemoryExtentChunkStore: load('common/persistence/MemoryExtentStore.js', 'MemoryExtentChunkStore'),
    defaultExtentMemoryLimit: load('common/persistence/MemoryExtentStore.js', 'DEFAULT_EXTENT_MEMORY_LIMIT'),
    emulatorAccountName: load('common/utils/constants.js', 'EMULATOR_ACCOUNT_NAME'),
    emulatorAccountKey: load('common/utils/constants.js', 'EMULATOR_ACCOUNT_KEY'),
    // Telemetry only starts when its init is called with true (Azurite's CLI mains do that); calling it with
    // false also clears the static enable flag, so no request can ever be reported to Application Insights.
    disableTelemetry: () => telemetry.init('', false, undefined),
    silenceDebugLog: () => configLogger(false),
  };
  return modules;
}

/**
 * Azurite's AccountDataStore serves only the accounts in AZURITE_ACCOUNTS when that variable is set
 * ("name:key1[:key2];..."), otherwise the well-known devstoreaccount1. Report the account it will accept.
 */
function account(az: AzuriteModules): { name: string; key: string } {
  const fromEnv = process.env.AZURITE_ACCOUNTS?.trim();
  const first = fromEnv ? fromEnv.split(';')[0]?.split(':') : undefined;
  if (first?.[0] && first[1]) return { name: first[0], key: first[1] };
  return { name: az.emulatorAccountName, key: az.emulatorAccountKey.toString('base64') };
}

export async function startAzurite(options: AzuriteStandInOptions = {}): Promise<AzuriteStandIn> {
  const az = loadAzurite();
  az.disableTelemetry();
  az.silenceDebugLog();

  const host = options.host ?? '127.0.0.1';
  const location = options.location;
  const inMemory = location === undefined;
  if (location !== undefined) mkdirSync(location, { recursive: true });
  const at = (name: string): string => (location === undefined ? name : join(location, name));
  // Azurite's default in-memory chunk store is a process-wide singleton; a store per stand-in keeps two
  // stand-ins in one process (parallel tests) from seeing or clearing each other's blobs.
  const chunks = inMemory ? new az.MemoryExtentChunkStore(az.defaultExtentMemoryLimit) : undefined;

  const port = 0; // the OS picks a free port for each service
  const keepAliveSeconds = 5;
  const loose = true; // ignore headers Azurite does not implement instead of failing the request
  const skipApiVersionCheck = true; // current SDKs send API versions newer than Azurite 3.35 knows
  const accessLog = false;
  const debugLog = false;

  const blob = new az.BlobServer(
    new az.BlobConfiguration(
      host, port, keepAliveSeconds,
      at('__azurite_db_blob__.json'), at('__azurite_db_blob_extent__.json'),
      [{ locationId: 'Default', locationPath: at('__blobstorage__'), maxConcurrency: 50 }],
      accessLog, undefined, debugLog, undefined, loose, skipApiVersionCheck,
      '', '', '', undefined, false, inMemory, chunks,
    ),
  );
  const queue = new az.QueueServer(
    new az.QueueConfiguration(
      host, port, keepAliveSeconds,
      at('__azurite_db_queue__.json'), at('__azurite_db_queue_extent__.json'),
      [{ locationId: 'Default', locationPath: at('__queuestorage__'), maxConcurrency: 1 }],
      accessLog, undefined, debugLog, undefined, loose, skipApiVersionCheck,
      '', '', '', undefined, false, inMemory, chunks,
    ),
  );
  const table = new az.TableServer(
    new az.TableConfiguration(
      host, port, keepAliveSeconds,
      at('__azurite_db_table__.json'),
      debugLog, accessLog, undefined, undefined, loose, skipApiVersionCheck,
      '', '', '', undefined, false, inMemory,
    ),
  );

  const servers = [blob, queue, table];
  const results = await Promise.allSettled(servers.map((s) => s.start()));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) {
    await Promise.allSettled(servers.filter((_, i) => results[i]?.status === 'fulfilled').map((s) => s.close()));
    throw new Error(`Azurite failed to start: ${String(failure.reason)}`);
  }

  const { name, key } = account(az);
  // getHttpServerAddress() reports the bound address, so with port 0 it carries the real port.
  const blobUrl = `${blob.getHttpServerAddress()}/${name}`;
  const queueUrl = `${queue.getHttpServerAddress()}/${name}`;
  const tableUrl = `${table.getHttpServerAddress()}/${name}`;
  let closed: Promise<void> | undefined;
  const save = (store: LokiBacked | undefined): Promise<void> =>
    new Promise((resolve, reject) => {
      if (!store?.db) throw new Error('azurite: BlobServer has no Loki store to save; azurite version changed?');
      store.db.saveDatabase((error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()));
    });
  const stores = blob as unknown as BlobServerStores;

  return {
    blobUrl,
    queueUrl,
    tableUrl,
    accountName: name,
    accountKey: key,
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${name};AccountKey=${key};` +
      `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};TableEndpoint=${tableUrl};`,
    // Extents first: the blob metadata saved next may refer to them.
    flush: async () => {
      if (inMemory) return;
      await save(stores.extentMetadataStore);
      await save(stores.metadataStore);
    },
    close: () => {
      closed ??= Promise.all(servers.map((s) => s.close())).then(() => undefined);
      return closed;
    },
  };
}
