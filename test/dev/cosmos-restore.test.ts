// Point-in-time restore of the Cosmos DB stand-in (the restore drill): every container of the
// account back to its items at an instant, within a bounded window, driven by the real client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosmosClient, type Container } from '@azure/cosmos';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';
import { RESTORE_WINDOW_MS, RestoreWindowError } from '../../dev/standins/cosmos/restore-history.js';

describe('cosmos stand-in point-in-time restore', () => {
  let standIn: CosmosStandIn;
  let client: CosmosClient;
  let data: Container;
  let other: Container;
  const realNow = Date.now;
  let offset = 0;

  before(async () => {
    Date.now = () => realNow.call(Date) + offset;
    standIn = await startCosmos({ region: 'uksouth' });
    client = new CosmosClient(standInClientOptions(standIn));
    const { database } = await client.databases.createIfNotExists({ id: 'db' });
    data = (await database.containers.createIfNotExists({ id: 'data', partitionKey: { paths: ['/tenantId'] } })).container;
    other = (await database.containers.createIfNotExists({ id: 'other', partitionKey: { paths: ['/tenantId'] } })).container;
  });
  after(async () => {
    Date.now = realNow;
    client?.dispose();
    await standIn?.close();
  });

  const ids = async (container: Container): Promise<string[]> => (await container.items.readAll<{ id: string }>().fetchAll()).resources.map((r) => r.id).sort();

  test('creates, replaces, deletes and batches after the restore point are undone in every container; earlier ones stay', async () => {
    await data.items.create({ id: 'kept', tenantId: 't1', v: 1 });
    await data.items.create({ id: 'changed', tenantId: 't1', v: 1 });
    await data.items.create({ id: 'deleted', tenantId: 't1', v: 1 });
    offset += 60_000;
    const restorePoint = new Date(Date.now());
    offset += 60_000;
    await data.item('changed', 't1').replace({ id: 'changed', tenantId: 't1', v: 2 });
    await data.item('deleted', 't1').delete();
    await data.items.create({ id: 'new', tenantId: 't1', v: 1 });
    await data.items.batch([{ operationType: 'Create', resourceBody: { id: 'batched', tenantId: 't2' } }], 't2');
    await other.items.create({ id: 'elsewhere', tenantId: 't1' });
    assert.deepEqual(await ids(data), ['batched', 'changed', 'kept', 'new']);

    const result = standIn.restoreTo(restorePoint);
    assert.ok(result.changesUndone >= 5);
    assert.deepEqual(await ids(data), ['changed', 'deleted', 'kept']);
    assert.deepEqual(await ids(other), []);
    const { resource } = await data.item('changed', 't1').read<{ v: number }>();
    assert.equal(resource?.v, 1, 'the replaced item is back at its old content');
    const queried = (
      await data.items
        .query<{ id: string }>({ query: 'SELECT * FROM c WHERE c.tenantId = @t', parameters: [{ name: '@t', value: 't1' }] }, { partitionKey: 't1' })
        .fetchAll()
    ).resources;
    assert.deepEqual(queried.map((r) => r.id).sort(), ['changed', 'deleted', 'kept'], 'queries see the restored items');

    await data.items.create({ id: 'after-restore', tenantId: 't1' });
    assert.deepEqual(await ids(data), ['after-restore', 'changed', 'deleted', 'kept'], 'the restored account takes writes again');
  });

  test('a restore point outside the window or in the future is refused', () => {
    assert.throws(() => standIn.restoreTo(new Date(Date.now() - RESTORE_WINDOW_MS - 1000)), RestoreWindowError);
    assert.throws(() => standIn.restoreTo(new Date(Date.now() + 60_000)), RestoreWindowError);
  });
});
