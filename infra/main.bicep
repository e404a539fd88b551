// Privacy operations back end: everything `azd provision` creates. The function app, its host
// storage (which holds the Durable task hub) and the app's telemetry live in the primary region, UK
// South; each data region (UK South by default, the EU on request) gets its own Cosmos DB account,
// Key Vault, storage account and Log Analytics workspace in that region only, and its own email
// resources whose data location is that region's geography (UK or Europe). One user-assigned
// identity reaches all of them through role assignments; no account key or connection string is
// read or stored anywhere. See infra/README.md for what is processed and stored where.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; the unique token in every resource name is derived from it.')
param environmentName string

// The privacy notice makes UK South the default region, and the app, the Durable task hub and the
// telemetry serve every tenant, so the primary region is not a free choice.
@description('Primary region: the function app, its host storage and Durable task hub, Application Insights.')
@allowed([
  'uksouth'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string = 'uksouth'

// A data region can only be placed in its own geography: the type itself refuses `eu` in eastus
// or `uksouth` in westeurope, before anything is deployed.
@description('The UK data region: UK South by default; UK West is the only other UK region.')
type ukDataRegion = {
  key: 'uksouth'
  location: 'uksouth' | 'ukwest'
}

@description('The EU data region: an Azure region inside the European Union.')
type euDataRegion = {
  key: 'eu'
  location: 'westeurope' | 'northeurope' | 'francecentral' | 'germanywestcentral' | 'swedencentral' | 'italynorth' | 'spaincentral' | 'polandcentral'
}

@description('A data region the app routes tenants to; its key is the region name in shared/config.ts REGIONS.')
@discriminator('key')
type dataRegion = ukDataRegion | euDataRegion

@description('The data regions. Every region of shared/config.ts REGIONS must appear exactly once.')
param dataRegions dataRegion[] = [
  {
    key: 'uksouth'
    location: 'uksouth'
  }
  {
    key: 'eu'
    location: 'westeurope'
  }
]

@description('A production environment: requires a custom email domain and refuses a wildcard CORS origin. Set false only for a throwaway test environment.')
param production bool = true

@minLength(1)
@description('Audience of the access tokens the API accepts: the Application ID URI (or client id) of the Entra ID app registration.')
param authAudience string

@description('Token issuer. Empty: the v2.0 issuer of this Entra ID tenant (the app registration must issue v2.0 access tokens).')
param authIssuer string = ''

@description('JWKS URL of the token issuer. Empty: the v2.0 signing keys of this Entra ID tenant.')
param authJwksUrl string = ''

@description('Parent domain for email (e.g. notify.example.com). Each data region sends from its own subdomain, uk.<domain> and eu.<domain>, created in that region\'s email service. Required in production: the Azure-managed domain sends only a handful of messages a minute.')
param emailCustomDomain string = ''

@description('True once the DNS records of both regional subdomains are verified; links them for sending. Until then the Azure-managed domains send, at their very low limits.')
param emailCustomDomainVerified bool = false

// The documented starting limits of a verified custom domain, per subscription (both regions share
// them); raisable by a support request. The app paces and escalates against these numbers.
@description('Emails the subscription may send per minute (custom-domain default 30).')
@minValue(1)
param emailQuotaPerMinute int = 30

@description('Emails the subscription may send per hour (custom-domain default 100).')
@minValue(1)
param emailQuotaPerHour int = 100

@description('Origins of the admin portal allowed to call the API from a browser, comma-separated (https://portal.example.com). No wildcard in production.')
param corsAllowedOrigins string = ''

@description('Sentry DSN for error monitoring. Empty: Sentry is off.')
param sentryDsn string = ''

@minLength(3)
@description('Mailbox of the ops.breach team: reminded 24, 48 and 66 hours after awareness of a breach while its notices are unsent.')
param opsBreachEmail string

@minLength(3)
@description('Escalation mailbox: alerted 70 hours after awareness of a breach whose notices are still unsent, and by every Azure Monitor alert.')
param opsEscalationEmail string

@minLength(1)
@description('Name of the vendor\'s data protection officer: the contact point breach notices give by default (Art 33(3)(b)).')
param dpoName string

@minLength(3)
@description('Email address of the vendor\'s data protection officer.')
param dpoEmail string

@minLength(1)
@description('The processor\'s name, as the record of processing (Art 30(2)) gives it.')
param processorName string = 'Opsium'

@description('Shortest notice of a sub-processor change (ISO 8601 duration in weeks, days or hours).')
param subProcessorNoticePeriod string = 'P30D'

@description('Mailbox of the ops.platform team: told of objections to sub-processor changes. Empty: the DPO.')
param opsPlatformEmail string = ''
@description('Reference of the UK IDTA for support access from outside the UK (empty: none)')
param supportTransferUkIdta string = ''

@description('Reference of the EU SCCs for support access from outside the EEA (empty: none)')
param supportTransferEuSccs string = ''

@description('Transfer impact assessment per destination for support access, e.g. US=TIA-US-2026-01 (comma-separated)')
param supportTransferTias string = ''

@description('Monthly cost budget of the resource group, in the billing currency; ops are alerted at 80% spent and at 100% forecast.')
@minValue(1)
param monthlyBudget int = 500

@description('First day of the month the budget starts (YYYY-MM-01). Fixed once set: Azure refuses to move a budget\'s start.')
@minLength(10)
@maxLength(10)
param budgetStartDate string

@description('Flex Consumption instance memory (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption maximum instance count; the Cosmos DB autoscale maximum is sized from it.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Put host storage, Cosmos DB and Key Vault behind private endpoints in a virtual network the function app joins. Export storage stays public: data subjects download from it.')
param privateNetworking bool = false

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var cosmosDatabaseName = 'privacy-ops'
var loginEndpoint = environment().authentication.loginEndpoint
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

// Telemetry (Application Insights, every Log Analytics workspace) is kept as long as backups: 30
// days, the TELEMETRY_RETENTION_DAYS the app states. Key Vault audit events are the independent
// evidence of key deletion and hold no personal data; they are kept a year.
var telemetryRetentionDays = 30
var keyAuditRetentionDays = 365

// Cosmos DB autoscale sized against the Functions concurrency: every instance runs at most
// `activityConcurrency` activities (host.json maxConcurrentActivityFunctions) and `httpConcurrency`
// requests at once, and each unit of work is given 5 RU/s. Beyond that Cosmos DB throttles (the SDK
// retries, the 429 alert fires) instead of the bill growing without limit.
var activityConcurrency = 10
var httpConcurrency = 10
var ruPerConcurrentWork = 5
var cosmosAutoscaleMax = ((maximumInstanceCount * (activityConcurrency + httpConcurrency) * ruPerConcurrentWork + 999) / 1000) * 1000

// Refusals at deployment time: production email needs a custom domain, and no wildcard origin.
var customDomain = production && empty(emailCustomDomain)
  ? fail('emailCustomDomain is required in production: the Azure-managed domain sends only a handful of emails a minute (infra/README.md, go-live checklist).')
  : emailCustomDomain
var corsOriginList = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))
var corsOrigins = production && contains(corsOriginList, '*')
  ? fail('corsAllowedOrigins must list the admin portal origins; a wildcard is refused in production.')
  : corsOriginList

