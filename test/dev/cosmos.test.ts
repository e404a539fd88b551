// The Cosmos DB stand-in driven by the real @azure/cosmos client: item semantics and status codes,
// partition scoping, TTL, paging, batch, and a 100k-item container. Query results are also checked
// against the unmodified @vercel/cosmosdb-server for every query shape it supports.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import {
  CosmosClient,
  ErrorResponse,
  type Container,
  type ContainerDefinition,
  type Database,
  type FeedOptions,
  type ItemDefinition,
  type SqlQuerySpec,
} from '@azure/cosmos';
import vercelCosmos from '@vercel/cosmosdb-server';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';
import { seedItems } from '../../dev/standins/cosmos/seed.js';
import { compileSql, partitionFromWhere } from '../../dev/standins/cosmos/query-engine.js';

interface Item extends ItemDefinition {
  id: string;
  tenantId: string;
  n?: number;
  kind?: string;
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    const res = (await promise) as { statusCode?: number };
    return res.statusCode ?? 0;
  } catch (err) {
    if (err instanceof ErrorResponse && typeof err.code === 'number') return err.code;
    throw err;
  }
}

/** Runs `fn` with the process clock `ms` ahead; the stand-in is in-process, so it sees the same clock. */
async function withClockAhead<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow.call(Date) + ms;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

async function pageAll<T>(container: Container, query: string | SqlQuerySpec, options: FeedOptions): Promise<{ items: T[]; pages: number }> {
  const iterator = container.items.query<T>(query, options);
  const items: T[] = [];
  let pages = 0;
  while (iterator.hasMoreResults()) {
    const page = await iterator.fetchNext();
    items.push(...page.resources);
    pages += 1;
  }
  return { items, pages };
}

const byTenant = (tenantId: string): SqlQuerySpec => ({
  query: 'SELECT * FROM c WHERE c.tenantId = @t',
  parameters: [{ name: '@t', value: tenantId }],
});

