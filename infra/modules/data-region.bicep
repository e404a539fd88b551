// One data region: the Cosmos DB account, Key Vault and storage account that hold the data, the
// backups and the keys of the tenants routed to this region, and the Log Analytics workspace that
// keeps their logs, all created in `location` only; the roles that let the app identity use them
// without keys; locks on the stores holding certificates, anchors and their WORM copies.
//
// Written as plain resources rather than Azure Verified Modules on purpose: these properties are
// the privacy notice's promises (region, backups, retention, crypto-shredding), so each one is
// stated here and checked by test/infra/bicep.test.ts instead of being left to a module's defaults.

@description('Region name in shared/config.ts REGIONS; part of every resource name.')
@allowed([
  'uksouth'
  'eu'
])
param regionKey string

@description('The Azure region that holds this data region. Every resource below is created here and nowhere else.')
@allowed([
  'uksouth'
  'ukwest'
  'westeurope'
  'northeurope'
  'francecentral'
  'germanywestcentral'
  'swedencentral'
  'italynorth'
  'spaincentral'
  'polandcentral'
])
param location string

param resourceToken string
param tags object

@description('Principal (object) id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Id of the custom key user role (modules/key-user-role.bicep): the app\'s key operations, without backup, restore or purge.')
param keyUserRoleDefinitionId string

param cosmosDatabaseName string

@description('Autoscale maximum (RU/s) of the database, sized in main.bicep against the Functions concurrency.')
param cosmosMaxThroughput int

@description('Days the region\'s logs are kept (TELEMETRY_RETENTION_DAYS).')
param telemetryRetentionDays int

@description('Days the Key Vault audit events (the evidence that a key was deleted) are kept.')
param keyAuditRetentionDays int

@description('Cosmos DB and Key Vault reachable only through private endpoints in the app\'s network.')
param privateNetworking bool
param privateEndpointSubnetId string
param privateDnsZoneIds object
param privateEndpointLocation string

var cosmosBuiltInDataContributor = '00000000-0000-0000-0000-000000000002'
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
// Contributor already includes generateUserDelegationKey; the delegator role is assigned as well so
// the permission behind user-delegation SAS download links is explicit and survives role changes.
var storageBlobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'

// ---------------------------------------------------------------------------------------------
// Cosmos DB (NoSQL)
// ---------------------------------------------------------------------------------------------

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: 'cosmos-${regionKey}-${resourceToken}'
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    // Exactly one location and no failover or extra write region: the data is in this region only.
    // Continuous backups are taken in each region of the account and kept there (LRS, or ZRS where
    // the account is zone-redundant), so with one region the backups never leave it either.
    // (Periodic backup would default to geo-redundant backup storage, i.e. the paired region.)
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    enableMultipleWriteLocations: false
    enableAutomaticFailover: false
    // Keys are refused; the app uses its identity (sqlRoleAssignments below).
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    // Point-in-time restore for 30 days: after primary deletion, backups expire 30 days later
    // (BACKUP_RETENTION_DAYS in main.bicep states the same number).
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous30Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: cosmos
  name: cosmosDatabaseName
  properties: {
    resource: {
      id: cosmosDatabaseName
    }
    options: {
      autoscaleSettings: {
        maxThroughput: cosmosMaxThroughput
      }
    }
  }
}

// Tenant records. TTL on with no default expiry (-1): nothing expires unless an item sets its own
// `ttl`, which is how the grace window and retention rules schedule deletions per item.
// Hierarchical key: the tenant, then a bucket (shared/store/buckets.ts), so one tenant spreads over
// many logical partitions (each capped at 20 GB); see infra/README.md, "Data layout".
resource tenantData 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'tenant-data'
  properties: {
    resource: {
      id: 'tenant-data'
      partitionKey: {
        paths: [
          '/tenantId'
          '/pk'
        ]
        kind: 'MultiHash'
        version: 2
      }
      defaultTtl: -1
    }
  }
}

