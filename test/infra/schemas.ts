// What the Bicep CLI would know and our parser does not: which API versions exist, which property
// names a resource type has, which values an enum allows, and which parameters each pinned Azure
// Verified Module declares. Written out from the ARM template reference and the module sources
// (Azure/bicep-registry-modules at each pinned tag); a name used in infra/ that is not here fails,
// so a typo cannot pass and a new property is added here deliberately.

/** API versions that exist for each resource type we deploy (GA, unless listed with -preview on purpose). */
export const API_VERSIONS: Record<string, readonly string[]> = {
  'Microsoft.Resources/resourceGroups': ['2021-04-01', '2022-09-01', '2024-03-01'],
  'Microsoft.DocumentDB/databaseAccounts': ['2024-05-15', '2024-08-15', '2024-11-15'],
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases': ['2024-05-15', '2024-08-15', '2024-11-15'],
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers': ['2024-05-15', '2024-08-15', '2024-11-15'],
  'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments': ['2024-05-15', '2024-08-15', '2024-11-15'],
  'Microsoft.KeyVault/vaults': ['2022-07-01', '2023-07-01'],
  'Microsoft.Storage/storageAccounts': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/queueServices': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/tableServices': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices/containers': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies': ['2023-01-01', '2023-05-01'],
  'Microsoft.Storage/storageAccounts/managementPolicies': ['2023-01-01', '2023-05-01'],
  'Microsoft.Authorization/roleAssignments': ['2022-04-01'],
  'Microsoft.Authorization/roleDefinitions': ['2022-04-01'],
  'Microsoft.Authorization/locks': ['2020-05-01'],
  'Microsoft.Communication/emailServices': ['2023-04-01'],
  'Microsoft.Communication/emailServices/domains': ['2023-04-01'],
  'Microsoft.Communication/communicationServices': ['2023-04-01'],
  'Microsoft.OperationalInsights/workspaces': ['2022-10-01', '2023-09-01'],
  'Microsoft.OperationalInsights/workspaces/tables': ['2022-10-01', '2023-09-01'],
  // Diagnostic settings have no GA version that takes category groups and resource-specific tables;
  // 2021-05-01-preview is what the ARM reference and the Azure Verified Modules use.
  'Microsoft.Insights/diagnosticSettings': ['2021-05-01-preview'],
  'Microsoft.Insights/actionGroups': ['2023-01-01'],
  'Microsoft.Insights/metricAlerts': ['2018-03-01'],
  'Microsoft.Insights/scheduledQueryRules': ['2021-08-01', '2023-12-01'],
  'Microsoft.Consumption/budgets': ['2023-05-01', '2023-11-01'],
  'Microsoft.Network/virtualNetworks': ['2023-11-01', '2024-01-01', '2024-05-01'],
  'Microsoft.Network/privateEndpoints': ['2023-11-01', '2024-01-01', '2024-05-01'],
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': ['2023-11-01', '2024-01-01', '2024-05-01'],
  'Microsoft.Network/privateDnsZones': ['2020-06-01'],
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks': ['2020-06-01'],
};

/** Keys allowed at the top level of every resource body. */
export const RESOURCE_KEYS = ['name', 'location', 'tags', 'kind', 'sku', 'properties', 'parent', 'scope', 'identity', 'dependsOn', 'zones', 'etag', 'managedBy'];

export interface ResourceSchema {
  /** Property names allowed directly under `properties` (absent: the type takes no properties). */
  properties: readonly string[];
  /** Allowed values at a path of the body (`properties.minimalTlsVersion`, `sku.name`). */
  enums?: Record<string, readonly string[]>;
}

const PUBLIC_NETWORK_ACCESS = ['Enabled', 'Disabled'];

