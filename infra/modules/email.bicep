// Email for breach notices, DSAR and termination notices in one data region: an Email
// Communication Service with an Azure-managed domain (and optionally a custom one), linked to a
// Communication Services resource the app calls as its identity. main.bicep deploys this module
// once per data region; the app sends a tenant's email through its region's resource
// (shared/config.ts EMAIL_ENDPOINT_UKSOUTH / EMAIL_ENDPOINT_EU).
//
// Both resources are global; `dataLocation` decides where their data at rest (message content
// and delivery records) is kept: 'UK' for uksouth tenants, 'Europe' for eu tenants. A domain can
// only be linked to a Communication Services resource with the same data location, so each
// region has its own domains too.

@description('Region name in shared/config.ts REGIONS; decides the data location and is part of every resource name.')
@allowed([
  'uksouth'
  'eu'
])
param regionKey string

param resourceToken string
param tags object

@description('Principal (object) id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Id of the custom email sender role (modules/email-sender-role.bicep), defined once for all regions.')
param senderRoleDefinitionId string

@description('Optional custom domain; empty for the Azure-managed domain only.')
param customDomain string = ''

@description('True once the custom domain\'s DNS records are verified for this region\'s email service; only a verified domain can be linked.')
param customDomainVerified bool = false

// Where each region's email data is kept. Never the other region's: EU tenants' email stays in
// Europe, UK tenants' email in the UK.
var dataLocations = {
  uksouth: 'UK'
  eu: 'Europe'
}
var dataLocation = dataLocations[regionKey]
var hasCustomDomain = !empty(customDomain)

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'ecs-${regionKey}-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Sends as DoNotReply@<id>.azurecomm.net; each region's email service gets a different one.
resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

// Created so its SPF/DKIM/domain records can be added and verified by hand (infra/README.md).
// The placeholder name only keeps the template valid when no custom domain is asked for.
resource customerDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = if (hasCustomDomain) {
  parent: emailService
  name: hasCustomDomain ? customDomain : 'no-custom-domain.invalid'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'CustomerManaged'
    userEngagementTracking: 'Disabled'
  }
}

var managedDomainLink = [
  managedDomain.id
]
var customDomainLink = hasCustomDomain && customDomainVerified ? [
  customerDomain.id
] : []

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-${regionKey}-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: concat(managedDomainLink, customDomainLink)
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, 'privacy-ops-email-sender')
  scope: communication
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: senderRoleDefinitionId
  }
}

output endpoint string = 'https://${communication.properties.hostName}/'
output managedDomainSenderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
output customDomainId string = hasCustomDomain ? customerDomain.id : ''
