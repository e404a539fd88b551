// A small reader of Bicep source for tests that check the infrastructure without the Bicep CLI:
// comments blanked, strings kept, declarations found by keyword and blocks by matching brackets.
// It reads the subset of Bicep our templates use (objects, arrays, scalars, one value per line).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type ValueKind = 'object' | 'array' | 'scalar';

/** A value in a Bicep file: its text (comments blanked) and where it is. */
export class BicepValue {
  constructor(
    readonly file: BicepFile,
    readonly start: number,
    readonly end: number,
  ) {}

  get text(): string {
    return this.file.code.slice(this.start, this.end).trim();
  }

  get kind(): ValueKind {
    const first = this.file.skeleton[this.start];
    return first === '{' ? 'object' : first === '[' ? 'array' : 'scalar';
  }

  /** The unquoted string if the value is a plain string literal without interpolation. */
  get string(): string | undefined {
    const m = /^'((?:[^'\\$]|\\.|\$(?!\{))*)'$/.exec(this.text);
    return m ? m[1]!.replace(/\\(.)/g, '$1') : undefined;
  }

  /** Top-level properties of an object value, by key (quoted keys unquoted). */
  entries(): Map<string, BicepValue> {
    if (this.kind !== 'object') throw new Error(`${this.file.path}: expected an object at ${this.file.lineOf(this.start)}`);
    const result = new Map<string, BicepValue>();
    for (const item of this.items()) {
      const m = /^(?:'([^']*)'|([A-Za-z_$][\w$]*))\s*:/.exec(this.file.code.slice(item.start, item.end));
      if (!m) continue; // a decorator or a spread: not a property
      let valueStart = item.start + m[0].length;
      while (valueStart < item.end && /[ \t]/.test(this.file.code[valueStart]!)) valueStart++;
      result.set(m[1] ?? m[2]!, new BicepValue(this.file, valueStart, item.end));
    }
    return result;
  }

  /** Elements of an array value. */
  elements(): BicepValue[] {
    if (this.kind !== 'array') throw new Error(`${this.file.path}: expected an array at ${this.file.lineOf(this.start)}`);
    return this.items();
  }

  get(key: string): BicepValue | undefined {
    return this.kind === 'object' ? this.entries().get(key) : undefined;
  }

  /** A nested property by dotted path (`properties.backupPolicy.type`). */
  at(path: string): BicepValue | undefined {
    let value: BicepValue | undefined = this;
    for (const key of path.split('.')) value = value?.get(key);
    return value;
  }

  /** The comma- or line-separated items between this value's brackets. */
  private items(): BicepValue[] {
    const { skeleton } = this.file;
    const close = this.end - 1;
    const items: BicepValue[] = [];
    let i = this.start + 1;
    while (i < close) {
      if (/[\s,]/.test(skeleton[i]!)) {
        i++;
        continue;
      }
      const end = this.file.endOfItem(i, close);
      items.push(new BicepValue(this.file, i, end));
      i = end;
    }
    return items;
  }
}

export interface Declaration {
  keyword: 'resource' | 'module';
  symbol: string;
  /** `Type@apiVersion` of a resource, or the path/registry reference of a module. */
  target: string;
  existing: boolean;
  /** Declared as a loop (`= [for ...: {`). */
  loop: boolean;
  body: BicepValue;
}

export class BicepFile {
  /** Source with comments replaced by spaces; offsets match the original. */
  readonly code: string;
  /** `code` with string contents (and interpolations) replaced by spaces too, for bracket matching. */
  readonly skeleton: string;

  constructor(
    readonly path: string,
    source: string,
  ) {
    [this.code, this.skeleton] = blank(source);
  }

  static read(path: string): BicepFile {
    return new BicepFile(path, readFileSync(path, 'utf8'));
  }

  lineOf(offset: number): string {
    return `line ${this.code.slice(0, offset).split('\n').length}`;
  }

