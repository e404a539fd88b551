// Bicep as a language: what the Bicep CLI would refuse before anything reaches Azure, checked
// without it. Syntax comes from the parser; names, values and versions from test/infra/schemas.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BicepValue, Declaration } from '../bicep-model.js';
import { deployment, type Check, type Infra } from '../infra.js';
import { API_VERSIONS, AVM_ENUMS, AVM_PARAMS, RESOURCE_KEYS, RESOURCE_SCHEMAS } from '../schemas.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})(-preview)?$/;

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function resources(infra: Infra): Declaration[] {
  return infra.files.flatMap((f) => f.declarations().filter((d) => d.keyword === 'resource'));
}

/** Values a property can take that are knowable from the file; a param or output reference is not. */
function knownValues(value: BicepValue): (string | number | boolean)[] | undefined {
  return value.possibleStrings() ?? value.possibleNumbers() ?? value.possibleBooleans();
}

export const languageChecks: Check[] = [
  {
    name: 'every Bicep file parses: no syntax error, no stray text, no missing token',
    run(infra) {
      assert.ok(infra.files.length > 0, 'infra/ holds Bicep files');
      const problems = infra.files.flatMap((f) => f.syntaxProblems.map((p) => `${infra.name(f)}:${p.line}:${p.column} near '${p.text}'`));
      assert.deepEqual(problems, [], `syntax errors:\n${problems.join('\n')}`);
    },
  },
  {
    name: 'no object gives a key twice, and no file declares a name twice',
    run(infra) {
      const duplicates: string[] = [];
      for (const file of infra.files) {
        for (const object of file.objects()) {
          const seen = new Set<string>();
          for (const { key, line } of object.properties()) {
            if (seen.has(key)) duplicates.push(`${infra.name(file)}:${line} repeats '${key}'`);
            seen.add(key);
          }
        }
        // params, vars, resources, modules, types and functions share one namespace; outputs have their own.
        const names = new Map<string, number>();
        const outputs = new Set<string>();
        for (const symbol of file.symbols()) {
          if (symbol.kind === 'output') {
            if (outputs.has(symbol.name)) duplicates.push(`${infra.name(file)}:${symbol.line} declares output ${symbol.name} twice`);
            outputs.add(symbol.name);
          } else {
            if (names.has(symbol.name))
              duplicates.push(`${infra.name(file)}:${symbol.line} declares ${symbol.name} again (first at line ${names.get(symbol.name)})`);
            names.set(symbol.name, symbol.line);
          }
        }
      }
      assert.deepEqual(duplicates, [], duplicates.join('\n'));
    },
  },
  {
    name: 'every resource has an API version that exists for its type (GA; preview only where no GA version can do the job)',
    run(infra) {
      const all = resources(infra);
      assert.ok(all.length > 0, 'resources are declared');
      for (const d of all) {
        const version = d.apiVersion ?? '';
        const m = DATE.exec(version);
        assert.ok(m, `${infra.at(d)}: '${d.target}' needs an API version yyyy-mm-dd`);
        assert.ok(isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])), `${infra.at(d)}: ${version} is not a date, so no such API version exists`);
        const known = API_VERSIONS[d.type];
        assert.ok(known, `${infra.at(d)}: ${d.type} is not in test/infra/schemas.ts API_VERSIONS; add its versions there from the ARM template reference`);
        assert.ok(known.includes(version), `${infra.at(d)}: ${d.type}@${version} is not a known API version (${known.join(', ')})`);
      }
    },
  },
  {
    name: 'every resource uses only property names its type has, with values its enums allow',
    run(infra) {
      for (const d of resources(infra)) {
        const schema = RESOURCE_SCHEMAS[d.type];
        assert.ok(schema, `${infra.at(d)}: ${d.type} has no schema in test/infra/schemas.ts RESOURCE_SCHEMAS`);
        for (const key of d.body.entries().keys()) assert.ok(RESOURCE_KEYS.includes(key), `${infra.at(d)}: '${key}' is not a resource property`);
        const properties = d.body.get('properties');
        if (properties?.kind === 'object') {
          for (const key of properties.entries().keys())
            assert.ok(schema.properties.includes(key), `${infra.at(d)}: ${d.type} has no property '${key}' (known: ${schema.properties.join(', ')})`);
        }
        for (const [path, allowed] of Object.entries(schema.enums ?? {})) {
          const value = d.body.at(path);
          if (!value) continue;
          const values = value.possibleStrings();
          assert.ok(values, `${infra.at(d)}: ${path} must be a literal (or a choice of literals) so its value can be checked, found ${value.text}`);
          for (const v of values) assert.ok(allowed.includes(v), `${infra.at(d)}: ${path} '${v}' is not one of ${allowed.join(', ')}`);
        }
      }
    },
  },
  {
    name: 'main.bicep deploys at subscription scope (it creates the resource group); modules deploy into the resource group',
    run(infra) {
      assert.equal(infra.main.targetScope, 'subscription', "infra/main.bicep declares targetScope = 'subscription'");
      assert.ok(infra.main.resources('Microsoft.Resources/resourceGroups').length === 1, 'main.bicep creates the resource group');
      for (const file of infra.files.filter((f) => f !== infra.main))
        assert.ok(file.targetScope === undefined || file.targetScope === 'resourceGroup', `${infra.name(file)} deploys into the resource group`);
      for (const m of infra.main.modules()) assert.equal(m.body.get('scope')?.text, 'rg', `${infra.at(m)} is deployed into the resource group (scope: rg)`);
    },
  },
  {
    name: 'every registry module is an Azure Verified Module pinned to an exact version, and every local module exists',
    run(infra) {
      const registry = infra.files.flatMap((f) => f.modules().filter((m) => !m.target.endsWith('.bicep')));
      assert.ok(registry.length > 0, 'Azure Verified Modules are used');
      for (const m of registry)
        assert.match(
          m.target,
          /^br\/public:avm\/(res|ptn|utl)\/[a-z0-9-]+(\/[a-z0-9-]+)+:\d+\.\d+\.\d+$/,
          `${infra.at(m)}: ${m.target} is not a pinned br/public:avm/... module (x.y.z)`,
        );
      for (const file of infra.files)
        for (const m of file.modules().filter((m) => m.target.endsWith('.bicep')))
          assert.ok(existsSync(join(dirname(file.path), m.target)), `${infra.at(m)}: ${m.target} exists`);
    },
  },
  {
    name: 'every module call passes only parameters the module declares, every required one, and allowed values',
    run(infra) {
      for (const file of infra.files)
        for (const m of file.modules()) {
          const given = m.body.get('params');
          const names = given?.kind === 'object' ? [...given.entries().keys()] : [];
          let declared: readonly string[];
          let required: readonly string[];
          if (m.target.endsWith('.bicep')) {
            const target = infra.moduleFile(m);
            declared = target.params().map((p) => p.name);
            required = target.params().filter((p) => p.default === undefined && !p.type.endsWith('?')).map((p) => p.name);
          } else {
            const avm = AVM_PARAMS[m.target];
            assert.ok(avm, `${infra.at(m)}: ${m.target} has no parameter list in test/infra/schemas.ts AVM_PARAMS`);
            ({ params: declared, required } = avm);
          }
          for (const name of names) assert.ok(declared.includes(name), `${infra.at(m)}: ${m.target} has no parameter '${name}'`);
          for (const name of required) assert.ok(names.includes(name), `${infra.at(m)}: required parameter '${name}' of ${m.target} is not given`);
          for (const [name, allowed] of Object.entries(AVM_ENUMS[m.target] ?? {})) {
            const value = given?.get(name);
            if (!value) continue;
            const values = knownValues(value);
            assert.ok(values, `${infra.at(m)}: ${name} must be knowable from the template to be checked, found ${value.text}`);
            for (const v of values) assert.ok(allowed.includes(v as never), `${infra.at(m)}: ${name} ${String(v)} is not one of ${allowed.join(', ')}`);
          }
        }
    },
  },
  {
    name: 'nothing is declared and then switched off: no resource or module under a condition that is always false',
    run(infra) {
      const never = infra.files.flatMap((f) => f.declarations()).filter((d) => deployment(d) === 'never');
      assert.deepEqual(never.map((d) => `${infra.at(d)} if (${d.condition?.text})`), [], 'declarations that can never deploy');
    },
  },
];