describe('cosmos stand-in', () => {
  let standIn: CosmosStandIn;
  let client: CosmosClient;
  let database: Database;
  let containerCount = 0;

  async function newContainer(definition: Partial<ContainerDefinition> = {}): Promise<Container> {
    containerCount += 1;
    const { container } = await database.containers.create({
      id: `c${containerCount}`,
      partitionKey: { paths: ['/tenantId'] },
      ...definition,
    });
    return container;
  }

  before(async () => {
    standIn = await startCosmos({ region: 'westeurope' });
    client = new CosmosClient(standInClientOptions(standIn));
    ({ database } = await client.databases.createIfNotExists({ id: 'privacy' }));
  });
  after(async () => {
    client.dispose();
    await standIn.close();
  });

  test('serves plain HTTP on loopback with the emulator key', () => {
    assert.match(standIn.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(standIn.key.length, 88);
  });

  test('a client with only endpoint and key (endpoint discovery on) works', async () => {
    const plain = new CosmosClient({ endpoint: standIn.endpoint, key: standIn.key });
    try {
      const { resource } = await plain.database('privacy').read();
      assert.equal(resource?.id, 'privacy');
    } finally {
      plain.dispose();
    }
  });

  test('create, read, replace, upsert and delete answer 201/200/200/201/204, missing items 404', async () => {
    const c = await newContainer();
    const created = await c.items.create<Item>({ id: 'a', tenantId: 't1', n: 1 });
    assert.equal(created.statusCode, 201);
    const read = await c.item('a', 't1').read<Item>();
    assert.equal(read.statusCode, 200);
    assert.equal(read.resource?.n, 1);
    const replaced = await c.item('a', 't1').replace<Item>({ id: 'a', tenantId: 't1', n: 2 });
    assert.equal(replaced.statusCode, 200);
    assert.equal(replaced.resource?.n, 2);
    assert.equal((await c.items.upsert<Item>({ id: 'b', tenantId: 't1' })).statusCode, 201);
    assert.equal((await c.items.upsert<Item>({ id: 'b', tenantId: 't1', n: 3 })).statusCode, 200);
    assert.equal((await c.item('a', 't1').delete()).statusCode, 204);
    assert.equal(await statusOf(c.item('a', 't1').read()), 404);
    assert.equal(await statusOf(c.item('a', 't1').delete()), 404);
    assert.equal(await statusOf(c.item('a', 't1').replace({ id: 'a', tenantId: 't1' })), 404);
  });

  test('a duplicate id is 409 in the same partition and allowed in another one', async () => {
    const c = await newContainer();
    await c.items.create<Item>({ id: 'same', tenantId: 't1' });
    assert.equal(await statusOf(c.items.create<Item>({ id: 'same', tenantId: 't1' })), 409);
    assert.equal(await statusOf(c.items.create<Item>({ id: 'same', tenantId: 't2' })), 201);
    assert.equal((await c.item('same', 't2').read<Item>()).resource?.tenantId, 't2');
  });

  test('IfMatch with a stale etag is 412 for replace, patch and delete; the current etag succeeds', async () => {
    const c = await newContainer();
    const { resource: first } = await c.items.create<Item>({ id: 'a', tenantId: 't1', n: 1 });
    const { resource: second } = await c.item('a', 't1').replace<Item>({ id: 'a', tenantId: 't1', n: 2 });
    assert.ok(first?._etag && second?._etag && first._etag !== second._etag);
    const stale = { accessCondition: { type: 'IfMatch', condition: first._etag } };
    assert.equal(await statusOf(c.item('a', 't1').replace({ id: 'a', tenantId: 't1', n: 3 }, stale)), 412);
    assert.equal(await statusOf(c.item('a', 't1').patch([{ op: 'set', path: '/n', value: 3 }], stale)), 412);
    assert.equal(await statusOf(c.item('a', 't1').delete(stale)), 412);
    const current = { accessCondition: { type: 'IfMatch', condition: second._etag } };
    assert.equal(await statusOf(c.item('a', 't1').replace({ id: 'a', tenantId: 't1', n: 3 }, current)), 200);
  });

  test('a query with the partitionKey option returns only that partition', async () => {
    const c = await newContainer();
    for (let i = 0; i < 30; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: `t${i % 3}`, n: i });
    const { resources } = await c.items.query<Item>('SELECT * FROM c', { partitionKey: 't1' }).fetchAll();
    assert.equal(resources.length, 10);
    assert.ok(resources.every((r) => r.tenantId === 't1'));
    const { resources: filtered } = await c.items
      .query<Item>({ query: 'SELECT * FROM c WHERE c.n >= @n', parameters: [{ name: '@n', value: 20 }] }, { partitionKey: 't2' })
      .fetchAll();
    assert.deepEqual(filtered.map((r) => r.n).sort((a, b) => (a ?? 0) - (b ?? 0)), [20, 23, 26, 29]);
    const { resources: count } = await c.items.query<number>('SELECT VALUE COUNT(1) FROM c', { partitionKey: 't0' }).fetchAll();
    assert.deepEqual(count, [10]);
    const { resources: none } = await c.items.query<Item>(byTenant('t1'), { partitionKey: 't2' }).fetchAll();
    assert.deepEqual(none, []);
  });

  test('continuation paging returns every item exactly once, in order, for several shapes and page sizes', async () => {
    const c = await newContainer();
    const items = Array.from({ length: 250 }, (_, i): Item => ({ id: `i${i}`, tenantId: `t${i % 2}`, n: (i * 37) % 250 }));
    await seedItems(c, items, (i) => i.tenantId);
    for (const maxItemCount of [1, 7, 100]) {
      const plain = await pageAll<Item>(c, byTenant('t0'), { maxItemCount });
      assert.equal(plain.items.length, 125);
      assert.equal(new Set(plain.items.map((i) => i.id)).size, 125);
      assert.equal(plain.pages, Math.ceil(125 / maxItemCount));
      const ordered = await pageAll<Item>(
        c,
        { query: 'SELECT * FROM c WHERE c.tenantId = @t ORDER BY c.n DESC', parameters: [{ name: '@t', value: 't1' }] },
        { maxItemCount },
      );
      const ns = ordered.items.map((i) => i.n ?? -1);
      assert.deepEqual(ns, [...ns].sort((a, b) => b - a));
      assert.equal(new Set(ordered.items.map((i) => i.id)).size, 125);
    }
    const top = await pageAll<Item>(c, 'SELECT TOP 12 * FROM c WHERE c.tenantId = "t0" ORDER BY c.n', { maxItemCount: 5 });
    assert.equal(top.items.length, 12);
    assert.equal(top.pages, 3);
  });

  test('a continuation token handed to a new iterator resumes where the first one stopped', async () => {
    const c = await newContainer();
    for (let i = 0; i < 20; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: 't1', n: i });
    const query = 'SELECT * FROM c WHERE c.tenantId = "t1" ORDER BY c.n';
    const first = await c.items.query<Item>(query, { maxItemCount: 8 }).fetchNext();
    assert.ok(first.continuationToken);
    const rest = await pageAll<Item>(c, query, { maxItemCount: 8, continuationToken: first.continuationToken });
    assert.deepEqual([...first.resources, ...rest.items].map((i) => i.n), [...Array(20).keys()]);
  });

  test('deleting items while paging skips nothing and repeats nothing', async () => {
    const c = await newContainer();
    for (let i = 0; i < 45; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: 't1' });
    const iterator = c.items.query<Item>(byTenant('t1'), { maxItemCount: 10 });
    const seen: string[] = [];
    while (iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      for (const r of resources) {
        seen.push(r.id);
        await c.item(r.id, 't1').delete();
      }
    }
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
  });

  test('items inserted while paging do not make existing items repeat or go missing', async () => {
    const c = await newContainer();
    for (let i = 0; i < 40; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: 't1', n: i % 13 });
    for (const query of [
      'SELECT * FROM c WHERE c.tenantId = "t1"',
      'SELECT * FROM c WHERE c.tenantId = "t1" ORDER BY c.n',
      'SELECT * FROM c WHERE c.tenantId = "t1" ORDER BY c.n DESC',
    ]) {
      const iterator = c.items.query<Item>(query, { maxItemCount: 6 });
      const seen: string[] = [];
      let added = 0;
      while (iterator.hasMoreResults()) {
        const { resources } = await iterator.fetchNext();
        seen.push(...resources.map((r) => r.id));
        // A write to the partition invalidates the cached result: the next page is found from the token.
        added += 1;
        await c.items.create<Item>({ id: `new-${query.length}-${added}`, tenantId: 't1', n: 6 });
      }
      const original = seen.filter((id) => !id.startsWith('new-'));
      assert.equal(original.length, 40, query);
      assert.equal(new Set(seen).size, seen.length, query);
      if (query.includes('ORDER BY c.n')) {
        const ns = (await Promise.all(seen.map((id) => c.item(id, 't1').read<Item>()))).map((r) => r.resource?.n ?? -1);
        const desc = query.endsWith('DESC');
        assert.deepEqual(ns, [...ns].sort((a, b) => (desc ? b - a : a - b)), query);
      }
    }
  });

  describe('time to live', () => {
    test('items expire after the container defaultTtl and are gone for reads, queries and counts', async () => {
      const c = await newContainer({ defaultTtl: 60 });
      await c.items.create<Item>({ id: 'short', tenantId: 't1' });
      await c.items.create<Item>({ id: 'forever', tenantId: 't1', ttl: -1 });
      await c.items.create<Item>({ id: 'long', tenantId: 't1', ttl: 3600 });
      await withClockAhead(59_000, async () => {
        assert.equal(await statusOf(c.item('short', 't1').read()), 200);
      });
      await withClockAhead(61_000, async () => {
        assert.equal(await statusOf(c.item('short', 't1').read()), 404);
        const { resources } = await c.items.query<Item>(byTenant('t1')).fetchAll();
        assert.deepEqual(resources.map((r) => r.id).sort(), ['forever', 'long']);
        const { resources: count } = await c.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
        assert.deepEqual(count, [2]);
      });
      // Gone for good: moving the clock back does not bring it back, and the id is free again.
      assert.equal(await statusOf(c.item('short', 't1').read()), 404);
      assert.equal(await statusOf(c.items.create<Item>({ id: 'short', tenantId: 't1' })), 201);
      await withClockAhead(3_601_000, async () => {
        const { resources } = await c.items.query<Item>('SELECT * FROM c', { partitionKey: 't1' }).fetchAll();
        assert.deepEqual(resources.map((r) => r.id), ['forever']);
      });
    });

    test('with defaultTtl -1 only items with their own ttl expire; expired items leave the pages of a running query', async () => {
      const c = await newContainer({ defaultTtl: -1 });
      for (let i = 0; i < 10; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: 't1', n: i, ...(i % 2 ? { ttl: 5 } : {}) });
      const iterator = c.items.query<Item>('SELECT * FROM c WHERE c.tenantId = "t1" ORDER BY c.n', { maxItemCount: 3 });
      const first = await iterator.fetchNext();
      assert.deepEqual(first.resources.map((r) => r.n), [0, 1, 2]);
      await withClockAhead(6_000, async () => {
        const rest: number[] = [];
        while (iterator.hasMoreResults()) rest.push(...(await iterator.fetchNext()).resources.map((r) => r.n ?? -1));
        assert.deepEqual(rest, [4, 6, 8]);
      });
    });

    test('without defaultTtl an item ttl has no effect, as in Cosmos', async () => {
      const c = await newContainer();
      await c.items.create<Item>({ id: 'a', tenantId: 't1', ttl: 1 });
      await withClockAhead(10_000, async () => {
        assert.equal(await statusOf(c.item('a', 't1').read()), 200);
      });
    });

    test('a ttl of 0, null or a fraction is rejected with 400, as is defaultTtl 0', async () => {
      const c = await newContainer({ defaultTtl: -1 });
      for (const ttl of [0, null, 1.5, -2, '5']) {
        const invalid = { id: `x${String(ttl)}`, tenantId: 't1', ttl } as unknown as ItemDefinition;
        assert.equal(await statusOf(c.items.create(invalid)), 400, `ttl ${String(ttl)}`);
      }
      assert.equal(await statusOf(database.containers.create({ id: 'bad-ttl', partitionKey: { paths: ['/tenantId'] }, defaultTtl: 0 })), 400);
    });

    test('replacing the container to turn TTL on keeps its items and applies the new defaultTtl', async () => {
      const c = await newContainer();
      await c.items.create<Item>({ id: 'a', tenantId: 't1' });
      const { resource: definition } = await c.read();
      assert.ok(definition);
      await c.replace({ id: definition.id, partitionKey: definition.partitionKey, defaultTtl: 30 });
      assert.equal(await statusOf(c.item('a', 't1').read()), 200);
      await withClockAhead(31_000, async () => {
        assert.equal(await statusOf(c.item('a', 't1').read()), 404);
      });
    });
  });

  describe('batch and partition operations', () => {
    test('a transactional batch applies all operations, patch included', async () => {
      const c = await newContainer();
      await c.items.create<Item>({ id: 'a', tenantId: 't1', n: 1 });
      const response = await c.items.batch(
        [
          { operationType: 'Create', resourceBody: { id: 'b', tenantId: 't1' } },
          { operationType: 'Patch', id: 'a', resourceBody: { operations: [{ op: 'incr', path: '/n', value: 1 }] } },
          { operationType: 'Read', id: 'a' },
          { operationType: 'Delete', id: 'b' },
        ],
        't1',
      );
      assert.equal(response.code, 200);
      assert.deepEqual(response.result?.map((r) => r.statusCode), [201, 200, 200, 204]);
      assert.equal((await c.item('a', 't1').read<Item>()).resource?.n, 2);
    });

    test('a failing transactional batch changes nothing: 207, the failed operation keeps its status, the rest 424', async () => {
      const c = await newContainer();
      await c.items.create<Item>({ id: 'a', tenantId: 't1', n: 1 });
      const response = await c.items.batch(
        [
          { operationType: 'Create', resourceBody: { id: 'new', tenantId: 't1' } },
          { operationType: 'Replace', id: 'a', resourceBody: { id: 'a', tenantId: 't1', n: 99 } },
          { operationType: 'Create', resourceBody: { id: 'a', tenantId: 't1' } },
        ],
        't1',
      );
      assert.equal(response.code, 207);
      assert.deepEqual(response.result?.map((r) => r.statusCode), [424, 424, 409]);
      assert.equal(await statusOf(c.item('new', 't1').read()), 404);
      assert.equal((await c.item('a', 't1').read<Item>()).resource?.n, 1);
    });

    test('deleteAllItemsForPartitionKey removes that partition only', async () => {
      const c = await newContainer();
      for (let i = 0; i < 12; i += 1) await c.items.create<Item>({ id: `i${i}`, tenantId: `t${i % 2}` });
      await c.deleteAllItemsForPartitionKey('t0');
      const { resources } = await c.items.query<Item>('SELECT * FROM c').fetchAll();
      assert.equal(resources.length, 6);
      assert.ok(resources.every((r) => r.tenantId === 't1'));
    });

    test('a conditional patch evaluates its condition on the item, case-sensitively', async () => {
      const c = await newContainer();
      await c.items.create<Item>({ id: 'a', tenantId: 't1', kind: 'Open' });
      const ops = [{ op: 'set' as const, path: '/kind', value: 'Closed' }];
      assert.equal(await statusOf(c.item('a', 't1').patch({ condition: 'from c where c.kind = "open"', operations: ops })), 412);
      assert.equal(await statusOf(c.item('a', 't1').patch({ condition: 'from c where c.kind = "Open"', operations: ops })), 200);
      assert.equal((await c.item('a', 't1').read<Item>()).resource?.kind, 'Closed');
    });

    test('items of a container that does not exist are 404', async () => {
      const missing = database.container('nope');
      assert.equal(await statusOf(missing.item('a', 't1').read()), 404);
      assert.equal(await statusOf(missing.items.create({ id: 'a', tenantId: 't1' })), 404);
    });
  });

  test('a container of 100k items: a 10k partition pages completely, counts, and filters by equality', async () => {
    const c = await newContainer();
    const tenants = 10;
    const total = 100_000;
    const kinds = ['dsar', 'export', 'breach'] as const;
    const items = Array.from({ length: total }, (_, i): Item => ({ id: `item-${i}`, tenantId: `tenant-${i % tenants}`, n: i, kind: kinds[i % 3] }));
    await seedItems(c, items, (i) => i.tenantId);

    const plain = await pageAll<Item>(c, byTenant('tenant-3'), { maxItemCount: 100 });
    assert.equal(plain.items.length, 10_000);
    assert.equal(new Set(plain.items.map((i) => i.id)).size, 10_000);
    assert.ok(plain.items.every((i) => i.tenantId === 'tenant-3'));

    const byTs = await pageAll<Item>(c, { ...byTenant('tenant-4'), query: `${byTenant('tenant-4').query} ORDER BY c._ts` }, { maxItemCount: 500 });
    assert.equal(new Set(byTs.items.map((i) => i.id)).size, 10_000);

    const byField = await pageAll<Item>(c, { ...byTenant('tenant-5'), query: `${byTenant('tenant-5').query} ORDER BY c.n DESC` }, {
      partitionKey: 'tenant-5',
      maxItemCount: 1000,
    });
    const ns = byField.items.map((i) => i.n ?? -1);
    assert.equal(ns.length, 10_000);
    assert.deepEqual(ns, [...ns].sort((a, b) => b - a));

    const top = await pageAll<Item>(c, { ...byTenant('tenant-6'), query: 'SELECT TOP 250 * FROM c WHERE c.tenantId = @t ORDER BY c.n' }, { maxItemCount: 100 });
    assert.deepEqual(top.items.map((i) => i.n), Array.from({ length: 250 }, (_, k) => 6 + k * 10));

    const { resources: count } = await c.items
      .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 'tenant-7' }] })
      .fetchAll();
    assert.deepEqual(count, [10_000]);

    const { resources: filtered } = await c.items
      .query<Item>({
        query: 'SELECT * FROM c WHERE c.tenantId = @t AND c.kind = @k AND c.n >= @min',
        parameters: [
          { name: '@t', value: 'tenant-8' },
          { name: '@k', value: 'export' },
          { name: '@min', value: 90_000 },
        ],
      })
      .fetchAll();
    const expected = Array.from({ length: total }, (_, i) => i).filter((i) => i % tenants === 8 && i % 3 === 1 && i >= 90_000);
    assert.deepEqual(filtered.map((i) => i.n).sort((a, b) => (a ?? 0) - (b ?? 0)), expected);
    assert.ok(filtered.every((i) => i.tenantId === 'tenant-8' && i.kind === 'export' && (i.n ?? 0) >= 90_000));

    assert.equal((await c.item('item-42', 'tenant-2').read<Item>()).resource?.n, 42);
    assert.equal((await c.items.create<Item>({ id: 'extra', tenantId: 'tenant-3' })).statusCode, 201);
    assert.equal((await c.item('item-13', 'tenant-3').delete()).statusCode, 204);
    const { resources: after } = await c.items
      .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 'tenant-3' }] })
      .fetchAll();
    assert.deepEqual(after, [10_000]);
  });
});

