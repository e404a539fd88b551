// How the app proves who it is to Azure services: its user-assigned managed identity in Azure; on
// a developer machine, a fixed token the local stand-ins accept (they check no identity).
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Config } from '../config.js';

class LocalDevelopmentCredential implements TokenCredential {
  async getToken(): Promise<AccessToken> {
    return { token: 'local-development-token', expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

export function azureCredential(config: Config): TokenCredential {
  if (config.localDevelopment) return new LocalDevelopmentCredential();
  if (config.managedIdentityClientId) return new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
  return new DefaultAzureCredential();
}

/** Client options for Azure SDKs that need loosening only for the plain-HTTP local stand-ins. */
export function localTransportOptions(config: Config): { allowInsecureConnection?: boolean } {
  return config.localDevelopment ? { allowInsecureConnection: true } : {};
}
