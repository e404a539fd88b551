// Local stand-in for Azure Key Vault (keys): the real KeyClient and CryptographyClient talk to it.
// See keyvault/server.ts for the HTTP surface and keyvault/routes.ts for the operations served.
export { startKeyVault, type KeyVaultOptions, type KeyVaultStandIn } from './keyvault/server.js';
