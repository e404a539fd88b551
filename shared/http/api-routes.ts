// Registers an API route and remembers it for the OpenAPI document, so the document is generated
// from the same zod schemas that validate requests and describe responses, and cannot drift from
// what is served: a route's handler must return a body of the schema it declares for that status.
import { app, type FunctionInput, type HttpHandler } from '@azure/functions';
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { endpoint, type EndpointResult, type EndpointSpec } from './endpoint.js';
import { problemSchema } from './problem.js';
import { routePermissions, type RouteAuth } from './route-auth.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/**
 * A JSON answer with this body schema; or the same as CSV too (`?format=csv`); or JSON by default
 * and a binary document for a caller who asks for its media type (`Accept`); or no body; or a
 * refusal whose problem document carries extension members (RFC 9457 §3.2) beyond the shared ones.
 */
export type ResponseSpec =
  | z.ZodType
  | { json: z.ZodType; csv: true }
  | { json: z.ZodType; alternative: { mediaType: string; description: string } }
  | { noBody: string }
  | { problem: z.ZodType; description: string };
/** The answers a route gives, by status, besides the problem+json refusals every route shares. */
export type RouteResponses = Readonly<Record<number, ResponseSpec>>;

type BodyOf<Spec> = Spec extends z.ZodType ? z.input<Spec> : Spec extends { json: infer J extends z.ZodType } ? z.input<J> : never;
/**
 * What a handler may return: a body of one of the declared schemas. (Which status goes with which
 * body is not checked by the compiler, which widens a literal status under a generic contextual
 * type; the end-to-end tests validate every real response against the document instead.)
 */
export type ResultOf<R extends RouteResponses> = {
  status: number;
  body?: BodyOf<R[keyof R]>;
  text?: string;
  bytes?: Uint8Array;
  headers?: Record<string, string>;
};

export interface ApiRoute {
  name: string;
  route: string;
  method: HttpMethod;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Headers the route reads beyond Authorization. */
  headers?: ('Idempotency-Key' | 'If-Match')[];
  /** Who may call it (checked before the body is read), or why anyone may. */
  auth: RouteAuth | { public: string };
  /** Undefined for a route registered without response schemas (a test names each one). */
  responses: RouteResponses | undefined;
  /** The success status of a route without response schemas. */
  success?: number;
  /** The answers of a public route, with their content types. */
  publicResponses?: Readonly<Record<number, { contentType: string; schema: z.ZodType }>>;
}

interface RouteOptions {
  route: string;
  method: HttpMethod;
  summary: string;
  tag: string;
  headers?: ApiRoute['headers'];
  extraInputs?: FunctionInput[];
}

const ROUTES: ApiRoute[] = [];

/** A route with its answers declared: the handler's results are checked against them at compile time. */
export function apiRoute<P, Q, B, const R extends RouteResponses>(
  name: string,
  options: RouteOptions & { responses: R },
  spec: EndpointSpec<P, Q, B, NoInfer<ResultOf<R>>>,
): void;
/** A route without response schemas yet: documented with an empty success answer, and named by the OpenAPI test. */
export function apiRoute<P, Q, B>(name: string, options: RouteOptions & { success: number }, spec: EndpointSpec<P, Q, B>): void;
export function apiRoute<P, Q, B>(
  name: string,
  options: RouteOptions & { responses?: RouteResponses; success?: number },
  spec: EndpointSpec<P, Q, B, EndpointResult>,
): void {
  ROUTES.push({
    name,
    route: options.route,
    method: options.method,
    summary: options.summary,
    tag: options.tag,
    auth: spec.auth,
    responses: options.responses,
    ...(options.success !== undefined ? { success: options.success } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { query: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
  });
  app.http(name, {
    route: options.route,
    methods: [options.method],
    authLevel: 'anonymous',
    ...(options.extraInputs ? { extraInputs: options.extraInputs } : {}),
    handler: endpoint(spec),
  });
}

/**
 * An anonymous route (no token): documented with an empty `security`, so the OpenAPI test sees
 * every route that can be called without a token and why. Its handler does its own HTTP.
 */
export function publicRoute(
  name: string,
  options: { route: string; method: HttpMethod; summary: string; tag: string; why: string; responses: NonNullable<ApiRoute['publicResponses']> },
  handler: HttpHandler,
): void {
  const { route, method, summary, tag } = options;
  ROUTES.push({ name, route, method, summary, tag, auth: { public: options.why }, responses: undefined, publicResponses: options.responses });
  app.http(name, { route: options.route, methods: [options.method], authLevel: 'anonymous', handler });
}

export function registeredApiRoutes(): readonly ApiRoute[] {
  return ROUTES;
}

/** `tenants/{tenantId:regex}` as the OpenAPI path `/api/tenants/{tenantId}`. */
export function openApiPath(route: string): string {
  return `/api/${route.replace(/\{(\w+)(?::\w+)?\??\}/g, '{$1}')}`;
}

const HEADER_SCHEMAS = {
  'Idempotency-Key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/)
    .optional()
    .meta({ description: 'A retry with the same key and body returns the first answer and changes nothing.' }),
  'If-Match': z.string().optional().meta({ description: 'The ETag you read; required to correct data (428 without it, 412 if it changed).' }),
} as const;

function objectSchema(schema: z.ZodType | undefined, where: string, route: string): z.ZodObject | undefined {
  if (schema === undefined) return undefined;
  if (!(schema instanceof z.ZodObject)) throw new Error(`route ${route}: the ${where} schema must be a zod object to be documented`);
  return schema;
}

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });

