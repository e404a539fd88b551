// Running it: telemetry without personal data kept no longer than the schedule, each data region's
// logs in a workspace of its own region, the alerts ops rely on, and the hardening settings.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { BicepFile, BicepValue, Declaration } from '../bicep-model.js';
import { EVIDENCE_CONTAINER, EXPORT_CONTAINERS } from '../../../shared/blob/regional-blob-storage.js';
import { assertAlwaysDeployed, deployment, namesOf, perRegionModule, type Check, type Infra } from '../infra.js';

function telemetryDays(infra: Infra): number {
  const setting = infra.appSettings().get('TELEMETRY_RETENTION_DAYS');
  assert.equal(setting?.text, 'string(telemetryRetentionDays)', 'TELEMETRY_RETENTION_DAYS is the retention the templates apply');
  const days = infra.main.variable('telemetryRetentionDays')?.number;
  assert.ok(days !== undefined, 'main.bicep states `var telemetryRetentionDays = <days>`');
  return days;
}

/** A parameter's value in a module call resolved through a var of the calling file. */
function resolvedNumber(file: BicepFile, value: BicepValue | undefined): number | undefined {
  return value?.number ?? (value ? file.variable(value.text)?.number : undefined);
}

/** Diagnostic settings on a resource (by symbol) in a file, with the categories they send. */
function diagnosticsOf(file: BicepFile, symbol: string): { d: Declaration; categories: string[]; workspace: string; dedicated: boolean }[] {
  return file
    .resources('Microsoft.Insights/diagnosticSettings')
    .filter((d) => d.body.get('scope')?.text === symbol)
    .map((d) => {
      let logs = d.body.at('properties.logs');
      if (logs && logs.kind !== 'array') logs = file.variable(logs.text);
      const categories = (logs?.kind === 'array' ? logs.elements() : [])
        .filter((l) => l.get('enabled')?.text === 'true')
        .map((l) => l.get('category')?.string ?? l.get('categoryGroup')?.string ?? '');
      return {
        d,
        categories,
        workspace: d.body.at('properties.workspaceId')?.text ?? '',
        dedicated: d.body.at('properties.logAnalyticsDestinationType')?.string === 'Dedicated',
      };
    });
}

function assertDiagnostics(infra: Infra, file: BicepFile, symbol: string, categories: string[], workspace: string, dedicated: boolean): void {
  const settings = diagnosticsOf(file, symbol);
  assert.equal(settings.length, 1, `${infra.name(file)}: one diagnostic setting on ${symbol}`);
  const s = settings[0]!;
  assertAlwaysDeployed(infra, s.d);
  for (const c of categories) assert.ok(s.categories.includes(c), `${infra.at(s.d)}: sends ${c}`);
  assert.equal(s.workspace, workspace, `${infra.at(s.d)}: sends to ${workspace}`);
  if (dedicated) assert.ok(s.dedicated, `${infra.at(s.d)}: resource-specific tables (logAnalyticsDestinationType 'Dedicated')`);
}

interface AlertExpectation {
  what: string;
  file: string;
  type: 'Microsoft.Insights/metricAlerts' | 'Microsoft.Insights/scheduledQueryRules';
  /** The metric name, or a fragment every matching query contains. */
  signal: string;
  scope: RegExp;
}

