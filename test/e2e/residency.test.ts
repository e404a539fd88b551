// Residency by construction: each tenant's data is written only to its own region's Cosmos DB
// account and its keys only to its own region's Key Vault; personal data is ciphertext at rest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createRecord, createUser, provisionTenant, type TenantFixture } from '../support/builders.js';

describe('data residency', () => {
  let system: LocalSystem;
  let uk: TenantFixture;
  let eu: TenantFixture;
  const emails: Record<string, string> = {};

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    uk = await provisionTenant(system, { region: 'uksouth' });
    eu = await provisionTenant(system, { region: 'eu' });
    for (const tenant of [uk, eu]) {
      const user = await createUser(system, tenant);
      emails[tenant.tenantId] = user.email;
      await createRecord(system, tenant, 'shift-logs', { subjectUserId: user.userId, data: { shift: '2026-11-01', notes: `covered by ${user.name}` } });
    }
  });
  after(async () => {
    await system?.stop();
  });

  test('tenant ids carry their region and the API reports it', async () => {
    assert.match(uk.tenantId, /^t-uks-/);
    assert.match(eu.tenantId, /^t-eu-/);
    const read = await system.get<{ region: string }>(`/api/tenants/${eu.tenantId}`, eu.adminToken);
    assert.equal(read.body.region, 'eu');
  });

  test("each tenant's documents exist only in its own region's Cosmos DB account", async () => {
    const ukDocs = await system.allDocuments('uksouth');
    const euDocs = await system.allDocuments('eu');
    const tenantsIn = (docs: Record<string, unknown>[]): Set<unknown> => new Set(docs.map((d) => d['tenantId']));
    assert.ok(tenantsIn(ukDocs).has(uk.tenantId), 'the UK tenant has data in UK South');
    assert.ok(tenantsIn(euDocs).has(eu.tenantId), 'the EU tenant has data in the EU');
    assert.ok(!tenantsIn(ukDocs).has(eu.tenantId), 'no EU tenant data in UK South');
    assert.ok(!tenantsIn(euDocs).has(uk.tenantId), 'no UK tenant data in the EU');
    const kinds = (docs: Record<string, unknown>[], tenantId: string): string[] =>
      [...new Set(docs.filter((d) => d['tenantId'] === tenantId).map((d) => String(d['type'])))].sort();
    assert.deepEqual(kinds(euDocs, eu.tenantId), [
      'audit',
      'auditHead',
      'record',
      'subjectKey',
      'tenant',
      'tenantConfigChange',
      'tenantKey',
      'user',
      'userEmailClaim',
    ]);
  });

  test("each tenant's key-encryption key is in its own region's Key Vault only", async () => {
    const names = async (region: 'uksouth' | 'eu'): Promise<string[]> => {
      const found: string[] = [];
      for await (const key of system.keyVault(region).listPropertiesOfKeys()) found.push(key.name);
      return found;
    };
    const ukKeys = await names('uksouth');
    const euKeys = await names('eu');
    assert.ok(ukKeys.includes(`tenant-${uk.tenantId}`));
    assert.ok(euKeys.includes(`tenant-${eu.tenantId}`));
    assert.ok(!ukKeys.includes(`tenant-${eu.tenantId}`));
    assert.ok(!euKeys.includes(`tenant-${uk.tenantId}`));
  });

  test('personal data is stored only as ciphertext', async () => {
    const raw = JSON.stringify([...(await system.allDocuments('uksouth')), ...(await system.allDocuments('eu'))]);
    for (const tenant of [uk, eu]) {
      assert.ok(!raw.includes(emails[tenant.tenantId]!), 'user email not stored in clear');
      assert.ok(!raw.includes(tenant.contacts.privacy[0]!.email), 'contact email not stored in clear');
      assert.ok(!raw.includes(tenant.contacts.security[0]!.name), 'contact name not stored in clear');
    }
    assert.ok(!raw.includes('covered by Person'), 'record content not stored in clear');
  });
});
