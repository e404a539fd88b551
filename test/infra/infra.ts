// The infrastructure as the checks see it: every Bicep file of a folder parsed, plus the helpers the
// checks share (app settings, role grants, per-region wiring). A check is a named function over
// this model that throws when a promise is broken; test/infra/bicep.test.ts runs each one on infra/
// and test/infra/bicep-breakage.test.ts proves they fail on broken copies.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BicepFile, readBicepFiles, type BicepValue, type Declaration } from './bicep-model.js';

export interface Check {
  name: string;
  run(infra: Infra): void;
}

export class Infra {
  private constructor(
    /** The folder holding main.bicep (infra/, or a copy of it). */
    readonly dir: string,
    readonly files: BicepFile[],
  ) {}

  static async load(dir = 'infra'): Promise<Infra> {
    return new Infra(dir, await readBicepFiles(dir));
  }

  /** A file by its path inside the folder (`main.bicep`, `modules/data-region.bicep`). */
  file(path: string): BicepFile {
    const file = this.files.find((f) => this.rel(f) === path);
    assert.ok(file, `infra/${path} exists`);
    return file;
  }

  get main(): BicepFile {
    return this.file('main.bicep');
  }

  /** Path of a file inside the folder, with forward slashes. */
  rel(file: BicepFile): string {
    return relative(this.dir, file.path).split('\\').join('/');
  }

  /** `infra/<path>` for messages, whatever folder was loaded. */
  name(file: BicepFile): string {
    return `infra/${this.rel(file)}`;
  }

  at(d: Declaration): string {
    return `${this.name(d.file)}:${d.line} (${d.symbol})`;
  }

  /** The JSON next to main.bicep (main.parameters.json). */
  json<T>(path: string): T {
    return JSON.parse(readFileSync(join(this.dir, path), 'utf8')) as T;
  }

  /** Resources of a type in every file that can be deployed (not `existing`, not under a condition that is always false). */
  everywhere(type: string): Declaration[] {
    return this.files.flatMap((f) => f.resources(type)).filter((d) => deployment(d) !== 'never');
  }

  /** Module declarations whose target starts with a prefix (`br/public:avm/res/web/site:`) in every file. */
  modulesOf(prefix: string): Declaration[] {
    return this.files.flatMap((f) => f.modules().filter((m) => m.target.startsWith(prefix)));
  }

  /** The file a local module declaration deploys. */
  moduleFile(m: Declaration): BicepFile {
    const fromDir = this.rel(m.file).split('/').slice(0, -1);
    const parts = [...fromDir, ...m.target.split('/')].reduce<string[]>((acc, p) => (p === '..' ? acc.slice(0, -1) : p === '.' ? acc : [...acc, p]), []);
    return this.file(parts.join('/'));
  }

  appSettings(): Map<string, BicepValue> {
    const value = this.main.variable('appSettings');
    assert.ok(value?.kind === 'object', 'infra/main.bicep declares the function app settings as `var appSettings = { ... }`');
    return value.entries();
  }
}

/** Whether a declaration is deployed: always, never (`if (false)` and the like) or under a condition. */
export function deployment(d: Declaration): 'always' | 'never' | 'conditional' {
  if (!d.condition) return 'always';
  const value = d.condition.evaluateBoolean();
  return value === undefined ? 'conditional' : value ? 'always' : 'never';
}

