// CORS for browser callers, answered by the host as the platform does for a function app's
// `siteConfig.cors` (infra/modules/function-app.bicep): a preflight never reaches a function; an
// allowed origin gets `Access-Control-Allow-Origin` on every response; any other origin gets no
// CORS header at all, so the browser refuses the response. Credentials are never allowed: the API
// takes bearer tokens, not cookies. The allowed origins come from CORS_ALLOWED_ORIGINS.
import type { IncomingMessage, ServerResponse } from 'node:http';

export class CorsPolicy {
  readonly #origins: ReadonlySet<string>;
  readonly #anyOrigin: boolean;

  constructor(allowedOrigins: readonly string[]) {
    this.#anyOrigin = allowedOrigins.includes('*');
    this.#origins = new Set(allowedOrigins.filter((o) => o !== '*'));
  }

  /**
   * Answers a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) and returns
   * true; for any other request, adds the CORS headers its response needs and returns false.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = header(req, 'origin');
    if (origin === undefined) return false;
    const allowed = this.#allows(origin);
    res.setHeader('vary', 'Origin');
    const requestedMethod = header(req, 'access-control-request-method');
    if (req.method?.toUpperCase() === 'OPTIONS' && requestedMethod !== undefined) {
      const headers: Record<string, string> = { vary: 'Origin' };
      if (allowed) {
        headers['access-control-allow-origin'] = this.#anyOrigin ? '*' : origin;
        headers['access-control-allow-methods'] = requestedMethod.toUpperCase();
        const requestedHeaders = header(req, 'access-control-request-headers');
        if (requestedHeaders) headers['access-control-allow-headers'] = requestedHeaders;
      }
      res.writeHead(204, headers).end();
      return true;
    }
    if (allowed) res.setHeader('access-control-allow-origin', this.#anyOrigin ? '*' : origin);
    return false;
  }

  #allows(origin: string): boolean {
    return this.#anyOrigin || this.#origins.has(origin);
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
