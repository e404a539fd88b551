// The local Functions host: loads a compiled v4 function app unchanged behind the worker's core
// API, serves its HTTP triggers, runs its orchestrations, activities and timer triggers, and serves
// the Durable management API and the development-only routes. It knows nothing of the app it runs:
// what an app adds (its own development routes, settings that need the host's address) comes in as
// host extensions from the program that composes the host (see dev/README.md).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CoreApi, installCoreApi } from './worker/core-api.js';
import { FunctionInvoker, unsupportedOutputBindings } from './worker/invoker.js';
import { HttpTriggers } from './http/http-triggers.js';
import { leaveIdleConnectionsToClients } from './http/idle-connections.js';
import { CorsPolicy } from './http/cors.js';
import { RealClock, VirtualClock, installVirtualDate, type HostClock } from './clock.js';
import { Scheduler } from './scheduler.js';
import { WorkTracker } from './work-tracker.js';
import { TaskHubStore } from './durable/task-hub-store.js';
import { DurableEngine, type Logger } from './durable/engine.js';
import { ManagementApi, clientBindingData, RPC_PATH, WEBHOOK_PATH } from './durable/management-api.js';
import { startTimerTriggers } from './timer-triggers.js';
import { DevRoutes } from './dev-routes.js';
import { notImplementedMessage } from './not-implemented.js';

