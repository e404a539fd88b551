// The Bicep reader the infra tests rely on: comments never count, strings never break brackets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BicepFile, blank } from './bicep-text.js';

const sample = `// header comment with { and 'quote
param name string
@allowed([
  'uksouth'
])
param location string = 'uksouth'
param regions object[] = [
  {
    key: 'uksouth'
  }
]

var settings = {
  // COMMENTED_OUT: 'x'
  URL: 'https://\${name}.example/{not-a-block}'
  NESTED: '\${empty(name) ? 'a}' : 'b'}'
  'quoted-key': 'it\\'s'
  CHOICE: empty(name)
    ? 'x'
    : 'y'
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
    locations: [
      {
        locationName: location
      }
      {
        locationName: 'other'
      }
    ]
  }
}

resource old 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'old'
}

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for id in ids: {
  name: id
}]

module m 'br/public:avm/res/web/site:0.15.1' = if (true) {
  name: 'm'
  params: {
    tags: union(tags, { 'azd-service-name': 'api' })
  }
}
`;
const file = new BicepFile('sample.bicep', sample);

test('comments are blanked in code and skeleton; string contents only in the skeleton', () => {
  const source = `a: 'x{y' // c{\nb: 1 /* d\n e */`;
  const [code, skeleton] = blank(source);
  const blankedComments = `a: 'x{y' ${' '.repeat(5)}\nb: 1 ${' '.repeat(4)}\n${' '.repeat(5)}`;
  assert.equal(code, blankedComments);
  assert.equal(skeleton, blankedComments.replace('x{y', '   '));
  assert.equal(code.length, source.length, 'offsets are kept');
});

test('object entries skip comments and read quoted keys, interpolations and continued ternaries', () => {
  const settings = file.variable('settings')!.entries();
  assert.deepEqual([...settings.keys()], ['URL', 'NESTED', 'quoted-key', 'CHOICE']);
  assert.equal(settings.get('URL')!.text, "'https://${name}.example/{not-a-block}'");
  assert.equal(settings.get('URL')!.string, undefined, 'an interpolated string is not a literal');
  assert.equal(settings.get('quoted-key')!.string, "it's");
  assert.match(settings.get('CHOICE')!.text, /^empty\(name\)\s+\? 'x'\s+: 'y'$/);
});

test('resources are found by type, existing ones left out, with their nested properties', () => {
  const accounts = file.resources('Microsoft.Storage/storageAccounts');
  assert.equal(accounts.length, 1);
  assert.equal(accounts[0]!.symbol, 'account');
  assert.equal(accounts[0]!.body.at('sku.name')!.string, 'Standard_ZRS');
  assert.equal(accounts[0]!.body.at('properties.allowSharedKeyAccess')!.text, 'false');
  assert.equal(accounts[0]!.body.at('properties.locations')!.elements().length, 2);
  assert.equal(file.resources('Microsoft.Fake/things').length, 0, 'a commented-out resource does not count');
});

test('loops, conditions and module params are read', () => {
  const roles = file.resources('Microsoft.Authorization/roleAssignments')[0]!;
  assert.equal(roles.loop, true);
  assert.equal(roles.body.get('name')!.text, 'id');
  const m = file.modules()[0]!;
  assert.equal(m.target, 'br/public:avm/res/web/site:0.15.1');
  assert.equal(m.loop, false);
  assert.equal(m.body.at('params.tags')!.text, "union(tags, { 'azd-service-name': 'api' })");
});

test('params report defaults and the decorators above them', () => {
  const params = file.params();
  assert.deepEqual(params.map((p) => [p.name, p.hasDefault]), [['name', false], ['location', true], ['regions', true]]);
  assert.match(params[1]!.decorators, /@allowed\(\[\s*'uksouth'\s*\]\)/);
  assert.equal(file.paramDefault('regions')!.elements()[0]!.get('key')!.string, 'uksouth');
});