describe('cosmos stand-in partition scope from the WHERE clause', () => {
  const scope = (sql: string, parameters: SqlQuerySpec['parameters'] = [], path = ['tenantId']): unknown =>
    partitionFromWhere(compileSql(sql).ast, path, parameters?.map((p) => ({ name: p.name, value: p.value })))?.value;

  test('an equality on the partition key path at top level pins the partition', () => {
    assert.equal(scope('SELECT * FROM c WHERE c.tenantId = @t', [{ name: '@t', value: 't1' }]), 't1');
    assert.equal(scope("SELECT * FROM c WHERE c.kind = 'a' AND (c.n > 1 AND 't2' = c.tenantId)"), 't2');
    assert.equal(scope('SELECT * FROM root r WHERE r["tenantId"] = 7 ORDER BY r._ts'), 7);
    assert.equal(scope('SELECT VALUE c FROM c JOIN t IN c.tags WHERE c.tenantId = null'), null);
    assert.equal(scope('SELECT * FROM c WHERE c.owner.tenant = "x"', [], ['owner', 'tenant']), 'x');
  });

  test('anything that could match other partitions scans the container', () => {
    assert.equal(scope("SELECT * FROM c WHERE c.tenantId = 't1' OR c.n = 1"), undefined);
    assert.equal(scope('SELECT * FROM c WHERE c.tenantId != "t1"'), undefined);
    assert.equal(scope('SELECT * FROM c WHERE c.tenantId = @missing'), undefined);
    assert.equal(scope('SELECT * FROM c IN c.children WHERE c.tenantId = "t1"'), undefined);
    assert.equal(scope('SELECT * FROM c WHERE c.other.tenantId = "t1"'), undefined);
    assert.equal(scope('SELECT * FROM c WHERE c.tenantId = ["t1"]'), undefined);
  });
});

