// The role the app sends email with, on the Communication Services resource of every data region
// (modules/email.bicep). Defined once per resource group, not once per region: a role definition
// is a single tenant-wide object, and two module instances writing it at once would conflict.
//
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

output roleDefinitionId string = emailSenderRole.id
