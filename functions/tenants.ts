// Tenants: provisioning by vendor platform staff, and reading a tenant (its region, status and
// nominated contacts).
import { z } from 'zod';
import { REGIONS } from '../shared/config.js';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams, withEtag } from '../shared/http/common.js';
import { configHistorySchema, configurationHistory, updateTenant, updateTenantSchema } from '../shared/tenants/configuration.js';
import { etagOf } from '../shared/store/versioning.js';
import { openTenant, workInTenant } from '../shared/tenants/tenant-access.js';
import { listTenants, provisionTenant, tenantView } from '../shared/tenants/tenant-service.js';
import { provisionTenantSchema, TENANT_STATUSES } from '../shared/tenants/tenant.js';
import { tenantListSchema, tenantViewSchema } from '../shared/tenants/tenant.js';


apiRoute(
  'provisionTenant',
  {
    route: 'tenants',
    method: 'POST',
    summary: 'Provision a tenant, pinned for life to its region',
    responses: { 201: tenantViewSchema },
    tag: 'Tenants',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { vendor: 'tenants.provision' },
    body: provisionTenantSchema,
    handle: async ({ principal, body, services, meta, idempotency }) => {
      const { view, created } = await provisionTenant(services, principal, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // A retry with the same Idempotency-Key gets the first answer again, marked as a replay.
      return {
        status: 201,
        body: view,
        headers: { location: `/api/tenants/${view.tenantId}`, ...(created ? {} : { 'idempotent-replayed': 'true' }) },
      };
    },
  },
);

apiRoute(
  'listTenants',
  {
    route: 'tenants',
    method: 'GET',
    summary: 'Every tenant in every region, without contacts (vendor staff)',
    responses: { 200: tenantListSchema },
    tag: 'Tenants',
  },
  {
    auth: { vendor: 'tenants.list' },
    query: z.strictObject({ region: z.enum(REGIONS).optional(), status: z.enum(TENANT_STATUSES).optional() }),
    handle: async ({ principal, query, services }) => ({
      status: 200,
      body: { tenants: await listTenants(services, principal, query) },
    }),
  },
);

apiRoute(
  'getTenant',
  {
    route: 'tenants/{tenantId}',
    method: 'GET',
    summary: 'A tenant: region, status and nominated contacts',
    responses: { 200: tenantViewSchema },
    tag: 'Tenants',
  },
  {
    auth: { tenant: 'tenants.read', grantScope: 'config:read' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'tenants.read', 'read', meta);
      const view = await tenantView(services, open);
      await workInTenant(services, open, meta, async (tx) => {
        tx.audit({ action: 'tenant.read', target: { type: 'tenant', id: open.tenant.tenantId } });
      });
      return withEtag(200, { view, etag: etagOf(open.tenant.version) });
    },
  },
);

apiRoute(
  'updateTenant',
  {
    route: 'tenants/{tenantId}',
    method: 'PATCH',
    summary:
      "Change the name, the nominated security and privacy contacts and the administrators' notification addresses (needs If-Match and a reason; kept in the history)",
    responses: { 200: tenantViewSchema },
    tag: 'Tenants',
    headers: ['If-Match'],
  },
  {
    auth: { tenant: 'tenants.configure' },
    params: tenantParams,
    body: updateTenantSchema,
    handle: async ({ principal, params, body, services, meta, ifMatch }) => {
      // 'obligation': the contacts must stay right through the grace window (the deletion certificate goes to them).
      const open = await openTenant(services, principal, params.tenantId, 'tenants.configure', 'obligation', meta);
      return withEtag(200, await updateTenant(services, open, body, { ...meta, ifMatch }));
    },
  },
);

apiRoute(
  'getTenantHistory',
  {
    route: 'tenants/{tenantId}/history',
    method: 'GET',
    summary: 'Every configuration change: who, when, why, values before and after',
    responses: { 200: configHistorySchema },
    tag: 'Tenants',
  },
  {
    auth: { tenant: 'tenants.read' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'tenants.read', 'read', meta);
      return { status: 200, body: { changes: await configurationHistory(services, open, meta) } };
    },
  },
);
