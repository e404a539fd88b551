// This app's development-only additions to the local host: the development token issuer (its JWKS,
// tokens at the host's clock, key rotation), the email outbox of the local email service, and the
// virtual clock pushed to the platform process so the stand-ins agree on "now".
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostClock } from './host/clock.js';
import { json, problem } from './host/http/json-response.js';
import { DEV_ISSUER_JWKS_PATH, type DevIssuer } from './dev-issuer.js';
import type { PlatformAddresses } from './platform/addresses.js';
import { answerFault, FaultRegistry, FaultRequestError, type Fault } from './platform/faults.js';
import type { SentEmail } from './standins/email.js';

export class AppDevRoutes {
  constructor(
    private readonly deps: {
      clock: HostClock;
      issuer: DevIssuer;
      platform: PlatformAddresses | undefined;
    },
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    switch (`${(req.method ?? 'GET').toUpperCase()} ${url.pathname}`) {
      case `GET ${DEV_ISSUER_JWKS_PATH}`:
        return json(res, 200, this.deps.issuer.jwks());
      case 'GET /runtime/dev/outbox':
        return json(res, 200, await this.#outbox());
      case 'POST /runtime/dev/token':
        return this.#token(res, body);
      case 'POST /runtime/dev/restore':
        return this.#restore(res, body);
      case 'POST /runtime/dev/issuer/rotate':
        return json(res, 200, { kid: await this.deps.issuer.rotate() });
      case 'GET /runtime/dev/faults':
        return json(res, 200, {
          faults: [...this.#taskHubFaults.list(), ...((await this.#platformFaults('GET', '/faults')).body as { faults: Fault[] }).faults],
        });
      case 'POST /runtime/dev/faults':
        return this.#addFault(res, body);
      default: {
        const faultId = /^\/runtime\/dev\/faults\/([\w-]+)$/.exec(url.pathname)?.[1];
        if (faultId && req.method === 'DELETE') {
          if (this.#taskHubFaults.remove(faultId) || (await this.#platformFaults('DELETE', `/faults/${faultId}`)).status === 204) {
            res.writeHead(204).end();
            return true;
          }
          return problem(res, 404, 'No such fault', `No fault ${faultId} is holding.`);
        }
        return false;
      }
    }
  }

  /** While a task hub fault holds, clients' writes to the Durable API (start, raise, terminate) answer 503 or 429. */
  refuseDurableWrite(_req: IncomingMessage, res: ServerResponse): boolean {
    const fault = this.#taskHubFaults.active('taskhub');
    if (!fault) return false;
    answerFault(res, fault);
    return true;
  }

  /** POST /runtime/dev/faults: the task hub's faults are held here, every other service's by the platform. */
  async #addFault(res: ServerResponse, body: Buffer): Promise<boolean> {
    let request: unknown;
    try {
      request = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return problem(res, 400, 'Body is not JSON', 'Send {"service":"cosmos","mode":"unavailable","duration":"PT2H"}.');
    }
    if ((request as { service?: unknown }).service === 'taskhub') {
      try {
        const fault = this.#taskHubFaults.add(request);
        return json(res, 201, fault);
      } catch (error) {
        if (error instanceof FaultRequestError) return problem(res, 400, 'Invalid fault', error.message, [{ path: error.field, message: error.message }]);
        throw error;
      }
    }
    if (!this.deps.platform) return problem(res, 409, 'No platform', 'This host runs without the local platform.');
    const answer = await this.#platformFaults('POST', '/faults', request);
    if (answer.status !== 201) {
      res.writeHead(answer.status, { 'content-type': 'application/problem+json' }).end(JSON.stringify(answer.body));
      return true;
    }
    return json(res, 201, answer.body as Fault);
  }

  async #platformFaults(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    if (!this.deps.platform) return { status: method === 'GET' ? 200 : 404, body: { faults: [] } };
    const response = await fetch(`${this.deps.platform.controlUrl}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  readonly #taskHubFaults = new FaultRegistry(() => this.deps.clock.now());

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

  /**
   * The restore drill: puts one region's Cosmos DB account back to its state at an instant, as a
   * point-in-time restore put in service would. Erasures since then are undone until replayed.
   */
  async #restore(res: ServerResponse, body: Buffer): Promise<boolean> {
    if (!this.deps.platform) return problem(res, 409, 'No platform', 'The host runs without the local platform.');
    let request: { region?: unknown; to?: unknown };
    try {
      request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
    } catch {
      return problem(res, 400, 'Body is not JSON', 'Send {"region":"uksouth","to":"2026-01-01T00:00:00Z"}.');
    }
    if (request.region !== 'uksouth' && request.region !== 'eu')
      return problem(res, 400, 'Invalid region', 'region must be uksouth or eu.', [{ path: 'region', message: 'must be uksouth or eu' }]);
    if (typeof request.to !== 'string' || !/(Z|[+-]\d\d:\d\d)$/.test(request.to) || Number.isNaN(Date.parse(request.to))) {
      return problem(res, 400, 'Invalid restore point', 'to must be an ISO 8601 instant with an offset.', [
        { path: 'to', message: 'must be an ISO 8601 instant with an offset' },
      ]);
    }
    const response = await fetch(`${this.deps.platform.controlUrl}/cosmos/${request.region}/restore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: request.to }),
    });
    const answer = (await response.json()) as { message?: string; changesUndone?: number; containers?: number };
    if (response.status === 400)
      return problem(res, 400, 'Restore point out of range', answer.message ?? '', [{ path: 'to', message: answer.message ?? 'out of range' }]);
    if (!response.ok) throw new Error(`the platform refused the restore (${response.status})`);
    return json(res, 200, { region: request.region, restoredTo: new Date(request.to).toISOString(), ...answer });
  }

  async #outbox(): Promise<unknown[]> {
    if (!this.deps.platform) return [];
    const response = await fetch(`${this.deps.platform.email.outboxUrl ?? this.deps.platform.email.url}/outbox`);
    const messages = (await response.json()) as (Pick<SentEmail, 'to' | 'subject' | 'text' | 'html' | 'sentAt' | 'id' | 'attachments'> & {
      cc?: string[];
      bcc?: string[];
    })[];
    return messages.map((m) => ({
      id: m.id,
      to: m.to,
      cc: m.cc ?? [],
      bcc: m.bcc ?? [],
      subject: m.subject,
      text: m.text ?? null,
      html: m.html ?? null,
      sentAt: m.sentAt,
      ...(m.attachments ? { attachments: m.attachments } : {}),
    }));
  }

  async #token(res: ServerResponse, body: Buffer): Promise<boolean> {
    let request: { roles?: unknown; role?: unknown; tenant?: unknown; sub?: unknown; country?: unknown; lifetimeSeconds?: unknown };
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
        ...(typeof request.country === 'string' ? { ctry: request.country } : {}),
      },
      { now: this.deps.clock.now(), ...(typeof request.lifetimeSeconds === 'number' ? { lifetimeSeconds: request.lifetimeSeconds } : {}) },
    );
    return json(res, 200, { token });
  }
}
