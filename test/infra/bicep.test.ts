// The infrastructure's promises, checked by reading infra/ because the Bicep CLI cannot run here:
// residency, backups, keys and retention as the privacy notice states them, identity instead of
// keys, and app settings exactly as shared/config.ts reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REGIONS, SETTING_NAMES } from '../../shared/config.js';
import { BicepFile, BicepValue, readBicepFiles, type Declaration } from './bicep-text.js';

const files = readBicepFiles('infra');
const main = BicepFile.read('infra/main.bicep');
const fileOf = (path: string): BicepFile => {
  const file = files.find((f) => f.path === path);
  assert.ok(file, `${path} exists`);
  return file;
};
const regionFile = () => fileOf('infra/modules/data-region.bicep');
const emailFile = () => fileOf('infra/modules/email.bicep');

/** Where the email data of each region is kept (Communication Services `dataLocation`). */
const EMAIL_DATA_LOCATION: Record<string, string> = { uksouth: 'UK', eu: 'Europe' };

/** Settings only the local stand-ins need; in Azure every resource refuses keys. */
const LOCAL_ONLY = ['COSMOS_KEY_UKSOUTH', 'COSMOS_KEY_EU', 'STORAGE_ACCOUNT_KEY_UKSOUTH', 'STORAGE_ACCOUNT_KEY_EU', 'EMAIL_ACCESS_KEY'];
const AZURE_SETTINGS = SETTING_NAMES.filter((name) => !LOCAL_ONLY.includes(name));