describe('cosmos stand-in query results match the unmodified @vercel/cosmosdb-server', () => {
  const QUERIES: SqlQuerySpec[] = [
    { query: 'SELECT * FROM c' },
    { query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 't1' }] },
    { query: 'SELECT c.id, c.n FROM c WHERE c.n > 10 ORDER BY c.n DESC' },
    { query: "SELECT VALUE c.id FROM c WHERE c.tenantId = 't2' AND c.kind = 'a'" },
    { query: 'SELECT TOP 5 * FROM c ORDER BY c.name' },
    { query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 't0' }] },
    { query: 'SELECT VALUE SUM(c.n) FROM c' },
    { query: 'SELECT VALUE MAX(c.n) FROM c WHERE c.tenantId = "t1"' },
    { query: 'SELECT VALUE AVG(c.n) FROM c' },
    { query: "SELECT * FROM c WHERE ARRAY_CONTAINS(c.tags, 'red')" },
    { query: "SELECT * FROM c WHERE STARTSWITH(c.name, 'item-1')" },
    { query: "SELECT c.id, t AS tag FROM c JOIN t IN c.tags WHERE c.tenantId = 't2'" },
    { query: "SELECT * FROM c WHERE c.tenantId IN ('t1', 't3') ORDER BY c.n" },
    { query: 'SELECT * FROM c WHERE IS_DEFINED(c.optional)' },
    { query: 'SELECT * FROM c WHERE c.nested.level = 2' },
    { query: "SELECT * FROM c WHERE EXISTS(SELECT VALUE t FROM t IN c.tags WHERE t = 'blue')" },
    { query: "SELECT * FROM root r WHERE r.tenantId = 't1' ORDER BY r.n" },
    { query: "SELECT * FROM c WHERE c.tenantId = 't1' OR c.n < 5" },
    { query: 'SELECT * FROM c ORDER BY c.kind ASC, c.n DESC' },
    { query: 'SELECT c.tenantId, c.n * 2 AS twice FROM c WHERE c.n % 7 = 0' },
    { query: "SELECT * FROM c WHERE c.tenantId = 't1' AND c.tenantId = 't2'" },
    { query: 'SELECT * FROM c WHERE c.tenantId = @missing', parameters: [] },
    { query: 'SELECT VALUE c.nested FROM c WHERE c.tenantId = "t3" AND c.nested.level >= 1' },
  ];

  const DEFINITION: ContainerDefinition = {
    id: 'items',
    partitionKey: { paths: ['/tenantId'] },
    indexingPolicy: {
      compositeIndexes: [
        [
          { path: '/kind', order: 'ascending' },
          { path: '/n', order: 'descending' },
        ],
      ],
    },
  };

  const docs = Array.from({ length: 60 }, (_, i) => ({
    id: `item-${i}`,
    tenantId: `t${i % 4}`,
    n: (i * 13) % 41,
    name: `item-${(i * 7) % 60}`,
    kind: ['a', 'b', 'c'][i % 3],
    tags: [['red'], ['blue', 'red'], [], ['green', 'blue']][i % 4],
    ...(i % 5 === 0 ? { optional: i } : {}),
    nested: { level: i % 3, label: `l${i}` },
  }));

  let standIn: CosmosStandIn;
  let original: ReturnType<typeof vercelCosmos.createHttpServer>;
  let ours: Container;
  let theirs: Container;
  const clients: CosmosClient[] = [];

  async function load(endpoint: string, key: string): Promise<Container> {
    const client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
    clients.push(client);
    const { database } = await client.databases.createIfNotExists({ id: 'db' });
    const { container } = await database.containers.createIfNotExists(DEFINITION);
    for (const doc of docs) await container.items.create(doc);
    return container;
  }

  before(async () => {
    standIn = await startCosmos({ region: 'westeurope' });
    original = vercelCosmos.createHttpServer({ keepAlive: true } as Parameters<typeof vercelCosmos.createHttpServer>[0]);
    await new Promise<void>((resolve) => original.listen(0, '127.0.0.1', resolve));
    const { port } = original.address() as AddressInfo;
    ours = await load(standIn.endpoint, standIn.key);
    theirs = await load(`http://127.0.0.1:${port}`, standIn.key);
  });
  after(async () => {
    for (const c of clients) c.dispose();
    await standIn.close();
    original.closeAllConnections();
    await new Promise((resolve) => original.close(resolve));
  });

  // _etag is random and _ts may straddle a second between the two loads; everything else must match.
  const comparable = (values: unknown[]): unknown[] =>
    values.map((v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const { _etag, _ts, ...rest } = v as Record<string, unknown>;
      return rest;
    });

  test('every query shape compiles to the linear form (no accumulator copies)', () => {
    for (const { query } of QUERIES) assert.equal(compileSql(query).linear, true, query);
  });

  for (const spec of QUERIES) {
    test(spec.query, async () => {
      for (const options of [{}, { maxItemCount: 7 }] as FeedOptions[]) {
        const expected = await pageAll<unknown>(theirs, spec, options);
        const actual = await pageAll<unknown>(ours, spec, options);
        assert.deepEqual(comparable(actual.items), comparable(expected.items), JSON.stringify(options));
        assert.equal(actual.pages, expected.pages);
      }
    });
  }
});
