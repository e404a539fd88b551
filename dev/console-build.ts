// Builds the console (console/src, Preact) with esbuild into dist/console/<bundle>/: `dev` with the
// development sign-in (served by the local host), `prod` with Entra ID sign-in only (what the
// deployment package holds). `npm run build` and `npm start` run it; `npm run package` builds `prod`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const source = join(projectRoot, 'console', 'src');

export type ConsoleBundle = 'dev' | 'prod';

export async function buildConsole(outRoot: string, bundles: readonly ConsoleBundle[]): Promise<void> {
  await Promise.all(
    bundles.map(async (bundle) => {
      const outdir = join(outRoot, bundle);
      mkdirSync(outdir, { recursive: true });
      await build({
        entryPoints: { app: join(source, bundle === 'dev' ? 'main-dev.tsx' : 'main-prod.tsx') }, // app.js and the app.css it imports
        outdir,
        bundle: true,
        format: 'esm',
        target: ['es2022'],
        jsx: 'automatic',
        jsxImportSource: 'preact',
        minify: bundle === 'prod',
        sourcemap: bundle === 'dev' ? 'linked' : false,
        legalComments: 'linked',
        logLevel: 'warning',
      });
      copyFileSync(join(source, 'index.html'), join(outdir, 'index.html'));
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole(join(projectRoot, 'dist', 'console'), ['dev', 'prod']);
}
