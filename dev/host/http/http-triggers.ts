// Serves the app's HTTP triggers under the route prefix, converting node requests to the worker's
// RPC HTTP shape and RPC responses back, as the Functions host does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { RegisteredFunction } from '../worker/core-api.js';
import { FunctionInvocationError, fromTypedData, type FunctionInvoker } from '../worker/invoker.js';
import type { RpcHttpCookie, RpcHttpData, RpcInvocationResponse, RpcTypedData } from '../worker/rpc-types.js';
import { compileRoute, matchRoute, type CompiledRoute } from './route-template.js';
import type { CorsPolicy } from './cors.js';
import { forwardToWorker, streamTriggerMetadata } from './stream-proxy.js';

interface HttpRoute {
  functionName: string;
  route: CompiledRoute;
  methods: string[] | undefined;
  authLevel: 'anonymous' | 'function' | 'admin';
  outputBinding: string;
}

export interface HttpTriggerOptions {
  routePrefix: string;
  /** Key accepted for `function` and `admin` auth levels (`?code=` or `x-functions-key`). */
  functionKey: string;
  onError: (functionName: string, error: unknown) => void;
  /** CORS as the function app's `siteConfig.cors` applies it (preflights never reach a function). */
  cors?: CorsPolicy;
  /** The worker's own HTTP server when the app enabled HTTP streaming (`app.setup({ enableHttpStream: true })`). */
  streamTo?: string;
}

export class HttpTriggers {
  readonly #routes: HttpRoute[];
  readonly #invoker: FunctionInvoker;
  readonly #options: HttpTriggerOptions;

  constructor(functions: Iterable<RegisteredFunction>, invoker: FunctionInvoker, options: HttpTriggerOptions) {
    this.#invoker = invoker;
    this.#options = options;
    this.#routes = [...functions].flatMap(toHttpRoute).sort((a, b) => b.route.precedence - a.route.precedence);
  }

