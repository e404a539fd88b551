// Bicep files read with a real parser (tree-sitter-bicep, run as WebAssembly by web-tree-sitter), so
// the infra checks see what Bicep sees: a missing colon or a stray line is a syntax error, a
// resource under `if (false)` is not deployed, a duplicated key is a duplicate. The grammar checks
// syntax only; names, enum values and API versions are asserted by the checks themselves.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

let ready: Promise<Parser> | undefined;

/** The parser, loaded once from the wasm files inside node_modules (no download at test time). */
export function bicepParser(): Promise<Parser> {
  ready ??= (async () => {
    await Parser.init();
    const grammar = createRequire(import.meta.url).resolve('tree-sitter-bicep/tree-sitter-bicep.wasm');
    const parser = new Parser();
    parser.setLanguage(await Language.load(grammar));
    return parser;
  })();
  return ready;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  /** The text the parser could not place (or, for a missing token, what it expected). */
  text: string;
}

export type ValueKind = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null' | 'expression';

const KINDS: Record<string, ValueKind> = { object: 'object', array: 'array', string: 'string', number: 'number', boolean: 'boolean', null: 'null' };

/** Children that carry meaning (comments and punctuation left out). */
function namedChildren(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment' && c.type !== 'diagnostic_comment');
}

/** A value in a Bicep file: a node of the syntax tree with helpers to read literals and structure. */
export class BicepValue {
  constructor(
    readonly file: BicepFile,
    readonly node: Node,
  ) {}

  get text(): string {
    return this.node.text;
  }

  get line(): number {
    return this.node.startPosition.row + 1;
  }

  get where(): string {
    return `${this.file.path}:${this.line}`;
  }

  get kind(): ValueKind {
    return KINDS[this.node.type] ?? 'expression';
  }

  /** The string if the value is a string literal without interpolation. */
  get string(): string | undefined {
    if (this.node.type !== 'string') return undefined;
    let result = '';
    for (const part of namedChildren(this.node)) {
      if (part.type === 'string_content') result += part.text;
      else if (part.type === 'escape_sequence') result += unescape(part.text);
      else return undefined; // an interpolation
    }
    return result;
  }

  get boolean(): boolean | undefined {
    return this.node.type === 'boolean' ? this.node.text === 'true' : undefined;
  }

  get number(): number | undefined {
    return this.node.type === 'number' ? Number(this.node.text) : undefined;
  }

  /** Every property of an object value in source order, duplicates included. */
  properties(): { key: string; value: BicepValue; line: number }[] {
    if (this.node.type !== 'object') throw new Error(`${this.where}: expected an object, found ${this.node.type}`);
    const found = [];
    for (const child of namedChildren(this.node)) {
      if (child.type !== 'object_property') continue; // decorators of a type's property
      const [keyNode, valueNode] = namedChildren(child);
      if (!keyNode || !valueNode) throw new Error(`${this.file.path}:${child.startPosition.row + 1}: a property without a value`);
      const key = keyNode.type === 'string' ? new BicepValue(this.file, keyNode).string : keyNode.text;
      if (key === undefined) throw new Error(`${this.file.path}:${child.startPosition.row + 1}: an interpolated property name`);
      found.push({ key, value: new BicepValue(this.file, valueNode), line: child.startPosition.row + 1 });
    }
    return found;
  }

  /** Properties by key. A key given twice is an error, as it is for Bicep. */
  entries(): Map<string, BicepValue> {
    const result = new Map<string, BicepValue>();
    for (const { key, value, line } of this.properties()) {
      if (result.has(key)) throw new Error(`${this.file.path}:${line}: duplicate property '${key}'`);
      result.set(key, value);
    }
    return result;
  }

  elements(): BicepValue[] {
    if (this.node.type !== 'array') throw new Error(`${this.where}: expected an array, found ${this.node.type}`);
    return namedChildren(this.node).map((n) => new BicepValue(this.file, n));
  }

  get(key: string): BicepValue | undefined {
    return this.node.type === 'object' ? this.entries().get(key) : undefined;
  }

  /** A nested property by dotted path (`properties.backupPolicy.type`). */
  at(path: string): BicepValue | undefined {
    let value: BicepValue | undefined = this;
    for (const key of path.split('.')) value = value?.get(key);
    return value;
  }

