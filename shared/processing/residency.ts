// Where a tenant's data lives, read from the running configuration (the settings infra/main.bicep
// sets from each region module's outputs), not from a document: each store, its host and its Azure
// location, backups, email data location, and the control records kept in UK South. Pure.
import { z } from 'zod';
import { REGIONS, type Config, type Region } from '../config.js';
import { CONTROL_REGION } from '../store/cosmos-stores.js';

/** Where Communication Services keeps each region's email data (infra/modules/email.bicep `dataLocations`). */
export const EMAIL_DATA_LOCATION: Record<Region, string> = { uksouth: 'UK', eu: 'Europe' };

/** Azure's paired region in the same geography, where Key Vault replicates a vault for disaster recovery. */
const KEY_VAULT_PAIR: Record<string, string> = {
  uksouth: 'ukwest',
  ukwest: 'uksouth',
  westeurope: 'northeurope',
  northeurope: 'westeurope',
  francecentral: 'francesouth',
  germanywestcentral: 'germanynorth',
};

export const residencyStatementSchema = z
  .object({
    tenantId: z.string(),
    region: z.enum(REGIONS),
    azureLocation: z.string(),
    stores: z.array(z.object({ store: z.string(), holds: z.string(), host: z.string(), location: z.string(), replica: z.string().optional() })),
    backups: z.object({ store: z.string(), location: z.string(), retentionDays: z.int() }),
    controlRecords: z
      .object({ holds: z.string(), location: z.string() })
      .meta({ description: 'Vendor records about the tenant kept outside its region (ids, times and counts only)' }),
    source: z.string(),
    statement: z.string(),
  })
  .meta({ id: 'ResidencyStatement' });
export type ResidencyStatement = z.infer<typeof residencyStatementSchema>;

const hostOf = (url: string): string => new URL(url).host;

export function residencyStatement(config: Pick<Config, 'regions' | 'retention'>, tenantId: string, region: Region): ResidencyStatement {
  const r = config.regions[region];
  const location = r.location;
  return {
    tenantId,
    region,
    azureLocation: location,
    stores: [
      { store: 'Azure Cosmos DB', holds: 'tenant data, audit log, DSARs, breach notices, job records', host: hostOf(r.cosmos.endpoint), location },
      {
        store: 'Azure Key Vault',
        holds: "the tenant's key-encryption key and the region's signing key",
        host: hostOf(r.keyVaultUrl),
        location,
        replica: KEY_VAULT_PAIR[location]
          ? `Key Vault keeps a disaster-recovery replica in the paired region ${KEY_VAULT_PAIR[location]}, in the same geography`
          : 'no paired region: zone-redundant within the region',
      },
      {
        store: 'Azure Storage',
        holds: 'exports, access packages, evidence packs, signed certificates and audit anchors',
        host: hostOf(r.blob.url),
        location,
      },
      {
        store: 'Azure Communication Services',
        holds: 'email in transit to the nominated contacts',
        host: hostOf(r.emailEndpoint),
        location: EMAIL_DATA_LOCATION[region],
      },
    ],
    backups: { store: 'Azure Cosmos DB continuous backup', location, retentionDays: config.retention.backupDays },
    controlRecords: {
      holds: 'breach register lines and sub-processor change lines naming the tenant id (times and counts, no personal data)',
      location: config.regions[CONTROL_REGION].location,
    },
    source:
      'the running configuration: DATA_LOCATION_*, COSMOS_ENDPOINT_*, KEYVAULT_URL_*, STORAGE_BLOB_URL_* and EMAIL_ENDPOINT_*, set from the outputs of infra/main.bicep',
    statement: `Tenant ${tenantId} is pinned to region ${region}: its data, files and backups are stored only in Azure ${location}, its keys in ${location}${KEY_VAULT_PAIR[location] ? ` (with Key Vault's disaster-recovery replica in ${KEY_VAULT_PAIR[location]}, the same geography)` : ''}, and its email data is kept in the ${EMAIL_DATA_LOCATION[region]}.`,
  };
}
