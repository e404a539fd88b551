// The reconciler's start-up run, once per deployment: instances of one deployment racing for it
// through the real Cosmos client against the stand-in; exactly one of them runs it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, type Container } from '@azure/cosmos';
import { startCosmos, standInClientOptions, type CosmosStandIn } from '../../dev/standins/cosmos.js';
import { ReconcilerLease } from '../../shared/flows/reconciler-lease.js';
import { deploymentIdentity } from '../../shared/flows/deployment-identity.js';

describe('reconciler start-up run: once per deployment', () => {
  let standIn: CosmosStandIn;
  const clients: CosmosClient[] = [];
  let containers: Container[];

  before(async () => {
    standIn = await startCosmos({ region: 'uksouth' });
    // One client per instance, as separate processes would have.
    for (let i = 0; i < 5; i++) clients.push(new CosmosClient(standInClientOptions(standIn)));
    const { database } = await clients[0]!.databases.createIfNotExists({ id: 'db' });
    await database.containers.createIfNotExists({ id: 'control', partitionKey: { paths: ['/pk'] } });
    containers = clients.map((c) => c.database('db').container('control'));
  });
  after(async () => {
    clients.forEach((c) => c.dispose());
    await standIn?.close();
  });

  const race = (deployment: string): Promise<boolean[]> => Promise.all(containers.map((c) => new ReconcilerLease(c).claimStartup(deployment, new Date())));

  test('five instances of a deployment start together: exactly one runs it, however often they race; the next deployment runs it once more', async () => {
    for (let round = 1; round <= 15; round++) {
      const deployment = `code-${round}`;
      const claims = await race(deployment);
      assert.equal(claims.filter(Boolean).length, 1, `round ${round}: exactly one instance claims (${JSON.stringify(claims)})`);
      // Instances of the same deployment that start later (scale-out, restarts) find the marker.
      assert.deepEqual(await race(deployment), [false, false, false, false, false], `round ${round}: no second run for the deployment`);
    }
  });

  test('the deployment identity is the deployed code: same files, same identity; a changed file, a new one', () => {
    const root = mkdtempSync(join(tmpdir(), 'deployment-'));
    try {
      mkdirSync(join(root, 'functions'), { recursive: true });
      mkdirSync(join(root, 'dev'), { recursive: true });
      writeFileSync(join(root, 'functions', 'a.js'), 'export const a = 1;');
      const first = deploymentIdentity(root);
      assert.match(first, /^code-[0-9a-f]{32}$/);
      writeFileSync(join(root, 'dev', 'not-deployed.js'), 'x');
      writeFileSync(join(root, 'functions', 'a.js.map'), '{}');
      assert.equal(deploymentIdentity(root), first, 'files outside the deployed folders and source maps do not count');
      writeFileSync(join(root, 'functions', 'a.js'), 'export const a = 2;');
      assert.notEqual(deploymentIdentity(root), first);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
