// The composition root: builds every adapter once from the validated settings. Functions and
// activities get their dependencies from here; nothing else is global.
import { loadConfig, REGIONS, type Config, type Region } from './config.js';
import { azureCredential } from './azure/credential.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { CosmosStores } from './store/cosmos-stores.js';
import { RegionalKeyVault } from './crypto/key-vault.js';
import { Keyring } from './crypto/keyring.js';
import { systemClock, type Clock } from './clock.js';
import { initSentry } from './observability/sentry.js';
import { RegionalBlobStorage } from './blob/regional-blob-storage.js';
import { EmailSender } from './email/email-sender.js';
import { CosmosSendBackoff } from './email/send-backoff.js';
import { CONTAINERS, CONTROL_REGION } from './store/cosmos-stores.js';

export interface Services {
  config: Config;
  clock: Clock;
  tokens: TokenVerifier;
  stores: CosmosStores;
  vaults: Record<Region, RegionalKeyVault>;
  keyring: Keyring;
  /** Exports and access packages, in each region's storage account. */
  blobs: RegionalBlobStorage;
  email: EmailSender;
}

export function createServices(config: Config, clock: Clock = systemClock): Services {
  initSentry(config.sentry);
  const credential = azureCredential(config);
  const vaults = Object.fromEntries(
    REGIONS.map((region) => [region, new RegionalKeyVault(config.regions[region].keyVaultUrl, credential, config.localDevelopment)]),
  ) as Record<Region, RegionalKeyVault>;
  const stores = new CosmosStores(config, credential);
  return {
    config,
    clock,
    tokens: new TokenVerifier(config.auth),
    stores,
    vaults,
    keyring: new Keyring(vaults),
    blobs: new RegionalBlobStorage(config, credential, clock),
    email: new EmailSender(config, credential, { clock, backoff: new CosmosSendBackoff(() => stores.container(CONTROL_REGION, CONTAINERS.control)) }),
  };
}

let services: Services | undefined;

/** The app's services, built on first use from the process settings. */
export function getServices(): Services {
  services ??= createServices(loadConfig());
  return services;
}
