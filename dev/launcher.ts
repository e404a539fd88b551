// Starts the two local processes: the platform (every Azure stand-in) and the Functions host that
// runs the app. They are separate so a test can kill the host mid-work while storage lives on.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformAddresses } from './platform/addresses.js';

const distDev = fileURLToPath(new URL('.', import.meta.url));

export interface ChildHandle {
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr (its log), for test failure messages. */
  readonly log: string[];
  stop(): Promise<void>;
  /** SIGKILL: no shutdown hooks, like a crashed worker. */
  kill(): Promise<void>;
}

export interface PlatformProcess extends ChildHandle {
  addresses: PlatformAddresses;
  addressesFile: string;
}

export interface HostProcess extends ChildHandle {
  url: string;
  functions: string[];
}

export interface LaunchOptions {
  stateDir: string;
  clock: 'real' | 'virtual';
  /** Echo the process log to this process's stderr. */
  echo?: boolean;
  env?: Record<string, string>;
}

export interface PlatformLaunchOptions extends LaunchOptions {
  /** Cosmos DB and blob storage keep their data in the state folder (Key Vault, email, task hub and clock always do). */
  persist?: boolean;
}

export async function launchPlatform(options: PlatformLaunchOptions): Promise<PlatformProcess> {
  const args = ['--state-dir', options.stateDir, '--clock', options.clock, ...(options.persist ? ['--persist'] : [])];
  const { handle, ready } = spawnUntilReady(join(distDev, 'platform', 'main.js'), args, 'PLATFORM_READY', options);
  const addresses = JSON.parse(await ready) as PlatformAddresses;
  return Object.assign(handle, { addresses, addressesFile: join(options.stateDir, 'platform.json') });
}

/** This app's host (dev/app-host.ts): the generic host with the development issuer and the platform's settings. */
export async function launchHost(
  options: LaunchOptions & { port?: number; platformFile?: string; appModules?: string[] },
): Promise<HostProcess> {
  const args = ['--state-dir', options.stateDir, '--clock', options.clock, '--port', String(options.port ?? 0)];
  if (options.platformFile) args.push('--platform', options.platformFile);
  for (const app of options.appModules ?? []) args.push('--app', app);
  return hostProcess(join(distDev, 'app-host.js'), args, options);
}

/** The generic host (dev/host/main.ts) running another app by its documented command line alone. */
export async function launchGenericHost(options: LaunchOptions & { port?: number; appRoot: string; appModules: string[] }): Promise<HostProcess> {
  const args = ['--root', options.appRoot, '--state-dir', options.stateDir, '--clock', options.clock, '--port', String(options.port ?? 0)];
  for (const app of options.appModules) args.push('--app', app);
  return hostProcess(join(distDev, 'host', 'main.js'), args, options);
}

async function hostProcess(script: string, args: string[], options: LaunchOptions): Promise<HostProcess> {
  const { handle, ready } = spawnUntilReady(script, args, 'HOST_READY', options);
  const info = JSON.parse(await ready) as { url: string; functions: string[] };
  return Object.assign(handle, info);
}

function spawnUntilReady(script: string, args: string[], marker: string, options: LaunchOptions): { handle: ChildHandle; ready: Promise<string> } {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const log: string[] = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    log.push(chunk);
    if (options.echo) process.stderr.write(chunk);
  });
  const ready = new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith(`${marker} `)) resolve(line.slice(marker.length + 1));
        else if (options.echo) process.stdout.write(`${line}\n`);
      }
    });
    void exit.then(() => reject(new Error(`${script} exited before it was ready:\n${log.join('')}`)));
  });
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (!exited) child.kill(sig);
    await exit;
  };
  return { handle: { child, log, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') }, ready };
}
