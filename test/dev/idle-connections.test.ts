// Idle keep-alive connections to the local servers are closed by their clients, never by the
// servers (dev/host/http/idle-connections.ts). A server closing them on a timer made requests fail
// with ECONNRESET when its process was busy as its timer expired: concurrent tenant provisioning
// answered 500 (a Cosmos write, never retried by the SDK, reset while the platform generated RSA
// keys) and tests saw 'fetch failed' under load. The waits are real time: the idle timeout they
// cross is the socket's, not the application's clock.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CosmosClient, type Container } from '@azure/cosmos';
import { launchPlatform, type PlatformProcess } from '../../dev/launcher.js';
import { LocalSystem } from '../support/local-system.js';

/** Node's former idle timeout on these servers was 5 s (plus its own 1 s grace): idle just short of it. */
const IDLE_MS = 5_500;

describe('idle keep-alive connections to the local servers', () => {
  let platform: PlatformProcess;
  let stateDir: string;
  let cosmos: CosmosClient;
  let container: Container;
  let host: LocalSystem;
  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'idle-connections-'));
    [platform, host] = await Promise.all([
      launchPlatform({ stateDir, clock: 'real' }),
      LocalSystem.start({ appModules: ['dist/test/host/fixtures/sample-app.js'] }),
    ]);
    const account = platform.addresses.cosmos.uksouth!;
    // The app's own client: the SDK's keep-alive agent has no idle timeout of its own.
    cosmos = new CosmosClient({ endpoint: account.endpoint, key: account.key, connectionPolicy: { enableEndpointDiscovery: false } });
    const { database } = await cosmos.databases.createIfNotExists({ id: 'idle' });
    ({ container } = await database.containers.createIfNotExists({ id: 'writes', partitionKey: { paths: ['/pk'] } }));
  });
  after(async () => {
    cosmos?.dispose();
    await Promise.allSettled([platform?.stop(), host?.stop()]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a Cosmos write on a pooled connection succeeds while the platform is busy across the former idle timeout', async () => {
    await container.items.create({ id: 'first', pk: 'p' });
    await sleep(IDLE_MS);
    // Key Vault's stand-in generates RSA keys synchronously: the whole platform is busy for seconds,
    // as when many tenants are provisioned at once.
    const vault = platform.addresses.keyVault.uksouth!.url;
    const busy = Array.from({ length: 2 }, (_, i) =>
      fetch(`${vault}/keys/busy-${i}/create?api-version=7.4`, {
        method: 'POST',
        headers: { authorization: 'Bearer local', 'content-type': 'application/json' },
        body: JSON.stringify({ kty: 'RSA', key_size: 4096 }),
      }),
    );
    await sleep(150);
    // The write goes out on the connection idle since `first` and waits unread until the platform is free.
    const { statusCode } = await container.items.create({ id: 'second', pk: 'p' });
    assert.equal(statusCode, 201);
    assert.deepEqual((await Promise.all(busy)).map((r) => r.status), [200, 200]);
  });

  test('the host keeps an idle connection for its client to reuse, announcing no idle timeout', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL('/runtime/dev/clock', host.url);
    const get = (): Promise<{ status: number; reused: boolean; keepAlive: string | undefined }> =>
      new Promise((resolve, reject) => {
        const req = request(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, keepAlive: res.headers['keep-alive']?.toString() }));
        });
        req.on('error', reject).end();
      });
    try {
      const first = await get();
      assert.deepEqual(first, { status: 200, reused: false, keepAlive: undefined });
      await sleep(IDLE_MS + 1_000);
      assert.deepEqual(await get(), { status: 200, reused: true, keepAlive: undefined });
    } finally {
      agent.destroy();
    }
  });
});
