// The function app's own storage in the primary region: AzureWebJobsStorage (host state, timers),
// the Durable task hub (queues, tables and blobs of PrivacyOpsHub) and the deployment package.
// Kept apart from the data regions' accounts so the exports lifecycle rule and the data roles
// never touch host state, and host roles never reach tenant exports.
//
// The task hub serves tenants of every region, so orchestration inputs and outputs carry ids only
// (documents stay in the regional Cosmos DB account); see infra/README.md.

param name string
param location string
param tags object
param deploymentContainerName string

@description('Principal (object) id of the app\'s user-assigned identity.')
param appPrincipalId string

@description('The primary region\'s Log Analytics workspace: the host storage logs go there.')
param workspaceId string

@description('Reachable only through private endpoints in the app\'s network.')
param privateNetworking bool
param privateEndpointSubnetId string
param privateDnsZoneIds object
param privateEndpointLocation string

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  // Zone-redundant inside the region; never geo-redundant.
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The host and the Durable Azure Storage provider use blobs (leases, large messages), queues
// (control and work-item queues) and tables (history and instances).
var hostRoles = [
  storageBlobDataOwner
  storageQueueDataContributor
  storageTableDataContributor
]

resource hostRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for roleId in hostRoles: {
  name: guid(storage.id, appPrincipalId, roleId)
  scope: storage
  properties: {
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
  }
}]

// The Durable task hub's queues and tables: their logs feed the backlog and failure investigations.
resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' existing = {
  parent: storage
  name: 'default'
}

var storageLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-primary-workspace'
  scope: blobService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-primary-workspace'
  scope: queueService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-primary-workspace'
  scope: tableService
  properties: {
    workspaceId: workspaceId
    logs: storageLogs
  }
}

// The host and the Durable provider use all three services, so each gets a private endpoint.
var privateServices = [
  'blob'
  'queue'
  'table'
]

module endpoints 'private-endpoint.bicep' = [for service in privateServices: if (privateNetworking) {
  name: 'pe-host-${service}'
  params: {
    name: 'pe-${storage.name}-${service}'
    location: privateEndpointLocation
    tags: tags
    subnetId: privateEndpointSubnetId
    targetId: storage.id
    groupId: service
    dnsZoneId: privateNetworking ? privateDnsZoneIds[service] : ''
  }
}]

output name string = storage.name
output resourceId string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
