// Fault injection for the local platform (dev only, like the clock): an outage or a throttling storm
// of one service, optionally in one region, for a span of the (virtual) clock. Each stand-in is
// reached through a small reverse proxy that answers for it while a fault holds (`unavailable`: 503,
// `throttle`: 429 with Retry-After) and forwards every byte unchanged otherwise, so the stand-ins
// themselves know nothing of faults. The task hub's fault (`taskhub`) is held by the host.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { addIsoDuration, InvalidDurationError } from '../host/iso-duration.js';
import { leaveIdleConnectionsToClients } from '../host/http/idle-connections.js';

export const FAULT_SERVICES = ['cosmos', 'keyvault', 'blob', 'email', 'taskhub'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];
export const FAULT_REGIONS = ['uksouth', 'eu'] as const;
export const FAULT_MODES = ['unavailable', 'throttle'] as const;

export interface Fault {
  faultId: string;
  service: FaultService;
  /** Every region when absent. */
  region?: (typeof FAULT_REGIONS)[number];
  mode: (typeof FAULT_MODES)[number];
  from: string;
  until: string;
}

export class FaultRequestError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long a throttled client is told to wait. */
export const THROTTLE_RETRY_AFTER_SECONDS = 30;

export class FaultRegistry {
  readonly #faults = new Map<string, Fault>();

  constructor(private readonly now: () => Date) {}

  /** Validates and adds a fault: `{service, region?, mode, duration}`. */
  add(body: unknown): Fault {
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const service = request['service'];
    if (!FAULT_SERVICES.includes(service as FaultService)) throw new FaultRequestError('service', `must be one of ${FAULT_SERVICES.join(', ')}`);
    const region = request['region'];
    if (region !== undefined && !FAULT_REGIONS.includes(region as 'eu')) throw new FaultRequestError('region', `must be one of ${FAULT_REGIONS.join(', ')}`);
    const mode = request['mode'];
    if (!FAULT_MODES.includes(mode as 'throttle')) throw new FaultRequestError('mode', `must be one of ${FAULT_MODES.join(', ')}`);
    const duration = request['duration'];
    if (typeof duration !== 'string') throw new FaultRequestError('duration', 'must be an ISO 8601 duration such as PT2H');
    const from = this.now();
    let until: Date;
    try {
      until = addIsoDuration(from, duration);
    } catch (error) {
      if (error instanceof InvalidDurationError) throw new FaultRequestError('duration', error.message);
      throw error;
    }
    if (until.getTime() <= from.getTime()) throw new FaultRequestError('duration', 'must be longer than zero');
    const fault: Fault = {
      faultId: randomUUID(),
      service: service as FaultService,
      ...(region ? { region: region as 'eu' } : {}),
      mode: mode as Fault['mode'],
      from: from.toISOString(),
      until: until.toISOString(),
    };
    this.#faults.set(fault.faultId, fault);
    return fault;
  }

  /** Faults still holding at the clock's now (ended ones are forgotten). */
  list(): Fault[] {
    const now = this.now().getTime();
    for (const [id, fault] of this.#faults) if (Date.parse(fault.until) <= now) this.#faults.delete(id);
    return [...this.#faults.values()];
  }

  remove(faultId: string): boolean {
    return this.#faults.delete(faultId);
  }

  /** The fault that holds for this service and region now, if any (an outage before a throttle). */
  active(service: FaultService, region?: string): Fault | undefined {
    const holding = this.list().filter((f) => f.service === service && (f.region === undefined || region === undefined || f.region === region));
    return holding.find((f) => f.mode === 'unavailable') ?? holding[0];
  }
}

/** Answers for a service that has a fault: 503, or 429 with Retry-After. */
export function answerFault(res: ServerResponse, fault: Fault): void {
  const body = JSON.stringify({
    code: fault.mode === 'throttle' ? 'TooManyRequests' : 'ServiceUnavailable',
    message: `local fault ${fault.faultId} (${fault.mode}) until ${fault.until}`,
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-local-fault': fault.faultId };
  // Cosmos DB reads its own retry hint header; other SDKs read Retry-After.
  if (fault.mode === 'throttle')
    Object.assign(headers, {
      'retry-after': String(THROTTLE_RETRY_AFTER_SECONDS),
      'x-ms-retry-after-ms': String(THROTTLE_RETRY_AFTER_SECONDS * 1000),
    });
  res.writeHead(fault.mode === 'throttle' ? 429 : 503, headers).end(body);
}

/**
 * Requests that reached each service through its proxy (faulted ones included), for the cost
 * figures of the load harness: `requests` counts every request, `authenticated` those carrying a
 * bearer token (Key Vault's SDK first sends one without, to be told where to get a token).
 */
export class RequestCounts {
  readonly #counts = new Map<string, { requests: number; authenticated: number }>();

  add(service: FaultService, region: string | undefined, authenticated: boolean): void {
    const key = `${service}/${region ?? 'all'}`;
    const count = this.#counts.get(key) ?? { requests: 0, authenticated: 0 };
    count.requests++;
    if (authenticated) count.authenticated++;
    this.#counts.set(key, count);
  }

  snapshot(): Record<string, { requests: number; authenticated: number }> {
    return Object.fromEntries([...this.#counts].map(([key, count]) => [key, { ...count }]));
  }

  reset(): void {
    this.#counts.clear();
  }
}

/** A proxy on a free port in front of `target` (http://host:port), refusing while `faults` hold a fault for it. */
export async function startFaultProxy(
  target: string,
  service: FaultService,
  region: string | undefined,
  faults: FaultRegistry,
  counts?: RequestCounts,
  /** Called after the stand-in answered a write and before the answer is passed on (to persist it first). */
  afterWrite?: () => Promise<void>,
  /** The port to listen on if it is free (a free one otherwise). */
  preferredPort = 0,
): Promise<{ url: string; close: () => Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    counts?.add(service, region, /^Bearer\s/i.test(req.headers.authorization ?? ''));
    const fault = faults.active(service, region);
    if (fault) {
      req.resume();
      answerFault(res, fault);
      return;
    }
    const forwarded = httpRequest(
      // A fresh connection per request: a pooled one the stand-in has closed after its keep-alive
      // timeout would fail the request (a spurious 502 the app would retry).
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        const pass = (): void => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
        };
        if (!afterWrite || req.method === 'GET' || req.method === 'HEAD') return pass();
        afterWrite().then(pass, (error: unknown) => {
          console.error(`${service} stand-in: could not persist a write: ${String(error)}`);
          answer.resume();
          res.writeHead(500).end();
        });
      },
    );
    forwarded.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(forwarded);
  });
  leaveIdleConnectionsToClients(server);
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(preferredPort).catch((error: NodeJS.ErrnoException) => {
    if (preferredPort === 0 || error.code !== 'EADDRINUSE') throw error;
    return listen(0);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
