// The app settings the local host gives the app: the addresses of the local stand-ins, in the
// same names the app reads in Azure (see shared/config.ts and local.settings.example.json).
import { DEV_AUDIENCE, DEV_ISSUER, DEV_ISSUER_JWKS_PATH } from './dev-issuer.js';
import type { PlatformAddresses } from './platform/addresses.js';

export function localAppSettings(platform: PlatformAddresses, hostOrigin: string): Record<string, string> {
  const emailParts = Object.fromEntries(
    platform.email.connectionString.split(';').filter((p) => p.includes('=')).map((p) => {
      const at = p.indexOf('=');
      return [p.slice(0, at).toLowerCase(), p.slice(at + 1)];
    }),
  ) as Record<string, string>;
  const settings: Record<string, string> = {
    LOCAL_DEVELOPMENT: 'true',
    EMAIL_ACCESS_KEY: emailParts['accesskey'] ?? '',
    AUTH_ISSUER: DEV_ISSUER,
    AUTH_AUDIENCE: DEV_AUDIENCE,
    AUTH_JWKS_URL: `${hostOrigin}${DEV_ISSUER_JWKS_PATH}`,
    SENTRY_ENVIRONMENT: 'local',
    OPS_BREACH_EMAIL: 'breach-team@ops.notifications.local',
    OPS_ESCALATION_EMAIL: 'breach-escalation@ops.notifications.local',
    // Weekly locally (hourly in Azure): every occurrence runs when the virtual clock moves by years.
    BREACH_CLOCK_HEARTBEAT_SCHEDULE: '0 5 3 * * 1',
    // Weekly locally (daily in Azure), for the same reason.
    RETENTION_SWEEP_SCHEDULE: '0 15 2 * * 1',
    // Weekly locally too (every 10 minutes in Azure); tests of repairs set it to every 10 minutes.
    FLOW_RECONCILER_SCHEDULE: '0 40 2 * * 1',
    DPO_NAME: 'Data Protection Officer',
    DPO_EMAIL: 'dpo@vendor.notifications.local',
    // Support access from outside a region's geography: the signed instruments and one assessed destination.
    SUPPORT_TRANSFER_UK_IDTA: 'IDTA-2026-001',
    SUPPORT_TRANSFER_EU_SCCS: 'SCC-2021/914-M3-2026-001',
    SUPPORT_TRANSFER_TIAS: 'US=TIA-US-2026-01,IN=TIA-IN-2026-01',
  };
  for (const [region, suffix] of [['uksouth', 'UKSOUTH'], ['eu', 'EU']] as const) {
    const cosmos = platform.cosmos[region];
    const keyVault = platform.keyVault[region];
    const storage = platform.storage[region];
    if (!cosmos || !keyVault || !storage) throw new Error(`the local platform did not start region ${region}`);
    settings[`COSMOS_ENDPOINT_${suffix}`] = cosmos.endpoint;
    settings[`COSMOS_KEY_${suffix}`] = cosmos.key;
    settings[`KEYVAULT_URL_${suffix}`] = keyVault.url;
    settings[`STORAGE_BLOB_URL_${suffix}`] = storage.blobUrl;
    settings[`STORAGE_ACCOUNT_KEY_${suffix}`] = storage.accountKey;
    // One local email service stands in for both regions' Communication Services resources.
    settings[`EMAIL_ENDPOINT_${suffix}`] = emailParts['endpoint'] ?? platform.email.url;
    settings[`EMAIL_SENDER_ADDRESS_${suffix}`] = `privacy-ops@${region}.notifications.local`;
  }
  return settings;
}
