// The infra checks can fail: each broken edit below is applied to a copy of infra/ and the checks
// that must notice it are named. The first eight are the edits a review made that the old text
// reader let through; the rest break the promises added since (telemetry, keys, alerts, hardening).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Infra } from './infra.js';
import { failingChecks, INFRA_CHECKS } from './checks/index.js';

interface Breakage {
  what: string;
  file: string;
  /** Exact text to replace, which must occur exactly once in the file. */
  find: string;
  replace: string;
  /** Checks (by the start of their name) that must fail. */
  caughtBy: string[];
}

const check = (start: string): string => {
  const found = INFRA_CHECKS.filter((c) => c.name.startsWith(start));
  assert.equal(found.length, 1, `exactly one check is named '${start}...'`);
  return found[0]!.name;
};

const BREAKAGES: Breakage[] = [
  {
    what: 'Key Vault put under if (false)',
    file: 'modules/data-region.bicep',
    find: "resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {",
    replace: "resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = if (false) {",
    caughtBy: ['nothing is declared and then switched off', 'every Key Vault uses RBAC'],
  },
  {
    what: 'a missing colon',
    file: 'modules/data-region.bicep',
    find: '    enablePurgeProtection: true\n',
    replace: '    enablePurgeProtection true\n',
    caughtBy: ['every Bicep file parses'],
  },
  {
    what: 'a misspelt minimalTlsVerson',
    file: 'modules/data-region.bicep',
    find: "    minimalTlsVersion: 'Tls12'\n",
    replace: "    minimalTlsVerson: 'Tls12'\n",
    caughtBy: ['every resource uses only property names its type has', 'each Cosmos DB account refuses keys'],
  },
  {
    what: 'API version @2024-13-45',
    file: 'modules/data-region.bicep',
    find: "resource vault 'Microsoft.KeyVault/vaults@2023-07-01'",
    replace: "resource vault 'Microsoft.KeyVault/vaults@2024-13-45'",
    caughtBy: ['every resource has an API version that exists'],
  },
  {
    what: 'a duplicate key',
    file: 'modules/data-region.bicep',
    find: '    // Keys are refused; the app uses its identity (sqlRoleAssignments below).\n    disableLocalAuth: true\n',
    replace: '    // Keys are refused; the app uses its identity (sqlRoleAssignments below).\n    disableLocalAuth: true\n    disableLocalAuth: false\n',
    caughtBy: ['no object gives a key twice', 'each Cosmos DB account refuses keys'],
  },
  {
    what: 'targetScope removed',
    file: 'main.bicep',
    find: "targetScope = 'subscription'\n",
    replace: '',
    caughtBy: ['main.bicep deploys at subscription scope'],
  },
  {
    what: "publicNetworkAccess: 'Enabld'",
    file: 'modules/data-region.bicep',
    find: "    publicNetworkAccess: 'Enabled'\n",
    replace: "    publicNetworkAccess: 'Enabld'\n",
    caughtBy: ['every resource uses only property names its type has'],
  },
  {
    what: 'a garbage line',
    file: 'modules/email.bicep',
    find: 'var dataLocation = dataLocations[regionKey]\n',
    replace: 'var dataLocation = dataLocations[regionKey]\nthis line is not bicep at all !!\n',
    caughtBy: ['every Bicep file parses'],
  },
  {
    what: "Application Insights keeps client IPs (the module's default)",
    file: 'main.bicep',
    find: '    disableIpMasking: false\n',
    replace: '',
    caughtBy: ['Application Insights masks client IPs'],
  },
  {
    what: 'Application Insights kept for 365 days',
    file: 'main.bicep',
    find: '    retentionInDays: telemetryRetentionDays\n',
    replace: '    retentionInDays: 365\n',
    caughtBy: ['Application Insights masks client IPs'],
  },
  {
    what: 'a misspelt module parameter',
    file: 'main.bicep',
    find: '    disableIpMasking: false\n',
    replace: '    disableIpMaskng: false\n',
    caughtBy: ['every module call passes only parameters the module declares', 'Application Insights masks client IPs'],
  },
  {
    what: 'the key role grants key backup',
    file: 'modules/key-user-role.bicep',
    find: "          'Microsoft.KeyVault/vaults/keys/sign/action'\n",
    replace: "          'Microsoft.KeyVault/vaults/keys/sign/action'\n          'Microsoft.KeyVault/vaults/keys/backup/action'\n",
    caughtBy: ['the app uses its keys through a custom role'],
  },
  {
    what: 'Key Vault Crypto Officer granted again',
    file: 'modules/data-region.bicep',
    find: '    roleDefinitionId: keyUserRoleDefinitionId\n',
    replace: "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '14b46e9e-c2b7-41b4-b07b-48a6ebf60603')\n",
    caughtBy: ['the app uses its keys through a custom role'],
  },
  {
    what: 'the Key Vault audit log no longer collected',
    file: 'modules/data-region.bicep',
    find: "        category: 'AuditEvent'\n",
    replace: "        category: 'AzurePolicyEvaluationDetails'\n",
    caughtBy: ['diagnostic settings send Key Vault audit events'],
  },
  {
    what: 'the key backup alert watches something else',
    file: 'modules/region-alerts.bicep',
    find: "| where OperationName in~ ('KeyBackup', 'KeyRestore', 'KeyRecover')",
    replace: "| where OperationName in~ ('KeyGet')",
    caughtBy: ['the alert list'],
  },
  {
    what: 'the Cosmos DB 429 alert disabled',
    file: 'modules/region-alerts.bicep',
    find: "    description: 'Cosmos DB answered requests with 429 (throttled) in ${regionKey}.'\n    severity: 2\n    enabled: true\n",
    replace: "    description: 'Cosmos DB answered requests with 429 (throttled) in ${regionKey}.'\n    severity: 2\n    enabled: false\n",
    caughtBy: ['the alert list'],
  },
  {
    what: 'client affinity left on',
    file: 'modules/function-app.bicep',
    find: '    clientAffinityEnabled: false\n',
    replace: '    clientAffinityEnabled: true\n',
    caughtBy: ['the function app: basic publishing credentials off'],
  },
  {
    what: 'SCM basic publishing credentials allowed',
    file: 'modules/function-app.bicep',
    find: "        name: 'scm'\n        allow: false\n",
    replace: "        name: 'scm'\n        allow: true\n",
    caughtBy: ['the function app: basic publishing credentials off'],
  },
  {
    what: 'a wildcard origin no longer refused',
    file: 'main.bicep',
    find: "var corsOrigins = production && contains(corsOriginList, '*')",
    replace: "var corsOrigins = production && contains(corsOriginList, 'https://example.com')",
    caughtBy: ['the function app: basic publishing credentials off'],
  },
  {
    what: 'the EU data region allowed in eastus',
    file: 'main.bicep',
    find: "  location: 'westeurope' | 'northeurope'",
    replace: "  location: 'westeurope' | 'eastus' | 'northeurope'",
    caughtBy: ['the data regions are those of shared/config.ts'],
  },
  {
    what: 'the Cosmos DB account no longer locked',
    file: 'modules/data-region.bicep',
    find: "  scope: cosmos\n  properties: {\n    level: 'CanNotDelete'\n",
    replace: "  scope: cosmos\n  properties: {\n    level: 'ReadOnly'\n",
    caughtBy: ['the stores of certificates and anchors are locked'],
  },
  {
    what: 'Cosmos DB public even with private networking',
    file: 'modules/data-region.bicep',
    find: "    minimalTlsVersion: 'Tls12'\n    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'\n",
    replace: "    minimalTlsVersion: 'Tls12'\n    publicNetworkAccess: 'Enabled'\n",
    caughtBy: ['optional private network'],
  },
  {
    what: 'custom email domain optional in production',
    file: 'main.bicep',
    find: "var customDomain = production && empty(emailCustomDomain)\n  ? fail(",
    replace: "var customDomain = false && empty(emailCustomDomain)\n  ? fail(",
    caughtBy: ['production requires a custom email domain'],
  },
  {
    what: 'Cosmos DB autoscale no longer sized against the Functions concurrency',
    file: 'main.bicep',
    find: '    cosmosMaxThroughput: cosmosAutoscaleMax\n',
    replace: '    cosmosMaxThroughput: 1000\n',
    caughtBy: ['Cosmos DB autoscale is sized'],
  },
  {
    what: 'the README claims more than the resources do',
    file: 'README.md',
    find: 'Key Vault also replicates a vault\'s contents to the **paired region in the same geography**',
    replace: 'Key Vault keeps the keys in the region and nowhere else',
    caughtBy: ['infra/README.md says what the resources do'],
  },
];

describe('each broken edit makes the infra checks fail', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'infra-breakage-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const copyWith = (name: string, edit?: Breakage): string => {
    const copy = join(dir, name);
    cpSync('infra', copy, { recursive: true });
    if (edit) {
      const path = join(copy, edit.file);
      const text = readFileSync(path, 'utf8');
      assert.equal(text.split(edit.find).length - 1, 1, `the text to break occurs exactly once in infra/${edit.file}: ${JSON.stringify(edit.find)}`);
      writeFileSync(path, text.replace(edit.find, edit.replace));
    }
    return copy;
  };

  test('an unbroken copy passes every check, so a failure below is the edit\'s doing', async () => {
    const failures = failingChecks(await Infra.load(copyWith('unbroken')));
    assert.deepEqual([...failures], []);
  });

  BREAKAGES.forEach((breakage, i) => {
    test(`${breakage.what} (infra/${breakage.file}) is caught`, async () => {
      const failures = failingChecks(await Infra.load(copyWith(`edit-${i}`, breakage)));
      for (const expected of breakage.caughtBy.map(check))
        assert.ok(failures.has(expected), `'${expected}' must fail; failing: ${[...failures.keys()].join(' | ') || 'none'}`);
    });
  });
});
