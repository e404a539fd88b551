// The OpenAPI document is generated from the schemas the routes validate with and answer with. A
// portal developer must be able to validate it, generate a client from it, and trust its security.
// (Every answer the other end-to-end tests receive is checked against it by the harness.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { LocalSystem } from '../support/local-system.js';

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  'x-permissions'?: { scope: string; anyOf: string[] };
  'x-public'?: string;
  parameters: { name: string; in: string; required: boolean; schema?: unknown }[];
  requestBody?: { content: { 'application/json': { schema: { required?: string[]; properties: Record<string, unknown> } } } };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }>; 'x-response-schema-missing'?: boolean }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** The routes anyone may call without a token, and nothing else. */
const PUBLIC_OPERATIONS = ['health', 'jwks', 'openApi', 'console'];

describe('OpenAPI document', () => {
  let system: LocalSystem;
  let document: Document;
  let operations: (Operation & { method: string; path: string })[];
  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    const response = await system.get<Document>('/api/openapi.json');
    assert.equal(response.status, 200);
    document = response.body;
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ ...operation, method, path })),
    );
  });
  after(async () => {
    await system?.stop();
  });

  test('is a valid OpenAPI 3.1 document for a maintained validator', async () => {
    assert.equal(document.openapi, '3.1.0');
    // Throws with the first problem, e.g. a $ref that points nowhere.
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  test('documents every route with its parameters, body and, for each answer, a schema', () => {
    const ids = operations.map((o) => o.operationId);
    const expected = ['provisionTenant', 'createUser', 'rectifyUser', 'createRecord', 'listAuditEntries', 'requestTermination', 'getDeletionCertificate'];
    expected.push('requestExport', 'createDsar', 'extendDsar', 'openBreach', 'listBreaches', 'acknowledgeBreachNotice');
    for (const id of expected) assert.ok(ids.includes(id), `${id} is documented`);
    const createUser = document.paths['/api/tenants/{tenantId}/users']!['post']!;
    const tenantIdSchema = { type: 'string', pattern: '^t-(uks|eu)-[a-z2-7]{20}$' };
    assert.deepEqual(createUser.parameters.find((p) => p.name === 'tenantId'), { name: 'tenantId', in: 'path', required: true, schema: tenantIdSchema });
    assert.deepEqual(createUser.requestBody!.content['application/json'].schema.required?.sort(), ['email', 'name']);
    assert.deepEqual(createUser.responses['201']!.content!['application/json']!.schema, { $ref: '#/components/schemas/User' });
    assert.deepEqual(createUser.responses['403']!.content!['application/problem+json']!.schema, { $ref: '#/components/schemas/Problem' });
    const rectify = document.paths['/api/tenants/{tenantId}/users/{userId}']!['patch']!;
    assert.ok(rectify.parameters.some((p) => p.name === 'If-Match' && p.in === 'header'));
    assert.ok(rectify.responses['412'] && rectify.responses['428'], 'a route that reads If-Match documents 412 and 428');
    const certificate = document.paths['/api/tenants/{tenantId}/deletion-certificate']!['get']!;
    const certificateAnswer = certificate.responses['200']!.content!;
    assert.deepEqual(certificateAnswer['application/json']!.schema, { $ref: '#/components/schemas/DeletionCertificate' }, 'JSON by default');
    assert.ok(certificateAnswer['application/pdf']?.schema, 'and the certificate as a PDF with Accept: application/pdf');

    // A route registered without `responses` (apiRoute's `success` form) is named here, so it gets its schemas.
    const withoutSchemas = operations.filter((o) => Object.values(o.responses).some((r) => r['x-response-schema-missing'] === true));
    assert.deepEqual(
      withoutSchemas.map((o) => `${o.operationId} (${o.method.toUpperCase()} ${o.path})`),
      [],
      'these routes declare no response schema: give apiRoute `responses: { <status>: <zod schema of the body> }`',
    );
    for (const operation of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(response.content ?? {})) {
          if (mediaType !== 'text/csv') assert.ok(media.schema !== undefined, `${operation.operationId} ${status} ${mediaType} has a schema`);
        }
      }
    }
  });

  test('every operation needs a token holding the permissions its route declares, except the declared public ones', () => {
    const publicOnes = operations.filter((o) => o.security.length === 0).map((o) => o.operationId);
    assert.deepEqual(publicOnes.sort(), [...PUBLIC_OPERATIONS].sort(), 'only these routes may be called without a token');
    for (const operation of operations) {
      if (PUBLIC_OPERATIONS.includes(operation.operationId)) {
        assert.ok(operation['x-public'], `${operation.operationId} says why it is public`);
        continue;
      }
      const permissions = operation['x-permissions'];
      assert.ok(permissions, `${operation.operationId} documents its permissions`);
      const needs = `${operation.operationId} needs a bearer token with one of ${permissions.anyOf.join(', ')}`;
      assert.deepEqual(operation.security, [{ bearer: permissions.anyOf }], needs);
      if (permissions.scope !== 'any-authenticated') assert.ok(permissions.anyOf.length > 0, `${operation.operationId} names the permissions it needs`);
    }
  });

  test('every operation documented as needing a token refuses a request without one', async () => {
    for (const operation of operations.filter((o) => o.security.length > 0)) {
      // The token is checked before the path is parsed, so any value in a path parameter will do.
      const path = operation.path.replace(/\{\w+\}/g, 'x');
      const response = await system.request(operation.method.toUpperCase(), path, {});
      assert.equal(response.status, 401, `${operation.operationId} (${operation.method.toUpperCase()} ${path}) without a token`);
    }
  });

  test('a TypeScript client generated from it type-checks, and a call that breaks its types does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-client-'));
    try {
      writeFileSync(join(dir, 'api.ts'), astToString(await openapiTS(structuredClone(document) as never)));
      const operationIds = operations.map((o) => o.operationId);
      writeFileSync(
        join(dir, 'portal.ts'),
        [
          "import type { components, operations, paths } from './api.js';",
          "type CreateUser = paths['/api/tenants/{tenantId}/users']['post'];",
          "export const body: CreateUser['requestBody']['content']['application/json'] = { name: 'Ada Lovelace', email: 'ada@example.com' };",
          "export const userIdOf = (created: CreateUser['responses'][201]['content']['application/json']): string => created.userId;",
          "export const codeOf = (refusal: CreateUser['responses'][403]['content']['application/problem+json']): string => refusal.code;",
          "export const dueOn = (dsar: components['schemas']['Dsar']): string => dsar.dueOn;",
          "export const phase = (termination: components['schemas']['Termination']): string => termination.phase;",
          // Every operation is in the client under its operationId.
          ...operationIds.map((id, i) => `export type Answers${i} = operations['${id}']['responses'];`),
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'broken.ts'),
        [
          "import type { paths } from './api.js';",
          "type CreateUser = paths['/api/tenants/{tenantId}/users']['post'];",
          "export const body: CreateUser['requestBody']['content']['application/json'] = { name: 'Ada Lovelace' };",
        ].join('\n'),
      );
      const diagnostics = (file: string): string[] => {
        const program = ts.createProgram([join(dir, file)], {
          strict: true,
          noEmit: true,
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          target: ts.ScriptTarget.ES2022,
          skipLibCheck: true,
          types: [],
        });
        return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      };
      assert.deepEqual(diagnostics('portal.ts'), []);
      const broken = diagnostics('broken.ts');
      assert.equal(broken.length, 1, broken.join('\n'));
      assert.match(broken[0]!, /Property 'email' is missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
