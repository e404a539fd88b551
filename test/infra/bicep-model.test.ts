// The Bicep model the infra checks rely on: a real parse, so comments never count, strings never
// break structure, syntax errors are reported where they are, and conditions are read, not skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBicep } from './bicep-model.js';

const sample = `// header comment with { and 'quote
targetScope = 'subscription'

@description('Where.')
@allowed([
  'uksouth'
])
param location string = 'uksouth'
param name string
param regions object[] = [
  {
    key: 'uksouth'
  }
]
param private bool = false

var tier = private ? 'Disabled' : 'Enabled'
var off = false
var settings = {
  // COMMENTED_OUT: 'x'
  URL: 'https://\${name}.example/{not-a-block}'
  'quoted-key': 'it\\'s'
  CHOICE: empty(name) ? 'x' : 'y'
}

/* resource ignored 'Microsoft.Fake/things@2020-01-01' = {
} */
resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  sku: {
    name: 'Standard_ZRS'
  }
  properties: {
    allowSharedKeyAccess: false
    publicNetworkAccess: tier
  }
}

resource old 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'old'
}

resource never 'Microsoft.Storage/storageAccounts@2023-05-01' = if (off || !true) {
  name: 'never'
}

resource maybe 'Microsoft.Storage/storageAccounts@2023-05-01' = if (location == 'uksouth' && private) {
  name: 'maybe'
}

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (id, i) in ['a', 'b']: {
  name: id
}]

module m 'br/public:avm/res/web/site:0.15.1' = if (true) {
  name: 'm'
  params: {
    tags: union({}, { 'azd-service-name': 'api' })
  }
}

output where string = account.properties.primaryEndpoints.blob
`;

test('declarations are read from the tree: types, versions, existing, loops, conditions; comments never count', async () => {
  const file = await parseBicep('sample.bicep', sample);
  assert.deepEqual(file.syntaxProblems, []);
  assert.equal(file.targetScope, 'subscription');
  const accounts = file.resources('Microsoft.Storage/storageAccounts');
  assert.deepEqual(accounts.map((d) => d.symbol), ['account', 'never', 'maybe'], 'existing resources are not deployed ones');
  assert.equal(accounts[0]!.apiVersion, '2023-05-01');
  assert.equal(accounts[0]!.body.at('sku.name')?.string, 'Standard_ZRS');
  assert.equal(file.resources('Microsoft.Fake/things').length, 0, 'a commented-out resource does not count');
  const roles = file.resources('Microsoft.Authorization/roleAssignments')[0]!;
  assert.deepEqual([roles.loop?.item, roles.loop?.index, roles.loop?.collection.text], ['id', 'i', "['a', 'b']"]);
  const m = file.modules()[0]!;
  assert.equal(m.target, 'br/public:avm/res/web/site:0.15.1');
  assert.equal(m.condition?.evaluateBoolean(), true);
  assert.equal(m.body.at('params.tags')?.text, "union({}, { 'azd-service-name': 'api' })");
  assert.equal(file.output('where')?.value.text, 'account.properties.primaryEndpoints.blob');
});

test('conditions are folded when the file decides them, and left open when a parameter does', async () => {
  const file = await parseBicep('sample.bicep', sample);
  const bySymbol = new Map(file.resources('Microsoft.Storage/storageAccounts').map((d) => [d.symbol, d]));
  assert.equal(bySymbol.get('never')!.condition!.evaluateBoolean(), false, 'off || !true is false');
  assert.equal(bySymbol.get('maybe')!.condition!.evaluateBoolean(), undefined, 'depends on parameters');
});

test('values: literals with escapes, interpolations are not literals, ternaries give every branch, duplicates are refused', async () => {
  const file = await parseBicep('sample.bicep', sample);
  const settings = file.variable('settings')!.entries();
  assert.deepEqual([...settings.keys()], ['URL', 'quoted-key', 'CHOICE']);
  assert.equal(settings.get('URL')!.string, undefined, 'an interpolated string is not a literal');
  assert.equal(settings.get('quoted-key')!.string, "it's");
  assert.deepEqual(settings.get('CHOICE')!.possibleStrings(), ['x', 'y']);
  const account = file.resources('Microsoft.Storage/storageAccounts')[0]!;
  assert.deepEqual(account.body.at('properties.publicNetworkAccess')!.possibleStrings(), ['Disabled', 'Enabled'], 'through the var and both branches');
  assert.equal(account.body.get('name')!.possibleStrings(), undefined, 'a param is not knowable');
  const duplicated = await parseBicep('dup.bicep', 'var x = {\n  a: 1\n  a: 2\n}\n');
  assert.deepEqual(duplicated.syntaxProblems, [], 'a duplicate key is valid syntax');
  assert.throws(() => duplicated.variable('x')!.entries(), /dup\.bicep:3: duplicate property 'a'/);
  assert.deepEqual(duplicated.variable('x')!.properties().map((p) => p.key), ['a', 'a']);
});

test('params keep their decorators, types and defaults', async () => {
  const file = await parseBicep('sample.bicep', sample);
  const location = file.param('location')!;
  assert.deepEqual(location.decorators.map((d) => d.name), ['description', 'allowed']);
  assert.deepEqual(location.decorators[1]!.args[0]!.elements().map((e) => e.string), ['uksouth']);
  assert.equal(file.param('name')!.default, undefined);
  assert.equal(file.param('regions')!.default!.elements()[0]!.get('key')!.string, 'uksouth');
  assert.deepEqual(file.symbols().filter((s) => s.kind === 'param').map((s) => s.name), ['location', 'name', 'regions', 'private']);
});

test('syntax errors are reported with their line: a missing colon, a stray line, an unclosed block', async () => {
  const missingColon = await parseBicep('a.bicep', "resource r 'A.B/c@2020-01-01' = {\n  name 'x'\n}\n");
  assert.equal(missingColon.syntaxProblems[0]?.line, 2);
  const stray = await parseBicep('b.bicep', 'var a = 1\nthis is not bicep\nvar b = 2\n');
  assert.equal(stray.syntaxProblems[0]?.line, 2);
  const unclosed = await parseBicep('c.bicep', "resource r 'A.B/c@2020-01-01' = {\n  name: 'x'\n");
  assert.ok(unclosed.syntaxProblems.length > 0, 'an unclosed block is a problem');
});
