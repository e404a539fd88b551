// The optional private network (main.bicep `privateNetworking`): a virtual network in the primary
// region that the function app joins, a subnet for the private endpoints of host storage, Cosmos DB
// and Key Vault, and the private DNS zones that resolve their names to those endpoints.

param name string
param location string
param tags object

var storageSuffix = environment().suffixes.storage
var zones = {
  blob: 'privatelink.blob.${storageSuffix}'
  queue: 'privatelink.queue.${storageSuffix}'
  table: 'privatelink.table.${storageSuffix}'
  Sql: 'privatelink.documents.azure.com'
  vault: 'privatelink.vaultcore.azure.net'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.20.0.0/16'
      ]
    }
    subnets: [
      {
        // Flex Consumption joins a subnet delegated to Microsoft.App/environments.
        name: 'app'
        properties: {
          addressPrefix: '10.20.1.0/24'
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: '10.20.2.0/24'
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
    ]
  }
}

resource dnsZones 'Microsoft.Network/privateDnsZones@2020-06-01' = [for zone in items(zones): {
  name: zone.value
  location: 'global'
  tags: tags
}]

resource dnsLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = [for (zone, i) in items(zones): {
  parent: dnsZones[i]
  name: 'link-${name}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: vnet.id
    }
  }
}]

output appSubnetId string = vnet.properties.subnets[0].id
output privateEndpointSubnetId string = vnet.properties.subnets[1].id
@description('Private DNS zone id by private endpoint group id (blob, queue, table, Sql, vault).')
output dnsZoneIds object = {
  blob: resourceId('Microsoft.Network/privateDnsZones', zones.blob)
  queue: resourceId('Microsoft.Network/privateDnsZones', zones.queue)
  table: resourceId('Microsoft.Network/privateDnsZones', zones.table)
  Sql: resourceId('Microsoft.Network/privateDnsZones', zones.Sql)
  vault: resourceId('Microsoft.Network/privateDnsZones', zones.vault)
}
