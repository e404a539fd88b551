// `npm run package`: builds the deployment package azd deploys (azure.yaml: `dist: .deploy/api`,
// remote build off). It holds exactly what runs in Azure: the product code (functions/, workflows/,
// shared/; never test/, dev/ or bench/) bundled with its dependencies by esbuild (bundle-app.ts:
// a cold start then loads one module, not a thousand), host.json,
// package.json and the production dependencies installed from the lockfile for Linux x64 (the
// platform of Flex Consumption), whatever machine builds it; .funcignore then removes what is not
// needed at run time (source maps, type declarations). `--out <dir>` builds it elsewhere.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { isIgnored, parseIgnoreRules } from './ignore-rules.js';
import { bundleApp } from './bundle-app.js';
import { buildConsole } from '../console-build.js';

const run = promisify(execFile);
const projectRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));

/** Where azure.yaml's `dist` points: azd zips this folder as it is. */
export const PACKAGE_DIR = '.deploy/api';

/** Files copied from the project root into the package, next to the compiled code and node_modules. */
export const PACKAGE_FILES = ['host.json', 'package.json', 'package-lock.json', '.funcignore'];

/** The platform the dependencies are installed for: Flex Consumption runs Linux on x64 with glibc. */
export const TARGET_PLATFORM = { os: 'linux', cpu: 'x64', libc: 'glibc' } as const;

export async function buildPackage(out: string): Promise<{ files: number; bytes: number }> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of PACKAGE_FILES) copyFileSync(join(projectRoot, file), join(out, file));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Bundling and installing touch different folders of the package, so they run side by side. The
  // installed dependencies serve what the bundle leaves outside (BUNDLE_EXTERNALS).
  await Promise.all([
    bundleApp(out),
    run(
      npm,
      [
        'ci',
        '--omit=dev',
        '--ignore-scripts',
        `--os=${TARGET_PLATFORM.os}`,
        `--cpu=${TARGET_PLATFORM.cpu}`,
        `--libc=${TARGET_PLATFORM.libc}`,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
      ],
      { cwd: out, shell: process.platform === 'win32', maxBuffer: 16 * 1024 * 1024 },
    ),
    // The console's production bundle only: Entra ID sign-in, never the development one.
    buildConsole(join(out, 'dist', 'console'), ['prod']),
  ]);
  const rules = parseIgnoreRules(readFileSync(join(out, '.funcignore'), 'utf8'));
  let files = 0;
  let bytes = 0;
  const prune = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(out, path).split('\\').join('/');
      // .funcignore itself stays: azd reads it from the package to zip it with the same rules.
      if (rel !== '.funcignore' && isIgnored(rules, rel, entry.isDirectory())) rmSync(path, { recursive: true, force: true });
      else if (entry.isDirectory()) prune(path);
      else {
        files++;
        bytes += statSync(path).size;
      }
    }
  };
  prune(out);
  return { files, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(projectRoot, PACKAGE_DIR) } } });
  const out = resolve(values.out!);
  if (!existsSync(join(projectRoot, 'node_modules', 'esbuild'))) throw new Error('run npm ci first: the build needs the dev dependencies installed (esbuild)');
  const { files, bytes } = await buildPackage(out);
  console.log(
    `deployment package: ${out} (${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, dependencies for ${TARGET_PLATFORM.os}-${TARGET_PLATFORM.cpu})`,
  );
}