/** What the composing program adds to the host for its app. */
export interface HostExtension {
  /** App settings (environment variables) to set before the app loads; the environment wins. */
  appSettings?(): Record<string, string>;
  /** Origins allowed to call the app from a browser (the function app's CORS settings), read once the app has loaded. */
  corsAllowedOrigins?(): string[];
  /** Extra routes, tried after the app's HTTP triggers, the Durable API and the host's dev routes. */
  handle?(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean>;
  /** The virtual clock moved (or the host started on it): called before anything due at `now` runs. */
  onClockMove?(now: Date): Promise<void>;
  /** Answers a client's write to the Durable API instead of the task hub (true: answered), e.g. a dev fault of the task hub. */
  refuseDurableWrite?(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface HostContext {
  /** `http://127.0.0.1:<port>`, known once the host listens (before the app loads). */
  origin: string;
  clock: HostClock;
  stateDir: string;
  log: Logger;
}

export type HostExtensionFactory = (host: HostContext) => HostExtension | Promise<HostExtension>;

export interface LocalHostOptions {
  port: number;
  stateDir: string;
  clock: 'real' | 'virtual';
  /** The function app's folder: host.json and local.settings.json are read from it. */
  appRoot: string;
  /** Modules to load as the function app, in order (relative ones against `appRoot`). */
  appModules: string[];
  extensions?: HostExtensionFactory[];
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

  applyLocalSettings(options.appRoot);
  const hostJsonPath = join(options.appRoot, 'host.json');
  const hostJson = existsSync(hostJsonPath) ? (JSON.parse(readFileSync(hostJsonPath, 'utf8')) as HostJson) : {};
  const routePrefix = hostJson.extensions?.http?.routePrefix ?? 'api';

  const core = new CoreApi((level, category, message) => {
    if (category === 'system' && (level === 'debug' || level === 'trace' || level === 'information')) return;
    options.log(level === 'error' || level === 'critical' ? 'error' : level === 'warning' ? 'warn' : 'info', message);
  });
  installCoreApi(core);

  // Listen first: the app's settings may need the host's own origin (durable client URLs, say).
  let handler: ((req: IncomingMessage, res: ServerResponse, body: Buffer | undefined) => Promise<void>) | undefined;
  /** With HTTP streaming on, a trigger's request is forwarded as it arrives: the host never buffers it. */
  let streams: ((url: URL) => boolean) | undefined;
  const dispatch = (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): void => {
    if (!handler) {
      res.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    handler(req, res, body).catch((error: unknown) => {
      options.log('error', `request ${req.method} ${req.url} failed in the host: ${String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
  const server = createServer((req, res) => {
    // Node stamps Date from the machine's clock; callers (the console's countdowns) read the host's time from it.
    res.setHeader('date', clock.now().toUTCString());
    if (streams?.(new URL(req.url ?? '/', 'http://host'))) {
      dispatch(req, res, undefined);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => dispatch(req, res, Buffer.concat(chunks)));
  });
  leaveIdleConnectionsToClients(server);
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolveListen);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const origin = `http://127.0.0.1:${port}`;

  process.env['WEBSITE_HOSTNAME'] = `127.0.0.1:${port}`;
  const context: HostContext = { origin, clock, stateDir: options.stateDir, log: options.log };
  const extensions: HostExtension[] = [];
  for (const create of options.extensions ?? []) extensions.push(await create(context));
  for (const extension of extensions) {
    for (const [name, value] of Object.entries(extension.appSettings?.() ?? {})) process.env[name] ??= value;
  }
  const taskHubName = resolveSetting(hostJson.extensions?.durableTask?.hubName ?? 'TestHubName');

  for (const module of options.appModules) {
    await import(pathToFileURL(resolve(options.appRoot, module)).href);
  }
  core.lockIndexing();
  warnAboutMissingFeatures(core, options.log);
  // As the worker does once the app is loaded: capabilities lock the app's setup; `HttpUri` is the
  // worker's own HTTP server when the app enabled HTTP streaming.
  const capabilities = (await core.getProgrammingModel().getCapabilities?.({})) ?? {};
  const streamTo = capabilities['HttpUri'];
  await core.runHooks('appStart', { hookData: {}, appHookData: {}, functionAppDirectory: options.appRoot });

  const tracker = new WorkTracker();
  const scheduler = new Scheduler(clock, tracker);
  const invoker = new FunctionInvoker(core, { durableClient: () => ({ string: JSON.stringify(clientBindingData(origin, taskHubName)) }) }, (message) =>
    options.log('warn', message),
  );
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
    cors: new CorsPolicy([...localCorsOrigins(options.appRoot), ...extensions.flatMap((e) => e.corsAllowedOrigins?.() ?? [])]),
    ...(streamTo ? { streamTo } : {}),
    onError: (name, error) => options.log('error', `[${name}] unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  const management = new ManagementApi(engine, () => origin);
  const onClockMove = async (now: Date): Promise<void> => {
    for (const extension of extensions) await extension.onClockMove?.(now);
  };
  const devRoutes = new DevRoutes({ clock, scheduler, tracker, onClockMove, functionNames: () => [...core.functions.keys()].sort() });
  startTimerTriggers({ functions: core.functions.values(), invoker, scheduler, clock, log: options.log, stateDir: options.stateDir });

  if (clock instanceof VirtualClock) await onClockMove(clock.now());
  engine.recover();

  if (httpTriggers.streaming) streams = (url) => httpTriggers.owns(url);
  handler = async (req, res, body) => {
    const url = new URL(req.url ?? '/', origin);
    if (await httpTriggers.handle(req, res, url, body)) return;
    const buffered = body ?? Buffer.alloc(0);
    const durableWrite = req.method !== 'GET' && (url.pathname.startsWith(RPC_PATH) || url.pathname.startsWith(WEBHOOK_PATH));
    if (durableWrite && extensions.some((extension) => extension.refuseDurableWrite?.(req, res))) return;
    if (await management.handle(req, res, url, buffered)) return;
    if (await devRoutes.handle(req, res, url, buffered)) return;
    for (const extension of extensions) if (await extension.handle?.(req, res, url, buffered)) return;
    res.writeHead(404).end();
  };

  const reportFailures = setInterval(() => {
    for (const failure of tracker.takeFailures())
      options.log('error', `host background job failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
  }, 1000);
  reportFailures.unref();

  options.log(
    'info',
    `function app loaded: ${core.functions.size} functions (${httpTriggers.routes.length} HTTP routes${streamTo ? ', streamed' : ''}), task hub ${taskHubName}, ${clock.mode} clock`,
  );
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

interface LocalSettings {
  Values?: Record<string, unknown>;
  Host?: { CORS?: unknown };
}

function readLocalSettings(appRoot: string): LocalSettings {
  const path = join(appRoot, 'local.settings.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as LocalSettings) : {};
}

/** `Values` of the app's local.settings.json become environment variables, as `func start` does; the environment wins. */
function applyLocalSettings(appRoot: string): void {
  for (const [name, value] of Object.entries(readLocalSettings(appRoot).Values ?? {})) if (typeof value === 'string') process.env[name] ??= value;
}

/** `Host.CORS` of local.settings.json: comma-separated origins, as `func start` reads it. */
function localCorsOrigins(appRoot: string): string[] {
  const cors = readLocalSettings(appRoot).Host?.CORS;
  return typeof cors === 'string' ? cors.split(',').map((o) => o.trim()).filter((o) => o !== '') : [];
}

/** host.json values may name an app setting as `%NAME%`. */
function resolveSetting(value: string): string {
  return value.replace(/%([^%]+)%/g, (whole, name: string) => process.env[name] ?? whole);
}

/** Says once, at load, which registered features the host will not run. */
function warnAboutMissingFeatures(core: CoreApi, log: Logger): void {
  for (const { metadata } of core.functions.values()) {
    if (Object.values(metadata.bindings).some((b) => b.type?.toLowerCase() === 'entitytrigger')) {
      log('warn', `[${metadata.name}] ${notImplementedMessage('entities')}`);
    }
    for (const output of unsupportedOutputBindings(metadata)) {
      log(
        'warn',
        `[${metadata.name}] output binding "${output.name}" (${output.type}) is not implemented by the local host: values the function sets on it are dropped, and each is logged`,
      );
    }
  }
}