const ROLE = {
  cosmosDataContributor: '00000000-0000-0000-0000-000000000002',
  keyVaultCryptoOfficer: '14b46e9e-c2b7-41b4-b07b-48a6ebf60603',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageBlobDelegator: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

const at = (d: Declaration) => `${d.body.file.path} (${d.symbol})`;

/** Every file under a folder (any extension). */
function listFiles(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap((entry) => {
      const path = join(folder, entry);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}

function everywhere(type: string): Declaration[] {
  return files.flatMap((f) => f.resources(type));
}

function appSettings(): Map<string, BicepValue> {
  const value = main.variable('appSettings');
  assert.ok(value?.kind === 'object', 'infra/main.bicep declares the function app settings as `var appSettings = { ... }`');
  return value.entries();
}

/** A string literal, or an identifier naming a `var` that holds one. */
function stringOf(file: BicepFile, value: BicepValue | undefined): string | undefined {
  if (!value) return undefined;
  return value.string ?? (/^\w+$/.test(value.text) ? file.variable(value.text)?.string : undefined);
}

/** The identifier a `[for x in collection: ...]` declaration iterates over, and its loop variable. */
function loopOf(d: Declaration): { item: string; collection: string } | undefined {
  if (!d.loop) return undefined;
  const before = d.body.file.code.slice(0, d.body.start);
  const m = /\[\s*for\s+(\w+)\s+in\s+(\w+)\s*:\s*$/.exec(before);
  return m ? { item: m[1]!, collection: m[2]! } : undefined;
}

/** Strings a value can take: a literal, a `var`, or the loop variable of its declaration. */
function possibleStrings(d: Declaration, value: BicepValue | undefined): string[] {
  if (!value) return [];
  const direct = stringOf(d.body.file, value);
  if (direct !== undefined) return [direct];
  const loop = loopOf(d);
  if (loop && value.text === loop.item) {
    const collection = d.body.file.variable(loop.collection);
    return collection?.kind === 'array' ? collection.elements().flatMap((e) => stringOf(d.body.file, e) ?? []) : [];
  }
  return [];
}

/** Role definition GUIDs a role assignment grants (literal, via `var`, or via its loop collection). */
function rolesGranted(d: Declaration, roleDefinitionId: BicepValue | undefined): string[] {
  if (!roleDefinitionId) return [];
  const file = d.body.file;
  const guids = new Set<string>(roleDefinitionId.text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? []);
  const loop = loopOf(d);
  for (const id of roleDefinitionId.text.match(/\b[A-Za-z_]\w*\b/g) ?? []) {
    const literal = file.variable(id)?.string;
    if (literal) guids.add(literal);
    if (loop && id === loop.item) {
      const collection = file.variable(loop.collection);
      for (const element of collection?.kind === 'array' ? collection.elements() : []) {
        const role = stringOf(file, element);
        if (role) guids.add(role);
      }
    }
  }
  return [...guids].map((g) => g.toLowerCase());
}

/** The type of the resource a `scope:` names in the same file. */
function scopeType(d: Declaration): string | undefined {
  const scope = d.body.get('scope')?.text;
  const target = d.body.file.declarations().find((other) => other.symbol === scope);
  return target?.target.split('@')[0];
}

interface Grant {
  where: string;
  role: string;
  scopeType: string | undefined;
  principal: string;
}

function grants(): Grant[] {
  const result: Grant[] = [];
  for (const d of everywhere('Microsoft.Authorization/roleAssignments')) {
    for (const role of rolesGranted(d, d.body.at('properties.roleDefinitionId')))
      result.push({ where: at(d), role, scopeType: scopeType(d), principal: d.body.at('properties.principalId')?.text ?? '' });
  }
  for (const d of everywhere('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments')) {
    for (const role of rolesGranted(d, d.body.at('properties.roleDefinitionId')))
      result.push({ where: at(d), role, scopeType: 'Microsoft.DocumentDB/databaseAccounts', principal: d.body.at('properties.principalId')?.text ?? '' });
  }
  // Role assignments passed to Azure Verified Modules (`roleAssignments: [...]`).
  for (const file of files)
    for (const m of file.modules()) {
      const assignments = m.body.at('params.roleAssignments');
      if (assignments?.kind !== 'array') continue;
      for (const a of assignments.elements())
        for (const role of rolesGranted(m, a.get('roleDefinitionIdOrName')))
          result.push({ where: at(m), role, scopeType: m.target, principal: a.get('principalId')?.text ?? '' });
    }
  return result;
}

// ---------------------------------------------------------------------------------------------
// App settings
// ---------------------------------------------------------------------------------------------

test('every setting shared/config.ts reads in Azure is an app setting of the function app', () => {
  const settings = appSettings();
  const missing = AZURE_SETTINGS.filter((name) => !settings.has(name));
  assert.deepEqual(missing, [], `missing from var appSettings in infra/main.bicep: ${missing.join(', ')}`);
  const unknown = [...settings.keys()].filter((name) => /^[A-Z0-9_]+$/.test(name) && !SETTING_NAMES.includes(name) && !/^(APPLICATIONINSIGHTS_|AzureWebJobs)/.test(name));
  assert.deepEqual(unknown, [], `app settings the app never reads (renamed in shared/config.ts?): ${unknown.join(', ')}`);
});

test('local-only secrets are never set in Azure, and LOCAL_DEVELOPMENT is false', () => {
  for (const name of LOCAL_ONLY) assert.ok(SETTING_NAMES.includes(name), `${name} is no longer a setting in shared/config.ts; update LOCAL_ONLY in this test`);
  const settings = appSettings();
  const present = LOCAL_ONLY.filter((name) => settings.has(name));
  assert.deepEqual(present, [], `local-only secrets set as app settings: ${present.join(', ')}`);
  for (const file of files)
    for (const name of LOCAL_ONLY) assert.doesNotMatch(file.code, new RegExp(`\\b${name}\\b`), `${file.path} sets the local-only secret ${name}`);
  assert.equal(settings.get('LOCAL_DEVELOPMENT')?.string, 'false', "LOCAL_DEVELOPMENT must be 'false' in Azure");
});

test('the app settings reach the Flex Consumption function app', () => {
  const call = main.modules().find((m) => m.body.at('params.appSettings')?.text === 'appSettings');
  assert.ok(call, 'main.bicep passes `appSettings: appSettings` to the function app module');
  const module = fileOf(join('infra', call.target));
  const site = module.modules().find((m) => m.target.startsWith('br/public:avm/res/web/site:'));
  assert.ok(site, `${module.path} deploys the site with avm/res/web/site`);
  assert.equal(site.body.at('params.appSettingsKeyValuePairs')?.text, 'appSettings', `${module.path} passes its appSettings param to the site`);
});

test('no template reads an account key or connection string', () => {
  for (const file of files) assert.doesNotMatch(file.code, /\blist\w*\s*\(|\.list\w*\s*\(/, `${file.path} calls a list*() function, which reads keys or connection strings`);
});

test('host storage and the Durable task hub are reached with the managed identity', () => {
  const host = JSON.parse(readFileSync('host.json', 'utf8')) as { extensions: { durableTask: { storageProvider: { connectionName?: string } } } };
  const connection = host.extensions.durableTask.storageProvider.connectionName ?? 'AzureWebJobsStorage';
  const settings = appSettings();
  assert.ok(!settings.has(connection), `${connection} must not be a connection string; use ${connection}__accountName`);
  assert.ok(settings.has(`${connection}__accountName`), `${connection}__accountName is set`);
  assert.equal(settings.get(`${connection}__credential`)?.string, 'managedidentity', `${connection}__credential is 'managedidentity'`);
  assert.match(settings.get(`${connection}__clientId`)?.text ?? '', /\.outputs\.clientId$/, `${connection}__clientId is the identity's client id`);
});

test('Application Insights is workspace-based and the app authenticates to it as its identity', () => {
  const settings = appSettings();
  assert.ok(settings.has('APPLICATIONINSIGHTS_CONNECTION_STRING'), 'APPLICATIONINSIGHTS_CONNECTION_STRING is set');
  const auth = settings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')?.text ?? '';
  assert.match(auth, /ClientId=\$\{\w+\.outputs\.clientId\};Authorization=AAD/, 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING uses the identity (ClientId=...;Authorization=AAD)');
  const component = main.modules().find((m) => m.target.startsWith('br/public:avm/res/insights/component:'));
  assert.ok(component, 'main.bicep deploys Application Insights');
  assert.ok(component.body.at('params.workspaceResourceId'), 'Application Insights is workspace-based');
  assert.equal(component.body.at('params.disableLocalAuth')?.text, 'true', 'Application Insights refuses instrumentation-key ingestion');
});

test('Flex Consumption rejects runtime settings, so none is set', () => {
  const settings = appSettings();
  for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_NODE_DEFAULT_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'WEBSITE_CONTENTSHARE'])
    assert.ok(!settings.has(name), `${name} is not allowed on Flex Consumption`);
});

// ---------------------------------------------------------------------------------------------
// Regions and residency
// ---------------------------------------------------------------------------------------------

test('the data regions are those of shared/config.ts: uksouth in UK South, eu in West Europe', () => {
  const regions = main.paramDefault('dataRegions');
  assert.ok(regions?.kind === 'array', 'main.bicep declares `param dataRegions` with a default list');
  const byKey = Object.fromEntries(regions.elements().map((e) => [e.get('key')?.string, e.get('location')?.string]));
  assert.deepEqual(byKey, { uksouth: 'uksouth', eu: 'westeurope' });
  assert.deepEqual(Object.keys(byKey).sort(), [...REGIONS].sort(), 'one data region per region in shared/config.ts REGIONS');
  const module = main.modules().find((m) => m.target === 'modules/data-region.bicep');
  assert.ok(module?.loop, 'main.bicep deploys modules/data-region.bicep once per data region');
  assert.match(main.code.slice(0, module.body.start), /\[\s*for\s+(\w+)\s+in\s+dataRegions\s*:\s*$/, 'the region module loops over dataRegions');
  assert.match(module.body.at('params.location')?.text ?? '', /^\w+\.location$/, "each region module instance is created in its region's location");
});

/** The per-region settings (`<PREFIX>_UKSOUTH`, `<PREFIX>_EU`): the module file deployed per region and the output each reads. */
const PER_REGION_SETTINGS: Record<string, { module: string; output: string }> = {
  COSMOS_ENDPOINT: { module: 'modules/data-region.bicep', output: 'cosmosEndpoint' },
  KEYVAULT_URL: { module: 'modules/data-region.bicep', output: 'keyVaultUrl' },
  STORAGE_BLOB_URL: { module: 'modules/data-region.bicep', output: 'blobUrl' },
  EMAIL_ENDPOINT: { module: 'modules/email.bicep', output: 'endpoint' },
  EMAIL_SENDER_ADDRESS: { module: 'modules/email.bicep', output: 'managedDomainSenderAddress' },
};

/** `var x = indexOf(..., 'region')` in main.bicep, by region. */
function regionIndexVars(): Map<string, string> {
  const indexOfRegion = new Map<string, string>();
  for (const m of main.code.matchAll(/^var\s+(\w+)\s*=\s*indexOf\(\s*\w+\s*,\s*'(\w+)'\s*\)/gm)) indexOfRegion.set(m[2]!, m[1]!);
  return indexOfRegion;
}

/** A module main.bicep deploys once per data region, passing the region's key; asserted, then returned. */
function perRegionModule(target: string): Declaration {
  const module = main.modules().find((m) => m.target === target);
  assert.ok(module?.loop, `main.bicep deploys ${target} once per data region`);
  const loop = /\[\s*for\s+(\w+)\s+in\s+(\w+)\s*:\s*$/.exec(main.code.slice(0, module.body.start));
  assert.equal(loop?.[2], 'dataRegions', `${target} loops over dataRegions, like every per-region module, so instance i is dataRegions[i]`);
  assert.equal(module.body.at('params.regionKey')?.text, `${loop[1]}.key`, `${target} gets its region's key (regionKey: ${loop[1]}.key)`);
  return module;
}

/** Checks one per-region value (an app setting or an output) reads its own region's module instance. */
function assertWiredFromOwnRegion(what: string, name: string, value: BicepValue): boolean {
  const m = /^(.*)_(UKSOUTH|EU)$/.exec(name);
  if (!m || !(m[1]! in PER_REGION_SETTINGS)) return false;
  const region = m[2]!.toLowerCase();
  const expected = PER_REGION_SETTINGS[m[1]!]!;
  const module = perRegionModule(expected.module);
  const indexOfRegion = regionIndexVars();
  const refs = [...value.text.matchAll(/(\w+)\[\s*(\w+)\s*\]\.outputs\.(\w+)/g)];
  assert.equal(refs.length, 1, `${what} ${name} is wired from the output of one region module instance`);
  const [, symbol, index, output] = refs[0]!;
  assert.equal(symbol, module.symbol, `${what} ${name} reads the ${expected.module} module (${module.symbol}), not ${symbol}`);
  assert.ok(indexOfRegion.has(region), `main.bicep has a var = indexOf(..., '${region}') to find region ${region}`);
  assert.equal(index, indexOfRegion.get(region), `${what} ${name} must read the ${region} instance (${indexOfRegion.get(region)}), not ${index}`);
  assert.equal(output, expected.output, `${what} ${name} reads output ${expected.output}`);
  return true;
}

test("each region's settings read the module instance of that region, never another", () => {
  let checked = 0;
  for (const [name, value] of appSettings()) {
    if (!/_(UKSOUTH|EU)$/.test(name)) continue;
    assert.ok(assertWiredFromOwnRegion('app setting', name, value), `${name} is a per-region setting this test does not know; add it to PER_REGION_SETTINGS`);
    checked++;
  }
  assert.equal(checked, 10, 'the ten per-region settings are all wired');
  const expected = Object.keys(PER_REGION_SETTINGS).flatMap((prefix) => REGIONS.map((r) => `${prefix}_${r.toUpperCase()}`));
  const settings = appSettings();
  assert.deepEqual(expected.filter((name) => !settings.has(name)), [], 'every per-region setting is set for every region');
  const outputs = regionFile().code;
  assert.match(outputs, /^output cosmosEndpoint string = cosmos\.properties\.documentEndpoint$/m);
  assert.match(outputs, /^output keyVaultUrl string = vault\.properties\.vaultUri$/m);
  assert.match(outputs, /^output blobUrl string = storage\.properties\.primaryEndpoints\.blob$/m);
  assert.match(emailFile().code, /^output endpoint string = 'https:\/\/\$\{communication\.properties\.hostName\}\/'$/m, "email.bicep's endpoint is its own Communication Services resource's host");
});

test('EMAIL_ENDPOINT_UKSOUTH and EMAIL_ENDPOINT_EU are both set, each from its own region\'s email resources', () => {
  const settings = appSettings();
  const indexOfRegion = regionIndexVars();
  const module = perRegionModule('modules/email.bicep');
  for (const region of REGIONS) {
    const name = `EMAIL_ENDPOINT_${region.toUpperCase()}`;
    const value = settings.get(name);
    assert.ok(value, `${name} is an app setting`);
    assert.equal(value.text, `${module.symbol}[${indexOfRegion.get(region)}].outputs.endpoint`, `${name} reads the ${region} email module instance`);
    const others = REGIONS.filter((r) => r !== region).map((r) => indexOfRegion.get(r));
    for (const other of others) assert.doesNotMatch(value.text, new RegExp(`\\[\\s*${other}\\s*\\]`), `${name} must not read another region's instance (${other})`);
  }
  assert.notEqual(settings.get('EMAIL_ENDPOINT_UKSOUTH')?.text, settings.get('EMAIL_ENDPOINT_EU')?.text, 'the two regions use different endpoints');
});

test('per-region outputs of main.bicep are wired like the app settings of the same name', () => {
  const settings = appSettings();
  let checked = 0;
  for (const m of main.code.matchAll(/^output\s+(\w+)\s+string\s*=[ \t]*/gm)) {
    const name = m[1]!;
    const start = m.index + m[0].length;
    const value = new BicepValue(main, start, main.endOfItem(start, main.code.length));
    if (!assertWiredFromOwnRegion('output', name, value)) continue;
    assert.equal(value.text, settings.get(name)?.text, `output ${name} is the value of the app setting ${name}`);
    checked++;
  }
  assert.equal(checked, 10, 'main.bicep outputs every per-region setting (azd writes them to the environment)');
});

test('nothing in infra/ or azure.yaml still names the single EMAIL_ENDPOINT setting', () => {
  assert.ok(!SETTING_NAMES.includes('EMAIL_ENDPOINT'), 'shared/config.ts no longer reads EMAIL_ENDPOINT');
  const texts = [...listFiles('infra'), 'azure.yaml'].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  assert.ok(texts.some((t) => t.path.endsWith('main.bicep')), 'infra/main.bicep is read');
  // Raw text, comments and docs included: EMAIL_ENDPOINT_UKSOUTH and _EU are fine, the bare name is not.
  for (const { path, text } of texts) assert.doesNotMatch(text, /\bEMAIL_ENDPOINT\b/, `${path} still names EMAIL_ENDPOINT; use EMAIL_ENDPOINT_UKSOUTH / EMAIL_ENDPOINT_EU`);
  assert.ok(!appSettings().has('EMAIL_ENDPOINT'), 'EMAIL_ENDPOINT is not an app setting');
});

test("every data store of a region is created in that region's location only", () => {
  const file = regionFile();
  const located = file.declarations().filter((d) => d.keyword === 'resource' && d.body.get('location'));
  assert.ok(located.length >= 3, 'the region module creates its Cosmos DB account, Key Vault and storage account');
  for (const d of located) assert.equal(d.body.get('location')?.text, 'location', `${at(d)} must be created in the region's location param`);
  assert.ok(file.params().some((p) => p.name === 'location' && !p.hasDefault), 'the region module has a required location param (no default that could point elsewhere)');
});

// ---------------------------------------------------------------------------------------------
// Cosmos DB
// ---------------------------------------------------------------------------------------------

test('each Cosmos DB account refuses keys, has exactly one location and continuous backup', () => {
  const accounts = everywhere('Microsoft.DocumentDB/databaseAccounts');
  assert.ok(accounts.length > 0, 'a Cosmos DB account is declared');
  for (const d of accounts) {
    const p = d.body.get('properties');
    assert.equal(p?.get('disableLocalAuth')?.text, 'true', `${at(d)}: disableLocalAuth must be true`);
    assert.equal(p?.at('backupPolicy.type')?.string, 'Continuous', `${at(d)}: backupPolicy must be Continuous (periodic backup defaults to geo-redundant storage)`);
    assert.match(p?.at('backupPolicy.continuousModeProperties.tier')?.string ?? '', /^Continuous(7|30)Days$/, `${at(d)}: continuous backup tier`);
    assert.equal(p?.get('backupPolicy')?.text.includes('backupStorageRedundancy'), false, `${at(d)}: no backup storage redundancy override`);
    const locations = p?.get('locations');
    assert.equal(locations?.kind, 'array', `${at(d)}: locations is a list`);
    assert.equal(locations.elements().length, 1, `${at(d)}: exactly one location (no replica or failover region)`);
    assert.equal(locations.elements()[0]!.get('locationName')?.text, 'location', `${at(d)}: the one location is the region's`);
    assert.notEqual(p?.get('enableMultipleWriteLocations')?.text, 'true', `${at(d)}: no multi-region writes`);
    assert.notEqual(p?.get('enableAutomaticFailover')?.text, 'true', `${at(d)}: no automatic failover to another region`);
  }
});

test('BACKUP_RETENTION_DAYS states the Cosmos DB continuous backup window', () => {
  const days = new Set(everywhere('Microsoft.DocumentDB/databaseAccounts').map((d) => /^Continuous(\d+)Days$/.exec(d.body.at('properties.backupPolicy.continuousModeProperties.tier')?.string ?? '')?.[1]));
  assert.equal(days.size, 1, 'every account has the same backup window');
  assert.equal(appSettings().get('BACKUP_RETENTION_DAYS')?.string, [...days][0], 'BACKUP_RETENTION_DAYS matches the continuous backup tier');
});

test('tenant-data lets each item set its own ttl; certificates never expire; both partition by tenant', () => {
  const containers = new Map(everywhere('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').map((d) => [d.body.get('name')?.string, d]));
  const tenantData = containers.get('tenant-data');
  const certificates = containers.get('certificates');
  assert.ok(tenantData, 'container tenant-data is declared');
  assert.ok(certificates, 'container certificates is declared');
  for (const d of [tenantData, certificates]) {
    const paths = d.body.at('properties.resource.partitionKey.paths');
    assert.deepEqual(paths?.elements().map((e) => e.string), ['/tenantId'], `${at(d)}: partition key /tenantId`);
  }
  assert.equal(tenantData.body.at('properties.resource.defaultTtl')?.text, '-1', 'tenant-data: TTL on with no default expiry (defaultTtl -1)');
  assert.equal(certificates.body.at('properties.resource.defaultTtl'), undefined, 'certificates: no TTL');
  assert.equal(main.variable('cosmosDatabaseName')?.string, 'privacy-ops', 'the database is privacy-ops');
  assert.equal(appSettings().get('COSMOS_DATABASE')?.text, 'cosmosDatabaseName', 'COSMOS_DATABASE names the database the regions create');
});

test('the control container (breach register) is created in UK South only, partitioned by record, and never expires', () => {
  const control = everywhere('Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').find((d) => d.body.get('name')?.string === 'control');
  assert.ok(control, 'container control is declared (shared/store/cosmos-stores.ts CONTAINERS.control)');
  assert.equal(control.body.file.path, join('infra', 'modules', 'data-region.bicep'), 'declared with the region\'s other containers');
  const declaration = control.body.file.code.slice(0, control.body.start);
  assert.match(declaration, /resource\s+\w+\s+'[^']+'\s*=\s*if\s*\(\s*regionKey\s*==\s*'uksouth'\s*\)\s*$/, 'only in the uksouth region (CONTROL_REGION), where the vendor-level records live');
  assert.deepEqual(control.body.at('properties.resource.partitionKey.paths')?.elements().map((e) => e.string), ['/pk'], 'partition key /pk');
  assert.equal(control.body.at('properties.resource.defaultTtl'), undefined, 'no TTL: register entries are never deleted');
});

// ---------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------

const IN_REGION_SKUS = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS', 'Premium_ZRS'];

test('every storage account refuses shared keys and public blobs and stays in its region (LRS/ZRS)', () => {
  const accounts = everywhere('Microsoft.Storage/storageAccounts');
  assert.ok(accounts.length >= 2, 'the host storage and the regional storage accounts are declared');
  for (const d of accounts) {
    const p = d.body.get('properties');
    assert.equal(p?.get('allowSharedKeyAccess')?.text, 'false', `${at(d)}: allowSharedKeyAccess must be false`);
    assert.equal(p?.get('allowBlobPublicAccess')?.text, 'false', `${at(d)}: allowBlobPublicAccess must be false`);
    assert.equal(p?.get('minimumTlsVersion')?.string, 'TLS1_2', `${at(d)}: minimumTlsVersion TLS1_2`);
    const sku = d.body.at('sku.name')?.string ?? '';
    assert.ok(IN_REGION_SKUS.includes(sku), `${at(d)}: SKU ${sku || '(not a literal)'} must be LRS or ZRS; GRS, RAGRS, GZRS and RAGZRS copy data to another region`);
  }
  for (const file of files)
    for (const m of file.modules().filter((m) => m.target.startsWith('br/public:avm/res/storage/storage-account:'))) {
      assert.equal(m.body.at('params.allowSharedKeyAccess')?.text, 'false', `${at(m)}: allowSharedKeyAccess must be false`);
      assert.ok(IN_REGION_SKUS.includes(m.body.at('params.skuName')?.string ?? ''), `${at(m)}: skuName must be set to LRS or ZRS (the module's default may be geo-redundant)`);
    }
});

function lifecycleDeleteRule(file: BicepFile): { prefixes: string[]; days: number } {
  const policies = file.resources('Microsoft.Storage/storageAccounts/managementPolicies');
  assert.equal(policies.length, 1, `${file.path} has one lifecycle management policy`);
  const rules = policies[0]!.body.at('properties.policy.rules')?.elements() ?? [];
  const deleting = rules.filter((r) => r.get('enabled')?.text === 'true' && r.at('definition.actions.baseBlob.delete'));
  assert.equal(deleting.length, 1, `${file.path}: one enabled rule deletes blobs`);
  const rule = deleting[0]!;
  const del = rule.at('definition.actions.baseBlob.delete')!;
  const days = Number(del.get('daysAfterCreationGreaterThan')?.text ?? del.get('daysAfterModificationGreaterThan')?.text);
  const prefixes = (rule.at('definition.filters.prefixMatch')?.elements() ?? []).map((e) => e.string ?? '');
  return { prefixes, days };
}

test('exports and access packages are deleted 7 days after creation, from containers that exist', () => {
  const file = regionFile();
  const { prefixes, days } = lifecycleDeleteRule(file);
  assert.deepEqual([...prefixes].sort(), ['exports/', 'packages/'], 'the rule covers exports/ and packages/');
  assert.equal(days, 7, 'blobs are deleted after 7 days');
  const declared = file.resources('Microsoft.Storage/storageAccounts/blobServices/containers').flatMap((d) => possibleStrings(d, d.body.get('name')));
  // A lifecycle prefix starts with the container name: a prefix without its container matches nothing.
  for (const prefix of prefixes) assert.ok(declared.includes(prefix.split('/')[0]!), `container ${prefix.split('/')[0]} is declared, so the prefix ${prefix} matches its blobs`);
  const blobService = file.resources('Microsoft.Storage/storageAccounts/blobServices')[0];
  assert.notEqual(blobService?.body.at('properties.deleteRetentionPolicy.enabled')?.text, 'true', 'blob soft delete would keep deleted exports beyond 7 days');
  assert.notEqual(blobService?.body.at('properties.isVersioningEnabled')?.text, 'true', 'blob versions would keep exports beyond 7 days');
});

test('a download link expires before the lifecycle rule deletes its blob', () => {
  const { days } = lifecycleDeleteRule(regionFile());
  const hours = Number(appSettings().get('DOWNLOAD_LINK_TTL_HOURS')?.string);
  assert.ok(Number.isInteger(hours) && hours > 0, 'DOWNLOAD_LINK_TTL_HOURS is set to a whole number of hours');
  assert.ok(hours <= days * 24, `DOWNLOAD_LINK_TTL_HOURS (${hours}) must not exceed the ${days}-day lifecycle`);
});

// ---------------------------------------------------------------------------------------------
// Key Vault
// ---------------------------------------------------------------------------------------------

test('every Key Vault uses RBAC, purge protection and 7-day soft delete, as KEY_SOFT_DELETE_RETENTION_DAYS states', () => {
  const vaults = everywhere('Microsoft.KeyVault/vaults');
  assert.ok(vaults.length > 0, 'a Key Vault is declared');
  for (const d of vaults) {
    const p = d.body.get('properties');
    assert.equal(p?.get('enableRbacAuthorization')?.text, 'true', `${at(d)}: enableRbacAuthorization must be true`);
    assert.equal(p?.get('enablePurgeProtection')?.text, 'true', `${at(d)}: enablePurgeProtection must be true`);
    assert.equal(p?.get('softDeleteRetentionInDays')?.text, '7', `${at(d)}: softDeleteRetentionInDays must be 7`);
    assert.notEqual(p?.get('enableSoftDelete')?.text, 'false', `${at(d)}: soft delete stays on`);
    assert.ok((p?.get('accessPolicies')?.elements().length ?? 0) === 0, `${at(d)}: no access policies (RBAC only)`);
  }
  assert.equal(appSettings().get('KEY_SOFT_DELETE_RETENTION_DAYS')?.string, '7', 'KEY_SOFT_DELETE_RETENTION_DAYS matches the vaults (the deletion certificate quotes it)');
});

// ---------------------------------------------------------------------------------------------
// Identity and roles
// ---------------------------------------------------------------------------------------------

test('the app has one user-assigned identity and no system-assigned one; AZURE_CLIENT_ID is its client id', () => {
  const identities = [
    ...everywhere('Microsoft.ManagedIdentity/userAssignedIdentities'),
    ...files.flatMap((f) => f.modules().filter((m) => m.target.startsWith('br/public:avm/res/managed-identity/user-assigned-identity:'))),
  ];
  assert.equal(identities.length, 1, `exactly one user-assigned identity, found ${identities.map(at).join(', ') || 'none'}`);
  for (const file of files) assert.doesNotMatch(file.code, /systemAssigned\s*:\s*true|type\s*:\s*'SystemAssigned/, `${file.path} enables a system-assigned identity`);
  assert.equal(appSettings().get('AZURE_CLIENT_ID')?.text, `${identities[0]!.symbol}.outputs.clientId`, "AZURE_CLIENT_ID is the identity's client id");
});

test('the identity holds every role the app needs, each granted to the app identity', () => {
  const all = grants();
  const has = (role: string, scope: string, fileName?: string) =>
    all.some((g) => g.role === role && g.scopeType?.toLowerCase().includes(scope.toLowerCase()) && (!fileName || g.where.includes(fileName)));
  const required: [string, string, string, string?][] = [
    ['Cosmos DB Built-in Data Contributor (sqlRoleAssignments)', ROLE.cosmosDataContributor, 'Microsoft.DocumentDB/databaseAccounts'],
    ['Key Vault Crypto Officer (create, wrap/unwrap, sign, delete keys)', ROLE.keyVaultCryptoOfficer, 'Microsoft.KeyVault/vaults'],
    ['Storage Blob Data Contributor on the regional storage', ROLE.storageBlobDataContributor, 'Microsoft.Storage/storageAccounts', 'data-region.bicep'],
    ['Storage Blob Delegator on the regional storage (user-delegation SAS)', ROLE.storageBlobDelegator, 'Microsoft.Storage/storageAccounts', 'data-region.bicep'],
    ['Storage Blob Data Owner on the host storage', ROLE.storageBlobDataOwner, 'Microsoft.Storage/storageAccounts', 'host-storage.bicep'],
    ['Storage Queue Data Contributor on the host storage (Durable)', ROLE.storageQueueDataContributor, 'Microsoft.Storage/storageAccounts', 'host-storage.bicep'],
    ['Storage Table Data Contributor on the host storage (Durable)', ROLE.storageTableDataContributor, 'Microsoft.Storage/storageAccounts', 'host-storage.bicep'],
    ['Monitoring Metrics Publisher on Application Insights', ROLE.monitoringMetricsPublisher, 'avm/res/insights/component'],
  ];
  for (const [name, role, scope, fileName] of required) assert.ok(has(role, scope, fileName), `missing role assignment: ${name}`);
  for (const g of all) assert.match(g.principal, /^(appPrincipalId|\w+\.outputs\.principalId)$/, `${g.where} grants a role to ${g.principal}, not the app identity`);
  for (const m of main.modules().filter((m) => m.body.at('params.appPrincipalId')))
    assert.match(m.body.at('params.appPrincipalId')!.text, /^identity\.outputs\.principalId$/, `${at(m)}: appPrincipalId is the app identity`);
});

test('the app sends email as its identity, in every region, with a role that cannot read the access keys', () => {
  const file = emailFile();
  const assignments = file.resources('Microsoft.Authorization/roleAssignments').filter((d) => scopeType(d) === 'Microsoft.Communication/communicationServices');
  assert.equal(assignments.length, 1, 'a role is assigned on the Communication Services resource of the email module');
  const assignment = assignments[0]!;
  assert.equal(assignment.body.at('properties.principalId')?.text, 'appPrincipalId', 'the email sender role is granted to the app identity');
  const module = perRegionModule('modules/email.bicep');
  assert.equal(module.body.at('params.appPrincipalId')?.text, 'identity.outputs.principalId', 'every region\'s email module gets the app identity');

  // The role id comes in as a param from the module that defines the role once for all regions.
  const param = assignment.body.at('properties.roleDefinitionId')?.text ?? '';
  assert.ok(file.params().some((p) => p.name === param), `the role assignment's roleDefinitionId is an email.bicep param (found ${param})`);
  const passed = /^(\w+)\.outputs\.(\w+)$/.exec(module.body.at(`params.${param}`)?.text ?? '');
  assert.ok(passed, `main.bicep passes ${param} from a module output`);
  const roleModule = main.modules().find((m) => m.symbol === passed[1]);
  assert.ok(roleModule && !roleModule.loop, 'the email sender role is defined by one module instance, not one per region');
  const roleFile = fileOf(join('infra', roleModule.target));
  const output = new RegExp(`^output\\s+${passed[2]}\\s+string\\s*=\\s*(\\w+)\\.id$`, 'm').exec(roleFile.code);
  assert.ok(output, `${roleFile.path} outputs ${passed[2]} as a role definition's id`);
  const role = roleFile.resources('Microsoft.Authorization/roleDefinitions').find((d) => d.symbol === output[1]);
  assert.ok(role, 'the email sender role is defined in the template');
  const actions = role.body.at('properties.permissions')?.elements().flatMap((p) => p.get('actions')?.elements().map((a) => a.string ?? '') ?? []) ?? [];
  assert.ok(actions.length > 0, 'the email sender role has actions');
  for (const action of actions) assert.doesNotMatch(action, /ListKeys|RegenerateKey|\*/i, `the email sender role must not grant ${action}`);
  assert.equal(everywhere('Microsoft.Authorization/roleDefinitions').length, 1, 'one custom role definition in all of infra/');
});

test("email data is kept in each region's geography: UK for uksouth, Europe for eu", () => {
  const file = emailFile();
  const map = file.variable('dataLocations');
  assert.ok(map?.kind === 'object', 'email.bicep maps region keys to data locations in `var dataLocations = { ... }`');
  const byRegion = Object.fromEntries([...map.entries()].map(([key, value]) => [key, value.string]));
  assert.deepEqual(byRegion, EMAIL_DATA_LOCATION, 'uksouth email data is kept in the UK, eu email data in Europe');
  assert.deepEqual(Object.keys(byRegion).sort(), [...REGIONS].sort(), 'one data location per region in shared/config.ts REGIONS');
  const regionKey = file.params().find((p) => p.name === 'regionKey');
  assert.ok(regionKey && !regionKey.hasDefault, 'email.bicep has a required regionKey param (no default that could pick another region)');
  assert.match(regionKey.decorators, /@allowed\(\[\s*'uksouth'\s*'eu'\s*\]\)/, 'regionKey allows only the regions of REGIONS');
  assert.equal(file.variable('dataLocation')?.text, 'dataLocations[regionKey]', "the data location is the module's own region's");

  const email = [...everywhere('Microsoft.Communication/emailServices'), ...everywhere('Microsoft.Communication/communicationServices')];
  assert.equal(email.length, 2, 'an Email Communication Service and a Communication Services resource are declared (once, in the per-region email module)');
  for (const d of email) {
    assert.equal(d.body.file.path, file.path, `${at(d)}: email resources are declared only in the per-region email module`);
    assert.equal(d.body.at('properties.dataLocation')?.text, 'dataLocation', `${at(d)}: dataLocation is the region's (var dataLocation)`);
    assert.match(d.body.get('name')?.text ?? '', /\$\{regionKey\}/, `${at(d)}: the name includes the region key, so the regions' resources differ`);
  }
  perRegionModule('modules/email.bicep');
});

// ---------------------------------------------------------------------------------------------
// Modules, API versions, hosting
// ---------------------------------------------------------------------------------------------

test('every registry module is an Azure Verified Module pinned to an exact version', () => {
  const registry = files.flatMap((f) => f.modules().filter((m) => !m.target.endsWith('.bicep') && !m.target.endsWith('.json')));
  assert.ok(registry.length > 0, 'Azure Verified Modules are used');
  for (const m of registry) assert.match(m.target, /^br\/public:avm\/(res|ptn|utl)\/[a-z0-9-]+(\/[a-z0-9-]+)+:\d+\.\d+\.\d+$/, `${at(m)}: ${m.target} is not a pinned br/public:avm/... module (x.y.z)`);
  for (const file of files)
    for (const m of file.modules().filter((m) => m.target.endsWith('.bicep'))) assert.ok(existsSync(join(dirname(file.path), m.target)), `${at(m)}: ${m.target} exists`);
});

test('every resource has an explicit, non-preview API version', () => {
  for (const file of files)
    for (const d of file.declarations().filter((d) => d.keyword === 'resource'))
      assert.match(d.target, /^[A-Za-z]+\.[A-Za-z.]+\/[A-Za-z/]+@\d{4}-\d{2}-\d{2}$/, `${at(d)}: ${d.target} needs a GA API version`);
});

test('the function app runs on Flex Consumption (FC1, Linux) with Node 22 and deploys with the identity', () => {
  const plans = files.flatMap((f) => f.modules().filter((m) => m.target.startsWith('br/public:avm/res/web/serverfarm:')));
  assert.equal(plans.length, 1, 'one App Service plan');
  assert.equal(plans[0]!.body.at('params.sku.name')?.string, 'FC1', 'plan SKU FC1');
  assert.equal(plans[0]!.body.at('params.sku.tier')?.string, 'FlexConsumption', 'plan tier FlexConsumption');
  assert.equal(plans[0]!.body.at('params.reserved')?.text, 'true', 'Linux plan (reserved: true)');
  const sites = [
    ...files.flatMap((f) => f.modules().filter((m) => m.target.startsWith('br/public:avm/res/web/site:'))).map((m) => ({ d: m, params: m.body.get('params') })),
    ...everywhere('Microsoft.Web/sites').map((d) => ({ d, params: d.body.get('properties') })),
  ];
  assert.equal(sites.length, 1, 'one function app');
  const { d, params } = sites[0]!;
  assert.match(params?.get('kind')?.string ?? d.body.get('kind')?.string ?? '', /^functionapp,linux$/, `${at(d)}: kind functionapp,linux`);
  assert.equal(params?.at('functionAppConfig.runtime.name')?.string, 'node', `${at(d)}: runtime node`);
  assert.equal(params?.at('functionAppConfig.runtime.version')?.string, '22', `${at(d)}: runtime version 22`);
  assert.equal(params?.at('functionAppConfig.deployment.storage.authentication.type')?.string, 'UserAssignedIdentity', `${at(d)}: the deployment package is read with the identity`);
  assert.match(params?.get('tags')?.text ?? '', /'azd-service-name'\s*:\s*'api'/, `${at(d)}: tagged azd-service-name: api so azd deploys the api service to it`);
});

test('main.parameters.json parses and names only parameters main.bicep declares, including every required one', () => {
  const file = JSON.parse(readFileSync('infra/main.parameters.json', 'utf8')) as { parameters?: Record<string, { value?: unknown }> };
  assert.ok(file.parameters, 'main.parameters.json has parameters');
  const declared = main.params();
  const names = new Set(declared.map((p) => p.name));
  const undeclared = Object.keys(file.parameters).filter((name) => !names.has(name));
  assert.deepEqual(undeclared, [], `parameters main.bicep does not declare: ${undeclared.join(', ')}`);
  const required = declared.filter((p) => !p.hasDefault).map((p) => p.name);
  const unset = required.filter((name) => !(name in file.parameters!));
  assert.deepEqual(unset, [], `required parameters without a value: ${unset.join(', ')}`);
  for (const [name, entry] of Object.entries(file.parameters)) assert.ok(entry.value !== undefined, `${name} has a value`);
  assert.equal(file.parameters['environmentName']?.value, '${AZURE_ENV_NAME}');
  assert.equal(file.parameters['location']?.value, '${AZURE_LOCATION}');
  const location = declared.find((p) => p.name === 'location');
  assert.match(location?.decorators ?? '', /@allowed\(\[\s*'uksouth'\s*\]\)/, 'the primary location can only be uksouth');
});

test('azure.yaml deploys one function service, api, from the repository root with the Bicep in infra/', () => {
  const yaml = readFileSync('azure.yaml', 'utf8');
  const services = /^services:\n((?:[ \t]+.*\n?|\s*\n)*)/m.exec(yaml)?.[1] ?? '';
  const names = [...services.matchAll(/^ {2}([\w-]+):/gm)].map((m) => m[1]);
  assert.deepEqual(names, ['api'], 'exactly one service, api');
  assert.match(services, /^ {4}host: function$/m, 'host: function');
  assert.match(services, /^ {4}language: (ts|js)$/m, 'language: ts or js');
  assert.match(services, /^ {4}project: \.\/?$/m, 'project: . (package.json at the repository root)');
  assert.doesNotMatch(yaml, /^infra:\n(?:[ \t]+.*\n)*[ \t]+path: (?!infra$)/m, 'infra path is infra');
});
