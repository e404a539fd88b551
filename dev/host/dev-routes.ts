// Development-only routes of the local host (never part of a deployed app): the virtual clock,
// waiting for work to settle, the list of registered functions and the host's memory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { VirtualClock, type HostClock } from './clock.js';
import type { Scheduler } from './scheduler.js';
import type { WorkTracker } from './work-tracker.js';
import { addIsoDuration, InvalidDurationError } from './iso-duration.js';
import { json, problem } from './http/json-response.js';
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
    return {
      baselineRss: this.#baseline.rss,
      baselineHeapUsed: this.#baseline.heapUsed,
      peakRss: this.#peakRss,
      peakHeapUsed: this.#peakHeap,
      rss: now.rss,
      heapUsed: now.heapUsed,
    };
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
      /** Told of every move of the virtual clock before anything due at the new instant runs. */
      onClockMove: (now: Date) => Promise<void>;
      functionNames: () => string[];
    },
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    const method = (req.method ?? 'GET').toUpperCase();
    switch (`${method} ${url.pathname}`) {
      case 'GET /runtime/dev/clock':
        return json(res, 200, { now: this.deps.clock.now().toISOString(), mode: this.deps.clock.mode });
      case 'POST /runtime/dev/clock':
        return this.#moveClock(res, body);
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
      await this.deps.scheduler.advanceTo(clock, target, this.deps.onClockMove);
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

}