/** The refusals a route can answer with, from what it declares (a body, If-Match, a tenant in its path). */
function refusals(route: ApiRoute): ZodOpenApiResponsesObject {
  if ('public' in route.auth) return { '500': problem('Failed on our side') };
  const permissions = routePermissions(route.auth);
  return {
    ...(route.params || route.query || route.body || route.headers ? { '400': problem('Invalid input; `errors` names each field') } : {}),
    '401': problem('No or invalid bearer token'),
    ...(permissions.length > 0 ? { '403': problem('Your roles or tenant do not allow this') } : {}),
    '404': problem('Not found'),
    '409': problem('Conflicts with the current state'),
    // A write that lost a race with another answers 412 RESOURCE.CHANGED: read again and retry.
    ...(route.headers?.includes('If-Match')
      ? { '412': problem('The resource changed since you read it (If-Match)'), '428': problem('If-Match is required') }
      : route.method !== 'GET'
        ? { '412': problem('The resource changed while this request was processed; read it again and retry') }
        : {}),
    ...(route.body ? { '413': problem('The body is too large'), '415': problem('The body must be application/json') } : {}),
    '422': problem('Valid, but refused in the current state'),
    '429': problem('Too many requests (see Retry-After)'),
    '500': problem('Failed on our side; quote the request id'),
    '503': problem(
      'Unavailable for now: the data store (STORE.UNAVAILABLE) or the key vault (KEYS.UNAVAILABLE) does not answer, a part of the tenant’s data is at the store’s size limit (STORE.PARTITION_FULL, an incident for ops), or a region waits for its erasure replay after a restore (REGION.ERASURES_NOT_REPLAYED); retry after Retry-After seconds, a write with the same Idempotency-Key',
    ),
  };
}

function answers(route: ApiRoute): Record<string, ZodOpenApiResponseObject> {
  if (route.publicResponses) {
    return Object.fromEntries(
      Object.entries(route.publicResponses).map(([status, { contentType, schema }]) => [
        status,
        { description: 'Success', content: { [contentType]: { schema } } },
      ]),
    );
  }
  if (route.responses === undefined) {
    // Marked, so the OpenAPI test names the route until it declares its response schemas.
    return { [`${route.success ?? 200}`]: { description: 'Success (no response schema declared yet)', 'x-response-schema-missing': true } };
  }
  const documented: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, spec] of Object.entries(route.responses)) {
    if (spec instanceof z.ZodType) documented[status] = { description: 'Success', content: { 'application/json': { schema: spec } } };
    else if ('noBody' in spec) documented[status] = { description: spec.noBody };
    else if ('problem' in spec)
      documented[status] = { description: spec.description, content: { 'application/problem+json': { schema: spec.problem } } };
    else if ('alternative' in spec) {
      documented[status] = {
        description: `Success: JSON by default; ${spec.alternative.description} with \`Accept: ${spec.alternative.mediaType}\``,
        content: {
          'application/json': { schema: spec.json },
          [spec.alternative.mediaType]: { schema: { type: 'string', contentMediaType: spec.alternative.mediaType } },
        },
      };
    } else
      documented[status] = {
        description: 'Success (CSV with ?format=csv)',
        content: { 'application/json': { schema: spec.json }, 'text/csv': { schema: { type: 'string' } } },
      };
  }
  return documented;
}

/**
 * The security requirement written from the route's declared auth: a bearer token holding one of
 * the permissions (OpenAPI 3.1 lets a bearer requirement list the roles it needs), or none.
 */
function security(auth: ApiRoute['auth']): ZodOpenApiOperationObject['security'] {
  return 'public' in auth ? [] : [{ bearer: [...routePermissions(auth)] }];
}

function permissionsExtension(auth: ApiRoute['auth']): Record<string, unknown> {
  if ('public' in auth) return { 'x-public': auth.public };
  // The permissions the route requires (any one of them), and whether on the tenant in its path.
  return { 'x-permissions': { scope: 'tenant' in auth ? 'tenant' : 'vendor' in auth ? 'vendor' : 'any-authenticated', anyOf: routePermissions(auth) } };
}

function operation(route: ApiRoute): ZodOpenApiOperationObject {
  const header = route.headers ? z.object(Object.fromEntries(route.headers.map((name) => [name, HEADER_SCHEMAS[name]]))) : undefined;
  const path = objectSchema(route.params, 'path', route.name);
  const query = objectSchema(route.query, 'query', route.name);
  return {
    operationId: route.name,
    summary: route.summary,
    tags: [route.tag],
    security: security(route.auth),
    ...permissionsExtension(route.auth),
    requestParams: { ...(path ? { path } : {}), ...(query ? { query } : {}), ...(header ? { header } : {}) },
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    // A refusal the route declares (with its extension members) replaces the shared one.
    responses: { ...refusals(route), ...answers(route) },
  };
}

const VERBS = { GET: 'get', POST: 'post', PATCH: 'patch', DELETE: 'delete', PUT: 'put' } as const;

/** The OpenAPI 3.1 document of every route registered through `apiRoute`. */
export function openApiDocument(info: { title: string; version: string }): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of ROUTES) {
    const item = (paths[openApiPath(route.route)] ??= {});
    item[VERBS[route.method]] = operation(route);
  }
  // Schemas with an id (`.meta({ id })`) become components, so a generated client names them.
  return createDocument({
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  });
}
