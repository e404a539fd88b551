// What ops are told, and how: one action group (Azure Monitor's own email to the escalation
// mailbox, so an outage of the email service being watched cannot silence its own alert), the
// alerts on the app as a whole, and the monthly budget. Each data region's alerts are in
// modules/region-alerts.bicep.

param resourceToken string
param tags object

@description('Mailbox every alert is sent to (OPS_ESCALATION_EMAIL).')
param opsEmail string

param appInsightsId string
param hostStorageId string
param monthlyBudget int
param budgetStartDate string

var location = resourceGroup().location

resource ops 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-ops-${resourceToken}'
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'privacy-ops'
    enabled: true
    emailReceivers: [
      {
        name: 'ops-escalation'
        emailAddress: opsEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// An orchestration that failed stopped a promise (a grace window, a breach clock, a DSAR deadline).
// The Durable extension traces every state change of an instance in Application Insights.
resource orchestrationFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'orchestration-failed-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'An orchestration failed'
    description: 'A Durable Functions orchestration ended Failed: the flow it ran (termination, breach notice, DSAR) is stopped until someone acts.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where customDimensions.Category == 'Host.Triggers.DurableTask'
| where customDimensions.prop__functionType == 'Orchestrator' and customDimensions.prop__state == 'Failed'
| summarize failed = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'failed'
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
        ops.id
      ]
    }
  }
}

// The breach clock's heartbeat (functions/breach-clock-heartbeat.ts) runs every hour; two hours
// without one means timers are not firing and a 72-hour deadline could pass unwatched. (A breach
// whose workflow stopped fails the heartbeat run, which the function-exceptions alert reports.)
resource breachClockSilent 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'breach-clock-heartbeat-missing-${resourceToken}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'The breach clock has no heartbeat'
    description: 'No breach clock heartbeat for two hours: timer triggers are not running, so breach reminders and escalations may not fire.'
    severity: 1
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT30M'
    windowSize: 'PT2H'
    criteria: {
      allOf: [
        {
          query: '''
traces
| where message startswith 'breach clock heartbeat'
| summarize beats = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'beats'
          operator: 'LessThan'
          threshold: 1
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
        ops.id
      ]
    }
  }
}

resource functionExceptions 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'function-exceptions-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'Functions threw exceptions (Application Insights exceptions/count).'
    severity: 2
    enabled: true
    scopes: [
      appInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'exceptions'
          metricNamespace: 'microsoft.insights/components'
          metricName: 'exceptions/count'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: ops.id
      }
    ]
  }
}

// Messages waiting in the task hub's queues (control and work items): workers are not keeping up,
// or are not running at all. Queue capacity metrics are hourly.
resource hostQueueBacklog 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'host-queue-backlog-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than 1,000 messages wait in the Durable task hub queues of the host storage.'
    severity: 2
    enabled: true
    scopes: [
      '${hostStorageId}/queueServices/default'
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT6H'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'backlog'
          metricNamespace: 'Microsoft.Storage/storageAccounts/queueServices'
          metricName: 'QueueMessageCount'
          operator: 'GreaterThan'
          threshold: 1000
          timeAggregation: 'Average'
        }
      ]
    }
    autoMitigate: true
    actions: [
      {
        actionGroupId: ops.id
      }
    ]
  }
}

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = {
  name: 'budget-${resourceToken}'
  properties: {
    category: 'Cost'
    amount: monthlyBudget
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: budgetStartDate
    }
    notifications: {
      actualOver80: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 80
        thresholdType: 'Actual'
        contactEmails: [
          opsEmail
        ]
        contactGroups: [
          ops.id
        ]
      }
      forecastOver100: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 100
        thresholdType: 'Forecasted'
        contactEmails: [
          opsEmail
        ]
        contactGroups: [
          ops.id
        ]
      }
    }
  }
}

output actionGroupId string = ops.id