// The app's setting names are fixed per region (shared/config.ts), so each one is wired to the
// module instance of its own region by key, never by position in the list.
var regionKeys = map(dataRegions, region => region.key)
var ukSouth = indexOf(regionKeys, 'uksouth')
var eu = indexOf(regionKeys, 'eu')

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

// The one identity of the app: every data store, the host storage, telemetry and email.
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'app-identity'
  scope: rg
  params: {
    name: 'id-api-${resourceToken}'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'log-analytics'
  scope: rg
  params: {
    name: 'log-${resourceToken}'
    location: location
    tags: tags
    dataRetention: telemetryRetentionDays
  }
}

// Workspace-based, local (instrumentation key) auth off: the app publishes telemetry as its identity.
// IP masking on: client addresses are never stored (the component module's default keeps them).
module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'application-insights'
  scope: rg
  params: {
    name: 'appi-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
    disableIpMasking: false
    retentionInDays: telemetryRetentionDays
    roleAssignments: [
      {
        principalId: identity.outputs.principalId
        principalType: 'ServicePrincipal'
        roleDefinitionIdOrName: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
      }
    ]
  }
}

module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'flex-consumption-plan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  scope: rg
  params: {
    name: 'vnet-${resourceToken}'
    location: location
    tags: tags
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: 'sthost${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
    workspaceId: logAnalytics.outputs.resourceId
    privateNetworking: privateNetworking
    privateEndpointSubnetId: privateNetworking ? network!.outputs.privateEndpointSubnetId : ''
    privateDnsZoneIds: privateNetworking ? network!.outputs.dnsZoneIds : {}
    privateEndpointLocation: location
  }
}

