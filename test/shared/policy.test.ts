// The permission matrix: tenant admins act only on their own tenant, vendor roles only within their role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { can } from '../../shared/auth/policy.js';
import { principalFromClaims } from '../../shared/auth/principal.js';

const admin = principalFromClaims({ sub: 'a', roles: ['tenant.admin'], tid: 't-uks-aaaaaaaaaaaaaaaaaaaa' })!;
const support = principalFromClaims({ sub: 's', roles: ['support'] })!;
const platform = principalFromClaims({ sub: 'p', roles: ['ops.platform'] })!;
const breach = principalFromClaims({ sub: 'b', roles: 'ops.breach' })!;

test('a tenant admin may act on its own tenant only', () => {
  assert.equal(can(admin, 'personalData.write', 't-uks-aaaaaaaaaaaaaaaaaaaa'), true);
  assert.equal(can(admin, 'personalData.write', 't-uks-bbbbbbbbbbbbbbbbbbbb'), false);
  assert.equal(can(admin, 'tenants.provision'), false);
});

test('vendor roles have exactly their permissions, on any tenant', () => {
  assert.equal(can(support, 'supportAccess.request', 't-eu-bbbbbbbbbbbbbbbbbbbb'), true);
  assert.equal(can(support, 'personalData.write', 't-eu-bbbbbbbbbbbbbbbbbbbb'), false);
  assert.equal(can(platform, 'tenants.provision'), true);
  assert.equal(can(platform, 'personalData.read', 't-eu-bbbbbbbbbbbbbbbbbbbb'), false);
  assert.equal(can(breach, 'breaches.manage'), true);
  assert.equal(can(breach, 'personalData.read', 't-eu-bbbbbbbbbbbbbbbbbbbb'), false);
});

test('unknown roles are ignored and a customer token cannot carry vendor powers', () => {
  assert.deepEqual(principalFromClaims({ sub: 'x', roles: ['root', 'support'] })?.roles, ['support']);
  const mixed = principalFromClaims({ sub: 'm', roles: ['ops.platform'], tid: 't-uks-aaaaaaaaaaaaaaaaaaaa' })!;
  assert.equal(can(mixed, 'tenants.provision'), false);
});

test('support has no standing access: a grant lends its route permissions on its own tenant only', () => {
  const tenant = 't-eu-bbbbbbbbbbbbbbbbbbbb';
  for (const permission of ['personalData.read', 'audit.read', 'tenants.read', 'dsars.manage'] as const)
    assert.equal(can(support, permission, tenant), false, permission);
  const granted = {
    ...support,
    supportGrant: {
      tenantId: tenant,
      grantId: 'g-0123456789abcdef',
      scope: 'users:read',
      permissions: ['personalData.read'],
      origin: 'DE',
      originSource: 'declared' as const,
    },
  };
  assert.equal(can(granted, 'personalData.read', tenant), true);
  assert.equal(can(granted, 'personalData.read', 't-eu-cccccccccccccccccccc'), false);
  assert.equal(can(granted, 'personalData.write', tenant), false);
  assert.equal(can(granted, 'audit.read', tenant), false);
  // A customer's token cannot borrow a grant either.
  const customer = { ...granted, tenantId: 't-uks-aaaaaaaaaaaaaaaaaaaa' };
  assert.equal(can(customer, 'personalData.read', tenant), false);
});
