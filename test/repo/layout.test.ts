// The shape of the repository that the design card and the conventions promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PRODUCT_FOLDERS = ['functions', 'workflows', 'shared'];

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('no product file imports from dev/ or test/', () => {
  const offenders = PRODUCT_FOLDERS.flatMap(sourceFiles).filter((file) =>
    /(from|import)\s*\(?\s*['"](\.\.\/)+(dev|test|bench)\//.test(readFileSync(file, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

test('package.json main is the compiled app entry that registers every function', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { main: string; scripts: Record<string, string> };
  assert.equal(pkg.main, 'dist/functions/index.js');
  assert.ok(existsSync(pkg.main), 'the build produced the entry point');
  assert.match(pkg.scripts['test'] ?? '', /node dist\/test\/run\.js/);
});

test('TypeScript is strict', () => {
  const tsconfig = JSON.parse(readFileSync('tsconfig.json', 'utf8')) as { compilerOptions: Record<string, unknown> };
  assert.equal(tsconfig.compilerOptions['strict'], true);
});

test('host.json configures the Durable task hub and its storage provider', () => {
  const host = JSON.parse(readFileSync('host.json', 'utf8')) as { extensions: { durableTask: { hubName: string; storageProvider: { type: string } } } };
  assert.match(host.extensions.durableTask.hubName, /^[A-Za-z][A-Za-z0-9]{2,44}$/, 'a valid task hub name');
  assert.ok(host.extensions.durableTask.storageProvider.type);
});

test('CI installs from the lockfile and runs the README test command', () => {
  const ci = readFileSync('.ci/run', 'utf8');
  assert.match(ci, /npm ci/);
  assert.match(ci, /npm test/);
  const readme = readFileSync('README.md', 'utf8');
  assert.match(readme, /npm ci && npm start/);
  assert.match(readme, /npm test/);
});
