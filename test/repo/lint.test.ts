// The lint rules that keep orchestrators deterministic fire on each thing they forbid and cover
// every orchestrator file; every file is held to the line width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

interface LintConfig {
  ORCHESTRATOR_FILES: string[];
  orchestratorRules: Linter.RulesRecord;
}
const config = (await import(pathToFileURL(resolve('eslint.config.js')).href)) as LintConfig;

/** The orchestrator rules alone, without type information (fast, and enough for these rules). */
async function orchestratorProblems(source: string): Promise<string[]> {
  const eslint = new ESLint({
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, rules: config.orchestratorRules }],
  });
  const [result] = await eslint.lintText(source, { filePath: 'workflows/sample/orchestrator.ts' });
  return result!.messages.map((m) => m.message);
}

test('the orchestrator rules refuse the clock, randomness, timers, settings, await and I/O, and allow a Date from a stored instant', async () => {
  const forbidden: [string, RegExp][] = [
    ['export const at = Date.now();', /^Date\.now\(\)/],
    ['export const at = new Date();', /^new Date\(\) without an instant/],
    ['export const pick = Math.random() > 0.5;', /^Math\.random/],
    ["export const region = process.env['REGION'];", /^process\.env/],
    ['setTimeout(() => undefined, 10);', /setTimeout: use context\.df\.createTimer/],
    ["export async function* f() { await fetch('https://example.com'); }", /await in an orchestrator/],
    ["import { readFileSync } from 'node:fs';\nexport const read = readFileSync;", /I\/O belongs in activities/],
    ["import { CosmosClient } from '@azure/cosmos';\nexport const c = CosmosClient;", /Azure SDKs belong in activities/],
    ["import { getServices } from '../../shared/composition.js';\nexport const s = getServices;", /services \(adapters\) belong in activities/],
  ];
  for (const [source, message] of forbidden) {
    const problems = await orchestratorProblems(source);
    assert.ok(problems.some((p) => message.test(p)), `${source} is refused (got: ${problems.join('; ') || 'nothing'})`);
  }
  assert.deepEqual(await orchestratorProblems("export const graceEnds = (stored: { graceEndsAt: string }): Date => new Date(stored.graceEndsAt);"), []);
});

test('every file that defines an orchestrator is linted with the orchestrator rules', async () => {
  const eslint = new ESLint();
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return walk(path);
      return path.endsWith('.ts') ? [path] : [];
    });
  })('workflows');
  const orchestrators = files.filter((file) => /defineOrchestration\(|df\.app\.orchestration\(/.test(readFileSync(file, 'utf8')) && !file.startsWith(join('workflows', 'kit')));
  assert.ok(orchestrators.length >= 4, 'every workflow folder has its orchestrator');
  for (const file of [...orchestrators, join('workflows', 'kit', 'call.ts'), join('workflows', 'kit', 'events.ts')]) {
    const rules = ((await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown[]> }).rules ?? {};
    for (const [rule, [, ...options]] of Object.entries(config.orchestratorRules as Record<string, unknown[]>)) {
      // ESLint reports the severity as a number (2 = error).
      assert.deepEqual(rules[rule], [2, ...options], `${file} gets ${rule} of the orchestrator rules`);
    }
  }
});

/** Every .ts file under `dir`. */
function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return typeScriptFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('every TypeScript file is held to the 160-character line width; only a string too long to wrap may pass it', async () => {
  const eslint = new ESLint();
  const sources = ['bench', 'dev', 'functions', 'shared', 'test', 'workflows'].flatMap(typeScriptFiles);
  assert.ok(sources.length > 200, 'the source folders are listed');
  const widths = { code: 160, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true };
  for (const file of sources) {
    if (await eslint.isPathIgnored(file)) continue;
    const rules = ((await eslint.calculateConfigForFile(file)) as { rules?: Record<string, unknown[]> }).rules ?? {};
    assert.deepEqual(rules['@stylistic/max-len'], [2, widths], `${file} is held to the line width`);
  }
});
