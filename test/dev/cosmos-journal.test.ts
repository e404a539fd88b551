// The Cosmos DB stand-in keeping its data across restarts (dev/standins/cosmos/journal.ts): a second
// stand-in on the same state file serves what the first one acknowledged, system properties included.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, type Container } from '@azure/cosmos';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';
import { AppendLog } from '../../dev/standins/persistence/append-log.js';

const dir = mkdtempSync(join(tmpdir(), 'cosmos-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function open(stateFile: string): Promise<{ standIn: CosmosStandIn; client: CosmosClient; data: Container; close(): Promise<void> }> {
  const standIn = await startCosmos({ region: 'uksouth', stateFile });
  const client = new CosmosClient(standInClientOptions(standIn));
  const { database } = await client.databases.createIfNotExists({ id: 'db' });
  const { container: data } = await database.containers.createIfNotExists({ id: 'data', partitionKey: { paths: ['/tenantId'] } });
  return { standIn, client, data, close: async () => { client.dispose(); await standIn.close(); } };
}

const ids = async (container: Container): Promise<string[]> => (await container.items.readAll<{ id: string }>().fetchAll()).resources.map((r) => r.id).sort();

describe('cosmos stand-in journal', () => {
  test('items, replaces, deletes, patches, batches and container settings come back after a restart, with their etags', async () => {
    const file = join(dir, 'a.log');
    const first = await open(file);
    // A container replace (defaultTtl on) keeps its items, and is logged as one change.
    await first.data.items.create({ id: 'kept', tenantId: 't1', v: 1 });
    const { resource: definition } = await first.data.read();
    await first.data.replace({ ...definition!, defaultTtl: -1 });
    await first.data.items.create({ id: 'changed', tenantId: 't1', v: 1 });
    await first.data.item('changed', 't1').replace({ id: 'changed', tenantId: 't1', v: 2 });
    await first.data.items.create({ id: 'deleted', tenantId: 't1' });
    await first.data.item('deleted', 't1').delete();
    await first.data.item('kept', 't1').patch([{ op: 'set', path: '/v', value: 7 }]);
    await first.data.items.batch([{ operationType: 'Create', resourceBody: { id: 'batched', tenantId: 't2' } }], 't2');
    // A failed atomic batch is rolled back, and stays rolled back after the restart.
    const failed = await first.data.items.batch([
      { operationType: 'Create', resourceBody: { id: 'rolled-back', tenantId: 't2' } },
      { operationType: 'Create', resourceBody: { id: 'batched', tenantId: 't2' } },
    ], 't2');
    assert.equal(failed.result?.[0]?.statusCode, 424);
    const { resource: before } = await first.data.item('kept', 't1').read<{ v: number; _etag: string; _rid: string }>();
    await first.close();

    const second = await open(file);
    try {
      assert.deepEqual(await ids(second.data), ['batched', 'changed', 'kept']);
      const { resource: kept } = await second.data.item('kept', 't1').read<{ v: number; _etag: string; _rid: string }>();
      assert.equal(kept?.v, 7);
      assert.equal(kept?._etag, before?._etag, 'an etag read before the restart still matches');
      const { resource: changed } = await second.data.item('changed', 't1').read<{ v: number }>();
      assert.equal(changed?.v, 2);
      const { resource: container } = await second.data.read();
      assert.equal(container?.defaultTtl, -1, 'the container replace is kept');
      // New items get fresh resource ids: none overwrites a restored one.
      await second.data.items.create({ id: 'new', tenantId: 't1' });
      assert.deepEqual(await ids(second.data), ['batched', 'changed', 'kept', 'new']);
      const { resource: keptAgain } = await second.data.item('kept', 't1').read<{ v: number; _rid: string }>();
      assert.equal(keptAgain?._rid, kept?._rid);
      // An ETag-guarded replace with the pre-restart etag succeeds (the etag is the same one).
      await second.data.item('kept', 't1').replace({ id: 'kept', tenantId: 't1', v: 8 }, { accessCondition: { type: 'IfMatch', condition: before!._etag } });
    } finally {
      await second.close();
    }
  });

  test('the point-in-time restore history survives a restart', async () => {
    const file = join(dir, 'b.log');
    const realNow = Date.now;
    let offset = 0;
    Date.now = () => realNow.call(Date) + offset;
    try {
      const first = await open(file);
      await first.data.items.create({ id: 'old', tenantId: 't1' });
      offset += 60_000;
      const restorePoint = new Date(Date.now());
      offset += 60_000;
      await first.data.items.create({ id: 'young', tenantId: 't1' });
      await first.close();

      const second = await open(file);
      try {
        second.standIn.restoreTo(restorePoint);
        assert.deepEqual(await ids(second.data), ['old'], 'a change made before the restart is undone at its own instant');
      } finally {
        await second.close();
      }
      const third = await open(file);
      try {
        assert.deepEqual(await ids(third.data), ['old'], 'the restore itself is kept');
      } finally {
        await third.close();
      }
    } finally {
      Date.now = realNow;
    }
  });

  test('a stand-in without a state file starts empty every time', async () => {
    const a = await startCosmos({ region: 'uksouth' });
    await a.close();
    const first = await open(join(dir, 'c.log'));
    await first.data.items.create({ id: 'x', tenantId: 't1' });
    await first.close();
    const fresh = await startCosmos({ region: 'uksouth' });
    const client = new CosmosClient(standInClientOptions(fresh));
    try {
      const { resources } = await client.databases.readAll().fetchAll();
      assert.deepEqual(resources, []);
    } finally {
      client.dispose();
      await fresh.close();
    }
  });
});

describe('append log', () => {
  test('entries are on disk only after flush, a torn last line (a kill mid-write) is dropped, a torn middle line is an error', () => {
    const file = join(dir, 'log.ndjson');
    const log = new AppendLog<{ n: number }>(file);
    log.append({ n: 1 });
    assert.deepEqual(new AppendLog(file).load(), [], 'not flushed yet');
    log.append({ n: 2 });
    log.flush();
    assert.deepEqual(new AppendLog(file).load(), [{ n: 1 }, { n: 2 }]);
    appendFileSync(file, '{"n":');
    assert.deepEqual(new AppendLog(file).load(), [{ n: 1 }, { n: 2 }]);
    appendFileSync(file, '\n{"n":3}\n');
    assert.throws(() => new AppendLog(file).load(), /line 3 is not JSON/);
    log.rewrite([{ n: 9 }]);
    assert.deepEqual(new AppendLog(file).load(), [{ n: 9 }]);
  });
});
