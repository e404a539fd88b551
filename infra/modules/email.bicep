// Email for breach notices, DSAR and termination notices: an Email Communication Service with an
// Azure-managed domain (and optionally a custom one), linked to a Communication Services resource
// the app calls as its identity.
//
// Both resources are global; `dataLocation` decides where their data at rest (message content
// and delivery records) is kept. 'UK' keeps it in the UK. EU tenants' notices are sent through
// the same resource, so their email data is kept in the UK too: the app has one email sender
// (shared/config.ts EMAIL_ENDPOINT). If an EU tenant's contract requires email data to stay in
// the EU, add a second pair with dataLocation 'Europe' and a per-region endpoint setting
// (EMAIL_ENDPOINT_EU) in shared/config.ts; see infra/README.md.

param resourceToken string
param tags object

@description('Principal (object) id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('Optional custom domain; empty for the Azure-managed domain only.')
param customDomain string = ''

@description('True once the custom domain\'s DNS records are verified; only a verified domain can be linked.')
param customDomainVerified bool = false

var dataLocation = 'UK'
var hasCustomDomain = !empty(customDomain)

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'ecs-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// Sends as DoNotReply@<id>.azurecomm.net; fine for a start, a custom domain for production.
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
  name: 'acs-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: concat(managedDomainLink, customDomainLink)
  }
}

// There is no built-in "email sender" role, and the built-in owner role can read the access keys.
// This custom role holds what sending with Microsoft Entra ID needs (per the Communication Services
// email authentication docs) and nothing that lists or regenerates keys.
resource emailSenderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'privacy-ops-email-sender')
  properties: {
    // Role names are unique per Entra ID tenant, hence the token.
    roleName: 'Privacy Ops Email Sender ${uniqueString(resourceGroup().id)}'
    description: 'Send email through Azure Communication Services with Microsoft Entra ID, without access keys.'
    type: 'customRole'
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
          'Microsoft.Communication/EmailServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource emailSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, appPrincipalId, 'privacy-ops-email-sender')
  scope: communication
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: emailSenderRole.id
  }
}

output endpoint string = 'https://${communication.properties.hostName}/'
output managedDomainSenderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
output customDomainId string = hasCustomDomain ? customerDomain.id : ''