/** The alerts ops rely on (issue 19): what each watches and where. */
const ALERTS: AlertExpectation[] = [
  {
    what: 'failed orchestrations',
    file: 'modules/alerts.bicep',
    type: 'Microsoft.Insights/scheduledQueryRules',
    signal: "prop__state == 'Failed'",
    scope: /^appInsightsId$/,
  },
  {
    what: 'a breach clock with no heartbeat',
    file: 'modules/alerts.bicep',
    type: 'Microsoft.Insights/scheduledQueryRules',
    signal: "startswith 'breach clock heartbeat'",
    scope: /^appInsightsId$/,
  },
  {
    what: 'function exceptions',
    file: 'modules/alerts.bicep',
    type: 'Microsoft.Insights/metricAlerts',
    signal: 'exceptions/count',
    scope: /^appInsightsId$/,
  },
  {
    what: 'host-storage queue backlog',
    file: 'modules/alerts.bicep',
    type: 'Microsoft.Insights/metricAlerts',
    signal: 'QueueMessageCount',
    scope: /^'\$\{hostStorageId\}\/queueServices\/default'$/,
  },
  {
    what: 'Cosmos DB 429s',
    file: 'modules/region-alerts.bicep',
    type: 'Microsoft.Insights/metricAlerts',
    signal: 'TotalRequests',
    scope: /^cosmosAccountId$/,
  },
  {
    what: 'Cosmos DB RU use above 90%',
    file: 'modules/region-alerts.bicep',
    type: 'Microsoft.Insights/metricAlerts',
    signal: 'NormalizedRUConsumption',
    scope: /^cosmosAccountId$/,
  },
  {
    what: 'Key Vault throttling',
    file: 'modules/region-alerts.bicep',
    type: 'Microsoft.Insights/metricAlerts',
    signal: 'ServiceApiResult',
    scope: /^keyVaultId$/,
  },
  {
    what: 'a key backup or restore',
    file: 'modules/region-alerts.bicep',
    type: 'Microsoft.Insights/scheduledQueryRules',
    signal: "'KeyBackup', 'KeyRestore'",
    scope: /^workspaceId$/,
  },
  {
    what: 'email send failures',
    file: 'modules/region-alerts.bicep',
    type: 'Microsoft.Insights/scheduledQueryRules',
    signal: 'ACSEmailStatusUpdateOperational',
    scope: /^workspaceId$/,
  },
];

function signalOf(d: Declaration): string {
  const criteria = d.body.at('properties.criteria.allOf')?.elements() ?? [];
  return criteria.map((c) => c.get('metricName')?.string ?? c.get('query')?.string ?? '').join('\n');
}

/** The action group an alert routes to, as the expression that names it. */
function actionGroupsOf(d: Declaration): string[] {
  let actions = d.body.at('properties.actions');
  if (actions && actions.kind === 'expression') actions = d.file.variable(actions.text);
  if (actions?.kind === 'array') return actions.elements().map((a) => a.get('actionGroupId')?.text ?? '');
  return actions?.get('actionGroups')?.elements().map((e) => e.text) ?? [];
}