  /**
   * Every string this value can evaluate to, when that is knowable from the file alone: a literal,
   * both branches of a ternary, either side of `??`, a `var` holding one of those. Undefined when
   * any branch depends on something else (a param, an output, a function call).
   */
  possibleStrings(): string[] | undefined {
    return this.#possible((v) => v.string);
  }

  possibleBooleans(): boolean[] | undefined {
    return this.#possible((v) => v.boolean);
  }

  possibleNumbers(): number[] | undefined {
    return this.#possible((v) => v.number);
  }

  #possible<T>(literal: (v: BicepValue) => T | undefined, depth = 0): T[] | undefined {
    if (depth > 20) return undefined;
    const direct = literal(this);
    if (direct !== undefined) return [direct];
    const node = this.node;
    const sub = (n: Node | null) => (n ? new BicepValue(this.file, n).#possible(literal, depth + 1) : undefined);
    if (node.type === 'parenthesized_expression') return sub(namedChildren(node)[0] ?? null);
    if (node.type === 'ternary_expression') {
      const a = sub(node.childForFieldName('consequence'));
      const b = sub(node.childForFieldName('alternative'));
      return a && b ? [...a, ...b] : undefined;
    }
    if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '??') {
      const a = sub(node.childForFieldName('left'));
      const b = sub(node.childForFieldName('right'));
      return a && b ? [...a, ...b] : undefined;
    }
    if (node.type === 'identifier') {
      const v = this.file.variable(node.text);
      return v ? v.#possible(literal, depth + 1) : undefined;
    }
    return undefined;
  }

  /** Names of the functions this value calls, anywhere inside it. */
  calls(): string[] {
    return descendants(this.node, 'call_expression').map((c) => c.childForFieldName('function')?.text ?? '');
  }

  /** Identifiers this value reads, anywhere inside it. */
  identifiers(): string[] {
    return descendants(this.node, 'identifier').map((n) => n.text);
  }

  /** True, false, or undefined when the value of this boolean expression is not knowable from the file. */
  evaluateBoolean(): boolean | undefined {
    return evaluate(this.file, this.node);
  }
}

function unescape(sequence: string): string {
  const map: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  return map[sequence] ?? sequence.slice(1);
}

function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

