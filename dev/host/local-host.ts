// The local Functions host: loads the compiled app unchanged behind the worker's core API, serves
// its HTTP triggers, runs its orchestrations, activities and timer triggers, and serves the
// Durable management API and the development-only routes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CoreApi, installCoreApi } from './worker/core-api.js';
import { FunctionInvoker } from './worker/invoker.js';
import { HttpTriggers } from './http/http-triggers.js';
import { CorsPolicy } from './http/cors.js';
import { corsSettings } from '../../shared/config.js';
import { RealClock, VirtualClock, installVirtualDate, type HostClock } from './clock.js';
import { Scheduler } from './scheduler.js';
import { WorkTracker } from './work-tracker.js';
import { TaskHubStore } from './durable/task-hub-store.js';
import { DurableEngine, type Logger } from './durable/engine.js';
import { ManagementApi, clientBindingData } from './durable/management-api.js';
import { startTimerTriggers } from './timer-triggers.js';
import { DevRoutes } from './dev-routes.js';
import { localAppSettings } from './app-settings.js';
import { DevIssuer } from '../dev-issuer.js';
import type { PlatformAddresses } from '../platform/addresses.js';

export interface LocalHostOptions {
  port: number;
  stateDir: string;
  clock: 'real' | 'virtual';
  /** Modules to load as the function app, in order (default: package.json `main`). */
  appModules: string[];
  /** Where the platform process reported its stand-ins; absent for host-only runs (tests of the host itself). */
  platform?: PlatformAddresses;
  projectRoot: string;
  log: Logger;
}

export interface RunningHost {
  url: string;
  functionNames: string[];
  close(): Promise<void>;
}

interface HostJson {
  extensions?: { http?: { routePrefix?: string }; durableTask?: { hubName?: string } };
}

export async function startLocalHost(options: LocalHostOptions): Promise<RunningHost> {
  const clock: HostClock =
    options.clock === 'virtual' ? new VirtualClock({ stateFile: join(options.stateDir, 'clock.json') }) : new RealClock();
  if (clock instanceof VirtualClock) installVirtualDate(() => clock.nowMs());

  const hostJson = JSON.parse(readFileSync(join(options.projectRoot, 'host.json'), 'utf8')) as HostJson;
  const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  const taskHubName = process.env['TASK_HUB_NAME'] ?? hostJson.extensions?.durableTask?.hubName ?? 'LocalTaskHub';

  const core = new CoreApi((level, category, message) => {
    if (category === 'system' && (level === 'debug' || level === 'trace' || level === 'information')) return;
    options.log(level === 'error' || level === 'critical' ? 'error' : level === 'warning' ? 'warn' : 'info', message);
  });
  installCoreApi(core);

  // Listen first: the app's settings need the host's own origin (JWKS of the dev issuer, durable client URLs).
  let handler: ((req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void>) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!handler) {
        res.writeHead(503, { 'retry-after': '1' }).end();
        return;
      }
      handler(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        options.log('error', `request ${req.method} ${req.url} failed in the host: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolveListen);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const origin = `http://127.0.0.1:${port}`;

  process.env['WEBSITE_HOSTNAME'] = `127.0.0.1:${port}`;
  if (options.platform) {
    for (const [name, value] of Object.entries(localAppSettings(options.platform, origin))) process.env[name] ??= value;
  }

  for (const module of options.appModules) {
    await import(pathToFileURL(resolve(options.projectRoot, module)).href);
  }
  await core.runHooks('appStart', { hookData: {}, appHookData: {}, functionAppDirectory: options.projectRoot });

  const tracker = new WorkTracker();
  const scheduler = new Scheduler(clock, tracker);
  const invoker = new FunctionInvoker(core, {
    durableClient: () => ({ string: JSON.stringify(clientBindingData(origin, taskHubName)) }),
  });
  const engine = new DurableEngine({
    store: new TaskHubStore(options.stateDir, taskHubName),
    invoker,
    scheduler,
    tracker,
    clock,
    log: options.log,
  });
  const functionKey = randomBytes(24).toString('base64url');
  const httpTriggers = new HttpTriggers(core.functions.values(), invoker, {
    routePrefix,
    functionKey,
    cors: new CorsPolicy(corsSettings().allowedOrigins),
    onError: (name, error) => options.log('error', `[${name}] unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  const management = new ManagementApi(engine, () => origin);
  const issuer = await DevIssuer.open(options.stateDir);
  const devRoutes = new DevRoutes({
    clock,
    scheduler,
    tracker,
    issuer,
    platform: options.platform,
    functionNames: () => [...core.functions.keys()].sort(),
    log: options.log,
  });
  startTimerTriggers({ functions: core.functions.values(), invoker, scheduler, clock, log: options.log });

  if (clock instanceof VirtualClock && options.platform) await devRoutes.pushClock(clock.now());
  engine.recover();

  handler = async (req, res, body) => {
    const url = new URL(req.url ?? '/', origin);
    if (await httpTriggers.handle(req, res, url, body)) return;
    if (await management.handle(req, res, url, body)) return;
    if (await devRoutes.handle(req, res, url, body)) return;
    res.writeHead(404).end();
  };

  const reportFailures = setInterval(() => {
    for (const failure of tracker.takeFailures()) options.log('error', `host background job failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
  }, 1000);
  reportFailures.unref();

  options.log('info', `function app loaded: ${core.functions.size} functions (${httpTriggers.routes.length} HTTP routes), task hub ${taskHubName}, ${clock.mode} clock`);
  return {
    url: origin,
    functionNames: [...core.functions.keys()].sort(),
    close: async () => {
      scheduler.stop();
      clearInterval(reportFailures);
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

export type { Server };
