// Provisioning while the region's Key Vault refuses (an outage, or throttling past the SDK's own
// retries, as when many tenants are provisioned at once) answers 503, never 500, and leaves nothing
// behind; once the vault answers again, the same request provisions the tenant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { contactsFor, opsToken } from '../support/builders.js';

describe('tenant provisioning while Key Vault refuses', () => {
  let system: LocalSystem;
  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
  });
  after(async () => {
    await system?.stop();
  });

  test('answers 503 KEYS.UNAVAILABLE with nothing stored, then provisions once the vault is back', async () => {
    const token = await opsToken(system);
    const body = { name: 'Vault Outage Ltd', region: 'uksouth', contacts: contactsFor('vault-outage') };
    const fault = { service: 'keyvault', region: 'uksouth', mode: 'unavailable', duration: 'PT1H' };
    const outage = await system.post<{ faultId: string }>('/runtime/dev/faults', fault);
    assert.equal(outage.status, 201, JSON.stringify(outage.body));

    const refused = await system.request<{ code: string }>('POST', '/api/tenants', { token, body });
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'KEYS.UNAVAILABLE');
    assert.match(refused.headers.get('retry-after') ?? '', /^[1-9]\d*$/, 'tells the caller when to retry');
    const listed = await system.get<{ tenants: unknown[] }>('/api/tenants', token);
    assert.deepEqual(listed.body.tenants, [], 'no tenant half-written');

    assert.equal((await system.request('DELETE', `/runtime/dev/faults/${outage.body.faultId}`)).status, 204);
    const provisioned = await system.request<{ name: string; region: string }>('POST', '/api/tenants', { token, body });
    assert.equal(provisioned.status, 201, JSON.stringify(provisioned.body));
    assert.deepEqual([provisioned.body.name, provisioned.body.region], ['Vault Outage Ltd', 'uksouth']);
  });
});
