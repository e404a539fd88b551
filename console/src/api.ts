// The one way the page talks to the API: every call carries the bearer token; a refusal becomes an
// ApiError holding the problem document's words, field by field. The server's clock is read from
// each answer's Date header, so countdowns follow the server (and its virtual clock locally).

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly code: string | undefined,
    readonly errors: FieldError[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }

  /** The message for one form field (`path` as the API names it, e.g. `summary` or `affectedTenants.0`). */
  forField(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.startsWith(`${path}.`))?.message;
  }
}

/** Gives a token; `fresh` asks for a new one (after a 401: the old one expired). */
export type TokenSource = (fresh: boolean) => Promise<string>;

export class Api {
  #offsetMs = 0;
  constructor(private readonly token: TokenSource) {}

  /** The server's "now" as best known from the last answer's Date header. */
  serverNow(): number {
    return Date.now() + this.#offsetMs;
  }

  async call<T>(method: string, path: string, body?: unknown, options: { idempotencyKey?: string } = {}): Promise<T> {
    let response = await this.#send(method, path, body, options, false);
    if (response.status === 401) response = await this.#send(method, path, body, options, true);
    const date = response.headers.get('date');
    if (date) this.#offsetMs = Date.parse(date) - Date.now();
    const text = await response.text();
    const parsed: unknown = text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
    if (!response.ok) {
      const p = (parsed && typeof parsed === 'object' ? parsed : {}) as { title?: string; detail?: string; code?: string; errors?: FieldError[] };
      throw new ApiError(response.status, p.title ?? `HTTP ${response.status}`, p.detail, p.code, p.errors ?? []);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}, options: { idempotencyKey?: string } = {}): Promise<T> {
    return this.call<T>('POST', path, body, options);
  }

  async #send(method: string, path: string, body: unknown, options: { idempotencyKey?: string }, fresh: boolean): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token(fresh)}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    return fetch(`/api/${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  }
}

/** The claims the page routes by, read from the token (the API checks them; the page only chooses views). */
export interface Identity {
  sub: string;
  roles: string[];
  tenantId?: string;
}

export function identityOf(token: string): Identity {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(json) as { sub?: string; roles?: string[]; tid?: string };
  return { sub: claims.sub ?? '', roles: claims.roles ?? [], ...(claims.tid ? { tenantId: claims.tid } : {}) };
}

/** A key per user action: a retry of the same submit is one change on the server. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
