// Every deletion certificate and audit anchor is also kept, once, in the evidence container of the
// tenant's region, where infra/ puts a five-year WORM policy on it (the local blob stand-in has no
// immutability, so that part is checked in the templates); Cosmos DB keeps serving them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalSystem } from '../support/local-system.js';
import { createUser, provisionTenant } from '../support/builders.js';

const DAY = 24 * 3600_000;

describe('write-once copies of certificates and anchors', () => {
  let system: LocalSystem;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  async function evidence(region: 'uksouth' | 'eu', name: string): Promise<string> {
    const storage = system.platform!.addresses.storage[region]!;
    const blob = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient('evidence').getBlobClient(name);
    return (await blob.downloadToBuffer()).toString('utf8');
  }

  test('the nightly audit anchor is copied to the evidence container of the tenant\'s region, and only there', async () => {
    const tenant = await provisionTenant(system, { region: 'eu' });
    await createUser(system, tenant);
    const now = await system.now();
    const nextAnchorRun = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 2, 0, 30) + (now.getUTCHours() >= 2 ? DAY : 0));
    await system.advanceTo(nextAnchorRun);
    await system.settle();
    const anchors = (await system.allDocuments('eu', 'certificates')).filter((d) => d['tenantId'] === tenant.tenantId && d['type'] === 'auditAnchor');
    assert.equal(anchors.length, 1, 'the head was anchored');
    const anchor = anchors[0] as { seq: number; signed: string };
    const names = await system.blobNames('eu', 'evidence');
    const name = `${tenant.tenantId}/audit-anchors/${String(anchor.seq).padStart(12, '0')}.jws`;
    assert.ok(names.includes(name), `the copy ${name} is kept`);
    assert.equal(await evidence('eu', name), anchor.signed, 'the copy is the signed anchor itself');
    assert.ok(!(await system.blobNames('uksouth', 'evidence')).some((n) => n.startsWith(tenant.tenantId)), 'never in another region');
  });

  test('a deletion certificate is copied when it is issued, and the copy outlives the tenant\'s data', async () => {
    const tenant = await provisionTenant(system);
    await createUser(system, tenant);
    const requested = await system.post<{ terminationId: string; graceEndsAt: string }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete' },
      tenant.adminToken,
    );
    assert.equal(requested.status, 202, JSON.stringify(requested.body));
    await system.advanceTo(new Date(Date.parse(requested.body.graceEndsAt) + 3600_000));
    await system.settle();
    const admin = await system.token({ sub: `admin-of-${tenant.tenantId}`, roles: ['tenant.admin'], tid: tenant.tenantId });
    const served = await system.get<{ certificate: string }>(`/api/tenants/${tenant.tenantId}/deletion-certificate`, admin);
    assert.equal(served.status, 200, JSON.stringify(served.body));
    const name = `${tenant.tenantId}/deletion-certificates/${requested.body.terminationId}-interim.jws`;
    assert.ok((await system.blobNames('uksouth', 'evidence')).includes(name), `the copy ${name} is kept`);
    assert.equal(await evidence('uksouth', name), served.body.certificate, 'the copy is the certificate Cosmos DB serves');
    for (const container of ['exports', 'packages'])
      assert.deepEqual(
        (await system.blobNames('uksouth', container)).filter((n) => n.startsWith(tenant.tenantId)),
        [],
        `${container} of the tenant are gone`,
      );
  });
});