/** A small constant folder for conditions: literals, `!`, `&&`, `||`, `==`/`!=` of literals, parentheses and vars. */
function evaluate(file: BicepFile, node: Node | null, depth = 0): boolean | undefined {
  if (!node || depth > 20) return undefined;
  const next = (n: Node | null) => evaluate(file, n, depth + 1);
  switch (node.type) {
    case 'boolean':
      return node.text === 'true';
    case 'parenthesized_expression':
      return next(namedChildren(node)[0] ?? null);
    case 'unary_expression': {
      const inner = next(node.childForFieldName('argument'));
      return node.childForFieldName('operator')?.text === '!' && inner !== undefined ? !inner : undefined;
    }
    case 'identifier': {
      const v = file.variable(node.text);
      return v ? next(v.node) : undefined;
    }
    case 'binary_expression': {
      const op = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (op === '&&' || op === '||') {
        const a = next(left);
        const b = next(right);
        if (op === '&&') return a === false || b === false ? false : a === true && b === true ? true : undefined;
        return a === true || b === true ? true : a === false && b === false ? false : undefined;
      }
      if (op === '==' || op === '!=') {
        const a = left ? new BicepValue(file, left).possibleStrings() : undefined;
        const b = right ? new BicepValue(file, right).possibleStrings() : undefined;
        if (a?.length === 1 && b?.length === 1) return (a[0] === b[0]) === (op === '==');
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

export interface Decorator {
  name: string;
  args: BicepValue[];
}

export interface Declaration {
  keyword: 'resource' | 'module';
  symbol: string;
  /** `Type@apiVersion` of a resource, or the path/registry reference of a module. */
  target: string;
  /** Resource type (`Microsoft.KeyVault/vaults`); for a module, its target. */
  type: string;
  apiVersion?: string;
  existing: boolean;
  /** `[for item in collection: ...]` or `[for (item, index) in collection: ...]`. */
  loop?: { item: string; index?: string; collection: BicepValue };
  /** `if (condition)`, when the declaration has one. */
  condition?: BicepValue;
  body: BicepValue;
  decorators: Decorator[];
  line: number;
  file: BicepFile;
}

export interface Param {
  name: string;
  type: string;
  default?: BicepValue;
  decorators: Decorator[];
  line: number;
}

export interface Output {
  name: string;
  type: string;
  value: BicepValue;
}

export class BicepFile {
  readonly tree: Node;
  readonly syntaxProblems: SyntaxProblem[];
  readonly #variables = new Map<string, BicepValue>();

  constructor(
    readonly path: string,
    readonly source: string,
    parser: Parser,
  ) {
    const tree = parser.parse(source);
    if (!tree) throw new Error(`${path}: the parser returned nothing`);
    this.tree = tree.rootNode;
    this.syntaxProblems = [];
    const visit = (node: Node) => {
      if (node.isError || node.isMissing) {
        this.syntaxProblems.push({
          line: node.startPosition.row + 1,
          column: node.startPosition.column + 1,
          text: node.isMissing ? `missing ${node.type}` : node.text.split('\n')[0]!.slice(0, 80),
        });
        if (node.isError) return;
      }
      for (const child of node.children) if (child) visit(child);
    };
    visit(this.tree);
    for (const statement of this.#statements('variable_declaration')) {
      const [name, value] = namedChildren(statement.node);
      if (name && value) this.#variables.set(name.text, new BicepValue(this, value));
    }
  }

  /** Top-level statements of a type, each with the decorators written just above it. */
  #statements(type: string): { node: Node; decorators: Decorator[] }[] {
    const result = [];
    let pending: Decorator[] = [];
    for (const node of namedChildren(this.tree)) {
      if (node.type === 'decorators') {
        pending = namedChildren(node).map((d) => {
          const call = namedChildren(d)[0];
          const args = call?.childForFieldName('arguments');
          return { name: call?.childForFieldName('function')?.text ?? d.text, args: args ? namedChildren(args).map((a) => new BicepValue(this, a)) : [] };
        });
        continue;
      }
      if (node.type === type) result.push({ node, decorators: pending });
      pending = [];
    }
    return result;
  }

  get targetScope(): string | undefined {
    const statement = this.#statements('target_scope_assignment')[0];
    const value = statement ? namedChildren(statement.node).find((n) => n.type === 'string') : undefined;
    return value ? new BicepValue(this, value).string : undefined;
  }

  declarations(): Declaration[] {
    const found: Declaration[] = [];
    for (const keyword of ['resource', 'module'] as const) {
      for (const { node, decorators } of this.#statements(`${keyword}_declaration`)) {
        const parts = namedChildren(node);
        const symbol = parts[0]!.text;
        const target = new BicepValue(this, parts[1]!).string ?? parts[1]!.text;
        const existing = node.children.some((c) => c?.type === 'existing');
        let rest: Node | undefined = parts[parts.length - 1];
        let loop: Declaration['loop'];
        let condition: BicepValue | undefined;
        if (rest?.type === 'for_statement') {
          const body = rest.childForFieldName('body');
          // `[for item in collection: ...]` or `[for (item, index) in collection: ...]`: the loop
          // variable(s) first, then the collection, then the body.
          const [variables, collection] = namedChildren(rest).filter((n) => n.id !== body?.id);
          const tuple = variables?.type === 'for_loop_parameters' ? namedChildren(variables) : undefined;
          const item = tuple ? tuple.find((p) => p.type === 'loop_variable')?.text : variables?.text;
          const index = tuple?.find((p) => p.type === 'loop_enumerator')?.text;
          if (!collection || !item) continue; // a syntax problem, reported by syntaxProblems
          loop = { item, ...(index ? { index } : {}), collection: new BicepValue(this, collection) };
          rest = body ?? undefined;
        }
        if (rest?.type === 'if_statement') {
          const [paren, body] = namedChildren(rest);
          condition = new BicepValue(this, namedChildren(paren!)[0]!);
          rest = body;
        }
        if (!rest || rest.type !== 'object') continue; // a syntax problem, reported by syntaxProblems
        const [type, apiVersion] = keyword === 'resource' ? target.split('@') : [target, undefined];
        found.push({
          keyword,
          symbol,
          target,
          type: type!,
          ...(apiVersion !== undefined ? { apiVersion } : {}),
          existing,
          ...(loop ? { loop } : {}),
          ...(condition ? { condition } : {}),
          body: new BicepValue(this, rest),
          decorators,
          line: node.startPosition.row + 1,
          file: this,
        });
      }
    }
    return found.sort((a, b) => a.line - b.line);
  }

  /** Deployed (not `existing`) resources of a type, e.g. `Microsoft.KeyVault/vaults`. */
  resources(type: string): Declaration[] {
    return this.declarations().filter((d) => d.keyword === 'resource' && !d.existing && d.type.toLowerCase() === type.toLowerCase());
  }

  modules(): Declaration[] {
    return this.declarations().filter((d) => d.keyword === 'module');
  }

  params(): Param[] {
    return this.#statements('parameter_declaration').map(({ node, decorators }) => {
      const parts = namedChildren(node);
      const typeNode = parts[1]!;
      const defaultNode = parts[2];
      return {
        name: parts[0]!.text,
        type: typeNode.text,
        ...(defaultNode ? { default: new BicepValue(this, defaultNode) } : {}),
        decorators,
        line: node.startPosition.row + 1,
      };
    });
  }

  param(name: string): Param | undefined {
    return this.params().find((p) => p.name === name);
  }

  variable(name: string): BicepValue | undefined {
    return this.#variables.get(name);
  }

  variableNames(): string[] {
    return [...this.#variables.keys()];
  }

  outputs(): Output[] {
    return this.#statements('output_declaration').map(({ node }) => {
      const parts = namedChildren(node);
      return { name: parts[0]!.text, type: parts[1]!.text, value: new BicepValue(this, parts[parts.length - 1]!) };
    });
  }

  output(name: string): Output | undefined {
    return this.outputs().find((o) => o.name === name);
  }

  /** User-defined types by name: the type expression (an object, a union, ...). */
  types(): { name: string; value: BicepValue; decorators: Decorator[] }[] {
    return this.#statements('type_declaration').map(({ node, decorators }) => {
      const parts = namedChildren(node);
      return { name: parts[0]!.text, value: new BicepValue(this, parts[parts.length - 1]!), decorators };
    });
  }

  /** Every symbol declared at the top level (params, vars, resources, modules, outputs, types), in order. */
  symbols(): { kind: string; name: string; line: number }[] {
    const kinds: Record<string, string> = {
      parameter_declaration: 'param',
      variable_declaration: 'var',
      resource_declaration: 'resource',
      module_declaration: 'module',
      output_declaration: 'output',
      type_declaration: 'type',
      user_defined_function: 'func',
    };
    return namedChildren(this.tree)
      .filter((n) => n.type in kinds)
      .map((n) => ({ kind: kinds[n.type]!, name: (n.childForFieldName('name') ?? namedChildren(n)[0]!).text, line: n.startPosition.row + 1 }));
  }

  /** Every object literal in the file (resource bodies, params, vars, nested values). */
  objects(): BicepValue[] {
    return descendants(this.tree, 'object').map((n) => new BicepValue(this, n));
  }

  /** Every call expression in the file, by function name. */
  calls(): { name: string; line: number }[] {
    return descendants(this.tree, 'call_expression').map((c) => ({ name: c.childForFieldName('function')?.text ?? '', line: c.startPosition.row + 1 }));
  }

  /** Every string literal in the file, with where it is. */
  strings(): BicepValue[] {
    return descendants(this.tree, 'string').map((n) => new BicepValue(this, n));
  }
}

/** Parses every `.bicep` file under a folder. */
export async function readBicepFiles(folder: string): Promise<BicepFile[]> {
  const parser = await bicepParser();
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((entry) => {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) return walk(path);
        return path.endsWith('.bicep') ? [path] : [];
      });
  return walk(folder).map((path) => new BicepFile(path, readFileSync(path, 'utf8'), parser));
}

export async function parseBicep(path: string, source: string): Promise<BicepFile> {
  return new BicepFile(path, source, await bicepParser());
}
