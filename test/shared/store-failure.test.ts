// A store that does not answer (503, a refused connection, a request that times out) reaches the API
// as 503 STORE.UNAVAILABLE with Retry-After, through the real Cosmos SDK; a store that answers with a
// refusal of the request (404, 409, 412) is left for the caller to interpret.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CosmosClient } from '@azure/cosmos';
import { ServiceUnavailableError, ThrottledError } from '../../shared/errors.js';
import { problemResponse } from '../../shared/http/problem.js';
import { storeFailure } from '../../shared/store/store-failure.js';
import { TenantPartition } from '../../shared/store/tenant-partition.js';
import type { TenantId } from '../../shared/tenancy/tenant-id.js';

// The stand-in's well-known development key (any base64 key will do: nothing here authenticates).
const KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

function partitionAt(endpoint: string): { partition: TenantPartition; client: CosmosClient } {
  const client = new CosmosClient({ endpoint, key: KEY, connectionPolicy: { enableEndpointDiscovery: false, requestTimeout: 300 } });
  const container = client.database('privacy-ops').container('tenant-data');
  return { partition: new TenantPartition({ tenantId: 'uk-t1' as TenantId, region: 'uksouth' }, container), client };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function refusal(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  assert.fail('expected the call to fail');
}

function assertUnavailable(error: unknown, dependencyFailure: string): void {
  assert.ok(error instanceof ServiceUnavailableError, `got ${String(error)}`);
  assert.equal(error.code, 'STORE.UNAVAILABLE');
  assert.equal(error.dependencyFailure, dependencyFailure);
  const answer = problemResponse(error, 'req-1');
  assert.equal(answer.status, 503);
  const headers = answer.headers as Record<string, string>;
  assert.match(headers['content-type']!, /^application\/problem\+json/);
  assert.equal(headers['retry-after'], String(error.retryAfterSeconds));
  assert.ok(error.retryAfterSeconds > 0);
}

describe('the store not answering, through the real Cosmos SDK', () => {
  const servers: Server[] = [];
  const clients: CosmosClient[] = [];
  after(async () => {
    for (const client of clients) client.dispose();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function storeAnswering(handler: Parameters<typeof createServer>[1]): Promise<TenantPartition> {
    const server = createServer(handler!);
    servers.push(server);
    const { partition, client } = partitionAt(await listen(server));
    clients.push(client);
    return partition;
  }

  test('503 on a read, a query and a batch', async () => {
    const partition = await storeAnswering((req, res) => {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'ServiceUnavailable', message: 'down' }));
    });
    assertUnavailable(await refusal(partition.read('doc-1')), 'status 503');
    assertUnavailable(await refusal(partition.queryAll("c.type = 'record'")), 'status 503');
    assertUnavailable(await refusal(partition.count("c.type = 'record'")), 'status 503');
    const doc = { id: 'doc-1', tenantId: 'uk-t1', type: 'record' };
    assertUnavailable(await refusal(partition.commit([{ kind: 'create', doc }])), 'status 503');
  });

  test('a request that gets no answer in time', async () => {
    const partition = await storeAnswering((req) => {
      req.resume(); // and never answer
    });
    assertUnavailable(await refusal(partition.read('doc-1')), 'TimeoutError');
    assertUnavailable(await refusal(partition.commit([{ kind: 'create', doc: { id: 'doc-1', tenantId: 'uk-t1', type: 'record' } }])), 'TimeoutError');
  });

  test('a refused connection', async () => {
    const closed = createServer();
    const endpoint = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    const { partition, client } = partitionAt(endpoint);
    clients.push(client);
    assertUnavailable(await refusal(partition.read('doc-1')), 'ECONNREFUSED');
    assertUnavailable(await refusal(partition.commit([{ kind: 'create', doc: { id: 'doc-1', tenantId: 'uk-t1', type: 'record' } }])), 'ECONNREFUSED');
  });

  test('a batch the store refuses while it answers reads is no outage: the failure is passed on (a 500 to investigate)', async () => {
    const partition = await storeAnswering((req, res) => {
      req.resume();
      const status = req.method === 'POST' ? 400 : 404;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: status === 400 ? 'BadRequest' : 'NotFound', message: 'no' }));
    });
    const error = await refusal(partition.commit([{ kind: 'create', doc: { id: 'doc-1', tenantId: 'uk-t1', type: 'record' } }]));
    assert.ok(!(error instanceof ServiceUnavailableError) && !(error instanceof ThrottledError), `got ${String(error)}`);
    assert.equal(problemResponse(error, 'req-1').status, 500);
  });
});

describe('storeFailure', () => {
  test('429 is the store being busy; a refusal of the request itself is passed on unchanged', () => {
    const throttled = storeFailure({ statusCode: 429 });
    assert.ok(throttled instanceof ThrottledError);
    assert.equal(throttled.code, 'STORE.THROTTLED');
    for (const status of [404, 409, 412, 413]) {
      const error = Object.assign(new Error('refused'), { code: status });
      assert.equal(storeFailure(error), error, `status ${status}`);
    }
    const bug = new TypeError('x is undefined');
    assert.equal(storeFailure(bug), bug);
  });

  test('a gateway error or a network failure named by the HTTP pipeline (also as the cause) is unavailability', () => {
    assert.equal((storeFailure({ statusCode: 502 }) as ServiceUnavailableError).dependencyFailure, 'status 502');
    assert.equal((storeFailure({ code: 'ECONNRESET' }) as ServiceUnavailableError).dependencyFailure, 'ECONNRESET');
    const wrapped = Object.assign(new Error('send failed'), { code: 'REQUEST_SEND_ERROR', cause: { code: 'ECONNREFUSED' } });
    assert.equal((storeFailure(wrapped) as ServiceUnavailableError).dependencyFailure, 'REQUEST_SEND_ERROR');
  });
});
