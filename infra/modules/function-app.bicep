// The API: a Flex Consumption function app on Linux running Node 22, with the app's one
// user-assigned identity for everything, including reading its deployment package.

param name string
param location string
param tags object
param planId string
param identityResourceId string

@description('Blob container URL of the deployment package in the host storage account.')
param deploymentContainerUrl string

@description('App settings, assembled in main.bicep where every name is checked against shared/config.ts.')
param appSettings object

param instanceMemoryMB int
param maximumInstanceCount int

module site 'br/public:avm/res/web/site:0.15.1' = {
  name: 'site-${name}'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    // azd deploys the `api` service of azure.yaml to the app carrying this tag.
    tags: union(tags, { 'azd-service-name': 'api' })
    serverFarmResourceId: planId
    httpsOnly: true
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [
        identityResourceId
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    appSettingsKeyValuePairs: appSettings
  }
}

output name string = site.outputs.name
output uri string = 'https://${site.outputs.defaultHostname}'