  /** Every `resource` or `module` declaration, with its body block. */
  declarations(): Declaration[] {
    const found: Declaration[] = [];
    const pattern = /^[ \t]*(resource|module)\s+(\w+)\s+'([^']+)'\s+(existing\s+)?=\s*/gm;
    for (const m of this.code.matchAll(pattern)) {
      const afterEquals = m.index + m[0].length;
      const open = this.skeleton.indexOf('{', afterEquals);
      if (open < 0) continue;
      found.push({
        keyword: m[1] as 'resource' | 'module',
        symbol: m[2]!,
        target: m[3]!,
        existing: m[4] !== undefined,
        loop: /^\[\s*for\b/.test(this.code.slice(afterEquals)),
        body: new BicepValue(this, open, this.matching(open) + 1),
      });
    }
    return found;
  }

  /** Deployed (not `existing`) resources of a type, e.g. `Microsoft.KeyVault/vaults`. */
  resources(type: string): Declaration[] {
    return this.declarations().filter((d) => d.keyword === 'resource' && !d.existing && d.target.split('@')[0]!.toLowerCase() === type.toLowerCase());
  }

  modules(): Declaration[] {
    return this.declarations().filter((d) => d.keyword === 'module');
  }

  /** `param` declarations: name, whether a default is given, and the decorators just above. */
  params(): { name: string; type: string; hasDefault: boolean; decorators: string }[] {
    const params = [];
    for (const m of this.code.matchAll(/^param\s+(\w+)\s+([^\s=]+)[ \t]*(=)?/gm)) {
      const before = this.code.slice(0, m.index).split('\n');
      const decorators: string[] = [];
      // Decorators may span lines (`@allowed([...])`); collect the lines up to the previous blank or declaration.
      for (let line = before.length - 2; line >= 0; line--) {
        const text = before[line]!;
        if (text.trim() === '' || /^(param|var|resource|module|output|type)\b/.test(text)) break;
        decorators.unshift(text);
      }
      params.push({ name: m[1]!, type: m[2]!, hasDefault: m[3] === '=', decorators: decorators.join('\n') });
    }
    return params;
  }

  /** The value of a top-level `var name = ...`. */
  variable(name: string): BicepValue | undefined {
    const m = new RegExp(`^var\\s+${name}\\s*=[ \\t]*`, 'm').exec(this.code);
    if (!m) return undefined;
    const start = m.index + m[0].length;
    return new BicepValue(this, start, this.endOfItem(start, this.code.length));
  }

  /** The value of a top-level `param name type = ...` default. */
  paramDefault(name: string): BicepValue | undefined {
    const m = new RegExp(`^param\\s+${name}\\s+[^\\s=]+\\s*=[ \\t]*`, 'm').exec(this.code);
    if (!m) return undefined;
    const start = m.index + m[0].length;
    return new BicepValue(this, start, this.endOfItem(start, this.code.length));
  }

  /** Index of the bracket closing the one at `open`. */
  matching(open: number): number {
    const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
    const stack: string[] = [];
    for (let i = open; i < this.skeleton.length; i++) {
      const ch = this.skeleton[i]!;
      if (ch in pairs) stack.push(pairs[ch]!);
      else if (ch === '}' || ch === ']' || ch === ')') {
        if (stack.pop() !== ch) throw new Error(`${this.path}: unbalanced '${ch}' at ${this.lineOf(i)}`);
        if (stack.length === 0) return i;
      }
    }
    throw new Error(`${this.path}: no closing bracket for ${this.lineOf(open)}`);
  }

  /** End (exclusive) of the item starting at `start`: the first newline or comma outside brackets, or `limit`. */
  endOfItem(start: number, limit: number): number {
    let i = start;
    while (i < limit) {
      const ch = this.skeleton[i]!;
      if (ch === '{' || ch === '[' || ch === '(') i = this.matching(i) + 1;
      else if (ch === '\n' || ch === ',') break;
      else i++;
    }
    // A ternary or operator continued on the next line belongs to the same item.
    const rest = this.skeleton.slice(i, limit);
    const continued = /^\n\s*[?:]/.exec(rest);
    return continued ? this.endOfItem(i + continued[0].length, limit) : i;
  }
}

/** Every `.bicep` file under a folder. */
export function readBicepFiles(folder: string): BicepFile[] {
  return readdirSync(folder)
    .sort()
    .flatMap((entry) => {
      const path = join(folder, entry);
      if (statSync(path).isDirectory()) return readBicepFiles(path);
      return path.endsWith('.bicep') ? [BicepFile.read(path)] : [];
    });
}

/**
 * Returns [code, skeleton]: comments blanked in both; string contents (including `${...}`
 * interpolations and nested strings) blanked in the skeleton. Newlines are always kept.
 */
export function blank(source: string): [string, string] {
  const code = source.split('');
  const skeleton = source.split('');
  const space = (from: number, to: number, arrays: string[][]) => {
    for (const a of arrays) for (let k = from; k < to; k++) if (a[k] !== '\n') a[k] = ' ';
  };

  // Returns the index after the closing quote of the string opening at `i`.
  const skipString = (i: number): number => {
    let j = i + 1;
    while (j < source.length) {
      const ch = source[j];
      if (ch === '\\') j += 2;
      else if (ch === "'") return j + 1;
      else if (ch === '$' && source[j + 1] === '{') {
        j += 2;
        let depth = 1;
        while (j < source.length && depth > 0) {
          if (source[j] === "'") j = skipString(j);
          else {
            if (source[j] === '{') depth++;
            else if (source[j] === '}') depth--;
            j++;
          }
        }
      } else j++;
    }
    return j;
  };

  let i = 0;
  while (i < source.length) {
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      space(i, stop, [code, skeleton]);
      i = stop;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      space(i, stop, [code, skeleton]);
      i = stop;
    } else if (source.startsWith("'''", i)) {
      const end = source.indexOf("'''", i + 3);
      const stop = end < 0 ? source.length : end + 3;
      space(i + 3, stop - 3, [skeleton]);
      i = stop;
    } else if (source[i] === "'") {
      const stop = skipString(i);
      space(i + 1, stop - 1, [skeleton]);
      i = stop;
    } else i++;
  }
  return [code.join(''), skeleton.join('')];
}