// The key operations the app performs, and nothing else: defined once, assigned on every vault.
module keyUserRole 'modules/key-user-role.bicep' = {
  name: 'key-user-role'
  scope: rg
}

module regions 'modules/data-region.bicep' = [for region in dataRegions: {
  name: 'data-region-${region.key}'
  scope: rg
  params: {
    regionKey: region.key
    location: region.location
    resourceToken: resourceToken
    tags: tags
    appPrincipalId: identity.outputs.principalId
    keyUserRoleDefinitionId: keyUserRole.outputs.roleDefinitionId
    cosmosDatabaseName: cosmosDatabaseName
    cosmosMaxThroughput: cosmosAutoscaleMax
    telemetryRetentionDays: telemetryRetentionDays
    keyAuditRetentionDays: keyAuditRetentionDays
    privateNetworking: privateNetworking
    privateEndpointSubnetId: privateNetworking ? network!.outputs.privateEndpointSubnetId : ''
    privateDnsZoneIds: privateNetworking ? network!.outputs.dnsZoneIds : {}
    // Private endpoints live in the app's network, in the primary region; the data never moves.
    privateEndpointLocation: location
  }
}]

// The email sender role, defined once and assigned on each region's Communication Services resource.
module emailSenderRole 'modules/email-sender-role.bicep' = {
  name: 'email-sender-role'
  scope: rg
}

// Email per data region: the email module sets the data location from the region key (uksouth:
// 'UK', eu: 'Europe'), so a tenant's notification content is kept in its region's geography.
module email 'modules/email.bicep' = [for (region, i) in dataRegions: {
  name: 'email-${region.key}'
  scope: rg
  params: {
    regionKey: region.key
    resourceToken: resourceToken
    tags: tags
    appPrincipalId: identity.outputs.principalId
    senderRoleDefinitionId: emailSenderRole.outputs.roleDefinitionId
    customDomain: customDomain
    customDomainVerified: emailCustomDomainVerified
    workspaceId: regions[i].outputs.workspaceId
  }
}]

