// `npm start -- --keep-state`: the whole local system killed without warning (SIGKILL) comes back
// with the data and flows it had; a plain start begins empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { DevIssuer } from '../../dev/dev-issuer.js';
import { LocalSystem } from '../support/local-system.js';
import { createUser, provisionTenant } from '../support/builders.js';

test('a system killed with SIGKILL comes back with every stand-in\'s data, its flows still running', async () => {
  const system = await LocalSystem.start({ withPlatform: true, persist: true });
  try {
    const tenant = await provisionTenant(system, { region: 'eu' });
    const user = await createUser(system, tenant);
    const request = { type: 'access', subject: { email: user.email }, receivedAt: (await system.now()).toISOString(), jurisdiction: 'GB-ENG' };
    const dsar = await system.post<{ dsarId: string }>(`/api/tenants/${tenant.tenantId}/dsars`, request, tenant.adminToken);
    assert.equal(dsar.status, 201, JSON.stringify(dsar.body));
    await system.settle();
    const instanceId = `dsar-${tenant.tenantId}-${dsar.body.dsarId}`;
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Running');
    // A blob written straight before the kill: acknowledged means on disk (Azurite alone saves every 5 s).
    const blobs = BlobServiceClient.fromConnectionString(system.platform!.addresses.storage.eu!.connectionString).getContainerClient('keep-state-check');
    await blobs.createIfNotExists();
    await blobs.getBlockBlobClient('last-write.txt').upload('written just before the kill', 27);
    const keys: string[] = [];
    for await (const key of system.keyVault('eu').listPropertiesOfKeys()) keys.push(key.name);
    const outbox = await system.outbox();
    const clock = await system.now();

    await system.killAndRestartAll();

    assert.deepEqual(await system.now(), clock, 'the virtual clock resumes where it stood');
    const kept = await system.get(`/api/tenants/${tenant.tenantId}/users/${user.userId}`, tenant.adminToken);
    assert.equal(kept.status, 200, 'Cosmos DB kept the user');
    const view = await system.get<{ dsarId: string }>(`/api/tenants/${tenant.tenantId}/dsars/${dsar.body.dsarId}`, tenant.adminToken);
    assert.equal(view.status, 200, 'Cosmos DB kept the DSAR');
    assert.equal((await system.instance(instanceId)).runtimeStatus, 'Running', 'the task hub kept the DSAR workflow');
    const again = BlobServiceClient.fromConnectionString(system.platform!.addresses.storage.eu!.connectionString).getContainerClient('keep-state-check');
    const lastWrite = (await again.getBlockBlobClient('last-write.txt').downloadToBuffer()).toString();
    assert.equal(lastWrite, 'written just before the kill', 'blob storage kept the last write');
    const keysAfter: string[] = [];
    for await (const key of system.keyVault('eu').listPropertiesOfKeys()) keysAfter.push(key.name);
    assert.deepEqual(keysAfter.sort(), keys.sort(), 'Key Vault kept its keys');
    assert.deepEqual((await system.outbox()).map((m) => m.id), outbox.map((m) => m.id), 'the email outbox kept what was sent');
    // The system takes new work on the restored data: a change to the DSAR's subject record.
    const second = await createUser(system, tenant);
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${second.userId}`, tenant.adminToken)).status, 200);
  } finally {
    await system.stop();
  }
});

/** `node dist/dev/start.js` in a process group of its own; resolves with the host's URL once it printed its addresses. */
async function npmStart(stateDir: string, keepState: boolean): Promise<{ child: ChildProcess; url: string }> {
  const args = ['dist/dev/start.js', '--port', '0', '--virtual-clock', '--state-dir', stateDir, ...(keepState ? ['--keep-state'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stderr!.resume();
  const printed = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s:\n${out}`)), 60_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
  });
  return { child, url: /Functions host\s+(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(printed)![1]! };
}

async function killGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  // The platform and the host are in the same group: give the kernel a moment to reap them too.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

test('npm start -- --keep-state resumes after the process group is killed; a plain npm start begins empty', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-keep-'));
  let running: ChildProcess | undefined;
  try {
    const first = await npmStart(stateDir, false);
    running = first.child;
    const now = new Date(((await (await fetch(`${first.url}/runtime/dev/clock`)).json()) as { now: string }).now);
    const issuer = await DevIssuer.open(stateDir);
    const ops = await issuer.sign({ sub: 'ops-1', roles: ['ops.platform'] }, { now, lifetimeSeconds: 3600 });
    const created = await fetch(`${first.url}/api/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Kept Ltd',
        region: 'uksouth',
        contacts: { security: [{ name: 'S', email: 'security.kept@customer.test' }], privacy: [{ name: 'P', email: 'dpo.kept@customer.test' }] },
      }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { tenantId } = (await created.json()) as { tenantId: string };
    const admin = await issuer.sign({ sub: 'admin-1', roles: ['tenant.admin'], tid: tenantId }, { now, lifetimeSeconds: 3600 });
    const dsar = await fetch(`${first.url}/api/tenants/${tenantId}/dsars`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'access', subject: { email: 'someone@customer.test' }, receivedAt: now.toISOString(), jurisdiction: 'GB-ENG' }),
    });
    assert.equal(dsar.status, 201);
    const { dsarId } = (await dsar.json()) as { dsarId: string };
    await fetch(`${first.url}/runtime/dev/settle`, { method: 'POST' });
    await killGroup(first.child);

    const resumed = await npmStart(stateDir, true);
    running = resumed.child;
    const view = await fetch(`${resumed.url}/api/tenants/${tenantId}/dsars/${dsarId}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(view.status, 200, 'the DSAR is still there');
    const instance = await fetch(`${resumed.url}/runtime/webhooks/durabletask/instances/${encodeURIComponent(`dsar-${tenantId}-${dsarId}`)}`);
    assert.equal(((await instance.json()) as { runtimeStatus: string }).runtimeStatus, 'Running', 'its workflow is still there');
    await killGroup(resumed.child);

    const fresh = await npmStart(stateDir, false);
    running = fresh.child;
    const gone = await fetch(`${fresh.url}/api/tenants/${tenantId}/dsars/${dsarId}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(gone.status, 404, 'a plain start begins empty');
    const instances = await fetch(`${fresh.url}/runtime/webhooks/durabletask/instances`);
    assert.deepEqual(await instances.json(), []);
  } finally {
    if (running && running.exitCode === null) await killGroup(running);
    rmSync(stateDir, { recursive: true, force: true });
  }
});
