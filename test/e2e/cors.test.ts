// The admin portal is a browser application on its own origin: the API answers its preflights and
// marks its responses readable, as the function app's CORS configuration does in Azure, from the
// same setting (CORS_ALLOWED_ORIGINS); any other origin gets no CORS header, so a browser refuses it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalSystem } from '../support/local-system.js';
import { provisionTenant, type TenantFixture } from '../support/builders.js';

const PORTAL = 'https://portal.customer.test';
const OTHER_PORTAL = 'https://admin.customer.test';
const STRANGER = 'https://evil.example';

describe('CORS for the admin portal', () => {
  let system: LocalSystem;
  let tenant: TenantFixture;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true, settings: { CORS_ALLOWED_ORIGINS: `${PORTAL}, ${OTHER_PORTAL}` } });
    tenant = await provisionTenant(system);
  });
  after(async () => {
    await system?.stop();
  });

  const preflight = (origin: string, method: string, path: string) =>
    system.request('OPTIONS', path, {
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type, if-match, idempotency-key' },
    });

  test('a preflight from an allowed origin is answered by the host with the method and headers asked for, never credentials', async () => {
    const path = `/api/tenants/${tenant.tenantId}/users/u-00000000000000000000`;
    for (const origin of [PORTAL, OTHER_PORTAL]) {
      const response = await preflight(origin, 'PATCH', path);
      // A preflight that reached the route would be a 401 or 405 from the app.
      assert.equal(response.status, 204, origin);
      assert.equal(response.headers.get('access-control-allow-origin'), origin);
      assert.equal(response.headers.get('access-control-allow-methods'), 'PATCH');
      assert.equal(response.headers.get('access-control-allow-headers'), 'authorization, content-type, if-match, idempotency-key');
      assert.equal(response.headers.get('access-control-allow-credentials'), null, 'bearer tokens, not cookies: credentials stay off');
      assert.match(response.headers.get('vary') ?? '', /Origin/);
    }
  });

  test('a preflight from any other origin gets no CORS header, so the browser stops there', async () => {
    for (const origin of [STRANGER, `${PORTAL}:8443`, PORTAL.replace('https', 'http'), 'null']) {
      const response = await preflight(origin, 'POST', '/api/tenants');
      assert.equal(response.headers.get('access-control-allow-origin'), null, origin);
      assert.equal(response.headers.get('access-control-allow-methods'), null, origin);
      assert.equal(response.headers.get('access-control-allow-headers'), null, origin);
    }
  });

  test('responses to an allowed origin carry Access-Control-Allow-Origin, errors included; other origins get none', async () => {
    const path = `/api/tenants/${tenant.tenantId}`;
    const ok = await system.request('GET', path, { token: tenant.adminToken, headers: { origin: PORTAL } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), PORTAL);
    assert.equal(ok.headers.get('access-control-allow-credentials'), null);

    // The portal must be able to read a refusal to show it.
    const refused = await system.request('GET', path, { headers: { origin: PORTAL } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), PORTAL);

    // The server still answers a stranger (CORS is enforced by browsers), but marks nothing readable.
    const stranger = await system.request('GET', path, { token: tenant.adminToken, headers: { origin: STRANGER } });
    assert.equal(stranger.status, 200);
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);

    const noOrigin = await system.request('GET', path, { token: tenant.adminToken });
    assert.equal(noOrigin.headers.get('access-control-allow-origin'), null, 'a request without Origin (curl, server to server) gets no CORS header');
  });

  test('an OPTIONS request that is not a preflight goes to the app as usual', async () => {
    const response = await system.request('OPTIONS', '/api/health', { headers: { origin: PORTAL } });
    assert.equal(response.status, 405, 'no function answers OPTIONS on /api/health');
    assert.equal(response.headers.get('access-control-allow-origin'), PORTAL);
  });
});