export function assertAlwaysDeployed(infra: Infra, d: Declaration): void {
  assert.equal(deployment(d), 'always', `${infra.at(d)} must be deployed unconditionally, not under if (${d.condition?.text})`);
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Role definition GUIDs a value names: literal GUIDs, vars holding one, or the elements of a loop's collection. */
export function rolesNamed(d: Declaration, value: BicepValue | undefined): string[] {
  if (!value) return [];
  const file = d.file;
  const guids = new Set<string>(value.text.match(GUID) ?? []);
  for (const id of value.identifiers()) {
    for (const s of file.variable(id)?.possibleStrings() ?? []) for (const g of s.match(GUID) ?? []) guids.add(g);
    if (d.loop && id === d.loop.item) {
      const collection = d.loop.collection.kind === 'array' ? d.loop.collection : file.variable(d.loop.collection.text);
      for (const element of collection?.kind === 'array' ? collection.elements() : []) for (const s of element.possibleStrings() ?? []) guids.add(s);
    }
  }
  return [...guids].map((g) => g.toLowerCase());
}

/** The type of the resource a `scope:` names in the same file. */
export function scopeType(d: Declaration): string | undefined {
  const scope = d.body.get('scope')?.text;
  return d.file.declarations().find((other) => other.symbol === scope)?.type;
}

export interface Grant {
  where: string;
  role: string;
  /** Type of what the role is granted on (a resource type, or the module's target). */
  scopeType: string | undefined;
  principal: string;
  declaration: Declaration;
}

/** Every role the templates grant: role assignments, Cosmos SQL role assignments, AVM `roleAssignments`. */
export function grants(infra: Infra): Grant[] {
  const result: Grant[] = [];
  for (const d of infra.everywhere('Microsoft.Authorization/roleAssignments'))
    for (const role of rolesNamed(d, d.body.at('properties.roleDefinitionId')))
      result.push({ where: infra.at(d), role, scopeType: scopeType(d), principal: d.body.at('properties.principalId')?.text ?? '', declaration: d });
  for (const d of infra.everywhere('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments'))
    for (const role of rolesNamed(d, d.body.at('properties.roleDefinitionId')))
      result.push({
        where: infra.at(d),
        role,
        scopeType: 'Microsoft.DocumentDB/databaseAccounts',
        principal: d.body.at('properties.principalId')?.text ?? '',
        declaration: d,
      });
  for (const file of infra.files)
    for (const m of file.modules()) {
      const assignments = m.body.at('params.roleAssignments');
      if (assignments?.kind !== 'array') continue;
      for (const a of assignments.elements())
        for (const role of rolesNamed(m, a.get('roleDefinitionIdOrName')))
          result.push({ where: infra.at(m), role, scopeType: m.target, principal: a.get('principalId')?.text ?? '', declaration: m });
    }
  return result;
}

/** `var x = indexOf(regionKeys, 'eu')` in main.bicep, by region. */
export function regionIndexVars(infra: Infra): Map<string, string> {
  const result = new Map<string, string>();
  for (const name of infra.main.variableNames()) {
    const value = infra.main.variable(name)!;
    const m = /^indexOf\(\s*\w+\s*,\s*'(\w+)'\s*\)$/.exec(value.text);
    if (m) result.set(m[1]!, name);
  }
  return result;
}

/** A module main.bicep deploys once per data region, passing the region's key; asserted, then returned. */
export function perRegionModule(infra: Infra, target: string): Declaration {
  const module = infra.main.modules().find((m) => m.target === target);
  assert.ok(module?.loop, `main.bicep deploys ${target} once per data region`);
  assert.equal(module.loop.collection.text, 'dataRegions', `${target} loops over dataRegions, like every per-region module, so instance i is dataRegions[i]`);
  assert.equal(module.body.at('params.regionKey')?.text, `${module.loop.item}.key`, `${target} gets its region's key (regionKey: ${module.loop.item}.key)`);
  assertAlwaysDeployed(infra, module);
  return module;
}

/** The strings a resource's or module's `name` can take: a literal, a var, or each element of its loop's collection. */
export function namesOf(d: Declaration): string[] {
  const name = d.body.get('name');
  if (!name) return [];
  const direct = name.possibleStrings();
  if (direct) return direct;
  if (d.loop && name.text === d.loop.item) {
    const collection = d.loop.collection.kind === 'array' ? d.loop.collection : d.file.variable(d.loop.collection.text);
    return collection?.kind === 'array' ? collection.elements().flatMap((e) => e.possibleStrings() ?? []) : [];
  }
  return [];
}

/** A decorator's first argument, as a list of literals (`@allowed([...])`). */
export function allowedValues(decorators: { name: string; args: BicepValue[] }[]): (string | number)[] | undefined {
  const allowed = decorators.find((d) => d.name === 'allowed')?.args[0];
  return allowed?.kind === 'array' ? allowed.elements().map((e) => e.string ?? e.number ?? e.text) : undefined;
}
