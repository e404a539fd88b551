// Email for breach notices, DSAR and termination notices in one data region: an Email
// Communication Service with the region's custom domain (uk.<domain> or eu.<domain>) and an
// Azure-managed domain, linked to a Communication Services resource the app calls as its identity. main.bicep deploys this module
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

@description('Parent custom domain (notify.example.com); this region sends from its own subdomain of it. Empty only outside production.')
param customDomain string

@description('True once the subdomain\'s DNS records are verified for this region\'s email service; only a verified domain can be linked.')
param customDomainVerified bool

@description('The region\'s Log Analytics workspace: email send and delivery logs stay in the region.')
param workspaceId string

// Where each region's email data is kept. Never the other region's: EU tenants' email stays in
// Europe, UK tenants' email in the UK.
var dataLocations = {
  uksouth: 'UK'
  eu: 'Europe'
}
var dataLocation = dataLocations[regionKey]
var hasCustomDomain = !empty(customDomain)

// One subdomain per region: each email service verifies and sends from a domain of its own, so no
// domain has to be shared between two services.
var subdomainLabels = {
  uksouth: 'uk'
  eu: 'eu'
}
var regionalDomain = hasCustomDomain ? '${subdomainLabels[regionKey]}.${customDomain}' : ''
var sendsFromCustomDomain = hasCustomDomain && customDomainVerified

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'ecs-${regionKey}-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Sends as DoNotReply@<id>.azurecomm.net until the custom domain is verified, at the managed
// domain's very low limits; each region's email service gets a different one.
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

// Created so its SPF/DKIM/domain records can be added and verified by hand (infra/README.md,
// go-live checklist). The placeholder name only keeps the template valid outside production.
resource customerDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = if (hasCustomDomain) {
  parent: emailService
  name: hasCustomDomain ? regionalDomain : 'no-custom-domain.invalid'
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
var customDomainLink = sendsFromCustomDomain ? [
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

// Send and delivery logs (EmailSendMailOperational, EmailStatusUpdateOperational) name recipients:
// they go to this region's workspace only, kept for the telemetry retention.
resource emailDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-region-workspace'
  scope: communication
  properties: {
    workspaceId: workspaceId
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'EmailSendMailOperational'
        enabled: true
      }
      {
        category: 'EmailStatusUpdateOperational'
        enabled: true
      }
    ]
  }
}

output endpoint string = 'https://${communication.properties.hostName}/'
output senderAddress string = sendsFromCustomDomain ? 'DoNotReply@${regionalDomain}' : 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
output customDomainName string = regionalDomain
