// The Cosmos stand-in's logical partitions under a hierarchical (MultiHash) key, driven by the real
// client: every path of the key names the partition (point operations, queries, batches), a
// transactional batch stays within one full key value, and a logical partition has a size cap
// (scaled down) past which writes are refused with 403/1014 while other partitions keep working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosmosClient, ErrorResponse, PartitionKeyDefinitionVersion, PartitionKeyKind, type Container, type OperationInput } from '@azure/cosmos';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';
import { PARTITION_FULL_SUBSTATUS, partitionCapFromEnv, PARTITION_CAP_ENV } from '../../dev/standins/cosmos/partition-cap.js';

interface Item {
  id: string;
  tenantId: string;
  pk: string;
  n?: number;
  pad?: string;
}

async function failure(promise: Promise<unknown>): Promise<{ code: unknown; substatus: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ErrorResponse, String(error));
    return { code: error.code, substatus: error.substatus };
  }
  assert.fail('expected the request to be refused');
}

describe('cosmos stand-in: hierarchical partition keys and the logical partition cap', () => {
  let standIn: CosmosStandIn;
  let client: CosmosClient;
  let data: Container;

  before(async () => {
    standIn = await startCosmos({ region: 'uksouth' });
    client = new CosmosClient(standInClientOptions(standIn));
    const { database } = await client.databases.createIfNotExists({ id: 'db' });
    const partitionKey = { paths: ['/tenantId', '/pk'], kind: PartitionKeyKind.MultiHash, version: PartitionKeyDefinitionVersion.V2 };
    data = (await database.containers.createIfNotExists({ id: 'data', partitionKey })).container;
  });
  after(async () => {
    client?.dispose();
    await standIn?.close();
  });

  test('every path of the key names the partition: the same id lives once per full key; reads need the full key, queries take a prefix', async () => {
    await data.items.create<Item>({ id: 'same', tenantId: 't1', pk: 'a', n: 1 });
    await data.items.create<Item>({ id: 'same', tenantId: 't1', pk: 'b', n: 2 });
    await data.items.create<Item>({ id: 'same', tenantId: 't2', pk: 'a', n: 3 });
    assert.equal((await data.item('same', ['t1', 'a']).read<Item>()).resource?.n, 1);
    assert.equal((await data.item('same', ['t1', 'b']).read<Item>()).resource?.n, 2);
    assert.equal((await data.item('same', ['t2', 'a']).read<Item>()).resource?.n, 3);
    assert.equal((await data.item('same', ['t1', 'c']).read<Item>()).statusCode, 404);
    assert.equal((await failure(data.item('same', ['t1']).read())).code, 400, 'a point read with part of the key is refused');

    await data.item('same', ['t1', 'b']).replace<Item>({ id: 'same', tenantId: 't1', pk: 'b', n: 20 });
    assert.equal((await data.item('same', ['t1', 'a']).read<Item>()).resource?.n, 1, 'a replace touches only its own partition');
    await data.item('same', ['t1', 'a']).delete();
    assert.equal((await data.item('same', ['t1', 'b']).read<Item>()).resource?.n, 20, 'a delete touches only its own partition');

    const query = (partitionKey: string[]): Promise<number[]> =>
      data.items
        .query<Item>('SELECT * FROM c', { partitionKey })
        .fetchAll()
        .then((r) => r.resources.map((i) => i.n ?? -1).sort((x, y) => x - y));
    assert.deepEqual(await query(['t1']), [20], 'a prefix reaches every partition under it');
    assert.deepEqual(await query(['t1', 'b']), [20]);
    assert.deepEqual(await query(['t2']), [3]);
    assert.deepEqual(await query(['t1', 'a']), []);
  });

  test('a transactional batch spanning two full key values is refused and writes nothing; within one it commits', async () => {
    const spanning: OperationInput[] = [
      { operationType: 'Create', resourceBody: { id: 'b1', tenantId: 't3', pk: 'a' } },
      { operationType: 'Create', resourceBody: { id: 'b2', tenantId: 't3', pk: 'b' } },
    ];
    const refused = await data.items.batch(spanning, ['t3', 'a']);
    assert.equal(refused.result?.[1]?.statusCode, 400, 'the item outside the batch partition is refused');
    assert.equal(refused.result?.[0]?.statusCode, 424);
    assert.equal((await data.item('b1', ['t3', 'a']).read()).statusCode, 404, 'nothing of the refused batch was written');

    await assert.rejects(data.items.batch([{ operationType: 'Create', resourceBody: { id: 'b3', tenantId: 't3', pk: 'a' } }], ['t3']), /need the full key/, 'a batch naming part of the key is refused');

    const within = await data.items.batch(
      [
        { operationType: 'Create', resourceBody: { id: 'b1', tenantId: 't3', pk: 'a' } },
        { operationType: 'Create', resourceBody: { id: 'b2', tenantId: 't3', pk: 'a' } },
      ],
      ['t3', 'a'],
    );
    assert.deepEqual(within.result?.map((r) => r.statusCode), [201, 201]);
  });

  test('a logical partition past its cap answers 403/1014 (point writes and batches, rolled back); other partitions of the tenant keep working', async () => {
    standIn.setPartitionCap(4_000);
    try {
      const pad = 'x'.repeat(400);
      let written = 0;
      let refused: { code: unknown; substatus: unknown } | undefined;
      for (let i = 0; i < 50 && !refused; i++) {
        try {
          await data.items.create<Item>({ id: `full-${i}`, tenantId: 't4', pk: 'a', pad });
          written++;
        } catch (error) {
          assert.ok(error instanceof ErrorResponse);
          refused = { code: error.code, substatus: error.substatus };
        }
      }
      assert.deepEqual(refused, { code: 403, substatus: PARTITION_FULL_SUBSTATUS });
      assert.ok(written >= 5 && written < 10, `about 4,000 bytes of items fit (${written} written)`);

      const batch = await data.items.batch([{ operationType: 'Create', resourceBody: { id: 'full-batch', tenantId: 't4', pk: 'a', pad } }], ['t4', 'a']);
      assert.equal(batch.result?.[0]?.statusCode, 403);
      assert.equal((batch.result?.[0] as { subStatusCode?: number } | undefined)?.subStatusCode, PARTITION_FULL_SUBSTATUS);

      // Shrinking an item, deleting one, and every other partition (of this tenant too) still work.
      await data.item('full-0', ['t4', 'a']).replace<Item>({ id: 'full-0', tenantId: 't4', pk: 'a' });
      await data.item('full-1', ['t4', 'a']).delete();
      await data.items.create<Item>({ id: 'full-again', tenantId: 't4', pk: 'a', pad });
      for (let i = 0; i < 8; i++) await data.items.create<Item>({ id: `next-${i}`, tenantId: 't4', pk: 'b', pad: 'y'.repeat(300) });
      const all = await data.items.query<Item>('SELECT VALUE COUNT(1) FROM c', { partitionKey: ['t4'] }).fetchAll();
      assert.equal(all.resources[0], written + 8, 'the tenant holds more than one partition can');
    } finally {
      standIn.setPartitionCap(undefined);
    }
  });

  test('the cap setting is read from the environment in bytes', () => {
    assert.equal(partitionCapFromEnv({ [PARTITION_CAP_ENV]: '65536' }), 65_536);
    assert.equal(partitionCapFromEnv({}), undefined);
    assert.throws(() => partitionCapFromEnv({ [PARTITION_CAP_ENV]: '20GB' }), /positive whole number/);
  });
});
