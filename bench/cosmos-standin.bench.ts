// Cosmos stand-in: does container size still cost anything when a query is scoped to one partition?
// Pages a 10k-item partition inside a 100k-item container and the same 10k items alone, in the same
// run, and reports the ratio (1.0 = size-independent). Also reports how many times faster than the
// unmodified @vercel/cosmosdb-server the stand-in pages, on a size the unmodified server can finish (a
// 1k partition of a 10k container; at 100k one page takes about a minute there).
//
// Durations use performance.now(): a monotonic timer, unaffected by the virtual clock the local host
// may install over Date.
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { CosmosClient, type Container, type SqlQuerySpec } from '@azure/cosmos';
import vercelCosmos from '@vercel/cosmosdb-server';
import { startCosmos, standInClientOptions, COSMOS_EMULATOR_KEY } from '../dev/standins/cosmos.js';
import { seedItems } from '../dev/standins/cosmos/seed.js';

interface Item {
  id: string;
  tenantId: string;
  n: number;
  kind: string;
}

const TENANTS = 10;
const KINDS = ['dsar', 'export', 'breach'];

function items(total: number, onlyTenant?: string): Item[] {
  const out: Item[] = [];
  for (let i = 0; i < total; i += 1) {
    const tenantId = `tenant-${i % TENANTS}`;
    if (onlyTenant === undefined || tenantId === onlyTenant) out.push({ id: `item-${i}`, tenantId, n: i, kind: KINDS[i % 3] ?? 'dsar' });
  }
  return out;
}

const byTenant = (tenantId: string, suffix = ''): SqlQuerySpec => ({
  query: `SELECT * FROM c WHERE c.tenantId = @t${suffix}`,
  parameters: [{ name: '@t', value: tenantId }],
});

/** Milliseconds to page through `query` with `maxItemCount`; throws if the count is not `expected`. */
async function timePaging(container: Container, query: SqlQuerySpec, expected: number, maxItemCount = 100): Promise<number> {
  const start = performance.now();
  const iterator = container.items.query(query, { maxItemCount });
  let count = 0;
  while (iterator.hasMoreResults()) count += (await iterator.fetchNext()).resources.length;
  const elapsed = performance.now() - start;
  if (count !== expected) throw new Error(`paged ${count} items, expected ${expected}`);
  return elapsed;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function medianOf(times: number, fn: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) samples.push(await fn());
  return median(samples);
}

/** Median times of `a` and `b`, after one warm-up each, sampled alternately so drift hits both. */
async function compare(times: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[number, number]> {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < times; i += 1) {
    as.push(await a());
    bs.push(await b());
  }
  return [median(as), median(bs)];
}

async function container(client: CosmosClient, id: string): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: 'bench' });
  const { container: c } = await database.containers.createIfNotExists({ id, partitionKey: { paths: ['/tenantId'] } });
  return c;
}

const round = (n: number): number => Math.round(n * 100) / 100;

export async function run(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  const standIn = await startCosmos({ region: 'westeurope' });
  const client = new CosmosClient(standInClientOptions(standIn));
  try {
    const big = await container(client, 'all-tenants');
    await seedItems(big, items(100_000), (i) => i.tenantId);
    const alone = await container(client, 'one-tenant');
    await seedItems(alone, items(100_000, 'tenant-3'), (i) => i.tenantId);

    const [inBig, inAlone] = await compare(
      5,
      () => timePaging(big, byTenant('tenant-3'), 10_000),
      () => timePaging(alone, byTenant('tenant-3'), 10_000),
    );
    results.page_10k_partition_ratio_100k_container_vs_alone = round(inBig / inAlone);

    const ordered = byTenant('tenant-3', ' ORDER BY c.n DESC');
    const [orderedBig, orderedAlone] = await compare(
      5,
      () => timePaging(big, ordered, 10_000),
      () => timePaging(alone, ordered, 10_000),
    );
    results.page_10k_partition_order_by_ratio_100k_container_vs_alone = round(orderedBig / orderedAlone);

    const count: SqlQuerySpec = { ...byTenant('tenant-3'), query: 'SELECT VALUE COUNT(1) FROM c WHERE c.tenantId = @t' };
    const timeCount = async (c: Container): Promise<number> => {
      const start = performance.now();
      const { resources } = await c.items.query<number>(count).fetchAll();
      if (resources[0] !== 10_000) throw new Error(`counted ${String(resources[0])}, expected 10000`);
      return performance.now() - start;
    };
    const [countBig, countAlone] = await compare(9, () => timeCount(big), () => timeCount(alone));
    results.count_10k_partition_ratio_100k_container_vs_alone = round(countBig / countAlone);

    // Same workload against both servers, at a size the unmodified one can finish.
    const small = await container(client, 'small');
    await seedItems(small, items(10_000), (i) => i.tenantId);
    const standInSmall = await medianOf(3, () => timePaging(small, byTenant('tenant-3'), 1_000));
    const unpatchedSmall = await timeUnpatched(async (c) => {
      await seedItems(c, items(10_000), (i) => i.tenantId);
      return timePaging(c, byTenant('tenant-3'), 1_000);
    });
    results.page_1k_partition_of_10k_container_unmodified_server_vs_stand_in = round(unpatchedSmall / standInSmall);
  } finally {
    client.dispose();
    await standIn.close();
  }
  return results;
}

async function timeUnpatched(measure: (c: Container) => Promise<number>): Promise<number> {
  const server = vercelCosmos.createHttpServer({ keepAlive: true } as Parameters<typeof vercelCosmos.createHttpServer>[0]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new CosmosClient({
    endpoint: `http://127.0.0.1:${port}`,
    key: COSMOS_EMULATOR_KEY,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  try {
    return await measure(await container(client, 'small'));
  } finally {
    client.dispose();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
