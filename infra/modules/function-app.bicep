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

@description('HTTP requests one instance serves at once (part of the Cosmos DB sizing in main.bicep).')
param httpConcurrency int

@description('Origins of the admin portal (the same list as the CORS_ALLOWED_ORIGINS app setting).')
param corsAllowedOrigins string[]

@description('Subnet the app joins when private networking is on; empty otherwise.')
param subnetId string

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
    // A stateless API: no ARR affinity cookie pinning a browser to one instance.
    clientAffinityEnabled: false
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
        triggers: {
          http: {
            perInstanceConcurrency: httpConcurrency
          }
        }
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
      // The admin portal calls the API from its own origin with a bearer token, never cookies, so
      // credentials stay off (and with them any chance of a wildcard with credentials).
      cors: {
        allowedOrigins: corsAllowedOrigins
        supportCredentials: false
      }
    }
    // Deployment goes through Microsoft Entra ID (azd, OneDeploy); FTP and SCM basic auth are off.
    basicPublishingCredentialsPolicies: [
      {
        name: 'ftp'
        allow: false
      }
      {
        name: 'scm'
        allow: false
      }
    ]
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    appSettingsKeyValuePairs: appSettings
  }
}

output name string = site.outputs.name
output uri string = 'https://${site.outputs.defaultHostname}'
