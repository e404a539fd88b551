// Small builders for end-to-end fixtures: a tenant with its admin, users and records, made
// through the public API exactly as the admin portal would.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LocalSystem } from './local-system.js';

export interface TenantFixture {
  tenantId: string;
  region: 'uksouth' | 'eu';
  adminToken: string;
  contacts: { security: { name: string; email: string }[]; privacy: { name: string; email: string }[] };
}

let counter = 0;

export function contactsFor(label: string): TenantFixture['contacts'] {
  return {
    security: [{ name: `${label} Security Lead`, email: `security.${label}@customer.test` }],
    privacy: [{ name: `${label} DPO`, email: `dpo.${label}@customer.test` }],
  };
}

/** Fixture tokens outlive the virtual months a test moves through (expiry itself is tested on its own). */
const FIXTURE_TOKEN_LIFETIME = { lifetimeSeconds: 400 * 24 * 3600 };

/** The first retention sweep at or after `at`: RETENTION_SWEEP_SCHEDULE is Mondays 02:15 UTC locally. */
export function sweepAtOrAfter(at: Date): Date {
  const day = 24 * 3600_000;
  let sweep = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate(), 2, 15));
  while (sweep.getTime() < at.getTime() || sweep.getUTCDay() !== 1) sweep = new Date(sweep.getTime() + day);
  return sweep;
}

export async function opsToken(system: LocalSystem, role: 'ops.platform' | 'ops.breach' | 'support' = 'ops.platform'): Promise<string> {
  return system.token({ sub: `${role}-staff-1`, roles: [role] }, FIXTURE_TOKEN_LIFETIME);
}

export async function provisionTenant(
  system: LocalSystem,
  options: { region?: 'uksouth' | 'eu'; name?: string; adminNotificationContacts?: string[] } = {},
): Promise<TenantFixture> {
  const label = `c${++counter}${randomUUID().slice(0, 6)}`;
  const region = options.region ?? 'uksouth';
  const contacts = contactsFor(label);
  const response = await system.request<{ tenantId: string }>('POST', '/api/tenants', {
    token: await opsToken(system),
    body: {
      name: options.name ?? `Customer ${label} Ltd`,
      region,
      contacts,
      ...(options.adminNotificationContacts ? { adminNotificationContacts: options.adminNotificationContacts } : {}),
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const tenantId = response.body.tenantId;
  const adminToken = await system.token({ sub: `admin-of-${tenantId}`, roles: ['tenant.admin'], tid: tenantId }, FIXTURE_TOKEN_LIFETIME);
  return { tenantId, region, adminToken, contacts };
}

export interface UserFixture {
  userId: string;
  etag: string;
  name: string;
  email: string;
}

export async function createUser(
  system: LocalSystem,
  tenant: TenantFixture,
  overrides: Partial<{ name: string; email: string; role: string; department: string }> = {},
): Promise<UserFixture> {
  const n = ++counter;
  const body = {
    name: `Person ${n}`,
    email: `person${n}.${randomUUID().slice(0, 8)}@customer.test`,
    role: 'Shift supervisor',
    department: 'Operations',
    ...overrides,
  };
  const response = await system.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, { token: tenant.adminToken, body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { userId: response.body.userId, etag: response.headers.get('etag') ?? '', name: body.name, email: body.email };
}

export async function createRecord(
  system: LocalSystem,
  tenant: TenantFixture,
  module: string,
  body: { subjectUserId?: string; peopleUserIds?: string[]; data: Record<string, unknown> },
): Promise<{ recordId: string; etag: string }> {
  const response = await system.request<{ recordId: string }>('POST', `/api/tenants/${tenant.tenantId}/modules/${module}/records`, {
    token: tenant.adminToken,
    body,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { recordId: response.body.recordId, etag: response.headers.get('etag') ?? '' };
}

export async function auditHead(system: LocalSystem, tenant: TenantFixture): Promise<{ seq: number; hash: string }> {
  const response = await system.get<{ head: { seq: number; hash: string } }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
  assert.equal(response.status, 200);
  return response.body.head;
}
