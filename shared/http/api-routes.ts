// Registers an API route and remembers it for the OpenAPI document, so the document is generated
// from the same zod schemas that validate requests and can never drift from what is served.
import { app, type FunctionInput } from '@azure/functions';
import { z } from 'zod';
import { endpoint, type EndpointSpec } from './endpoint.js';
import { routePermissions, type RouteAuth } from './route-auth.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

export interface ApiRoute {
  name: string;
  route: string;
  method: HttpMethod;
  summary: string;
  /** The status of a successful answer. */
  success: number;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Headers the route reads beyond Authorization. */
  headers?: ('Idempotency-Key' | 'If-Match')[];
  /** Who may call it (checked before the body is read). */
  auth: RouteAuth;
}

const ROUTES: ApiRoute[] = [];

export function apiRoute<P, Q, B>(
  name: string,
  options: { route: string; method: HttpMethod; summary: string; success: number; tag: string; headers?: ApiRoute['headers']; extraInputs?: FunctionInput[] },
  spec: EndpointSpec<P, Q, B>,
): void {
  ROUTES.push({
    name,
    route: options.route,
    method: options.method,
    summary: options.summary,
    success: options.success,
    tag: options.tag,
    auth: spec.auth,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(spec.params ? { params: spec.params as z.ZodType } : {}),
    ...(spec.query ? { query: spec.query as z.ZodType } : {}),
    ...(spec.body ? { body: spec.body as z.ZodType } : {}),
  });
  app.http(name, {
    route: options.route,
    methods: [options.method],
    authLevel: 'anonymous',
    ...(options.extraInputs ? { extraInputs: options.extraInputs } : {}),
    handler: endpoint(spec),
  });
}

export function registeredApiRoutes(): readonly ApiRoute[] {
  return ROUTES;
}

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema & { $schema?: string };
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: 'path' | 'query'): Record<string, unknown>[] {
  if (!schema) return [];
  const json = jsonSchema(schema);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

const PROBLEM = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: PROBLEM } } });

/** The OpenAPI 3.1 document of every route registered through `apiRoute`. */
export function openApiDocument(info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const path = `/api/${route.route.replace(/\{(\w+)(?::\w+)?\??\}/g, '{$1}')}`;
    const headerParameters = (route.headers ?? []).map((name) => ({
      name,
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description: name === 'If-Match' ? 'The ETag you read; required to correct data (428 without it, 412 if it changed).' : 'A retry with the same key and body returns the first answer and changes nothing.',
    }));
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.name,
      summary: route.summary,
      tags: [route.tag],
      security: [{ bearer: [] }],
      // The permissions the route requires (any one of them), and whether on the tenant in its path.
      'x-permissions': { scope: 'tenant' in route.auth ? 'tenant' : 'vendor' in route.auth ? 'vendor' : 'any-authenticated', anyOf: routePermissions(route.auth) },
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query'), ...headerParameters],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      responses: {
        [String(route.success)]: { description: 'Success' },
        '400': problemResponse('Invalid input; `errors` names each field'),
        '401': problemResponse('No or invalid bearer token'),
        '403': problemResponse('Your roles or tenant do not allow this'),
        '404': problemResponse('Not found'),
        '409': problemResponse('Conflicts with the current state'),
        '422': problemResponse('Valid, but refused in the current state'),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info,
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', description: 'Stable error code, e.g. TENANT.NOT_FOUND' },
            requestId: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
          required: ['type', 'title', 'status'],
        },
      },
    },
    paths,
  };
}
