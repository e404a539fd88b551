// The production build: the app and its dependencies bundled by esbuild into one module, with a
// chunk per SDK the code imports on first use (shared/azure/load-once.ts), so a cold start reads
// and compiles one file instead of resolving some thousand modules in node_modules. What stays
// outside the bundle is resolved from the package's node_modules at run time:
//  - `@azure/functions-core` is not a package: the Functions worker answers `require` for it;
//  - `@sentry/node` instruments modules as they load and is only loaded when a DSN is set;
//  - date-holidays, which shared/deadlines/public-holidays.ts requires on first use.
// Three dependencies are swapped for stand-ins that load less at start-up (see each file).
import { build, type Plugin } from 'esbuild';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Where the bundle's entry lands inside the package: package.json `main`. */
export const BUNDLE_ENTRY = 'dist/functions/index.js';

export const BUNDLE_EXTERNALS = ['@azure/functions-core', '@sentry/node'] as const;

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
  },
};

/** Bundles functions/index.ts (every registration) into `<out>/dist`. Returns the files written, relative to `out`. */
export async function bundleApp(out: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: projectRoot,
    entryPoints: { 'functions/index': join(projectRoot, 'functions', 'index.ts') },
    outdir: join(out, 'dist'),
    chunkNames: 'functions/chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [...BUNDLE_EXTERNALS],
    plugins: [startUpStandIns],
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
  return Object.keys(result.metafile.outputs).map((file) => resolve(projectRoot, file).slice(resolve(out).length + 1).split('\\').join('/'));
}
