// The local host's command line, shared by the generic entry (dev/host/main.ts) and any program that
// composes the host for its app (dev/app-host.ts does so for this product):
//   --app <module>       a module of the compiled function app to load, relative to the current
//                        folder (repeatable; default: the `main` of package.json in --root)
//   --root <dir>         the function app's folder, holding host.json and local.settings.json (default: cwd)
//   --port <n>           where to listen on 127.0.0.1 (default 7071; 0 picks a free port)
//   --clock real|virtual a virtual clock stands still until moved with POST /runtime/dev/clock
//   --state-dir <dir>    task hub, timer schedules and the virtual clock (default: <root>/.local)
// When ready it prints one line to stdout: `HOST_READY {"url":...,"functions":[...]}`; logs go to stderr.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalHost, type HostExtensionFactory } from './local-host.js';
import type { Logger } from './durable/engine.js';

export const HOST_OPTIONS = {
  app: { type: 'string', multiple: true },
  root: { type: 'string' },
  port: { type: 'string', default: '7071' },
  clock: { type: 'string', default: 'real' },
  'state-dir': { type: 'string' },
} as const;

export interface HostCommandLine {
  appRoot: string;
  appModules: string[];
  port: number;
  clock: 'real' | 'virtual';
  stateDir: string;
}

export class CommandLineError extends Error {}

export function hostCommandLine(values: { app?: string[]; root?: string; port?: string; clock?: string; 'state-dir'?: string }): HostCommandLine {
  const appRoot = resolve(values.root ?? process.cwd());
  const port = Number(values.port ?? '7071');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandLineError(`--port ${values.port} is not a port number`);
  const clock = values.clock ?? 'real';
  if (clock !== 'real' && clock !== 'virtual') throw new CommandLineError(`--clock must be "real" or "virtual", not "${clock}"`);
  const appModules = values.app && values.app.length > 0 ? values.app.map((module) => resolve(module)) : [resolve(appRoot, packageMain(appRoot))];
  return { appRoot, appModules, port, clock, stateDir: resolve(values['state-dir'] ?? join(appRoot, '.local')) };
}

function packageMain(appRoot: string): string {
  const path = join(appRoot, 'package.json');
  const main = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { main?: string }).main : undefined;
  if (!main) throw new CommandLineError(`no --app given and ${path} has no "main"`);
  return main;
}

export const stderrLog: Logger = (level, message) => {
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
};

/** Starts the host, announces it on stdout, and stops it on SIGTERM/SIGINT; exits 1 if the app fails to load. */
export async function runHostProcess(commandLine: HostCommandLine, extensions: HostExtensionFactory[] = []): Promise<void> {
  try {
    const host = await startLocalHost({ ...commandLine, extensions, log: stderrLog });
    process.stdout.write(`HOST_READY ${JSON.stringify({ url: host.url, functions: host.functionNames })}\n`);
    const stop = (): void => {
      void host.close().then(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    stderrLog('error', `the function app failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
