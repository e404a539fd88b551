// Orchestrators must replay deterministically: time only from context.df.currentUtcDateTime, no
// randomness, no timers of their own, no settings, no I/O. A cheap structural check over the
// orchestrator code (the local host also fails a replay that drifts from history at run time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const FORBIDDEN: [RegExp, string][] = [
  [/\bDate\.now\s*\(/, 'Date.now() (use context.df.currentUtcDateTime)'],
  [/new Date\(\s*\)/, 'new Date() without an argument (use context.df.currentUtcDateTime)'],
  [/\bMath\.random\b/, 'Math.random (use context.df.newGuid)'],
  [/\bsetTimeout\b|\bsetInterval\b/, 'timers (use context.df.createTimer)'],
  [/\bprocess\.env\b/, 'process.env (settings are read in activities)'],
  [/\bawait\b/, 'await (orchestrators yield tasks)'],
  [/\bgetServices\s*\(/, 'adapters (I/O belongs in activities)'],
  [/\bfetch\s*\(/, 'fetch (I/O belongs in activities)'],
];

/** The source of every orchestrator: `df.app.orchestration(...)` or the kit's `defineOrchestration(...)` handlers live in these files. */
function orchestratorSources(dir: string): { file: string; source: string }[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return orchestratorSources(path);
    if (!path.endsWith('.ts')) return [];
    const source = readFileSync(path, 'utf8');
    return source.includes('df.app.orchestration(') || source.includes('defineOrchestration(') ? [{ file: path, source }] : [];
  });
}

test('orchestrator code uses no clock, randomness, timers, settings or I/O of its own', () => {
  const sources = orchestratorSources('workflows');
  assert.ok(sources.length >= 4, 'every workflow folder has its orchestrators');
  const problems: string[] = [];
  for (const { file, source } of sources) {
    // Activity handlers may sit in the same file (exports); only generator bodies are orchestrator code.
    const generators = [...source.matchAll(/function\*\s*\w*\s*\([^)]*\)[^{]*\{/g)].map((m) => {
      let depth = 0;
      for (let i = m.index + m[0].length - 1; i < source.length; i++) {
        if (source[i] === '{') depth++;
        if (source[i] === '}' && --depth === 0) return source.slice(m.index, i + 1);
      }
      return source.slice(m.index);
    });
    for (const body of generators) {
      for (const [pattern, what] of FORBIDDEN) if (pattern.test(body.replace(/\/\/.*$/gm, ''))) problems.push(`${file}: ${what}`);
    }
  }
  assert.deepEqual(problems, []);
});
