// Development-only routes of the local host (never part of the deployed app): the virtual clock,
// the email outbox, the development token issuer and the list of registered functions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VirtualClock, type HostClock } from './clock.js';
import type { Scheduler } from './scheduler.js';
import type { WorkTracker } from './work-tracker.js';
import type { Logger } from './durable/engine.js';
import { DEV_ISSUER_JWKS_PATH, type DevIssuer } from '../dev-issuer.js';
import type { PlatformAddresses } from '../platform/addresses.js';
import { addIsoDuration, InvalidDurationError } from './iso-duration.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The host process's own memory, sampled continuously, for tests that bound it. */
class MemoryProbe {
  #peakRss = 0;
  #peakHeap = 0;
  #baseline = process.memoryUsage();
  constructor() {
    const timer = setInterval(() => this.#sample(), 20);
    timer.unref();
  }
  #sample(): void {
    const usage = process.memoryUsage();
    this.#peakRss = Math.max(this.#peakRss, usage.rss);
    this.#peakHeap = Math.max(this.#peakHeap, usage.heapUsed);
  }
  reset(): { rss: number; heapUsed: number } {
    // Start from what is live, not from garbage left by earlier work.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    this.#baseline = process.memoryUsage();
    this.#peakRss = this.#baseline.rss;
    this.#peakHeap = this.#baseline.heapUsed;
    return { rss: this.#baseline.rss, heapUsed: this.#baseline.heapUsed };
  }
  read(): { baselineRss: number; baselineHeapUsed: number; peakRss: number; peakHeapUsed: number; rss: number; heapUsed: number } {
    this.#sample();
    const now = process.memoryUsage();
    return { baselineRss: this.#baseline.rss, baselineHeapUsed: this.#baseline.heapUsed, peakRss: this.#peakRss, peakHeapUsed: this.#peakHeap, rss: now.rss, heapUsed: now.heapUsed };
  }
}

export class DevRoutes {
  #advancing: Promise<unknown> = Promise.resolve();
  readonly #memory = new MemoryProbe();

  constructor(
    private readonly deps: {
      clock: HostClock;
      scheduler: Scheduler;
      tracker: WorkTracker;
      issuer: DevIssuer;
      platform: PlatformAddresses | undefined;
      functionNames: () => string[];
      log: Logger;
    },
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const method = (req.method ?? 'GET').toUpperCase();
    switch (`${method} ${url.pathname}`) {
      case `GET ${DEV_ISSUER_JWKS_PATH}`:
        return json(res, 200, this.deps.issuer.jwks());
      case 'GET /runtime/dev/clock':
        return json(res, 200, { now: this.deps.clock.now().toISOString(), mode: this.deps.clock.mode });
      case 'POST /runtime/dev/clock':
        return this.#moveClock(res, body);
      case 'GET /runtime/dev/outbox':
        return json(res, 200, await this.#outbox());
      case 'POST /runtime/dev/token':
        return this.#token(res, body);
      case 'POST /runtime/dev/issuer/rotate':
        return json(res, 200, { kid: await this.deps.issuer.rotate() });
      case 'GET /runtime/dev/functions':
        return json(res, 200, { functions: this.deps.functionNames() });
      case 'GET /runtime/dev/memory':
        return json(res, 200, this.#memory.read());
      case 'POST /runtime/dev/memory/reset':
        return json(res, 200, this.#memory.reset());
      case 'POST /runtime/dev/settle':
        await this.deps.tracker.settled();
        return json(res, 200, { now: this.deps.clock.now().toISOString() });
      default:
        return false;
    }
  }

  /** Tells the platform process the new time before anything due at it runs. */
  async pushClock(now: Date): Promise<void> {
    if (!this.deps.platform) return;
    const response = await fetch(`${this.deps.platform.controlUrl}/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: now.toISOString() }),
    });
    if (!response.ok) throw new Error(`the platform refused the clock move (${response.status})`);
  }

  async #moveClock(res: ServerResponse, body: Buffer): Promise<boolean> {
    const clock = this.deps.clock;
    if (!(clock instanceof VirtualClock)) {
      return problem(res, 409, 'The clock is real', 'Start the host with the virtual clock (--clock virtual) to move time.');
    }
    let request: { advanceBy?: unknown; to?: unknown };
    try {
      request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
    } catch {
      return problem(res, 400, 'Body is not JSON', 'Send {"advanceBy":"P30D"} or {"to":"2026-01-01T00:00:00Z"}.');
    }
    // Moves are serialised: each one starts from where the previous one ended.
    const run = this.#advancing.then(async () => {
      const now = clock.now();
      let target: Date;
      if (typeof request.advanceBy === 'string') {
        target = addIsoDuration(now, request.advanceBy);
      } else if (typeof request.to === 'string' && /(Z|[+-]\d\d:\d\d)$/.test(request.to) && !Number.isNaN(Date.parse(request.to))) {
        target = new Date(request.to);
      } else {
        throw new InvalidDurationError('Send {"advanceBy": ISO 8601 duration} or {"to": ISO 8601 instant with offset}.', 'advanceBy');
      }
      if (target.getTime() < now.getTime()) throw new InvalidDurationError(`The clock only moves forward; it is ${now.toISOString()}.`, 'to');
      await this.deps.scheduler.advanceTo(clock, target, (moved) => this.pushClock(moved));
      return clock.now();
    });
    this.#advancing = run.catch(() => undefined);
    try {
      const now = await run;
      return json(res, 200, { now: now.toISOString() });
    } catch (error) {
      if (error instanceof InvalidDurationError) {
        return problem(res, 400, 'Invalid clock move', error.message, [{ path: error.field, message: error.message }]);
      }
      throw error;
    }
  }

  async #outbox(): Promise<unknown[]> {
    if (!this.deps.platform) return [];
    const response = await fetch(`${this.deps.platform.email.url}/outbox`);
    const messages = (await response.json()) as { to: string[]; cc?: string[]; bcc?: string[]; subject: string; text?: string; html?: string; sentAt: string; id: string }[];
    return messages.map((m) => ({ id: m.id, to: m.to, cc: m.cc ?? [], bcc: m.bcc ?? [], subject: m.subject, text: m.text ?? null, html: m.html ?? null, sentAt: m.sentAt }));
  }

  async #token(res: ServerResponse, body: Buffer): Promise<boolean> {
    let request: { roles?: unknown; role?: unknown; tenant?: unknown; sub?: unknown; lifetimeSeconds?: unknown };
    try {
      request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
    } catch {
      return problem(res, 400, 'Body is not JSON', 'Send {"role":"tenant.admin","tenant":"..."}.');
    }
    const roles = Array.isArray(request.roles) ? request.roles.map(String) : typeof request.role === 'string' ? [request.role] : [];
    if (roles.length === 0) return problem(res, 400, 'A role is required', 'Send "role" or "roles".', [{ path: 'role', message: 'required' }]);
    const token = await this.deps.issuer.sign(
      {
        sub: typeof request.sub === 'string' ? request.sub : `dev-${roles[0]}`,
        roles,
        ...(typeof request.tenant === 'string' ? { tid: request.tenant } : {}),
      },
      { now: this.deps.clock.now(), ...(typeof request.lifetimeSeconds === 'number' ? { lifetimeSeconds: request.lifetimeSeconds } : {}) },
    );
    return json(res, 200, { token });
  }
}

function json(res: ServerResponse, status: number, body: unknown): boolean {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  return true;
}

function problem(res: ServerResponse, status: number, title: string, detail: string, errors?: { path: string; message: string }[]): boolean {
  res
    .writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8' })
    .end(JSON.stringify({ type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}) }));
  return true;
}
