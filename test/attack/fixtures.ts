// Victims for the attacks: tenants and users made through the public API, as a customer would.
import { randomUUID } from 'node:crypto';
import type { AttackTarget } from './target.js';

export interface VictimTenant {
  tenantId: string;
  adminToken: string;
}

export async function opsToken(
  target: AttackTarget,
  role: 'ops.platform' | 'ops.breach' | 'support' = 'ops.platform',
  sub = `attack-${role}`,
): Promise<string> {
  return target.token({ sub, roles: [role] });
}

export function tenantBody(label: string, region: 'uksouth' | 'eu' = 'uksouth'): Record<string, unknown> {
  return {
    name: `Victim ${label} Ltd`,
    region,
    contacts: {
      security: [{ name: `${label} Security`, email: `security.${label}@victim.test` }],
      privacy: [{ name: `${label} DPO`, email: `dpo.${label}@victim.test` }],
    },
  };
}

export async function victimTenant(target: AttackTarget, region: 'uksouth' | 'eu' = 'uksouth'): Promise<VictimTenant> {
  const label = randomUUID().slice(0, 8);
  const answer = await target.request<{ tenantId: string }>('POST', '/api/tenants', { token: await opsToken(target), body: tenantBody(label, region) });
  if (answer.status !== 201) throw new Error(`could not provision a victim tenant: ${answer.status} ${JSON.stringify(answer.body)}`);
  const tenantId = answer.body.tenantId;
  return { tenantId, adminToken: await target.token({ sub: `admin-${label}`, roles: ['tenant.admin'], tid: tenantId }) };
}

export async function victimUser(target: AttackTarget, tenant: VictimTenant): Promise<{ userId: string; etag: string }> {
  const label = randomUUID().slice(0, 8);
  const answer = await target.request<{ userId: string }>('POST', `/api/tenants/${tenant.tenantId}/users`, {
    token: tenant.adminToken,
    body: { name: `Person ${label}`, email: `person.${label}@victim.test` },
  });
  if (answer.status !== 201) throw new Error(`could not create a victim user: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { userId: answer.body.userId, etag: answer.headers.get('etag') ?? '' };
}
