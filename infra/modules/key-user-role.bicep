// The role the app uses its tenant and signing keys with, on the Key Vault of every data region
// (modules/data-region.bicep). Defined once per resource group, like the email sender role.
//
// Not the built-in Key Vault Crypto Officer: that role includes key backup and restore, and a key
// backup can be restored into another vault of the same geography after the original is purged, so
// crypto-shredding would have a back door. This role holds exactly the key operations the app
// performs (shared/crypto/key-vault.ts; test/infra checks the two lists against each other): no
// backup, no restore, no import, no recover, no purge. Purge protection refuses an early purge
// anyway; the app's purge request is refused by this role first, which the app treats the same way.

resource keyUserRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, 'privacy-ops-key-user')
  properties: {
    // Role names are unique per Entra ID tenant, hence the token.
    roleName: 'Privacy Ops Key User ${uniqueString(resourceGroup().id)}'
    description: 'Create, read, disable and delete keys; wrap, unwrap and sign with them. No backup, restore, import, recover or purge.'
    type: 'customRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: [
          // getKey, getDeletedKey, listPropertiesOfKeyVersions
          'Microsoft.KeyVault/vaults/keys/read'
          // createRsaKey, createEcKey
          'Microsoft.KeyVault/vaults/keys/create/action'
          // updateKeyProperties (a key is disabled before it is deleted)
          'Microsoft.KeyVault/vaults/keys/update/action'
          // beginDeleteKey (soft delete; the key is unusable and gone for good when retention ends)
          'Microsoft.KeyVault/vaults/keys/delete'
          'Microsoft.KeyVault/vaults/keys/wrap/action'
          'Microsoft.KeyVault/vaults/keys/unwrap/action'
          'Microsoft.KeyVault/vaults/keys/sign/action'
        ]
        notDataActions: []
      }
    ]
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

output roleDefinitionId string = keyUserRole.id
