// Conformance of status queries with the extension: the durable client pages through every
// instance with the `x-ms-continuation-token` header. 10,000 instances are seeded straight into the
// task hub store before the host starts, so the test costs seconds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalSystem } from '../support/local-system.js';
import { TaskHubStore, type InstanceRecord, type RuntimeStatus } from '../../dev/host/durable/task-hub-store.js';
import { CONFORMANCE_HUB, MANAGEMENT, startConformanceHost } from './conformance-host.js';

const INSTANCES = 10_000;
const RUNNING = 25;

function seededInstance(n: number, createdTime: Date): InstanceRecord {
  const runtimeStatus: RuntimeStatus = n < RUNNING ? 'Running' : 'Completed';
  const at = new Date(createdTime.getTime() + n * 1000).toISOString();
  return {
    instanceId: `seeded-${n.toString().padStart(5, '0')}`,
    name: 'helloSequence',
    executionId: `e${n}`,
    runtimeStatus,
    input: null,
    output: runtimeStatus === 'Completed' ? JSON.stringify(['Hello Tokyo', 'Hello Seattle', 'Hello Cairo']) : null,
    customStatus: null,
    createdTime: at,
    lastUpdatedTime: at,
    history: [],
    inbox: [],
    armedTimers: [],
  };
}

describe('status queries over 10,000 instances', () => {
  let system: LocalSystem;
  const seededFrom = new Date('2026-01-05T00:00:00Z');
  before(async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'conformance-paging-'));
    const store = new TaskHubStore(stateDir, CONFORMANCE_HUB);
    for (let n = 0; n < INSTANCES; n++) store.save(seededInstance(n, seededFrom));
    system = await startConformanceHost(stateDir);
  });
  after(async () => {
    await system?.stop();
  });

  // Source: the client's getStatusAll/getStatusInternal (durable-functions 3.5.0) follows the
  // `x-ms-continuation-token` response header, sending it back as a request header, until there is
  // none; the extension's HttpApiHandler.HandleGetStatusRequestAsync reads and writes that header
  // (page size OrchestrationStatusQueryCondition.PageSize, 100 by default).
  test('client.getStatusAll() returns every instance, once', async () => {
    const all = await system.get<{ count: number; distinct: number }>('/api/client/instances');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, { count: INSTANCES, distinct: INSTANCES });
  });

  test('client.getStatusBy() pages through a filter too', async () => {
    const running = await system.post<string[]>('/api/client/query', { runtimeStatus: ['Running'] });
    assert.deepEqual(running.body, Array.from({ length: RUNNING }, (_, n) => `seeded-${n.toString().padStart(5, '0')}`));
    const window = await system.post<string[]>('/api/client/query', {
      createdTimeFrom: new Date(seededFrom.getTime() + 9_000_000).toISOString(),
      createdTimeTo: new Date(seededFrom.getTime() + 9_499_000).toISOString(),
    });
    assert.equal(window.body.length, 500);
  });

  test('the management API pages by `top` and the continuation header, in creation order, without repeats', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: { headers: Headers; body: { instanceId: string }[] } = await system.request<{ instanceId: string }[]>(
        'GET',
        `${MANAGEMENT}/instances?top=1500`,
        {
          headers: token ? { 'x-ms-continuation-token': token } : {},
        },
      );
      seen.push(...page.body.map((s) => s.instanceId));
      token = page.headers.get('x-ms-continuation-token');
      pages++;
    } while (token);
    assert.equal(pages, Math.ceil(INSTANCES / 1500));
    assert.equal(new Set(seen).size, INSTANCES);
    assert.deepEqual(seen.slice(0, 3), ['seeded-00000', 'seeded-00001', 'seeded-00002']);
    const unpaged = await system.get<unknown[]>(`${MANAGEMENT}/instances?continuationToken=anything`);
    assert.equal(unpaged.body.length, 100, 'a query parameter is not a continuation: the first page of 100 again');
  });
});