export const operationsChecks: Check[] = [
  {
    name: 'Application Insights masks client IPs, keeps telemetry for TELEMETRY_RETENTION_DAYS, and takes it only from the app identity',
    run(infra) {
      const days = telemetryDays(infra);
      const components = infra.modulesOf('br/public:avm/res/insights/component:');
      assert.equal(components.length, 1, 'one Application Insights component');
      const c = components[0]!;
      assertAlwaysDeployed(infra, c);
      // The module's default is disableIpMasking: true, so the setting must be present and false.
      assert.equal(c.body.at('params.disableIpMasking')?.text, 'false', 'disableIpMasking: false (IP addresses are never stored)');
      assert.equal(
        resolvedNumber(c.file, c.body.at('params.retentionInDays')),
        days,
        `Application Insights retention is ${days} days, not the module's 365`,
      );
      assert.ok(c.body.at('params.workspaceResourceId'), 'Application Insights is workspace-based');
      assert.equal(c.body.at('params.disableLocalAuth')?.text, 'true', 'Application Insights refuses instrumentation-key ingestion');
      assert.match(
        infra.appSettings().get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.text ?? '',
        /ClientId=\$\{\w+\.outputs\.clientId\};Authorization=AAD/,
        'the app authenticates to it as its identity',
      );
      const workspaces = infra.modulesOf('br/public:avm/res/operational-insights/workspace:');
      assert.equal(workspaces.length, 1, 'one primary-region workspace (behind Application Insights)');
      assert.equal(
        resolvedNumber(workspaces[0]!.file, workspaces[0]!.body.at('params.dataRetention')),
        days,
        `the primary workspace keeps ${days} days`,
      );
    },
  },
  {
    name: 'request and trace telemetry hold no personal data: route parameters are ids, query parameters are not free text about people, logs name no contact',
    run() {
      // Application Insights records every request URL, path and query string included, in UK South.
      const offenders: string[] = [];
      const params = new Set<string>();
      for (const file of functionFiles()) {
        const source = readFileSync(file, 'utf8');
        for (const m of source.matchAll(/route:\s*'([^']*)'/g))
          for (const p of m[1]!.matchAll(/\{(\w+)\}/g))
            if (!/Id$/.test(p[1]!) && p[1] !== 'module') offenders.push(`${file}: route ${m[1]} has {${p[1]}}, not an id`);
        for (const m of source.matchAll(/\bquery\.(\w+)/g)) {
          params.add(m[1]!);
          if (!(QUERY_PARAMETERS_WITHOUT_PERSONAL_DATA.includes(m[1]!) || KNOWN_FREE_TEXT_QUERY[file]?.includes(m[1]!)))
            offenders.push(`${file}: query parameter ${m[1]} may carry personal data into request telemetry`);
        }
      }
      assert.ok(params.size > 0, 'query parameters are found in functions/');
      // Traces: what the app logs through the invocation context goes to Application Insights too.
      for (const file of [...functionFiles(), ...sourceFiles('workflows')]) {
        const source = readFileSync(file, 'utf8');
        for (const m of source.matchAll(/context\.(?:log|info|warn|error|trace)\(([^;]*)\);/g))
          if (/\.(email|name|contacts|subject|to|recipients|text|html)\b|\bbody\b/.test(m[1]!)) offenders.push(`${file}: logs ${m[1]!.slice(0, 80)}`);
      }
      assert.deepEqual(offenders, [], offenders.join('\n'));
    },
  },
  {
    name: "each data region keeps its resources' logs in a Log Analytics workspace of its own, in the region, for TELEMETRY_RETENTION_DAYS",
    run(infra) {
      const days = telemetryDays(infra);
      const file = infra.file('modules/data-region.bicep');
      const workspaces = file.resources('Microsoft.OperationalInsights/workspaces');
      assert.equal(workspaces.length, 1, 'the region module creates its workspace');
      const w = workspaces[0]!;
      assertAlwaysDeployed(infra, w);
      assert.equal(w.body.get('location')?.text, 'location', 'the workspace is in the region');
      assert.match(w.body.get('name')?.text ?? '', /\$\{regionKey\}/, 'one workspace per region');
      assert.equal(w.body.at('properties.retentionInDays')?.text, 'telemetryRetentionDays', 'workspace retention is the telemetry retention');
      assert.equal(w.body.at('properties.features.disableLocalAuth')?.text, 'true', 'workspace refuses shared-key ingestion');
      assert.equal(perRegionModule(infra, 'modules/data-region.bicep').body.at('params.telemetryRetentionDays')?.text, 'telemetryRetentionDays');
      assert.ok(days > 0);
      const table = file.resources('Microsoft.OperationalInsights/workspaces/tables').find((t) => t.body.get('name')?.string === 'AZKVAuditLogs');
      assert.ok(table, 'the Key Vault audit table has its own retention');
      assert.equal(table.body.at('properties.totalRetentionInDays')?.text, 'keyAuditRetentionDays');
      assert.ok(
        (infra.main.variable('keyAuditRetentionDays')?.number ?? 0) >= 365,
        'Key Vault audit events (evidence of key deletion) are kept at least a year',
      );
    },
  },
  {
    name: 'diagnostic settings send Key Vault audit events, Cosmos DB, storage and email logs to the workspace of their region; host storage logs to the primary workspace',
    run(infra) {
      const region = infra.file('modules/data-region.bicep');
      assertDiagnostics(infra, region, 'vault', ['AuditEvent'], 'workspace.id', true);
      assertDiagnostics(infra, region, 'cosmos', ['DataPlaneRequests', 'ControlPlaneRequests'], 'workspace.id', true);
      assertDiagnostics(infra, region, 'blobService', ['StorageRead', 'StorageWrite', 'StorageDelete'], 'workspace.id', false);
      const email = infra.file('modules/email.bicep');
      assertDiagnostics(infra, email, 'communication', ['EmailSendMailOperational', 'EmailStatusUpdateOperational'], 'workspaceId', true);
      const emailModule = perRegionModule(infra, 'modules/email.bicep');
      assert.match(
        emailModule.body.at('params.workspaceId')?.text ?? '',
        new RegExp(`^regions\\[${emailModule.loop!.index}\\]\\.outputs\\.workspaceId$`),
        "each region's email logs go to that region's workspace",
      );
      const host = infra.file('modules/host-storage.bicep');
      for (const service of ['blobService', 'queueService', 'tableService'])
        assertDiagnostics(infra, host, service, ['StorageRead', 'StorageWrite', 'StorageDelete'], 'workspaceId', false);
      assert.equal(
        infra.main
          .modules()
          .find((m) => m.target === 'modules/host-storage.bicep')
          ?.body.at('params.workspaceId')?.text,
        'logAnalytics.outputs.resourceId',
      );
    },
  },
  {
    name: 'alerts go to ops through an Azure Monitor action group, by its own email, not through the email service they watch',
    run(infra) {
      const groups = infra.everywhere('Microsoft.Insights/actionGroups');
      assert.equal(groups.length, 1, 'one action group');
      const group = groups[0]!;
      assertAlwaysDeployed(infra, group);
      assert.equal(group.body.at('properties.enabled')?.text, 'true', 'the action group is enabled');
      const receivers = group.body.at('properties.emailReceivers')?.elements() ?? [];
      assert.ok(
        receivers.some((r) => r.get('emailAddress')?.text === 'opsEmail'),
        'ops are an email receiver',
      );
      const alerts = infra.main.modules().find((m) => m.target === 'modules/alerts.bicep');
      assert.equal(alerts?.body.at('params.opsEmail')?.text, 'opsEscalationEmail', 'alerts reach the escalation mailbox');
      const regionAlerts = infra.main.modules().find((m) => m.target === 'modules/region-alerts.bicep');
      assert.ok(regionAlerts?.loop && regionAlerts.loop.collection.text === 'dataRegions', 'every data region has its alerts');
      assert.equal(regionAlerts.body.at('params.actionGroupId')?.text, 'alerts.outputs.actionGroupId');
    },
  },
  {
    name: 'the alert list: failed orchestrations, breach clock heartbeat, Cosmos 429s and RU above 90%, Key Vault throttling, queue backlog, email failures, function exceptions, key backup or restore',
    run(infra) {
      for (const expected of ALERTS) {
        const file = infra.file(expected.file);
        const found = file.resources(expected.type).filter((d) => signalOf(d).includes(expected.signal));
        assert.equal(found.length, 1, `one ${expected.type.split('/')[1]} in ${expected.file} watches ${expected.what} (${expected.signal})`);
        const alert = found[0]!;
        assertAlwaysDeployed(infra, alert);
        assert.equal(alert.body.at('properties.enabled')?.text, 'true', `${infra.at(alert)} (${expected.what}) is enabled`);
        const scopes =
          alert.body
            .at('properties.scopes')
            ?.elements()
            .map((e) => e.text) ?? [];
        assert.equal(scopes.length, 1, `${infra.at(alert)} watches one resource`);
        assert.match(scopes[0]!, expected.scope, `${infra.at(alert)} (${expected.what}) watches ${expected.scope}`);
        const groups = actionGroupsOf(alert);
        assert.ok(
          groups.length > 0 && groups.every((g) => /^(ops\.id|actionGroupId)$/.test(g)),
          `${infra.at(alert)} (${expected.what}) notifies the ops action group`,
        );
        assert.ok(Number(alert.body.at('properties.severity')?.text) <= 2, `${infra.at(alert)} has a severity ops act on`);
      }
      const heartbeat = readFileSync('functions/breach-clock-heartbeat.ts', 'utf8');
      assert.equal(
        /schedule:\s*'([^']+)'/.exec(heartbeat)?.[1],
        '%BREACH_CLOCK_HEARTBEAT_SCHEDULE%',
        'the heartbeat runs on the schedule of its app setting',
      );
      assert.match(
        infra.appSettings().get('BREACH_CLOCK_HEARTBEAT_SCHEDULE')?.string ?? '',
        /^\d+ \d+ \* \* \* \*$/,
        'in Azure the breach clock heartbeat runs every hour',
      );
      assert.match(heartbeat, /`breach clock heartbeat: /, 'the heartbeat logs the line the alert looks for');
      const silent = infra
        .file('modules/alerts.bicep')
        .resources('Microsoft.Insights/scheduledQueryRules')
        .find((d) => signalOf(d).includes('breach clock heartbeat'))!;
      assert.equal(silent.body.at('properties.windowSize')?.string, 'PT2H', 'the heartbeat alert waits for two missed beats');
      const ru = infra
        .file('modules/region-alerts.bicep')
        .resources('Microsoft.Insights/metricAlerts')
        .find((d) => signalOf(d) === 'NormalizedRUConsumption')!;
      assert.equal(ru.body.at('properties.criteria.allOf')?.elements()[0]?.get('threshold')?.number, 90, 'RU alert at 90%');
      const throttled = infra
        .file('modules/region-alerts.bicep')
        .resources('Microsoft.Insights/metricAlerts')
        .filter((d) => /TotalRequests|ServiceApiResult/.test(signalOf(d)));
      for (const d of throttled) {
        const dimension = d.body.at('properties.criteria.allOf')?.elements()[0]?.get('dimensions')?.elements()[0];
        assert.equal(dimension?.get('name')?.string, 'StatusCode', `${infra.at(d)} filters by status code`);
        assert.deepEqual(
          dimension
            ?.get('values')
            ?.elements()
            .map((v) => v.string),
          ['429'],
          `${infra.at(d)} counts 429s`,
        );
      }
    },
  },
  {
    name: 'a monthly budget alerts ops before the money is spent',
    run(infra) {
      const budgets = infra.everywhere('Microsoft.Consumption/budgets');
      assert.equal(budgets.length, 1, 'one budget');
      const b = budgets[0]!;
      assertAlwaysDeployed(infra, b);
      assert.equal(b.body.at('properties.timeGrain')?.string, 'Monthly');
      assert.equal(b.body.at('properties.amount')?.text, 'monthlyBudget');
      const notifications = [...(b.body.at('properties.notifications')?.entries().values() ?? [])];
      assert.ok(notifications.length >= 2, 'actual and forecast notifications');
      for (const n of notifications) {
        assert.equal(n.get('enabled')?.text, 'true');
        assert.deepEqual(
          n
            .get('contactGroups')
            ?.elements()
            .map((e) => e.text),
          ['ops.id'],
          'budget notifications reach the ops action group',
        );
      }
      assert.ok(
        notifications.some((n) => n.get('thresholdType')?.string === 'Forecasted'),
        'a forecast threshold warns before the month ends',
      );
      assert.ok(
        infra.main.param('budgetStartDate') && !infra.main.param('budgetStartDate')!.default,
        'budgetStartDate is required (Azure refuses to move it later)',
      );
    },
  },
  {
    name: 'the function app: basic publishing credentials off, client affinity off, FTP off, TLS 1.2, CORS for the portal without credentials',
    run(infra) {
      const site = infra.modulesOf('br/public:avm/res/web/site:')[0]!;
      const params = site.body.get('params')!;
      const policies = new Map(
        (params.get('basicPublishingCredentialsPolicies')?.elements() ?? []).map((p) => [p.get('name')?.string, p.get('allow')?.text]),
      );
      assert.equal(policies.get('ftp'), 'false', 'FTP basic publishing credentials are off');
      assert.equal(policies.get('scm'), 'false', 'SCM basic publishing credentials are off');
      assert.equal(params.get('clientAffinityEnabled')?.text, 'false', 'clientAffinityEnabled: false (the module defaults to true)');
      assert.equal(params.get('httpsOnly')?.text, 'true', 'HTTPS only');
      assert.equal(params.at('siteConfig.ftpsState')?.string, 'Disabled', 'FTP(S) disabled');
      assert.equal(params.at('siteConfig.minTlsVersion')?.string, '1.2', 'TLS 1.2 minimum');
      assert.equal(params.at('siteConfig.cors.supportCredentials')?.text, 'false', 'CORS without credentials (bearer tokens)');
      assert.equal(params.at('siteConfig.cors.allowedOrigins')?.text, 'corsAllowedOrigins', 'the allowed origins come from the parameter');
      const call = infra.main.modules().find((m) => m.target === 'modules/function-app.bicep')!;
      assert.equal(call.body.at('params.corsAllowedOrigins')?.text, 'corsOrigins', 'the app and its CORS configuration get the same list');
      const guard = infra.main.variable('corsOrigins');
      assert.ok(
        guard?.node.type === 'ternary_expression' &&
          guard.calls().includes('fail') &&
          /production && contains\(corsOriginList, '\*'\)/.test(guard.text),
        'a wildcard origin fails the deployment in production',
      );
    },
  },
  {
    name: 'production requires a custom email domain, sent from a subdomain per region once verified',
    run(infra) {
      const guard = infra.main.variable('customDomain');
      assert.ok(
        guard?.node.type === 'ternary_expression' && guard.calls().includes('fail') && /production && empty\(emailCustomDomain\)/.test(guard.text),
        'an empty emailCustomDomain fails the deployment in production',
      );
      assert.equal(infra.main.param('production')?.default?.text, 'true', 'environments are production unless said otherwise');
      const email = infra.file('modules/email.bicep');
      assert.equal(perRegionModule(infra, 'modules/email.bicep').body.at('params.customDomain')?.text, 'customDomain');
      assert.ok(email.param('customDomain') && !email.param('customDomain')!.default, 'the email module requires the domain');
      assert.match(email.variable('regionalDomain')?.text ?? '', /subdomainLabels\[regionKey\]/, 'each region has its own subdomain');
      assert.match(
        email.output('senderAddress')?.value.text ?? '',
        /^sendsFromCustomDomain \? 'DoNotReply@\$\{regionalDomain\}'/,
        'once verified, the region sends from its custom subdomain',
      );
    },
  },
  {
    name: 'optional private network: host storage, Cosmos DB and Key Vault behind private endpoints, export storage public for downloads',
    run(infra) {
      const param = infra.main.param('privateNetworking');
      assert.equal(param?.default?.text, 'false', 'privateNetworking is a parameter, off by default');
      const network = infra.main.modules().find((m) => m.target === 'modules/network.bicep');
      assert.equal(network?.condition?.text, 'privateNetworking', 'the network exists only with privateNetworking');
      const site = infra.modulesOf('br/public:avm/res/web/site:')[0]!;
      assert.match(site.body.at('params.virtualNetworkSubnetId')?.text ?? '', /subnetId/, 'the function app joins the subnet');
      const closed = (d: Declaration) => d.body.at('properties.publicNetworkAccess')?.text === "privateNetworking ? 'Disabled' : 'Enabled'";
      const region = infra.file('modules/data-region.bicep');
      for (const type of ['Microsoft.DocumentDB/databaseAccounts', 'Microsoft.KeyVault/vaults'])
        for (const d of region.resources(type)) assert.ok(closed(d), `${infra.at(d)}: public network access is disabled with privateNetworking`);
      for (const d of infra.file('modules/host-storage.bicep').resources('Microsoft.Storage/storageAccounts'))
        assert.ok(closed(d), `${infra.at(d)}: host storage is private with privateNetworking`);
      for (const d of region.resources('Microsoft.Storage/storageAccounts'))
        assert.equal(
          d.body.at('properties.publicNetworkAccess')?.string,
          'Enabled',
          `${infra.at(d)}: export storage stays reachable for download links`,
        );
      const endpoints = (file: BicepFile) =>
        file.modules().filter((m) => m.target === 'private-endpoint.bicep' && m.condition?.text === 'privateNetworking');
      const groups = (file: BicepFile) =>
        endpoints(file).flatMap((m) => {
          const g = m.body.at('params.groupId');
          if (g?.string) return [g.string];
          const collection = m.loop ? file.variable(m.loop.collection.text) : undefined;
          return collection?.kind === 'array' ? collection.elements().map((e) => e.string ?? '') : [];
        });
      assert.deepEqual(groups(region).sort(), ['Sql', 'vault'], 'Cosmos DB and Key Vault get private endpoints');
      assert.deepEqual(
        groups(infra.file('modules/host-storage.bicep')).sort(),
        ['blob', 'queue', 'table'],
        'host storage blob, queue and table get private endpoints',
      );
      for (const m of [...endpoints(region), ...endpoints(infra.file('modules/host-storage.bicep'))])
        assert.equal(m.body.at('params.location')?.text, 'privateEndpointLocation', `${infra.at(m)}: endpoints live in the app's network`);
    },
  },
  {
    name: 'the stores of certificates and anchors are locked against deletion and keep a WORM copy of each',
    run(infra) {
      const region = infra.file('modules/data-region.bicep');
      const locks = region.resources('Microsoft.Authorization/locks');
      const locked = new Set(
        locks
          .filter((l) => l.body.at('properties.level')?.string === 'CanNotDelete' && deployment(l) === 'always')
          .map((l) => l.body.get('scope')?.text),
      );
      assert.ok(locked.has('cosmos'), 'the Cosmos DB account (container certificates: certificates and anchors) has a CanNotDelete lock');
      assert.ok(locked.has('storage'), 'the storage account holding the WORM copies has a CanNotDelete lock');
      const containers = region.resources('Microsoft.Storage/storageAccounts/blobServices/containers');
      const evidence = containers.find((d) => d.body.get('name')?.string === EVIDENCE_CONTAINER);
      assert.ok(evidence, `the container the app keeps its copies in (${EVIDENCE_CONTAINER}) is declared`);
      for (const name of EXPORT_CONTAINERS)
        assert.ok(containers.flatMap(namesOf).includes(name), `the export container ${name} the app writes to is declared`);
      assertAlwaysDeployed(infra, evidence);
      const policy = region
        .resources('Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies')
        .find((d) => d.body.get('parent')?.text === evidence.symbol);
      assert.ok(policy, 'the evidence container has a time-based retention (WORM) policy');
      assertAlwaysDeployed(infra, policy);
      const days = resolvedNumber(region, policy.body.at('properties.immutabilityPeriodSinceCreationInDays'));
      assert.ok(days !== undefined && days >= 5 * 365, `copies are immutable for at least five years (found ${days})`);
      assert.equal(policy.body.at('properties.allowProtectedAppendWrites')?.text, 'false', 'no appends to a protected copy');
      const lifecycle = region.resources('Microsoft.Storage/storageAccounts/managementPolicies')[0]!;
      assert.doesNotMatch(lifecycle.body.text, /evidence/, 'the exports lifecycle rule never touches the evidence container');
    },
  },
  {
    name: 'Cosmos DB autoscale is sized against the Functions concurrency (instances x concurrent work), in whole thousands',
    run(infra) {
      const host = JSON.parse(readFileSync('host.json', 'utf8')) as { extensions: { durableTask: { maxConcurrentActivityFunctions: number } } };
      assert.equal(
        infra.main.variable('activityConcurrency')?.number,
        host.extensions.durableTask.maxConcurrentActivityFunctions,
        'the sizing uses host.json maxConcurrentActivityFunctions',
      );
      const site = infra.modulesOf('br/public:avm/res/web/site:')[0]!;
      assert.equal(
        site.body.at('params.functionAppConfig.scaleAndConcurrency.triggers.http.perInstanceConcurrency')?.text,
        'httpConcurrency',
        'the HTTP concurrency the sizing assumes is set on the app',
      );
      assert.equal(
        infra.main
          .modules()
          .find((m) => m.target === 'modules/function-app.bicep')
          ?.body.at('params.httpConcurrency')?.text,
        'httpConcurrency',
      );
      const formula = infra.main.variable('cosmosAutoscaleMax')?.text.replace(/\s+/g, ' ');
      assert.equal(
        formula,
        '((maximumInstanceCount * (activityConcurrency + httpConcurrency) * ruPerConcurrentWork + 999) / 1000) * 1000',
        'autoscale max = instances x (activities + requests) x RU per unit, rounded up to thousands',
      );
      assert.equal(
        perRegionModule(infra, 'modules/data-region.bicep').body.at('params.cosmosMaxThroughput')?.text,
        'cosmosAutoscaleMax',
        'each region gets the sized maximum',
      );
      const database = infra.everywhere('Microsoft.DocumentDB/databaseAccounts/sqlDatabases')[0]!;
      assert.equal(
        database.body.at('properties.options.autoscaleSettings.maxThroughput')?.text,
        'cosmosMaxThroughput',
        'the database autoscales to that maximum',
      );
      const defaultInstances = infra.main.param('maximumInstanceCount')?.default?.number ?? 0;
      const perUnit = infra.main.variable('ruPerConcurrentWork')?.number ?? 0;
      const max =
        Math.ceil(
          (defaultInstances *
            (host.extensions.durableTask.maxConcurrentActivityFunctions + (infra.main.variable('httpConcurrency')?.number ?? 0)) *
            perUnit) /
            1000,
        ) * 1000;
      assert.ok(max >= 1000 && max <= 10_000, `with the defaults the maximum is ${max} RU/s per region, within one physical partition`);
    },
  },
];

