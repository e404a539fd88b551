// App settings exactly as shared/config.ts reads them, and residency: every region's settings read
// its own region's resources, every data store sits in its region, email data in its geography.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REGIONS, SETTING_NAMES } from '../../../shared/config.js';
import type { BicepValue } from '../bicep-model.js';
import { allowedValues, assertAlwaysDeployed, perRegionModule, regionIndexVars, type Check, type Infra } from '../infra.js';

/** Settings only the local stand-ins need; in Azure every resource refuses keys. */
export const LOCAL_ONLY = ['COSMOS_KEY_UKSOUTH', 'COSMOS_KEY_EU', 'STORAGE_ACCOUNT_KEY_UKSOUTH', 'STORAGE_ACCOUNT_KEY_EU', 'EMAIL_ACCESS_KEY'];
const AZURE_SETTINGS = SETTING_NAMES.filter((name) => !LOCAL_ONLY.includes(name));

/** Where the email data of each region is kept (Communication Services `dataLocation`). */
const EMAIL_DATA_LOCATION: Record<string, string> = { uksouth: 'UK', eu: 'Europe' };

/** The Azure regions in each data region's geography: the UK, and the European Union. */
export const GEOGRAPHY: Record<string, readonly string[]> = {
  uksouth: ['uksouth', 'ukwest'],
  eu: [
    'westeurope',
    'northeurope',
    'francecentral',
    'francesouth',
    'germanywestcentral',
    'germanynorth',
    'swedencentral',
    'italynorth',
    'spaincentral',
    'polandcentral',
    'austriaeast',
    'belgiumcentral',
    'denmarkeast',
    'finlandcentral',
    'greececentral',
  ],
};

/** The per-region settings (`<PREFIX>_UKSOUTH`, `<PREFIX>_EU`): the module file deployed per region and the output each reads. */
const PER_REGION_SETTINGS: Record<string, { module: string; output: string }> = {
  COSMOS_ENDPOINT: { module: 'modules/data-region.bicep', output: 'cosmosEndpoint' },
  KEYVAULT_URL: { module: 'modules/data-region.bicep', output: 'keyVaultUrl' },
  STORAGE_BLOB_URL: { module: 'modules/data-region.bicep', output: 'blobUrl' },
  EMAIL_ENDPOINT: { module: 'modules/email.bicep', output: 'endpoint' },
  EMAIL_SENDER_ADDRESS: { module: 'modules/email.bicep', output: 'senderAddress' },
  DATA_LOCATION: { module: 'modules/data-region.bicep', output: 'location' },
};

/** Checks one per-region value (an app setting or an output) reads its own region's module instance. */
function assertWiredFromOwnRegion(infra: Infra, what: string, name: string, value: BicepValue): boolean {
  const m = /^(.*)_(UKSOUTH|EU)$/.exec(name);
  if (!m || !(m[1]! in PER_REGION_SETTINGS)) return false;
  const region = m[2]!.toLowerCase();
  const expected = PER_REGION_SETTINGS[m[1]!]!;
  const module = perRegionModule(infra, expected.module);
  const indexOfRegion = regionIndexVars(infra);
  const refs = [...value.text.matchAll(/(\w+)\[\s*(\w+)\s*\]\.outputs\.(\w+)/g)];
  assert.equal(refs.length, 1, `${what} ${name} is wired from the output of one region module instance`);
  const [, symbol, index, output] = refs[0]!;
  assert.equal(symbol, module.symbol, `${what} ${name} reads the ${expected.module} module (${module.symbol}), not ${symbol}`);
  assert.ok(indexOfRegion.has(region), `main.bicep has a var = indexOf(..., '${region}') to find region ${region}`);
  assert.equal(index, indexOfRegion.get(region), `${what} ${name} must read the ${region} instance (${indexOfRegion.get(region)}), not ${index}`);
  assert.equal(output, expected.output, `${what} ${name} reads output ${expected.output}`);
  assert.ok(infra.moduleFile(module).output(expected.output), `${expected.module} declares output ${expected.output}`);
  return true;
}

