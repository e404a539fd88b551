// What an attack needs of the system under attack: its address, tokens signed by the issuer it
// trusts (the local development issuer) and plain HTTP. The same replay runs against a LocalSystem
// inside `npm test` and against a running `npm start` from `npm run attack`.
import { DevIssuer, type TokenClaims } from '../../dev/dev-issuer.js';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** Milliseconds from sending to the whole answer read. */
  elapsedMs: number;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim (for malformed or oversized bodies); a stream is sent chunked, without Content-Length. */
  rawBody?: string | Buffer | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

export class AttackTarget {
  constructor(
    readonly url: string,
    private readonly issuer: DevIssuer,
  ) {}

  static async open(url: string, stateDir: string): Promise<AttackTarget> {
    return new AttackTarget(url.replace(/\/$/, ''), await DevIssuer.open(stateDir));
  }

  /** The host's clock (virtual in tests), which tokens must follow. */
  async now(): Promise<Date> {
    const answer = await this.request<{ now: string }>('GET', '/runtime/dev/clock');
    return new Date(answer.body.now);
  }

  async token(claims: TokenClaims, options: { lifetimeSeconds?: number; issuedAt?: Date } = {}): Promise<string> {
    const now = options.issuedAt ?? (await this.now());
    return this.issuer.sign(claims, { now, ...(options.lifetimeSeconds ? { lifetimeSeconds: options.lifetimeSeconds } : {}) });
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | Buffer | ReadableStream<Uint8Array> | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const started = performance.now();
    const streamed = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(streamed ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await response.text();
    let parsed: unknown = text;
    if (text !== '' && /json/.test(response.headers.get('content-type') ?? '')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed as T, elapsedMs: performance.now() - started };
  }
}