export const RESOURCE_SCHEMAS: Record<string, ResourceSchema> = {
  'Microsoft.Resources/resourceGroups': { properties: [] },
  'Microsoft.DocumentDB/databaseAccounts': {
    properties: [
      'databaseAccountOfferType', 'consistencyPolicy', 'locations', 'enableMultipleWriteLocations', 'enableAutomaticFailover',
      'disableLocalAuth', 'disableKeyBasedMetadataWriteAccess', 'minimalTlsVersion', 'publicNetworkAccess', 'backupPolicy',
      'networkAclBypass', 'networkAclBypassResourceIds', 'ipRules', 'isVirtualNetworkFilterEnabled', 'virtualNetworkRules',
      'capabilities', 'capacity', 'enableFreeTier', 'enableAnalyticalStorage', 'keyVaultKeyUri', 'defaultIdentity', 'cors',
      'createMode', 'restoreParameters', 'enableBurstCapacity', 'enablePartitionMerge', 'analyticalStorageConfiguration', 'apiProperties',
    ],
    enums: {
      kind: ['GlobalDocumentDB'],
      'properties.databaseAccountOfferType': ['Standard'],
      'properties.minimalTlsVersion': ['Tls', 'Tls11', 'Tls12'],
      'properties.publicNetworkAccess': [...PUBLIC_NETWORK_ACCESS, 'SecuredByPerimeter'],
      'properties.backupPolicy.type': ['Continuous', 'Periodic'],
      'properties.backupPolicy.continuousModeProperties.tier': ['Continuous7Days', 'Continuous30Days'],
      'properties.consistencyPolicy.defaultConsistencyLevel': ['Eventual', 'Session', 'BoundedStaleness', 'Strong', 'ConsistentPrefix'],
      'properties.networkAclBypass': ['None', 'AzureServices'],
    },
  },
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases': { properties: ['resource', 'options'] },
  'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers': { properties: ['resource', 'options'] },
  'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments': { properties: ['roleDefinitionId', 'principalId', 'scope'] },
  'Microsoft.KeyVault/vaults': {
    properties: [
      'tenantId', 'sku', 'accessPolicies', 'enableRbacAuthorization', 'enableSoftDelete', 'softDeleteRetentionInDays', 'enablePurgeProtection',
      'publicNetworkAccess', 'networkAcls', 'enabledForDeployment', 'enabledForDiskEncryption', 'enabledForTemplateDeployment', 'createMode', 'vaultUri',
    ],
    enums: {
      'properties.sku.family': ['A'],
      'properties.sku.name': ['standard', 'premium'],
      'properties.publicNetworkAccess': PUBLIC_NETWORK_ACCESS,
      'properties.networkAcls.defaultAction': ['Allow', 'Deny'],
      'properties.networkAcls.bypass': ['AzureServices', 'None'],
    },
  },
  'Microsoft.Storage/storageAccounts': {
    properties: [
      'accessTier', 'allowBlobPublicAccess', 'allowSharedKeyAccess', 'allowCrossTenantReplication', 'defaultToOAuthAuthentication', 'minimumTlsVersion',
      'supportsHttpsTrafficOnly', 'publicNetworkAccess', 'networkAcls', 'encryption', 'isHnsEnabled', 'largeFileSharesState', 'dnsEndpointType',
      'immutableStorageWithVersioning', 'routingPreference', 'keyPolicy', 'sasPolicy', 'allowedCopyScope', 'isSftpEnabled', 'isLocalUserEnabled',
      'isNfsV3Enabled', 'customDomain', 'azureFilesIdentityBasedAuthentication',
    ],
    enums: {
      kind: ['StorageV2', 'BlobStorage', 'BlockBlobStorage', 'FileStorage', 'Storage'],
      'sku.name': ['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS', 'Standard_GZRS', 'Standard_RAGZRS', 'Premium_LRS', 'Premium_ZRS'],
      'properties.accessTier': ['Hot', 'Cool', 'Cold', 'Premium'],
      'properties.minimumTlsVersion': ['TLS1_0', 'TLS1_1', 'TLS1_2'],
      'properties.publicNetworkAccess': [...PUBLIC_NETWORK_ACCESS, 'SecuredByPerimeter'],
      'properties.networkAcls.defaultAction': ['Allow', 'Deny'],
      'properties.networkAcls.bypass': ['AzureServices', 'None', 'Logging', 'Metrics'],
    },
  },
  'Microsoft.Storage/storageAccounts/blobServices': {
    properties: ['deleteRetentionPolicy', 'containerDeleteRetentionPolicy', 'isVersioningEnabled', 'changeFeed', 'restorePolicy', 'cors', 'automaticSnapshotPolicyEnabled', 'lastAccessTimeTrackingPolicy', 'defaultServiceVersion'],
  },
  'Microsoft.Storage/storageAccounts/queueServices': { properties: ['cors'] },
  'Microsoft.Storage/storageAccounts/tableServices': { properties: ['cors'] },
  'Microsoft.Storage/storageAccounts/blobServices/containers': {
    properties: ['publicAccess', 'metadata', 'immutableStorageWithVersioning', 'defaultEncryptionScope', 'denyEncryptionScopeOverride', 'enableNfsV3AllSquash', 'enableNfsV3RootSquash'],
    enums: { 'properties.publicAccess': ['None', 'Blob', 'Container'] },
  },
  'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies': {
    properties: ['immutabilityPeriodSinceCreationInDays', 'allowProtectedAppendWrites', 'allowProtectedAppendWritesAll'],
  },
  'Microsoft.Storage/storageAccounts/managementPolicies': { properties: ['policy'] },
  'Microsoft.Authorization/roleAssignments': {
    properties: ['roleDefinitionId', 'principalId', 'principalType', 'description', 'condition', 'conditionVersion', 'delegatedManagedIdentityResourceId'],
    enums: { 'properties.principalType': ['ServicePrincipal', 'User', 'Group', 'ForeignGroup', 'Device'] },
  },
  'Microsoft.Authorization/roleDefinitions': {
    properties: ['roleName', 'description', 'type', 'permissions', 'assignableScopes'],
    enums: { 'properties.type': ['customRole'] },
  },
  'Microsoft.Authorization/locks': {
    properties: ['level', 'notes', 'owners'],
    enums: { 'properties.level': ['CanNotDelete', 'ReadOnly'] },
  },
  'Microsoft.Communication/emailServices': { properties: ['dataLocation'], enums: { location: ['global'] } },
  'Microsoft.Communication/emailServices/domains': {
    properties: ['domainManagement', 'userEngagementTracking'],
    enums: {
      location: ['global'],
      'properties.domainManagement': ['AzureManaged', 'CustomerManaged', 'CustomerManagedInExchangeOnline'],
      'properties.userEngagementTracking': ['Disabled', 'Enabled'],
    },
  },
  'Microsoft.Communication/communicationServices': { properties: ['dataLocation', 'linkedDomains'], enums: { location: ['global'] } },
  'Microsoft.OperationalInsights/workspaces': {
    properties: ['sku', 'retentionInDays', 'features', 'workspaceCapping', 'publicNetworkAccessForIngestion', 'publicNetworkAccessForQuery', 'forceCmkForQuery', 'defaultDataCollectionRuleResourceId'],
    enums: {
      'properties.sku.name': ['PerGB2018', 'CapacityReservation', 'LACluster'],
      'properties.publicNetworkAccessForIngestion': PUBLIC_NETWORK_ACCESS,
      'properties.publicNetworkAccessForQuery': PUBLIC_NETWORK_ACCESS,
    },
  },
  'Microsoft.OperationalInsights/workspaces/tables': { properties: ['retentionInDays', 'totalRetentionInDays', 'plan', 'schema', 'restoredLogs', 'searchResults'] },
  'Microsoft.Insights/diagnosticSettings': {
    properties: ['workspaceId', 'logAnalyticsDestinationType', 'logs', 'metrics', 'storageAccountId', 'eventHubAuthorizationRuleId', 'eventHubName', 'serviceBusRuleId', 'marketplacePartnerId'],
    enums: { 'properties.logAnalyticsDestinationType': ['Dedicated', 'AzureDiagnostics'] },
  },
  'Microsoft.Insights/actionGroups': {
    properties: ['groupShortName', 'enabled', 'emailReceivers', 'smsReceivers', 'webhookReceivers', 'armRoleReceivers', 'azureAppPushReceivers', 'voiceReceivers'],
    enums: { location: ['Global', 'global'] },
  },
  'Microsoft.Insights/metricAlerts': {
    properties: ['description', 'severity', 'enabled', 'scopes', 'evaluationFrequency', 'windowSize', 'targetResourceType', 'targetResourceRegion', 'criteria', 'autoMitigate', 'actions'],
    enums: { location: ['global'] },
  },
  'Microsoft.Insights/scheduledQueryRules': {
    properties: [
      'displayName', 'description', 'severity', 'enabled', 'scopes', 'evaluationFrequency', 'windowSize', 'overrideQueryTimeRange', 'targetResourceTypes',
      'criteria', 'muteActionsDuration', 'actions', 'checkWorkspaceAlertsStorageConfigured', 'skipQueryValidation', 'autoMitigate',
    ],
    enums: { kind: ['LogAlert', 'LogToMetric'] },
  },
  'Microsoft.Consumption/budgets': {
    properties: ['category', 'amount', 'timeGrain', 'timePeriod', 'filter', 'notifications'],
    enums: { 'properties.category': ['Cost'], 'properties.timeGrain': ['Monthly', 'Quarterly', 'Annually'] },
  },
  'Microsoft.Network/virtualNetworks': { properties: ['addressSpace', 'subnets', 'dhcpOptions', 'enableDdosProtection', 'encryption'] },
  'Microsoft.Network/privateEndpoints': {
    properties: ['subnet', 'privateLinkServiceConnections', 'manualPrivateLinkServiceConnections', 'customNetworkInterfaceName', 'ipConfigurations', 'applicationSecurityGroups', 'customDnsConfigs'],
  },
  'Microsoft.Network/privateEndpoints/privateDnsZoneGroups': { properties: ['privateDnsZoneConfigs'] },
  'Microsoft.Network/privateDnsZones': { properties: [], enums: { location: ['global'] } },
  'Microsoft.Network/privateDnsZones/virtualNetworkLinks': { properties: ['registrationEnabled', 'virtualNetwork', 'resolutionPolicy'], enums: { location: ['global'] } },
};