export const settingsAndResidencyChecks: Check[] = [
  {
    name: 'every setting shared/config.ts reads in Azure is an app setting of the function app, and no other',
    run(infra) {
      const settings = infra.appSettings();
      const missing = AZURE_SETTINGS.filter((name) => !settings.has(name));
      assert.deepEqual(missing, [], `missing from var appSettings in infra/main.bicep: ${missing.join(', ')}`);
      const unknown = [...settings.keys()].filter(
        (name) => /^[A-Z0-9_]+$/.test(name) && !SETTING_NAMES.includes(name) && !/^(APPLICATIONINSIGHTS_|AzureWebJobs)/.test(name),
      );
      assert.deepEqual(unknown, [], `app settings the app never reads (renamed in shared/config.ts?): ${unknown.join(', ')}`);
    },
  },
  {
    name: 'local-only secrets are never set in Azure, and LOCAL_DEVELOPMENT is false',
    run(infra) {
      for (const name of LOCAL_ONLY) assert.ok(SETTING_NAMES.includes(name), `${name} is no longer a setting in shared/config.ts; update LOCAL_ONLY`);
      const settings = infra.appSettings();
      const present = LOCAL_ONLY.filter((name) => settings.has(name));
      assert.deepEqual(present, [], `local-only secrets set as app settings: ${present.join(', ')}`);
      for (const file of infra.files)
        for (const name of LOCAL_ONLY)
          assert.ok(
            !file.strings().some((s) => s.text.includes(name)) && !file.variableNames().includes(name),
            `${infra.name(file)} sets the local-only secret ${name}`,
          );
      assert.equal(settings.get('LOCAL_DEVELOPMENT')?.string, 'false', "LOCAL_DEVELOPMENT must be 'false' in Azure");
    },
  },
  {
    name: 'the app settings reach the Flex Consumption function app',
    run(infra) {
      const call = infra.main.modules().find((m) => m.body.at('params.appSettings')?.text === 'appSettings');
      assert.ok(call, 'main.bicep passes `appSettings: appSettings` to the function app module');
      assertAlwaysDeployed(infra, call);
      const module = infra.moduleFile(call);
      const site = module.modules().find((m) => m.target.startsWith('br/public:avm/res/web/site:'));
      assert.ok(site, `${infra.name(module)} deploys the site with avm/res/web/site`);
      assert.equal(site.body.at('params.appSettingsKeyValuePairs')?.text, 'appSettings', `${infra.name(module)} passes its appSettings param to the site`);
    },
  },
  {
    name: 'no template reads an account key or connection string',
    run(infra) {
      for (const file of infra.files)
        for (const call of file.calls())
          assert.doesNotMatch(
            call.name,
            /(^|\.)list\w*$/i,
            `${infra.name(file)}:${call.line} calls ${call.name}(), which reads keys or connection strings`,
          );
    },
  },
  {
    name: 'host storage and the Durable task hub are reached with the managed identity',
    run(infra) {
      const host = JSON.parse(readFileSync('host.json', 'utf8')) as { extensions: { durableTask: { storageProvider: { connectionName?: string } } } };
      const connection = host.extensions.durableTask.storageProvider.connectionName ?? 'AzureWebJobsStorage';
      const settings = infra.appSettings();
      assert.ok(!settings.has(connection), `${connection} must not be a connection string; use ${connection}__accountName`);
      assert.ok(settings.has(`${connection}__accountName`), `${connection}__accountName is set`);
      assert.equal(settings.get(`${connection}__credential`)?.string, 'managedidentity', `${connection}__credential is 'managedidentity'`);
      assert.match(settings.get(`${connection}__clientId`)?.text ?? '', /\.outputs\.clientId$/, `${connection}__clientId is the identity's client id`);
    },
  },
  {
    name: 'Flex Consumption rejects runtime settings, so none is set',
    run(infra) {
      const settings = infra.appSettings();
      for (const name of [
        'FUNCTIONS_WORKER_RUNTIME',
        'FUNCTIONS_EXTENSION_VERSION',
        'WEBSITE_NODE_DEFAULT_VERSION',
        'WEBSITE_RUN_FROM_PACKAGE',
        'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
        'WEBSITE_CONTENTSHARE',
      ])
        assert.ok(!settings.has(name), `${name} is not allowed on Flex Consumption`);
    },
  },
  {
    name: 'the email quota and CORS origins the app works with are the ones the templates were given',
    run(infra) {
      const settings = infra.appSettings();
      assert.equal(settings.get('EMAIL_QUOTA_PER_MINUTE')?.text, 'string(emailQuotaPerMinute)');
      assert.equal(settings.get('EMAIL_QUOTA_PER_HOUR')?.text, 'string(emailQuotaPerHour)');
      for (const [param, fallback] of [['emailQuotaPerMinute', 30], ['emailQuotaPerHour', 100]] as const)
        assert.equal(infra.main.param(param)?.default?.number, fallback, `${param} defaults to the documented custom-domain limit (${fallback})`);
      assert.equal(settings.get('CORS_ALLOWED_ORIGINS')?.text, "join(corsOrigins, ',')", 'CORS_ALLOWED_ORIGINS is the list the function app\'s CORS uses');
    },
  },
  {
    name: 'the data regions are those of shared/config.ts, and each can only be placed in its own geography',
    run(infra) {
      const param = infra.main.param('dataRegions');
      assert.ok(param?.default?.kind === 'array', 'main.bicep declares `param dataRegions` with a default list');
      assert.equal(param.type, 'dataRegion[]', 'dataRegions is typed, so a region outside its geography is refused before deployment');
      const byKey = Object.fromEntries(param.default.elements().map((e) => [e.get('key')?.string, e.get('location')?.string]));
      assert.deepEqual(byKey, { uksouth: 'uksouth', eu: 'westeurope' });
      assert.deepEqual(Object.keys(byKey).sort(), [...REGIONS].sort(), 'one data region per region in shared/config.ts REGIONS');

      const types = new Map(infra.main.types().map((t) => [t.name, t]));
      const union = types.get('dataRegion');
      assert.ok(union, 'main.bicep declares `type dataRegion`');
      assert.ok(union.decorators.some((d) => d.name === 'discriminator' && d.args[0]?.string === 'key'), 'dataRegion is a union discriminated by key');
      const members = union.value.node.namedChildren.map((n) => n?.text ?? '');
      const seen = new Set<string>();
      for (const member of members) {
        const object = types.get(member)?.value;
        assert.ok(object?.kind === 'object', `${member} is an object type`);
        const key = object.get('key')?.string;
        assert.ok(key && REGIONS.includes(key as never), `${member}.key is one region of REGIONS, found ${object.get('key')?.text}`);
        seen.add(key);
        const location = object.get('location');
        assert.ok(location, `${member} has a location`);
        // A union of string literals ('uksouth' | 'ukwest'), or one literal.
        const locations = location.node.descendantsOfType('string').map((n) => n?.text.replace(/'/g, '') ?? '');
        assert.ok(
          locations.length > 0 && location.node.descendantsOfType('identifier').length === 0,
          `${member}.location is a choice of literal regions, not a free string`,
        );
        for (const location of locations) assert.ok(GEOGRAPHY[key]!.includes(location), `${member}: ${location} is outside the ${key} geography`);
      }
      assert.deepEqual([...seen].sort(), [...REGIONS].sort(), 'the union has one member per region');

      const module = perRegionModule(infra, 'modules/data-region.bicep');
      assert.match(module.body.at('params.location')?.text ?? '', /^\w+\.location$/, "each region module instance is created in its region's location");
      const location = infra.file('modules/data-region.bicep').param('location');
      assert.ok(location && !location.default, 'the region module has a required location param (no default that could point elsewhere)');
      const allowed = allowedValues(location.decorators) ?? [];
      assert.ok(allowed.length > 0, 'the region module allows only UK and EU locations (@allowed)');
      for (const l of allowed)
        assert.ok(
          Object.values(GEOGRAPHY).some((g) => g.includes(String(l))),
          `modules/data-region.bicep allows ${l}, outside the UK and the EU`,
        );
    },
  },
  {
    name: "each region's settings and outputs read the module instance of that region, never another",
    run(infra) {
      let checked = 0;
      const settings = infra.appSettings();
      for (const [name, value] of settings) {
        if (!/_(UKSOUTH|EU)$/.test(name)) continue;
        assert.ok(
          assertWiredFromOwnRegion(infra, 'app setting', name, value),
          `${name} is a per-region setting this test does not know; add it to PER_REGION_SETTINGS`,
        );
        checked++;
      }
      assert.equal(checked, 12, 'the twelve per-region settings are all wired');
      const expected = Object.keys(PER_REGION_SETTINGS).flatMap((prefix) => REGIONS.map((r) => `${prefix}_${r.toUpperCase()}`));
      assert.deepEqual(expected.filter((name) => !settings.has(name)), [], 'every per-region setting is set for every region');
      let outputs = 0;
      for (const output of infra.main.outputs()) {
        if (!assertWiredFromOwnRegion(infra, 'output', output.name, output.value)) continue;
        assert.equal(output.value.text, settings.get(output.name)?.text, `output ${output.name} is the value of the app setting ${output.name}`);
        outputs++;
      }
      assert.equal(outputs, 12, 'main.bicep outputs every per-region setting (azd writes them to the environment)');
      const region = infra.file('modules/data-region.bicep');
      assert.equal(region.output('cosmosEndpoint')?.value.text, 'cosmos.properties.documentEndpoint');
      assert.equal(region.output('keyVaultUrl')?.value.text, 'vault.properties.vaultUri');
      assert.equal(region.output('blobUrl')?.value.text, 'storage.properties.primaryEndpoints.blob');
      assert.equal(region.output('location')?.value.text, 'location', "the region module's location output is the location its stores are created in");
      assert.equal(
        infra.file('modules/email.bicep').output('endpoint')?.value.text,
        "'https://${communication.properties.hostName}/'",
        "email.bicep's endpoint is its own Communication Services resource's host",
      );
    },
  },
  {
    name: "every data store of a region is created in that region's location only, and always",
    run(infra) {
      const file = infra.file('modules/data-region.bicep');
      const located = file.declarations().filter((d) => d.keyword === 'resource' && d.body.get('location'));
      const types = new Set(located.map((d) => d.type));
      for (const type of [
        'Microsoft.DocumentDB/databaseAccounts',
        'Microsoft.KeyVault/vaults',
        'Microsoft.Storage/storageAccounts',
        'Microsoft.OperationalInsights/workspaces',
      ])
        assert.ok(types.has(type), `the region module creates its ${type}`);
      for (const d of located) {
        assert.equal(d.body.get('location')?.text, 'location', `${infra.at(d)} must be created in the region's location param`);
        assertAlwaysDeployed(infra, d);
      }
    },
  },
  {
    name: "email data is kept in each region's geography: UK for uksouth, Europe for eu",
    run(infra) {
      const file = infra.file('modules/email.bicep');
      const map = file.variable('dataLocations');
      assert.ok(map?.kind === 'object', 'email.bicep maps region keys to data locations in `var dataLocations = { ... }`');
      const byRegion = Object.fromEntries([...map.entries()].map(([key, value]) => [key, value.string]));
      assert.deepEqual(byRegion, EMAIL_DATA_LOCATION, 'uksouth email data is kept in the UK, eu email data in Europe');
      const regionKey = file.param('regionKey');
      assert.ok(regionKey && !regionKey.default, 'email.bicep has a required regionKey param (no default that could pick another region)');
      assert.deepEqual(allowedValues(regionKey.decorators), ['uksouth', 'eu'], 'regionKey allows only the regions of REGIONS');
      assert.equal(file.variable('dataLocation')?.text, 'dataLocations[regionKey]', "the data location is the module's own region's");
      const email = [...infra.everywhere('Microsoft.Communication/emailServices'), ...infra.everywhere('Microsoft.Communication/communicationServices')];
      assert.equal(email.length, 2, 'an Email Communication Service and a Communication Services resource are declared (once, in the per-region email module)');
      for (const d of email) {
        assert.equal(d.file, file, `${infra.at(d)}: email resources are declared only in the per-region email module`);
        assert.equal(d.body.at('properties.dataLocation')?.text, 'dataLocation', `${infra.at(d)}: dataLocation is the region's (var dataLocation)`);
        assert.match(d.body.get('name')?.text ?? '', /\$\{regionKey\}/, `${infra.at(d)}: the name includes the region key, so the regions' resources differ`);
        assertAlwaysDeployed(infra, d);
      }
      perRegionModule(infra, 'modules/email.bicep');
    },
  },
  {
    name: 'nothing in infra/ still names the single EMAIL_ENDPOINT setting',
    run(infra) {
      assert.ok(!SETTING_NAMES.includes('EMAIL_ENDPOINT'), 'shared/config.ts no longer reads EMAIL_ENDPOINT');
      for (const file of infra.files)
        assert.doesNotMatch(
          file.source,
          /\bEMAIL_ENDPOINT\b/,
          `${infra.name(file)} still names EMAIL_ENDPOINT; use EMAIL_ENDPOINT_UKSOUTH / EMAIL_ENDPOINT_EU`,
        );
      assert.ok(!infra.appSettings().has('EMAIL_ENDPOINT'), 'EMAIL_ENDPOINT is not an app setting');
    },
  },
  {
    name: 'main.parameters.json parses and names only parameters main.bicep declares, including every required one',
    run(infra) {
      const file = infra.json<{ parameters?: Record<string, { value?: unknown }> }>('main.parameters.json');
      assert.ok(file.parameters, 'main.parameters.json has parameters');
      const declared = infra.main.params();
      const names = new Set(declared.map((p) => p.name));
      const undeclared = Object.keys(file.parameters).filter((name) => !names.has(name));
      assert.deepEqual(undeclared, [], `parameters main.bicep does not declare: ${undeclared.join(', ')}`);
      const required = declared.filter((p) => p.default === undefined).map((p) => p.name);
      const unset = required.filter((name) => !(name in file.parameters!));
      assert.deepEqual(unset, [], `required parameters without a value: ${unset.join(', ')}`);
      for (const [name, entry] of Object.entries(file.parameters)) assert.ok(entry.value !== undefined, `${name} has a value`);
      assert.equal(file.parameters['environmentName']?.value, '${AZURE_ENV_NAME}');
      assert.equal(file.parameters['location']?.value, '${AZURE_LOCATION}');
      assert.deepEqual(allowedValues(infra.main.param('location')?.decorators ?? []), ['uksouth'], 'the primary location can only be uksouth');
    },
  },
];
