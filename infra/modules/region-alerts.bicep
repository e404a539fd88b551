// The alerts of one data region, sent to the ops action group: Cosmos DB throttling and RU use,
// Key Vault throttling, any key backup, restore or recovery (a tenant key must never leave its
// vault or come back), and email that failed to deliver. Log alerts run in the region's own
// workspace, in the region.

@allowed([
  'uksouth'
  'eu'
])
param regionKey string
param location string
param tags object
param actionGroupId string
param cosmosAccountId string
param keyVaultId string
param workspaceId string

var actions = [
  {
    actionGroupId: actionGroupId
  }
]

resource cosmosThrottled 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'cosmos-throttled-${regionKey}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB answered requests with 429 (throttled) in ${regionKey}.'
    severity: 2
    enabled: true
    scopes: [
      cosmosAccountId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 10
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

resource cosmosRuHigh 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'cosmos-ru-above-90-${regionKey}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Cosmos DB normalized RU consumption above 90% of the autoscale maximum in ${regionKey}.'
    severity: 2
    enabled: true
    scopes: [
      cosmosAccountId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'ru'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'NormalizedRUConsumption'
          operator: 'GreaterThan'
          threshold: 90
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

resource vaultThrottled 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'keyvault-throttled-${regionKey}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Key Vault answered requests with 429 (throttled) in ${regionKey}.'
    severity: 2
    enabled: true
    scopes: [
      keyVaultId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled'
          metricNamespace: 'Microsoft.KeyVault/vaults'
          metricName: 'ServiceApiResult'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: actions
  }
}

// No one, the app included, holds a role that can back up, restore or recover a key; an event of
// that kind means a role was changed or a vault was tampered with, and crypto-shredding is at stake.
resource keyBackupOrRestore 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'key-backup-or-restore-${regionKey}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'A Key Vault key was backed up, restored or recovered (${regionKey})'
    description: 'Key Vault audit log shows KeyBackup, KeyRestore or KeyRecover: a tenant key may exist outside its vault or have come back after deletion.'
    severity: 0
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: '''
AZKVAuditLogs
| where OperationName in~ ('KeyBackup', 'KeyRestore', 'KeyRecover')
| summarize events = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'events'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: {
      actionGroups: [
        actionGroupId
      ]
    }
  }
}

// Notices that did not reach a contact. The alert carries the count only: the recipients stay in
// the region's workspace.
resource emailFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'email-send-failures-${regionKey}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Emails failed to deliver (${regionKey})'
    description: 'Communication Services reported emails as failed, bounced, quarantined, filtered as spam or suppressed.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
ACSEmailStatusUpdateOperational
| where isnotempty(RecipientId)
| where DeliveryStatus in~ ('Failed', 'Bounced', 'Quarantined', 'FilteredSpam', 'Suppressed')
| summarize failures = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    actions: {
      actionGroups: [
        actionGroupId
      ]
    }
  }
}
