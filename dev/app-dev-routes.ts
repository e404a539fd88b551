// This app's development-only additions to the local host: the development token issuer (its JWKS,
// tokens at the host's clock, key rotation), the email outbox of the local email service, and the
// virtual clock pushed to the platform process so the stand-ins agree on "now".
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HostClock } from './host/clock.js';
import { json, problem } from './host/http/json-response.js';
import { DEV_ISSUER_JWKS_PATH, type DevIssuer } from './dev-issuer.js';
import type { PlatformAddresses } from './platform/addresses.js';

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
      case 'POST /runtime/dev/issuer/rotate':
        return json(res, 200, { kid: await this.deps.issuer.rotate() });
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

  async #outbox(): Promise<unknown[]> {
    if (!this.deps.platform) return [];
    const response = await fetch(`${this.deps.platform.email.url}/outbox`);
    const messages = (await response.json()) as { to: string[]; cc?: string[]; bcc?: string[]; subject: string; text?: string; html?: string; sentAt: string; id: string }[];
    return messages.map((m) => ({ id: m.id, to: m.to, cc: m.cc ?? [], bcc: m.bcc ?? [], subject: m.subject, text: m.text ?? null, html: m.html ?? null, sentAt: m.sentAt }));
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
