// How the app proves who it is to Azure services: its user-assigned managed identity in Azure (the
// default credential chain where none is configured). The local stand-ins check no identity; the
// composition root gives them a fixed token (standInCredential) instead.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { loadOnce } from './load-once.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';

/** The credential, built when the first token is asked for (which loads @azure/identity). */
export function azureCredential(config: Pick<Config, 'managedIdentityClientId'>): TokenCredential {
  const credential = loadOnce(async (): Promise<TokenCredential> => {
    const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
    if (config.managedIdentityClientId) return new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
    return new DefaultAzureCredential();
  });
  return { getToken: async (scopes: string | string[], options?: GetTokenOptions) => (await credential()).getToken(scopes, options) };
}

/** A fixed token, valid for an hour of the app's clock: what the local stand-ins accept. */
export function standInCredential(clock: Clock): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({ token: 'local-development-token', expiresOnTimestamp: clock.now().getTime() + 3600_000 }),
  };
}
