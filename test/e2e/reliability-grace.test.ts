// Drill: a Key Vault outage in the tenant's region across the end of its grace window. Deletion,
// key destruction and both deletion certificates complete correctly once the vault is back, and no
// notice is sent twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { createUser, provisionTenant } from '../support/builders.js';

const HOUR = 3600_000;

describe('drill: Key Vault outage across the end of a grace window', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('deletion, key destruction and the certificates complete after a 3-hour vault outage, each notice once', async () => {
    const tenant = await provisionTenant(system);
    await createUser(system, tenant);
    const requested = await system.post<{ graceEndsAt: string }>(`/api/tenants/${tenant.tenantId}/termination`, { disposition: 'delete' }, tenant.adminToken);
    assert.equal(requested.status, 202, JSON.stringify(requested.body));
    const graceEnd = Date.parse(requested.body.graceEndsAt);
    await system.advanceTo(new Date(graceEnd - HOUR));

    const outage = await system.post<{ until: string }>('/runtime/dev/faults', {
      service: 'keyvault',
      region: 'uksouth',
      mode: 'unavailable',
      duration: 'PT3H',
    });
    assert.equal(outage.status, 201);
    await system.advanceTo(new Date(graceEnd + HOUR));
    const during = await system.get<{ phase: string }>(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken);
    assert.notEqual(during.body.phase, 'awaiting-key-purge', 'the key cannot be destroyed while the vault is down');

    await system.advanceTo(new Date(Date.parse(outage.body.until) + 10 * 60_000));
    const afterOutage = await system.get<{ phase: string; keys: { steps: { step: string; status: string }[] } }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      tenant.adminToken,
    );
    assert.equal(afterOutage.body.phase, 'awaiting-key-purge', 'deleted and the key destroyed once the vault answered');
    assert.equal(await system.keyVault('uksouth').getKey(`tenant-${tenant.tenantId}`).then(() => 'usable', () => 'gone'), 'gone');
    assert.equal(
      (await system.get(`/api/tenants/${tenant.tenantId}/deletion-certificate`, tenant.adminToken)).status,
      200,
      'the interim certificate was issued',
    );

    await system.advance('P40D');
    assert.equal((await system.get<{ phase: string }>(`/api/tenants/${tenant.tenantId}/termination`, tenant.adminToken)).body.phase, 'completed');
    const subjects = (await system.outbox()).map((m) => `${m.to.join(',')} ${m.subject}`).filter((s) => s.includes(tenant.contacts.privacy[0]!.email));
    assert.equal(new Set(subjects).size, subjects.length, `no notice twice: ${subjects.join(' | ')}`);
    assert.equal(subjects.filter((s) => /Deletion certificate \(interim\)/.test(s)).length, 1);
    assert.equal(subjects.filter((s) => /Deletion certificate \(final\)/.test(s)).length, 1);
  });
});
