// The HTTP translation every route shares: authenticate the bearer token, parse path, query and
// body with zod (400 naming the field; 415 for a non-JSON body), run the handler, and turn expected
// failures into problem+json. Handlers hold no HTTP plumbing and no business rules.
import { createHash, randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { canonicalJson } from '../audit/chain.js';
import { getServices, type Services } from '../composition.js';
import { DomainError, UnsupportedMediaTypeError, ValidationError } from '../errors.js';
import { captureUnexpected } from '../observability/sentry.js';
import { problemResponse, validationError } from './problem.js';

export interface RequestContext<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  requestId: string;
  services: Services;
  now: Date;
  /** Present when the caller sent Idempotency-Key: where to record the outcome, and what request it was for. */
  idempotency: { docId: string; requestHash: string } | undefined;
  /** The If-Match header, verbatim. */
  ifMatch: string | undefined;
  request: HttpRequest;
  /** The Functions invocation (for bindings such as the durable client). */
  invocation: InvocationContext;
}

export interface EndpointResult {
  status: number;
  body?: unknown;
  /** A body that is not JSON (e.g. CSV), sent as is; give its content-type in `headers`. */
  text?: string;
  headers?: Record<string, string>;
}

export interface EndpointSpec<P, Q, B> {
  /** A check of the caller's role that needs no tenant (vendor routes): runs before the body is read. */
  authorize?: (principal: Principal) => void;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  handle(context: RequestContext<P, Q, B>): Promise<EndpointResult>;
}

const NO_QUERY = z.strictObject({});
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function endpoint<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  spec: EndpointSpec<P, Q, B>,
): (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, invocation) => {
    const presentedId = request.headers.get('x-request-id');
    const requestId = presentedId && REQUEST_ID.test(presentedId) ? presentedId : invocation.invocationId || randomUUID();
    const started = performance.now();
    let response: HttpResponseInit;
    try {
      const services = getServices();
      const principal = await services.tokens.verify(request.headers.get('authorization'));
      spec.authorize?.(principal);
      const params = parse(spec.params, request.params, 'path') as P;
      // Unknown query parameters are refused rather than silently ignored (a typo is a bug to report).
      const query = parse<unknown>(spec.query ?? NO_QUERY, Object.fromEntries(request.query.entries()), 'query') as Q;
      const rawBody = spec.body ? await readJson(request) : undefined;
      const body = (spec.body ? parse(spec.body, rawBody, 'body') : undefined) as B;
      const result = await spec.handle({
        principal,
        params,
        query,
        body,
        requestId,
        services,
        now: services.clock.now(),
        idempotency: idempotencyOf(request, principal, rawBody),
        ifMatch: request.headers.get('if-match') ?? undefined,
        request,
        invocation,
      });
      response =
        result.text !== undefined
          ? { status: result.status, headers: { ...result.headers, 'x-request-id': requestId }, body: result.text }
          : {
              status: result.status,
              headers: { ...(result.body !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}), ...result.headers, 'x-request-id': requestId },
              ...(result.body !== undefined ? { body: JSON.stringify(result.body) } : {}),
            };
    } catch (error) {
      if (!(error instanceof DomainError)) {
        invocation.error(`request ${requestId} failed: ${error instanceof Error ? error.name : 'non-error thrown'}`);
        await captureUnexpected(error, { requestId, route: invocation.functionName });
      }
      response = problemResponse(error, requestId);
    }
    // Route, status, duration and correlation id only: never bodies, tokens or personal data.
    invocation.info(`${request.method} ${invocation.functionName} -> ${response.status} in ${Math.round(performance.now() - started)} ms [${requestId}]`);
    return response;
  };
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: 'body' | 'path' | 'query'): T | Record<string, never> {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

async function readJson(request: HttpRequest): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (text.trim() === '') throw new ValidationError([{ path: '', message: 'A JSON body is required.' }]);
  if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
    throw new UnsupportedMediaTypeError('REQUEST.MEDIA_TYPE', 'Send the body as application/json.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError([{ path: '', message: 'The body is not valid JSON.' }]);
  }
}

function idempotencyOf(request: HttpRequest, principal: Principal, body: unknown): RequestContext<unknown, unknown, unknown>['idempotency'] {
  const key = request.headers.get('idempotency-key');
  if (key === null) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError([{ path: 'header:Idempotency-Key', message: 'Use 1 to 255 visible ASCII characters.' }]);
  }
  const path = new URL(request.url).pathname;
  const digest = (text: string): string => createHash('sha256').update(text).digest('base64url');
  return {
    docId: `idem:${digest(`${principal.sub}|${request.method}|${path}|${key}`)}`,
    requestHash: digest(`${request.method} ${path}\n${canonicalJson(body ?? null)}`),
  };
}
