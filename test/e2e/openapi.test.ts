// The OpenAPI document is generated from the schemas the routes validate with.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';

interface Operation {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; required: boolean }[];
  requestBody?: { content: { 'application/json': { schema: { required?: string[]; properties: Record<string, unknown> } } } };
}

describe('OpenAPI document', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('describes the API routes with their parameters and body schemas, all behind a bearer token', async () => {
    const response = await system.get<{ openapi: string; paths: Record<string, Record<string, Operation>> }>('/api/openapi.json');
    assert.equal(response.status, 200);
    assert.equal(response.body.openapi, '3.1.0');
    const operations = Object.values(response.body.paths).flatMap((methods) => Object.values(methods));
    const ids = operations.map((o) => o.operationId);
    for (const id of ['provisionTenant', 'createUser', 'rectifyUser', 'createRecord', 'listAuditEntries', 'requestTermination', 'getDeletionCertificate', 'requestExport', 'createDsar', 'extendDsar', 'openBreach', 'listBreaches', 'acknowledgeBreachNotice']) {
      assert.ok(ids.includes(id), `${id} is documented`);
    }
    for (const operation of operations) assert.deepEqual(operation.security, [{ bearer: [] }], `${operation.operationId} needs a token`);
    const createUser = response.body.paths['/api/tenants/{tenantId}/users']!['post']!;
    assert.deepEqual(createUser.parameters.find((p) => p.name === 'tenantId'), { name: 'tenantId', in: 'path', required: true, schema: { type: 'string', pattern: '^t-(uks|eu)-[a-z2-7]{20}$' } });
    assert.deepEqual(createUser.requestBody!.content['application/json'].schema.required?.sort(), ['email', 'name']);
    const rectify = response.body.paths['/api/tenants/{tenantId}/users/{userId}']!['patch']!;
    assert.ok(rectify.parameters.some((p) => p.name === 'If-Match' && p.in === 'header'));
  });
});