// Deletion certificates outlive the tenant's data, so this container has no TTL at all.
resource certificates 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = {
  parent: database
  name: 'certificates'
  properties: {
    resource: {
      id: 'certificates'
      partitionKey: {
        paths: [
          '/tenantId'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

// The control plane: vendor-level records that hold no tenant personal data (the breach register),
// partitioned by record (/pk), kept in the vendor's home region only (UK South) and never expiring.
resource control 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = if (regionKey == 'uksouth') {
  parent: database
  name: 'control'
  properties: {
    resource: {
      id: 'control'
      partitionKey: {
        paths: [
          '/pk'
        ]
        kind: 'Hash'
        version: 2
      }
    }
  }
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, appPrincipalId, cosmosBuiltInDataContributor)
  properties: {
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${cosmosBuiltInDataContributor}'
    principalId: appPrincipalId
    scope: cosmos.id
  }
}

// ---------------------------------------------------------------------------------------------
// Key Vault: the tenant keys of this region (envelope encryption, signing, crypto-shredding)
// ---------------------------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${regionKey}-${resourceToken}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Crypto-shredding: a deleted tenant key stays recoverable for exactly 7 days and then is gone
    // for good. Purge protection means nobody (the app included) can purge it sooner, and nobody
    // can shorten or lengthen the window: the retention is fixed when the vault is created. The
    // deletion certificate therefore states "unrecoverable 7 days after deletion".
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Create, read, disable and delete keys; wrap, unwrap and sign. No backup, restore or purge.
resource vaultKeyUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, 'privacy-ops-key-user')
  scope: vault
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: keyUserRoleDefinitionId
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: exports and access packages, downloaded through user-delegation SAS links, and the
// WORM copies of deletion certificates and audit anchors
// ---------------------------------------------------------------------------------------------

// A lifecycle prefix starts with the container name, so these are containers, not folders.
var downloadContainers = [
  'exports'
  'packages'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${regionKey}${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  // Zone-redundant inside the region; never GRS/RA-GRS/GZRS, which copy to the paired region.
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Data subjects download with SAS links from their browsers.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

// Exports are copies made on request: no blob soft delete or versions that would keep a deleted
// copy beyond the lifecycle rule.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: false
    }
    containerDeleteRetentionPolicy: {
      enabled: false
    }
    isVersioningEnabled: false
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in downloadContainers: {
  parent: blobService
  name: name
  properties: {
    publicAccess: 'None'
  }
}]

// The erasure ledger (shared/erasure/ledger.ts): one entry per erasure, ids and instants only. It is
// in blob storage so that a point-in-time restore of the Cosmos DB account (which creates a new
// account) never brings it back with the data; after a restore the app refuses the region until
// the entries newer than the restore point are replayed (infra/README.md, runbook).
resource erasureLedger 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'erasure-ledger'
  properties: {
    publicAccess: 'None'
  }
}

// A blob is deleted once it is more than 7 days old; the policy runs about once a day, so an export
// made on day 0 goes on day 8 or 9. Download links (DOWNLOAD_LINK_TTL_HOURS) end long before.
// Ledger entries go after 35 days: longer than the 30-day continuous backup, so every restore point
// still has the entries made after it.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          enabled: true
          name: 'deleteExportsAndPackagesAfter7Days'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'exports/'
                'packages/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: 7
                }
              }
            }
          }
        }
        {
          enabled: true
          name: 'deleteErasureLedgerEntriesAfter35Days'
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                'erasure-ledger/entries/'
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterCreationGreaterThan: 35
                }
              }
            }
          }
        }
      ]
    }
  }
}

var storageRoles = [
  storageBlobDataContributor
  storageBlobDelegator
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in storageRoles: {
  name: guid(storage.id, appPrincipalId, roleId)
  scope: storage
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
  }
}]