/** Query parameters that hold paging, formats and filters (enums, dates), never something about a person. */
const QUERY_PARAMETERS_WITHOUT_PERSONAL_DATA = ['limit', 'cursor', 'format', 'region', 'status', 'log', 'day', 'version', 'attention'];

/**
 * Known exceptions, reported with issue 19: the erasure routes (DELETE .../users/{userId} and
 * .../records/{recordId}) take a free-text `?reason=` in the query string, so it reaches request
 * telemetry in UK South; it belongs in the body or a header. Listed so that no other route adds one.
 */
const KNOWN_FREE_TEXT_QUERY: Record<string, string[]> = { 'functions/records.ts': ['reason'], 'functions/users.ts': ['reason'] };

export const wordingCheck: Check = {
  name: 'infra/README.md says what the resources do, and has the go-live checklist',
  run(infra) {
    const readme = readFileSync(`${infra.dir}/README.md`, 'utf8');
    assert.match(readme, /^## Go-live checklist$/m, 'a go-live checklist');
    for (const step of ['Owner', 'EMAIL_CUSTOM_DOMAIN', 'SPF and DKIM', 'quota', 'immutability-policy lock', 'What only a first deployment can verify'])
      assert.ok(readme.includes(step), `the checklist covers ${step}`);
    assert.match(readme, /paired region in the same geography/, 'Key Vault replication to the paired region is stated, not "nowhere else"');
    assert.match(readme, /day 8 or 9/, 'exports go on day 8 or 9, not "kept 7 days"');
    assert.doesNotMatch(readme, /nowhere else|kept (for )?7 days/i, 'no claim beyond what the resources do');
    assert.match(readme, /Processed in UK South for EU tenants/, 'what EU tenants have processed in UK South is said');
  },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );
}

function functionFiles(): string[] {
  return readFileSync('functions/index.ts', 'utf8')
    .split('\n')
    .map((line) => /from '\.\/([\w-]+)\.js'|import '\.\/([\w-]+)\.js'/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `functions/${m[1] ?? m[2]}.ts`);
}
