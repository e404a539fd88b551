// How the app proves who it is to Azure services: its user-assigned managed identity in Azure (the
// default credential chain where none is configured). The local stand-ins check no identity; the
// composition root gives them a fixed token (standInCredential) instead.
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

export function azureCredential(config: Pick<Config, 'managedIdentityClientId'>): TokenCredential {
  if (config.managedIdentityClientId) return new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  return new DefaultAzureCredential();
}

/** A fixed token, valid for an hour of the app's clock: what the local stand-ins accept. */
export function standInCredential(clock: Clock): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({ token: 'local-development-token', expiresOnTimestamp: clock.now().getTime() + 3600_000 }),
  };
}
