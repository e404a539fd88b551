// No wait without a timer: outside the workflow kit, orchestrator code never waits on an event (or a
// race of events and sub-orchestrations) by itself. Every such wait goes through the kit's
// `eventBefore` / `anyBefore` (workflows/kit/events.ts), which race it against a timer of at most
// REPLAN_AFTER_MS (24 hours) and refuse a longer wait unless the record is re-read between slices.
// A plain `yield` outside the kit may only start an activity (`.once(...)`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPLAN_AFTER_MS } from '../../workflows/kit/events.js';

function sources(dir: string): { file: string; source: string }[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return path === join('workflows', 'kit') ? [] : sources(path);
    return path.endsWith('.ts') ? [{ file: path, source: readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '') }] : [];
  });
}

test('no orchestrator outside the kit waits on an event, a race or a fan-in without the kit’s timed waits', () => {
  const files = sources('workflows');
  assert.ok(files.some((f) => f.source.includes('eventBefore(')), 'the flows wait through the kit');
  const problems: string[] = [];
  for (const { file, source } of files) {
    for (const [pattern, what] of [
      [/\bwaitForExternalEvent\s*\(/, 'waitForExternalEvent (use the kit’s EventWaiter)'],
      [/\bTask\s*\.\s*(any|all)\s*\(/, 'Task.any / Task.all (use anyBefore, which races a re-plan timer)'],
    ] as const) {
      if (pattern.test(source)) problems.push(`${file}: ${what}`);
    }
    for (const match of source.matchAll(/\byield(?!\s*\*)\s+([^;]*)/g)) {
      if (!/^[\w.]+\.once\(/.test(match[1]!.trim())) problems.push(`${file}: a plain yield of ${match[1]!.trim().slice(0, 60)} (only activity tries; waits go through eventBefore/anyBefore)`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the kit’s timed waits race a timer and slice anything longer than a day', () => {
  assert.ok(REPLAN_AFTER_MS <= 24 * 3600_000);
  const kit = readFileSync(join('workflows', 'kit', 'events.ts'), 'utf8');
  for (const name of ['eventBefore', 'anyBefore']) {
    const body = kit.slice(kit.indexOf(`export function* ${name}(`));
    const end = body.indexOf('\n}\n');
    const fn = body.slice(0, end);
    assert.match(fn, /createTimer\(/, `${name} arms a timer`);
    assert.match(fn, /Task\.any\(\[/, `${name} races it`);
    assert.match(fn, /REPLAN_AFTER_MS/, `${name} is bounded by REPLAN_AFTER_MS`);
  }
});