/** Parameters of each pinned Azure Verified Module (from its main.bicep at the tag), the required ones marked. */
export const AVM_PARAMS: Record<string, { params: readonly string[]; required: readonly string[] }> = {
  'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1': {
    params: ['name', 'location', 'federatedIdentityCredentials', 'lock', 'roleAssignments', 'tags', 'enableTelemetry'],
    required: ['name'],
  },
  'br/public:avm/res/operational-insights/workspace:0.11.1': {
    params: [
      'name', 'location', 'skuName', 'skuCapacityReservationLevel', 'storageInsightsConfigs', 'linkedServices', 'linkedStorageAccounts', 'savedSearches',
      'dataExports', 'dataSources', 'tables', 'gallerySolutions', 'onboardWorkspaceToSentinel', 'dataRetention', 'dailyQuotaGb',
      'publicNetworkAccessForIngestion', 'publicNetworkAccessForQuery', 'managedIdentities', 'features', 'diagnosticSettings', 'forceCmkForQuery',
      'lock', 'roleAssignments', 'tags', 'enableTelemetry',
    ],
    required: ['name'],
  },
  'br/public:avm/res/insights/component:0.6.0': {
    params: [
      'name', 'applicationType', 'workspaceResourceId', 'disableIpMasking', 'disableLocalAuth', 'forceCustomerStorageForProfiler',
      'linkedStorageAccountResourceId', 'publicNetworkAccessForIngestion', 'publicNetworkAccessForQuery', 'retentionInDays', 'samplingPercentage',
      'flowType', 'requestSource', 'kind', 'location', 'lock', 'roleAssignments', 'tags', 'enableTelemetry', 'diagnosticSettings',
    ],
    required: ['name', 'workspaceResourceId'],
  },
  'br/public:avm/res/web/serverfarm:0.1.1': {
    params: [
      'name', 'sku', 'location', 'kind', 'reserved', 'appServiceEnvironmentId', 'workerTierName', 'perSiteScaling', 'maximumElasticWorkerCount',
      'targetWorkerCount', 'targetWorkerSize', 'zoneRedundant', 'lock', 'roleAssignments', 'tags', 'enableTelemetry', 'diagnosticSettings',
    ],
    required: ['name', 'sku'],
  },
  'br/public:avm/res/web/site:0.15.1': {
    params: [
      'name', 'location', 'kind', 'serverFarmResourceId', 'managedEnvironmentId', 'httpsOnly', 'clientAffinityEnabled', 'appServiceEnvironmentResourceId',
      'managedIdentities', 'keyVaultAccessIdentityResourceId', 'storageAccountRequired', 'virtualNetworkSubnetId', 'vnetContentShareEnabled',
      'vnetImagePullEnabled', 'vnetRouteAllEnabled', 'scmSiteAlsoStopped', 'siteConfig', 'functionAppConfig', 'storageAccountResourceId',
      'storageAccountUseIdentityAuthentication', 'webConfiguration', 'msDeployConfiguration', 'appInsightResourceId', 'appSettingsKeyValuePairs',
      'authSettingV2Configuration', 'lock', 'logsConfiguration', 'privateEndpoints', 'slots', 'tags', 'enableTelemetry', 'roleAssignments',
      'diagnosticSettings', 'clientCertEnabled', 'clientCertExclusionPaths', 'clientCertMode', 'cloningInfo', 'containerSize', 'dailyMemoryTimeQuota',
      'enabled', 'hostNameSslStates', 'hyperV', 'redundancyMode', 'basicPublishingCredentialsPolicies', 'hybridConnectionRelays', 'publicNetworkAccess',
      'e2eEncryptionEnabled',
    ],
    required: ['name', 'kind', 'serverFarmResourceId'],
  },
};

/** Allowed values of module parameters that matter (AVM `@allowed` lists at the pinned tags). */
export const AVM_ENUMS: Record<string, Record<string, readonly (string | number)[]>> = {
  'br/public:avm/res/insights/component:0.6.0': {
    retentionInDays: [30, 60, 90, 120, 180, 270, 365, 550, 730],
    publicNetworkAccessForIngestion: PUBLIC_NETWORK_ACCESS,
    publicNetworkAccessForQuery: PUBLIC_NETWORK_ACCESS,
  },
  'br/public:avm/res/web/site:0.15.1': {
    kind: ['functionapp', 'functionapp,linux', 'functionapp,workflowapp', 'functionapp,workflowapp,linux', 'functionapp,linux,container', 'app', 'app,linux', 'app,linux,container'],
    publicNetworkAccess: PUBLIC_NETWORK_ACCESS,
  },
};
