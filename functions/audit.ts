// A tenant's audit log: paged newest first, and a check of its hash chain.
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { auditPage, auditVerification } from '../shared/audit/audit-view.js';
import { AUDIT_LOGS } from '../shared/audit/chain.js';
import { auditPageSchema, auditVerificationSchema } from '../shared/audit/audit-view.js';


apiRoute(
  'listAuditEntries',
  {
    route: 'tenants/{tenantId}/audit',
    method: 'GET',
    summary: "Page the tenant's audit log, newest first",
    responses: { 200: auditPageSchema },
    tag: 'Audit log',
  },
  {
    auth: { tenant: 'audit.read', grantScope: 'audit:read' },
    params: tenantParams,
    query: z.strictObject({
      cursor: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a cursor from a previous page')
        .optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      log: z.enum(AUDIT_LOGS).optional(),
    }),
    handle: async ({ principal, params, query, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'audit.read', 'read', meta);
      return {
        status: 200,
        body: await auditPage(
          services,
          open,
          { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}), ...(query.log ? { log: query.log } : {}) },
          meta,
        ),
      };
    },
  },
);

apiRoute(
  'verifyAuditLog',
  {
    route: 'tenants/{tenantId}/audit/verify',
    method: 'GET',
    summary: "Verify the audit log's hash chain",
    responses: { 200: auditVerificationSchema },
    tag: 'Audit log',
  },
  {
    auth: { tenant: 'audit.read', grantScope: 'audit:read' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'audit.read', 'read', meta);
      return { status: 200, body: await auditVerification(services, open, meta) };
    },
  },
);
