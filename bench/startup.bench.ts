// App start-up: importing every registration (package.json `main`, with the settings of
// local.settings.example.json, validated as the app loads in Azure) as a multiple of a bare Node
// start on the same machine in the same run, median of several alternating runs. The app registers
// with the local host's stand-in for the worker's `@azure/functions-core`, as in Azure (without it
// @azure/functions runs in test mode and prints a warning per function); the bare start has no
// stand-in, so its small cost counts against the app. Measured on the production build, the
// deployment package `npm run package` makes (bundled by esbuild; the app chunk, Azure SDKs and
// Sentry loaded on first use: dev/packaging/lazy-entry.ts), and for comparison on the tsc output
// the tests run. Start-up ends when the entry has registered everything (the worker then reports the
// functions to the host); the entry goes on loading the app chunk in the background, and start-up
// plus that load, what a cold start pays before its first invocation can run, is reported beside
// it, so the moved cost stays in view.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildPackage } from '../dev/packaging/package-app.js';
import { APP_CHUNK } from '../dev/packaging/lazy-entry-files.js';
import type { BenchResult } from './run.js';

const RUNS = 7;
const MB = 1024 * 1024;

interface Start {
  ms: number;
  rssBytes: number;
}

/** One process start: wall time around it, and its peak RSS as it reports at exit. */
function start(cwd: string, code: string, env: Record<string, string>): Start {
  const began = performance.now();
  // The process ends as soon as `code` has run (the entry's background load of the app chunk does not hold it open).
  const exit = 'process.stdout.write(String(process.resourceUsage().maxRSS * 1024)); process.exit(0);';
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `${code}\n${exit}`], {
    cwd,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ms = performance.now() - began;
  if (child.status !== 0) throw new Error(`start-up failed in ${cwd}: ${child.stderr}`);
  return { ms, rssBytes: Number(/(\d+)$/.exec(child.stdout)?.[1] ?? NaN) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export async function run(): Promise<BenchResult> {
  const settings = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
  const env = { PATH: process.env['PATH'] ?? '', ...settings };
  const packageDir = join(mkdtempSync(join(tmpdir(), 'privacy-ops-startup-')), 'api');
  try {
    await buildPackage(packageDir);
    const main = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { main: string }).main;
    const coreApi = pathToFileURL(fileURLToPath(new URL('../dev/host/worker/core-api.js', import.meta.url))).href;
    const asTheWorker = `const { CoreApi, installCoreApi } = await import('${coreApi}'); installCoreApi(new CoreApi(() => undefined));`;
    const importApp = `${asTheWorker} await import('./${main}');`;
    const importAppChunk = `${importApp} await import('./${posix.join(posix.dirname(main), APP_CHUNK)}');`;
    const bare: Start[] = [];
    const bundled: Start[] = [];
    const firstInvocation: Start[] = [];
    const compiled: Start[] = [];
    // Warm the file cache for each, then alternate so machine load falls on all alike.
    start(packageDir, importApp, env);
    start(process.cwd(), importApp, env);
    for (let i = 0; i < RUNS; i++) {
      bare.push(start(packageDir, '', env));
      bundled.push(start(packageDir, importApp, env));
      firstInvocation.push(start(packageDir, importAppChunk, env));
      compiled.push(start(process.cwd(), importApp, env));
    }
    const bareMs = median(bare.map((s) => s.ms));
    return {
      'runs (median of each)': RUNS,
      'production build start-up / bare node start (wall time)': median(bundled.map((s) => s.ms)) / bareMs,
      'production build start-up and the app chunk it loads next (before a first invocation runs) / bare node start': median(firstInvocation.map((s) => s.ms)) / bareMs,
      'tsc output start-up / bare node start (wall time)': median(compiled.map((s) => s.ms)) / bareMs,
      'production build peak RSS / bare node': median(bundled.map((s) => s.rssBytes)) / median(bare.map((s) => s.rssBytes)),
      'production build peak RSS (MB, this machine)': median(bundled.map((s) => s.rssBytes)) / MB,
      'bare node start (ms, this machine, for orientation only)': bareMs,
    };
  } finally {
    rmSync(join(packageDir, '..'), { recursive: true, force: true });
  }
}