// Every app setting in one place, so a test can hold it against SETTING_NAMES in shared/config.ts.
// Not here on purpose: COSMOS_KEY_*, STORAGE_ACCOUNT_KEY_* and EMAIL_ACCESS_KEY (local stand-ins
// only; local auth is off on every Azure resource) and FUNCTIONS_WORKER_RUNTIME (Flex Consumption
// takes the runtime from functionAppConfig and rejects the setting).
var appSettings = {
  // Host storage, also the Durable task hub (host.json: PrivacyOpsHub), reached as the identity.
  AzureWebJobsStorage__accountName: hostStorage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'

  COSMOS_DATABASE: cosmosDatabaseName
  COSMOS_ENDPOINT_UKSOUTH: regions[ukSouth].outputs.cosmosEndpoint
  COSMOS_ENDPOINT_EU: regions[eu].outputs.cosmosEndpoint
  KEYVAULT_URL_UKSOUTH: regions[ukSouth].outputs.keyVaultUrl
  KEYVAULT_URL_EU: regions[eu].outputs.keyVaultUrl
  STORAGE_BLOB_URL_UKSOUTH: regions[ukSouth].outputs.blobUrl
  STORAGE_BLOB_URL_EU: regions[eu].outputs.blobUrl
  EMAIL_ENDPOINT_UKSOUTH: email[ukSouth].outputs.endpoint
  EMAIL_ENDPOINT_EU: email[eu].outputs.endpoint
  // A sender per region: a resource may only send from a domain with its own data location.
  EMAIL_SENDER_ADDRESS_UKSOUTH: email[ukSouth].outputs.senderAddress
  EMAIL_SENDER_ADDRESS_EU: email[eu].outputs.senderAddress
  EMAIL_QUOTA_PER_MINUTE: string(emailQuotaPerMinute)
  EMAIL_QUOTA_PER_HOUR: string(emailQuotaPerHour)
  CORS_ALLOWED_ORIGINS: join(corsOrigins, ',')
  AUTH_ISSUER: empty(authIssuer) ? '${loginEndpoint}${tenant().tenantId}/v2.0' : authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URL: empty(authJwksUrl) ? '${loginEndpoint}${tenant().tenantId}/discovery/v2.0/keys' : authJwksUrl
  AZURE_CLIENT_ID: identity.outputs.clientId
  LOCAL_DEVELOPMENT: 'false'
  SENTRY_DSN: sentryDsn
  SENTRY_ENVIRONMENT: environmentName
  // What the deletion certificate states must be what the infrastructure does: Cosmos DB
  // continuous backup keeps 30 days (Continuous30Days); Key Vault keeps a deleted key for 7 days.
  BACKUP_RETENTION_DAYS: '30'
  KEY_SOFT_DELETE_RETENTION_DAYS: '7'
  TELEMETRY_RETENTION_DAYS: string(telemetryRetentionDays)
  // Shorter than the lifecycle rule that deletes exports and access packages once older than 7 days.
  DOWNLOAD_LINK_TTL_HOURS: '72'
  // Breach notification: who is reminded and escalated while notices are unsent, and the contact point.
  OPS_BREACH_EMAIL: opsBreachEmail
  OPS_ESCALATION_EMAIL: opsEscalationEmail
  // Hourly: the no-heartbeat alert (modules/alerts.bicep) fires after two hours without one.
  BREACH_CLOCK_HEARTBEAT_SCHEDULE: '0 5 * * * *'
  // Our own target for telling controllers (Art 33(2) "without undue delay"); 72 hours is the outer promise.
  BREACH_NOTIFY_TARGET: 'PT24H'
  // A data-subject request waiting on the person for identity or clarification closes as not verified after this.
  DSAR_UNVERIFIED_CLOSE_AFTER: 'P1M'
  // Daily: the retention sweep deletes what the retention schedule says at the first run after it is due.
  RETENTION_SWEEP_SCHEDULE: '0 15 2 * * *'
  // Every 10 minutes: a lost signal, a failed start or a failed workflow is repaired within one interval.
  FLOW_RECONCILER_SCHEDULE: '0 */10 * * * *'
  DPO_NAME: dpoName
  DPO_EMAIL: dpoEmail
  // Request hygiene and abuse limits (see README "Security"): limits hold per instance.
  AUTH_MAX_TOKEN_LIFETIME_MINUTES: '1440'
  REQUEST_BODY_LIMIT_BYTES: '1048576'
  REQUEST_JSON_MAX_DEPTH: '32'
  RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: '600'
  RATE_LIMIT_PER_CALLER_TENANT_PER_MINUTE: '3000'
  AUDIT_CHAIN_LANES: '8'
  // Unwrapped keys stay in an instance's memory at most 5 minutes (see README, Performance).
  KEY_CACHE_SECONDS: '300'
  // Residency statements name where each region's stores are: the location each region module was deployed to.
  DATA_LOCATION_UKSOUTH: regions[ukSouth].outputs.location
  DATA_LOCATION_EU: regions[eu].outputs.location
  PROCESSOR_NAME: processorName
  // Sub-processor changes take effect no sooner than this after customers are told (DPA §5).
  SUBPROCESSOR_NOTICE_PERIOD: subProcessorNoticePeriod
  OPS_PLATFORM_EMAIL: opsPlatformEmail
  // Support access from outside a region's geography (lockbox): the signed UK IDTA and EU SCCs and
  // the transfer impact assessment per destination; empty means no such access is granted.
  SUPPORT_TRANSFER_UK_IDTA: supportTransferUkIdta
  SUPPORT_TRANSFER_EU_SCCS: supportTransferEuSccs
  SUPPORT_TRANSFER_TIAS: supportTransferTias
}

