// Tenants: provisioning by vendor platform staff, and reading a tenant (its region, status and
// nominated contacts).
import { app } from '@azure/functions';
import { z } from 'zod';
import { REGIONS } from '../shared/config.js';
import { authorize } from '../shared/auth/policy.js';
import { endpoint } from '../shared/http/endpoint.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { listTenants, provisionTenant, tenantView } from '../shared/tenants/tenant-service.js';
import { provisionTenantSchema, TENANT_STATUSES } from '../shared/tenants/tenant.js';
import { runTenantWork } from '../shared/store/unit-of-work.js';

export const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });

const provision = endpoint({
  authorize: (principal) => authorize(principal, 'tenants.provision'),
  body: provisionTenantSchema,
  handle: async ({ principal, body, services, requestId, now, idempotency }) => {
    const { view } = await provisionTenant(services, principal, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
    return { status: 201, body: view, headers: { location: `/api/tenants/${view.tenantId}` } };
  },
});
app.http('provisionTenant', { route: 'tenants', methods: ['POST'], authLevel: 'anonymous', handler: provision });

const list = endpoint({
  authorize: (principal) => authorize(principal, 'tenants.list'),
  query: z.strictObject({ region: z.enum(REGIONS).optional(), status: z.enum(TENANT_STATUSES).optional() }),
  handle: async ({ principal, query, services }) => ({
    status: 200,
    body: { tenants: await listTenants(services, principal, query) },
  }),
});
app.http('listTenants', { route: 'tenants', methods: ['GET'], authLevel: 'anonymous', handler: list });

const read = endpoint({
  params: tenantParams,
  handle: async ({ principal, params, services, requestId, now }) => {
    const open = await openTenant(services, principal, params.tenantId, 'tenants.read', 'read', { requestId, now });
    const view = await tenantView(services, open);
    await runTenantWork(services.keyring, open.partition, { actor: open.actor, requestId, now }, async (tx) => {
      tx.audit({ action: 'tenant.read', target: { type: 'tenant', id: open.tenant.tenantId } });
    });
    return { status: 200, body: view };
  },
});
app.http('getTenant', { route: 'tenants/{tenantId}', methods: ['GET'], authLevel: 'anonymous', handler: read });
