// One private endpoint in the app's network for one sub-resource of a store (a storage account's
// blob, queue or table service, a Cosmos DB account, a vault), registered in its private DNS zone.

param name string
param location string
param tags object
param subnetId string

@description('Resource id of the store reached privately.')
param targetId string

@allowed([
  'blob'
  'queue'
  'table'
  'Sql'
  'vault'
])
param groupId string

param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: dnsZoneId
        }
      }
    ]
  }
}