module api 'modules/function-app.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    planId: plan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    deploymentContainerUrl: '${hostStorage.outputs.blobEndpoint}${deploymentContainerName}'
    appSettings: appSettings
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpConcurrency: httpConcurrency
    corsAllowedOrigins: corsOrigins
    subnetId: privateNetworking ? network!.outputs.appSubnetId : ''
  }
}

// Azure Monitor alerts to ops through an action group (Azure Monitor's own email, not the email
// service being watched), and the monthly budget.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    resourceToken: resourceToken
    tags: tags
    opsEmail: opsEscalationEmail
    appInsightsId: monitoring.outputs.resourceId
    hostStorageId: hostStorage.outputs.resourceId
    monthlyBudget: monthlyBudget
    budgetStartDate: budgetStartDate
  }
}

// The alerts of each data region, on that region's resources and workspace.
module regionAlerts 'modules/region-alerts.bicep' = [for (region, i) in dataRegions: {
  name: 'region-alerts-${region.key}'
  scope: rg
  params: {
    regionKey: region.key
    location: region.location
    tags: tags
    actionGroupId: alerts.outputs.actionGroupId
    cosmosAccountId: regions[i].outputs.cosmosAccountId
    keyVaultId: regions[i].outputs.keyVaultId
    workspaceId: regions[i].outputs.workspaceId
  }
}]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_FUNCTION_NAME string = api.outputs.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output COSMOS_DATABASE string = cosmosDatabaseName
output COSMOS_ENDPOINT_UKSOUTH string = regions[ukSouth].outputs.cosmosEndpoint
output COSMOS_ENDPOINT_EU string = regions[eu].outputs.cosmosEndpoint
output KEYVAULT_URL_UKSOUTH string = regions[ukSouth].outputs.keyVaultUrl
output KEYVAULT_URL_EU string = regions[eu].outputs.keyVaultUrl
output STORAGE_BLOB_URL_UKSOUTH string = regions[ukSouth].outputs.blobUrl
output STORAGE_BLOB_URL_EU string = regions[eu].outputs.blobUrl
output EMAIL_ENDPOINT_UKSOUTH string = email[ukSouth].outputs.endpoint
output EMAIL_ENDPOINT_EU string = email[eu].outputs.endpoint
output EMAIL_SENDER_ADDRESS_UKSOUTH string = email[ukSouth].outputs.senderAddress
output EMAIL_SENDER_ADDRESS_EU string = email[eu].outputs.senderAddress
output EMAIL_CUSTOM_DOMAIN_UKSOUTH string = email[ukSouth].outputs.customDomainName
output EMAIL_CUSTOM_DOMAIN_EU string = email[eu].outputs.customDomainName
output DATA_LOCATION_UKSOUTH string = regions[ukSouth].outputs.location
output DATA_LOCATION_EU string = regions[eu].outputs.location
