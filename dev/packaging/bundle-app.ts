// The production build: the app and its dependencies bundled by esbuild, in two parts loaded at
// different times. The entry (lazy-entry.ts) is what a cold start runs: settings validation and
// every registration, replayed from a manifest (registrations.json) this build records by loading
// the app chunk once. The app chunk (lazy-app.ts: every module, its handlers and schemas) loads
// right after, in the background; chunks per SDK load on their first use
// (shared/azure/load-once.ts). A cold start reads a few files instead of resolving some thousand
// modules in node_modules. What stays
// outside the bundle is resolved from the package's node_modules at run time:
//  - `@azure/functions-core` is not a package: the Functions worker answers `require` for it;
//  - `@sentry/node` instruments modules as they load and is only loaded when a DSN is set;
//  - date-holidays, which shared/deadlines/public-holidays.ts requires on first use.
// Three dependencies are swapped for stand-ins that load less at start-up (see each file), and the
// app chunk's `@azure/functions` for one that records registrations (recorded-registrations.ts).
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';
import { dirname, join, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { APP_CHUNK, MANIFEST_FILE } from './lazy-entry-files.js';

const projectRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Where the bundle's entry lands inside the package: package.json `main`. */
export const BUNDLE_ENTRY = 'dist/functions/index.js';

export const BUNDLE_EXTERNALS = ['@azure/functions-core', '@sentry/node'] as const;

const packagingDir = join(projectRoot, 'dev', 'packaging');
const durableFunctionsDir = dirname(createRequire(import.meta.url).resolve('durable-functions/package.json'));

const inPackage = (importer: string, name: string): boolean => importer.includes(`${sep}node_modules${sep}${name}${sep}`);

/**
 * The stand-ins: for durable-functions, axios (loaded on a durable client's first call) and
 * validator (its `isURL` alone); zod's locales (English only).
 */
const startUpStandIns: Plugin = {
  name: 'start-up-stand-ins',
  setup(bundle) {
    bundle.onResolve({ filter: /^axios$/ }, ({ importer }) =>
      inPackage(importer, 'durable-functions') ? { path: join(projectRoot, 'dev', 'packaging', 'lazy-axios.ts') } : undefined,
    );
    bundle.onResolve({ filter: /^validator$/ }, ({ importer }) =>
      inPackage(importer, 'durable-functions') ? { path: join(projectRoot, 'dev', 'packaging', 'validator-is-url.ts') } : undefined,
    );
    bundle.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
      inPackage(importer, 'zod') ? { path: join(projectRoot, 'dev', 'packaging', 'zod-locales-english.ts') } : undefined,
    );
    // The stand-ins load the copy of axios and validator durable-functions itself would resolve (they
    // are its dependencies, not the app's), whichever way npm lays out node_modules.
    bundle.onResolve({ filter: /^(axios|validator\/lib\/isURL\.js)$/ }, ({ path, importer, kind }) =>
      [join(packagingDir, 'lazy-axios.ts'), join(packagingDir, 'validator-is-url.ts')].includes(importer)
        ? bundle.resolve(path, { kind, resolveDir: durableFunctionsDir })
        : undefined,
    );
  },
};

const recorder = join(packagingDir, 'recorded-registrations.ts');

/** In the app chunk, `@azure/functions` records registrations; the entry and the recorder itself import the real one. */
const recordRegistrations: Plugin = {
  name: 'record-registrations',
  setup(bundle) {
    bundle.onResolve({ filter: /^@azure\/functions$/ }, ({ importer }) =>
      importer === recorder || importer === join(packagingDir, 'lazy-entry.ts') ? undefined : { path: recorder },
    );
  },
};

/**
 * Bundles the entry (lazy-entry.ts) and the app chunk (lazy-app.ts: functions/index.ts, every
 * registration) into `<out>/dist`, then records the manifest the entry registers from by loading
 * the app chunk with the example settings. Returns the files written, relative to `out`.
 */
export async function bundleApp(out: string): Promise<string[]> {
  const functionsDir = join(out, 'dist', 'functions');
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: {
      'functions/index': join(packagingDir, 'lazy-entry.ts'),
      [`functions/${APP_CHUNK.replace(/\.js$/, '')}`]: join(packagingDir, 'lazy-app.ts'),
    },
    outdir: join(out, 'dist'),
    chunkNames: 'functions/chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [...BUNDLE_EXTERNALS],
    plugins: [startUpStandIns, recordRegistrations],
    // CommonJS dependencies bundled into an ES module still call `require` (for Node's own modules
    // and for the worker's core API); give them one.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    // Less to read and parse on every cold start; names kept (errors and classes are told apart by name).
    minify: true,
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    metafile: true,
    logLevel: 'error',
  });
  await writeManifest(functionsDir);
  return [...Object.keys(result.metafile.outputs).map((file) => resolve(projectRoot, file)), join(functionsDir, MANIFEST_FILE)].map((file) =>
    file.slice(resolve(out).length + 1).split('\\').join('/'),
  );
}

/** Loads the app chunk in a separate process (nothing registers: the recorder only records) and writes what it recorded. */
async function writeManifest(functionsDir: string): Promise<void> {
  const settings = (JSON.parse(readFileSync(join(projectRoot, 'local.settings.example.json'), 'utf8')) as { Values: Record<string, string> }).Values;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', `const { recorded } = await import('./${APP_CHUNK}'); process.stdout.write(JSON.stringify(recorded.registrations));`],
    { cwd: functionsDir, env: { PATH: process.env['PATH'] ?? '', ...settings }, maxBuffer: 16 * 1024 * 1024 },
  );
  const registrations = JSON.parse(stdout) as unknown[];
  if (registrations.length === 0) throw new Error(`${APP_CHUNK} registered nothing`);
  writeFileSync(join(functionsDir, MANIFEST_FILE), JSON.stringify(registrations));
}