// Every deletion certificate and audit anchor is also written here, once, by the app: a container
// with a time-based retention policy, so no one (the app identity included) can change or delete a
// copy for five years, the time the DPA's confidentiality outlives the tenancy. Cosmos DB keeps
// serving them; this copy is the one that cannot be rewritten. The policy is created unlocked and
// locked by hand at go-live (infra/README.md): a locked policy cannot be shortened or removed.
var evidenceRetentionDays = 1826

resource evidence 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'evidence'
  properties: {
    publicAccess: 'None'
  }
}

resource evidenceWorm 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: evidence
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: evidenceRetentionDays
    allowProtectedAppendWrites: false
    allowProtectedAppendWritesAll: false
  }
}

// ---------------------------------------------------------------------------------------------
// Locks: `azd down` or a stray delete must not take the stores of certificates and anchors with it
// ---------------------------------------------------------------------------------------------

resource cosmosLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'keep-certificates-and-anchors'
  scope: cosmos
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds deletion certificates and audit anchors (container certificates). Remove only by a decision recorded by the DPO.'
  }
}

resource storageLock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'keep-evidence'
  scope: storage
  properties: {
    level: 'CanNotDelete'
    notes: 'Holds the WORM copies of deletion certificates and audit anchors (container evidence).'
  }
}

// ---------------------------------------------------------------------------------------------
// Logs of this region's resources, kept in this region
// ---------------------------------------------------------------------------------------------

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${regionKey}-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: telemetryRetentionDays
    features: {
      disableLocalAuth: true
      enableLogAccessUsingOnlyResourcePermissions: true
    }
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

// Key Vault audit events: the independent record that a tenant key was deleted (and that no one
// backed it up or restored it), kept longer than the rest and holding no personal data.
resource keyAuditTable 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = {
  parent: workspace
  name: 'AZKVAuditLogs'
  properties: {
    retentionInDays: keyAuditRetentionDays
    totalRetentionInDays: keyAuditRetentionDays
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-${workspace.name}'
  scope: vault
  properties: {
    workspaceId: workspace.id
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
  }
}

resource cosmosDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-${workspace.name}'
  scope: cosmos
  properties: {
    workspaceId: workspace.id
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'DataPlaneRequests'
        enabled: true
      }
      {
        category: 'ControlPlaneRequests'
        enabled: true
      }
    ]
  }
}

// Reads, writes and deletes of exports, packages and evidence (StorageRead holds the address of a
// data subject downloading her package: kept in the region, for the telemetry retention).
resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-${workspace.name}'
  scope: blobService
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        category: 'StorageRead'
        enabled: true
      }
      {
        category: 'StorageWrite'
        enabled: true
      }
      {
        category: 'StorageDelete'
        enabled: true
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// Private endpoints (privateNetworking): Cosmos DB and Key Vault refuse public traffic
// ---------------------------------------------------------------------------------------------

module cosmosPrivateEndpoint 'private-endpoint.bicep' = if (privateNetworking) {
  name: 'pe-cosmos-${regionKey}'
  params: {
    name: 'pe-${cosmos.name}'
    location: privateEndpointLocation
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: cosmos.id
    groupId: 'Sql'
    dnsZoneId: privateNetworking ? privateDnsZoneIds.Sql : ''
  }
}

module vaultPrivateEndpoint 'private-endpoint.bicep' = if (privateNetworking) {
  name: 'pe-vault-${regionKey}'
  params: {
    name: 'pe-${vault.name}'
    location: privateEndpointLocation
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: vault.id
    groupId: 'vault'
    dnsZoneId: privateNetworking ? privateDnsZoneIds.vault : ''
  }
}

output cosmosAccountId string = cosmos.id
output cosmosEndpoint string = cosmos.properties.documentEndpoint
output keyVaultId string = vault.id
output keyVaultUrl string = vault.properties.vaultUri
output storageAccountName string = storage.name
output blobUrl string = storage.properties.primaryEndpoints.blob
output workspaceId string = workspace.id
output location string = location
