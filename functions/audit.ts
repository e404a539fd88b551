// A tenant's audit log: paged newest first, and a check of its hash chain.
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { auditPage, auditVerification } from '../shared/audit/audit-view.js';


apiRoute(
  'listAuditEntries',
  { route: 'tenants/{tenantId}/audit', method: 'GET', summary: "Page the tenant's audit log, newest first", success: 200, tag: 'Audit log' },
  {
    params: tenantParams,
    query: z.strictObject({
      cursor: z.coerce.number().int().positive().optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    handle: async ({ principal, params, query, services, requestId, now }) => {
      const open = await openTenant(services, principal, params.tenantId, 'audit.read', 'read', { requestId, now });
      return { status: 200, body: await auditPage(services, open, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }, { requestId, now }) };
    },
  },
);

apiRoute(
  'verifyAuditLog',
  { route: 'tenants/{tenantId}/audit/verify', method: 'GET', summary: "Verify the audit log's hash chain", success: 200, tag: 'Audit log' },
  {
    params: tenantParams,
    handle: async ({ principal, params, services, requestId, now }) => {
      const open = await openTenant(services, principal, params.tenantId, 'audit.read', 'read', { requestId, now });
      return { status: 200, body: await auditVerification(services, open, { requestId, now }) };
    },
  },
);
