// Every route authenticates (JWT: signature, issuer, audience, expiry, algorithm), authorises by
// role and tenant, and refusals on a tenant are recorded in that tenant's audit log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { LocalSystem } from '../support/local-system.js';
import { createUser, opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { DEV_AUDIENCE, DEV_ISSUER } from '../../dev/dev-issuer.js';

describe('authentication and authorisation', () => {
  let system: LocalSystem;
  let tenantA: TenantFixture;
  let tenantB: TenantFixture;
  let userB: string;

  before(async () => {
    system = await LocalSystem.start({ withPlatform: true });
    tenantA = await provisionTenant(system);
    tenantB = await provisionTenant(system, { region: 'eu' });
    userB = (await createUser(system, tenantB)).userId;
  });
  after(async () => {
    await system?.stop();
  });

  test('no route but health and the JWKS answers without a token', async () => {
    const routes: [string, string][] = [
      ['GET', '/api/tenants'],
      ['POST', '/api/tenants'],
      ['GET', `/api/tenants/${tenantA.tenantId}`],
      ['POST', `/api/tenants/${tenantA.tenantId}/users`],
      ['GET', `/api/tenants/${tenantA.tenantId}/users/u-00000000000000000000`],
      ['PATCH', `/api/tenants/${tenantA.tenantId}/users/u-00000000000000000000`],
      ['DELETE', `/api/tenants/${tenantA.tenantId}/users/u-00000000000000000000`],
      ['POST', `/api/tenants/${tenantA.tenantId}/users/u-00000000000000000000/deactivate`],
      ['POST', `/api/tenants/${tenantA.tenantId}/modules/shift-logs/records`],
      ['GET', `/api/tenants/${tenantA.tenantId}/modules/shift-logs/records/r-1`],
      ['PATCH', `/api/tenants/${tenantA.tenantId}/modules/shift-logs/records/r-1`],
      ['DELETE', `/api/tenants/${tenantA.tenantId}/modules/shift-logs/records/r-1`],
      ['GET', `/api/tenants/${tenantA.tenantId}/audit`],
      ['GET', `/api/tenants/${tenantA.tenantId}/audit/verify`],
    ];
    for (const [method, path] of routes) {
      const response = await system.request<{ code: string }>(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
    }
    assert.equal((await system.get('/api/health')).status, 200);
  });

  test('tokens with the wrong issuer, audience, algorithm or signature, or expired, are refused', async () => {
    const claims = { sub: 'ops-1', roles: ['ops.platform'] };
    const path = '/api/tenants';
    const wrongIssuer = await system.token(claims, { issuer: 'https://someone-else.example/' });
    const wrongAudience = await system.token(claims, { audience: 'api://another-app' });
    const expired = await system.token(claims, { lifetimeSeconds: 60 });
    const good = await system.token(claims);
    const [header, payload] = good.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: ['ops.platform', 'ops.breach'] })).toString('base64url')}.${good.split('.')[2]}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const { privateKey } = await generateKeyPair('ES256');
    const foreignKey = await new SignJWT({ roles: ['ops.platform'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'attacker' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setIssuedAt((await system.now()).getTime() / 1000)
      .setExpirationTime('1h')
      .sign(privateKey);
    for (const [label, token] of Object.entries({ wrongIssuer, wrongAudience, tampered, unsigned, foreignKey })) {
      const response = await system.get<{ code: string }>(path, token);
      assert.equal(response.status, 401, label);
    }
    assert.equal((await system.get(path, good)).status, 200);
    await system.advance('PT5M');
    const late = await system.get<{ code: string }>(path, expired);
    assert.equal(late.status, 401);
    assert.equal(late.body.code, 'AUTH.TOKEN_EXPIRED');
  });

  test("a tenant admin of tenant A gets 403 on tenant B, and B's security log records the attempt", async () => {
    const attempts = [
      system.get(`/api/tenants/${tenantB.tenantId}`, tenantA.adminToken),
      system.get(`/api/tenants/${tenantB.tenantId}/users/${userB}`, tenantA.adminToken),
      system.request('POST', `/api/tenants/${tenantB.tenantId}/users`, { token: tenantA.adminToken, body: { name: 'Intruder', email: 'x@y.test' } }),
      system.request('DELETE', `/api/tenants/${tenantB.tenantId}/users/${userB}`, { token: tenantA.adminToken }),
      system.get(`/api/tenants/${tenantB.tenantId}/audit`, tenantA.adminToken),
    ];
    for (const response of await Promise.all(attempts)) assert.equal(response.status, 403);
    const user = await system.get<{ status: string }>(`/api/tenants/${tenantB.tenantId}/users/${userB}`, tenantB.adminToken);
    assert.equal(user.body.status, 'active', 'nothing changed in tenant B');
    type Entries = { entries: { action: string; outcome: string; reason?: string; actor: { sub: string; tenantId?: string } }[] };
    const security = await system.get<Entries>(`/api/tenants/${tenantB.tenantId}/audit?limit=50&log=security`, tenantB.adminToken);
    const denials = security.body.entries.filter((e) => e.action === 'request.refused');
    assert.equal(denials.length, 5);
    for (const denial of denials) {
      assert.equal(denial.outcome, 'denied');
      assert.equal(denial.reason, 'AUTH.FORBIDDEN');
      assert.equal(denial.actor.tenantId, tenantA.tenantId);
    }
    const activity = await system.get<Entries>(`/api/tenants/${tenantB.tenantId}/audit?limit=50&log=activity`, tenantB.adminToken);
    assert.equal(
      activity.body.entries.filter((e) => e.actor.tenantId === tenantA.tenantId).length,
      0,
      "an outsider's refusals stay out of B's own activity log",
    );
  });

  test('vendor roles act only within their role', async () => {
    const support = await opsToken(system, 'support');
    const breach = await opsToken(system, 'ops.breach');
    const platform = await opsToken(system, 'ops.platform');
    const noGrant = await system.get<{ code: string }>(`/api/tenants/${tenantB.tenantId}/users/${userB}`, support);
    assert.equal(noGrant.status, 403, 'support reads nothing without a grant the tenant approved');
    assert.equal(noGrant.body.code, 'SUPPORT.NO_GRANT');
    assert.equal(
      (await system.request('POST', `/api/tenants/${tenantB.tenantId}/users`, { token: support, body: { name: 'S', email: 's@x.test' } })).status,
      403,
      'support may not write',
    );
    assert.equal((await system.get(`/api/tenants/${tenantB.tenantId}/users/${userB}`, breach)).status, 403, 'breach staff see no personal data');
    assert.equal((await system.get(`/api/tenants/${tenantB.tenantId}/users/${userB}`, platform)).status, 403, 'platform staff see no personal data');
    assert.equal(
      (await system.request('POST', '/api/tenants', { token: tenantA.adminToken, body: { name: 'x', region: 'eu', contacts: {} } })).status,
      403,
      'customers cannot provision tenants',
    );
    assert.equal((await system.get('/api/tenants', tenantA.adminToken)).status, 403, 'customers cannot list tenants');
    const spoofed = await system.token({ sub: 'mixed', roles: ['ops.platform'], tid: tenantA.tenantId });
    assert.equal((await system.get('/api/tenants', spoofed)).status, 403, 'a customer token cannot carry vendor roles');
    const audit = await system.get<{ entries: { action: string; reason?: string; actor: { roles: string[] } }[] }>(
      `/api/tenants/${tenantB.tenantId}/audit?limit=50&log=security`,
      tenantB.adminToken,
    );
    assert.ok(
      audit.body.entries.some((e) => e.action === 'request.refused' && e.reason === 'SUPPORT.NO_GRANT' && e.actor.roles.includes('support')),
      "the refused support read is in the tenant's log",
    );
  });

  test('signing keys rotate: tokens from the new key are accepted once published, old ones keep working', async () => {
    const before = await opsToken(system);
    const rotated = await system.post<{ kid: string }>('/runtime/dev/issuer/rotate');
    assert.equal(rotated.status, 200);
    const after = await opsToken(system);
    assert.notEqual(
      JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid,
      JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid,
    );
    await system.advance('PT1M'); // past the JWKS refresh cool-down
    assert.equal((await system.get('/api/tenants', after)).status, 200);
    assert.equal((await system.get('/api/tenants', before)).status, 200);
  });
});
