// Privacy operations back end: everything `azd provision` creates. The function app, its host
// storage (which holds the Durable task hub) and the telemetry live in the primary region, UK South;
// each data region (UK South by default, the EU on request) gets its own Cosmos DB account, Key
// Vault and storage account in that region only, and its own email resources whose data location
// is that region's geography (UK or Europe). One user-assigned identity reaches all of them
// through role assignments; no account key or connection string is read or stored anywhere.
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

@description('A data region the app routes tenants to.')
type dataRegion = {
  @description('Region name in shared/config.ts REGIONS; the suffix of its app settings (COSMOS_ENDPOINT_<KEY>, ...).')
  key: 'uksouth' | 'eu'

  @description('The Azure region that holds the data, the backups and the keys of this region.')
  location: string
}

@description('The data regions. Every region of shared/config.ts REGIONS must appear exactly once; the EU location must be inside the EU.')
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

@minLength(1)
@description('Audience of the access tokens the API accepts: the Application ID URI (or client id) of the Entra ID app registration.')
param authAudience string

@description('Token issuer. Empty: the v2.0 issuer of this Entra ID tenant (the app registration must issue v2.0 access tokens).')
param authIssuer string = ''

@description('JWKS URL of the token issuer. Empty: the v2.0 signing keys of this Entra ID tenant.')
param authJwksUrl string = ''

@description('Sender address of every email, in every region. Empty: DoNotReply@ the Azure-managed domain of the uksouth email service, which the eu resource cannot send as (see infra/README.md).')
param emailSenderAddress string = ''

@description('Optional custom email domain (e.g. notify.example.com). Created in the email service of every data region so its DNS records can be verified; linked for sending only once verified.')
param emailCustomDomain string = ''

@description('True once the DNS records of emailCustomDomain are verified in the email service of every data region; links it to each region\'s Communication Services resource.')
param emailCustomDomainVerified bool = false

@description('Sentry DSN for error monitoring. Empty: Sentry is off.')
param sentryDsn string = ''

@minLength(3)
@description('Mailbox of the ops.breach team: reminded 24, 48 and 66 hours after awareness of a breach while its notices are unsent.')
param opsBreachEmail string

@minLength(3)
@description('Escalation mailbox: alerted 70 hours after awareness of a breach whose notices are still unsent.')
param opsEscalationEmail string

@minLength(1)
@description('Name of the vendor\'s data protection officer: the contact point breach notices give by default (Art 33(3)(b)).')
param dpoName string

@minLength(3)
@description('Email address of the vendor\'s data protection officer.')
param dpoEmail string

@description('Maximum autoscale throughput (RU/s) shared by the containers of each regional database.')
@minValue(1000)
param cosmosMaxThroughput int = 1000

@description('Flex Consumption instance memory (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Flex Consumption maximum instance count.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'
var cosmosDatabaseName = 'privacy-ops'
var loginEndpoint = environment().authentication.loginEndpoint
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

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
    dataRetention: 30
  }
}

// Workspace-based, local (instrumentation key) auth off: the app publishes telemetry as its identity.
module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'application-insights'
  scope: rg
  params: {
    name: 'appi-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
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

module hostStorage 'modules/host-storage.bicep' = {
  name: 'host-storage'
  scope: rg
  params: {
    name: 'sthost${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
  }
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
    cosmosDatabaseName: cosmosDatabaseName
    cosmosMaxThroughput: cosmosMaxThroughput
  }
}]

// The email sender role, defined once and assigned on each region's Communication Services resource.
module emailSenderRole 'modules/email-sender-role.bicep' = {
  name: 'email-sender-role'
  scope: rg
}

// Email per data region: the email module sets the data location from the region key (uksouth:
// 'UK', eu: 'Europe'), so a tenant's notification content is kept in its region's geography.
module email 'modules/email.bicep' = [for region in dataRegions: {
  name: 'email-${region.key}'
  scope: rg
  params: {
    regionKey: region.key
    resourceToken: resourceToken
    tags: tags
    appPrincipalId: identity.outputs.principalId
    senderRoleDefinitionId: emailSenderRole.outputs.roleDefinitionId
    customDomain: emailCustomDomain
    customDomainVerified: emailCustomDomainVerified
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
  // A sender per region: a resource may only send from a domain with its own data location. A custom
  // address (emailSenderAddress) must be on a domain verified in both regions; see infra/README.md.
  EMAIL_SENDER_ADDRESS_UKSOUTH: empty(emailSenderAddress) ? email[ukSouth].outputs.managedDomainSenderAddress : emailSenderAddress
  EMAIL_SENDER_ADDRESS_EU: empty(emailSenderAddress) ? email[eu].outputs.managedDomainSenderAddress : emailSenderAddress
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
  // Shorter than the 7-day lifecycle rule that deletes exports and access packages.
  DOWNLOAD_LINK_TTL_HOURS: '72'
  // Breach notification: who is reminded and escalated while notices are unsent, and the contact point.
  OPS_BREACH_EMAIL: opsBreachEmail
  OPS_ESCALATION_EMAIL: opsEscalationEmail
  DPO_NAME: dpoName
  DPO_EMAIL: dpoEmail
  // Request hygiene and abuse limits (see README "Security"): limits hold per instance.
  AUTH_MAX_TOKEN_LIFETIME_MINUTES: '1440'
  REQUEST_BODY_LIMIT_BYTES: '1048576'
  REQUEST_JSON_MAX_DEPTH: '32'
  RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: '600'
  RATE_LIMIT_PER_CALLER_TENANT_PER_MINUTE: '3000'
  AUDIT_CHAIN_LANES: '8'
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
  }
}

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
output EMAIL_SENDER_ADDRESS_UKSOUTH string = empty(emailSenderAddress) ? email[ukSouth].outputs.managedDomainSenderAddress : emailSenderAddress
output EMAIL_SENDER_ADDRESS_EU string = empty(emailSenderAddress) ? email[eu].outputs.managedDomainSenderAddress : emailSenderAddress
output EMAIL_MANAGED_DOMAIN_SENDER_UKSOUTH string = email[ukSouth].outputs.managedDomainSenderAddress
output EMAIL_MANAGED_DOMAIN_SENDER_EU string = email[eu].outputs.managedDomainSenderAddress
output EMAIL_CUSTOM_DOMAIN_ID_UKSOUTH string = email[ukSouth].outputs.customDomainId
output EMAIL_CUSTOM_DOMAIN_ID_EU string = email[eu].outputs.customDomainId