  get routes(): readonly { functionName: string; template: string; methods: string[] | undefined; authLevel: string }[] {
    return this.#routes.map((r) => ({
      functionName: r.functionName,
      template: `${this.#options.routePrefix}/${r.route.template}`,
      methods: r.methods,
      authLevel: r.authLevel,
    }));
  }

  /** Whether requests reach the functions as live streams (then the caller must not read the body first). */
  get streaming(): boolean {
    return this.#options.streamTo !== undefined;
  }

  /** Whether `url` is under the route prefix, so this serves it. */
  owns(url: URL): boolean {
    const prefix = `/${this.#options.routePrefix}`;
    return url.pathname === prefix || url.pathname.startsWith(`${prefix}/`);
  }

  /**
   * Handles the request if its path is under the route prefix; returns false otherwise. `body` is
   * the buffered request body, or undefined when streaming (the request is forwarded as it arrives).
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer | undefined): Promise<boolean> {
    if (!this.owns(url)) return false;
    const prefix = `/${this.#options.routePrefix}`;
    if (this.#options.cors?.handle(req, res)) return true;
    const path = url.pathname.slice(prefix.length).replace(/^\/+|\/+$/g, '');
    const method = (req.method ?? 'GET').toUpperCase();

    const candidates = this.#routes
      .map((r) => ({ r, params: matchRoute(r.route, path) }))
      .filter((c): c is { r: HttpRoute; params: Record<string, string> } => c.params !== undefined);
    if (candidates.length === 0) {
      res.writeHead(404).end();
      return true;
    }
    const match = candidates.find((c) => !c.r.methods || c.r.methods.includes(method));
    if (!match) {
      res.writeHead(405, { allow: [...new Set(candidates.flatMap((c) => c.r.methods ?? []))].join(', ') }).end();
      return true;
    }
    if (match.r.authLevel !== 'anonymous' && !this.#hasKey(req, url)) {
      res.writeHead(401).end();
      return true;
    }

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) query[name] = value;
    if (this.#options.streamTo !== undefined) return this.#stream(req, res, url, match, { method, headers, query });
    const http: RpcHttpData = {
      method,
      url: url.toString(),
      headers,
      query,
      params: match.params,
      body: { bytes: body ?? Buffer.alloc(0) },
    };

    let response: RpcInvocationResponse;
    try {
      response = await this.#invoker.invoke(match.r.functionName, { http });
    } catch (error) {
      this.#options.onError(match.r.functionName, error instanceof FunctionInvocationError ? error.cause : error);
      // The Functions host answers an unhandled exception with a bare 500.
      if (!res.headersSent) res.writeHead(500).end();
      return true;
    }
    writeRpcResponse(res, selectHttpOutput(response, match.r.outputBinding));
    return true;
  }

  /** A streamed invocation: metadata through the invocation, the request and the answer through the worker's HTTP server. */
  async #stream(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    match: { r: HttpRoute; params: Record<string, string> },
    request: { method: string; headers: Record<string, string>; query: Record<string, string> },
  ): Promise<boolean> {
    const invocationId = randomUUID();
    const forwarded = forwardToWorker(req, res, { httpUri: this.#options.streamTo!, invocationId, url });
    try {
      await this.#invoker.invoke(
        match.r.functionName,
        { http: { method: request.method, url: url.toString(), headers: request.headers, query: request.query, params: match.params } },
        streamTriggerMetadata(request.headers, request.query, match.params),
        invocationId,
      );
      await forwarded.done;
    } catch (error) {
      forwarded.abort();
      this.#options.onError(match.r.functionName, error instanceof FunctionInvocationError ? error.cause : error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    }
    return true;
  }

  #hasKey(req: IncomingMessage, url: URL): boolean {
    const presented = url.searchParams.get('code') ?? req.headers['x-functions-key'];
    if (typeof presented !== 'string') return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(this.#options.functionKey);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

function toHttpRoute({ metadata }: RegisteredFunction): HttpRoute[] {
  const trigger = Object.values(metadata.bindings).find((b) => b.type?.toLowerCase() === 'httptrigger');
  if (!trigger) return [];
  const output = Object.entries(metadata.bindings).find(([, b]) => b.direction === 'out' && b.type?.toLowerCase() === 'http');
  const route = typeof trigger['route'] === 'string' && trigger['route'] !== '' ? trigger['route'] : metadata.name;
  const methods = Array.isArray(trigger['methods'])
    ? (trigger['methods'] as unknown[]).map((m) => String(m).toUpperCase())
    : undefined;
  const authLevel = String(trigger['authLevel'] ?? 'function').toLowerCase() as HttpRoute['authLevel'];
  return [{ functionName: metadata.name, route: compileRoute(route), methods, authLevel, outputBinding: output?.[0] ?? '$return' }];
}

function selectHttpOutput(response: RpcInvocationResponse, outputBinding: string): RpcHttpData | undefined {
  const data: RpcTypedData | null | undefined =
    outputBinding === '$return' ? response.returnValue : response.outputData?.find((o) => o.name === outputBinding)?.data;
  return data?.http ?? undefined;
}

function writeRpcResponse(res: ServerResponse, http: RpcHttpData | undefined): void {
  if (!http) {
    res.writeHead(204).end();
    return;
  }
  const status = Number(http.statusCode ?? 200);
  for (const [name, value] of Object.entries(http.headers ?? {})) res.setHeader(name, value);
  const cookies = (http.cookies ?? []).map(serializeCookie);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body = fromTypedData(http.body);
  res.writeHead(status);
  if (body === undefined || body === null) res.end();
  else if (Buffer.isBuffer(body) || typeof body === 'string') res.end(body);
  else res.end(JSON.stringify(body));
}

function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  if (cookie.expires?.value?.seconds) parts.push(`Expires=${new Date(Number(cookie.expires.value.seconds) * 1000).toUTCString()}`);
  if (cookie.maxAge?.value !== undefined && cookie.maxAge?.value !== null) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = ({ lax: 'Lax', strict: 'Strict', explicitNone: 'None' } as Record<string, string>)[String(cookie.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}
