// The composition root: builds every adapter once from the validated settings. Functions and
// activities get their dependencies from here; nothing else is global. It is also the one place
// that knows whether the app runs against Azure or against the local stand-ins: the adapters are
// the same code in both and are only given different connections.
import { ConfigError, loadConfig, REGIONS, type Config, type Region } from './config.js';
import type { TokenCredential } from '@azure/core-auth';
import { azureCredential, standInCredential } from './azure/credential.js';
import { TokenVerifier } from './auth/token-verifier.js';
import { CosmosStores } from './store/cosmos-stores.js';
import { RegionalKeyVault, type KeyVaultClientOptions } from './crypto/key-vault.js';
import { Keyring } from './crypto/keyring.js';
import { systemClock, type Clock } from './clock.js';
import { initSentry } from './observability/sentry.js';
import { RegionalBlobStorage } from './blob/regional-blob-storage.js';
import { EmailSender, type EmailConnection } from './email/email-sender.js';
import { CosmosSendBackoff } from './email/send-backoff.js';
import { CONTAINERS, CONTROL_REGION } from './store/cosmos-stores.js';
import { RateLimiter } from './http/rate-limiter.js';
import { VendorSecurityLog } from './audit/vendor-security-log.js';
import { ErasureLedger } from './erasure/ledger.js';

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
  /** Request rate limits per calling principal and calling tenant (this instance's share). */
  rateLimiter: RateLimiter;
  /** Refusals that belong to no tenant: 401s, 429s and refusals on vendor routes. */
  securityLog: VendorSecurityLog;
  /** Every erasure, per region, outside the data a restore brings back (shared/erasure/ledger.ts). */
  erasures: ErasureLedger;
}

/** How the adapters reach their services. */
export interface Connections {
  credential: TokenCredential;
  keyVault: KeyVaultClientOptions;
  /** Create the database and (blob) containers on first use, which infra/ provisions in Azure. */
  createMissingContainers: boolean;
  /** Download links that also work over plain HTTP. */
  allowHttpLinks: boolean;
  email: EmailConnection;
}

/**
 * In Azure: the app's managed identity, over HTTPS, against resources infra/ provisioned. On a
 * developer machine (LOCAL_DEVELOPMENT=true): the stand-ins, over plain HTTP, with their keys and a
 * fixed token, creating what infra/ would have provisioned.
 */
export function connectionsFor(config: Config, clock: Clock): Connections {
  if (!config.localDevelopment) {
    const credential = azureCredential(config);
    return { credential, keyVault: {}, createMissingContainers: false, allowHttpLinks: false, email: { kind: 'identity', credential } };
  }
  // The local email stand-in, like a Communication Services resource with keys, checks an HMAC signature.
  const accessKey = config.email.accessKey;
  if (accessKey === undefined) throw new ConfigError([{ setting: 'EMAIL_ACCESS_KEY', message: 'is required when LOCAL_DEVELOPMENT is true' }]);
  return {
    credential: standInCredential(clock),
    keyVault: { disableChallengeResourceVerification: true, allowInsecureConnection: true },
    createMissingContainers: true,
    allowHttpLinks: true,
    email: { kind: 'access-key', accessKey, allowInsecureConnection: true },
  };
}

export function createServices(config: Config, clock: Clock = systemClock): Services {
  initSentry(config.sentry);
  const connections = connectionsFor(config, clock);
  const vaults = Object.fromEntries(
    REGIONS.map((region) => [region, new RegionalKeyVault(config.regions[region].keyVaultUrl, connections.credential, clock, connections.keyVault)]),
  ) as Record<Region, RegionalKeyVault>;
  const stores = new CosmosStores(config, connections.credential, { createMissingContainers: connections.createMissingContainers });
  const blobs = new RegionalBlobStorage(config, connections.credential, clock, {
    allowHttpLinks: connections.allowHttpLinks,
    createMissingContainers: connections.createMissingContainers,
  });
  return {
    config,
    clock,
    tokens: new TokenVerifier({ ...config.auth, maxLifetimeSeconds: config.limits.maxTokenLifetimeSeconds }, clock),
    stores,
    vaults,
    keyring: new Keyring(vaults, config.keyCache),
    blobs,
    email: new EmailSender(config, connections.email, { clock, backoff: new CosmosSendBackoff(() => stores.container(CONTROL_REGION, CONTAINERS.control)) }),
    rateLimiter: new RateLimiter(clock, config.limits),
    securityLog: new VendorSecurityLog(stores),
    erasures: new ErasureLedger(blobs, stores, clock),
  };
}

let services: Services | undefined;

/** The app's services, built on first use from the process settings. */
export function getServices(): Services {
  services ??= createServices(loadConfig());
  return services;
}
