// Exports of user records, the audit log and each module (CSV or JSON), as durable jobs. They
// work while a tenant is in its termination grace window too.
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { endpoint } from '../shared/http/endpoint.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { readExport, requestExport, requestExportSchema } from '../shared/exports/export-jobs.js';
import { EXPORT_ORCHESTRATOR } from '../workflows/exports/export-job.js';

const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });

app.http('requestExport', {
  route: 'tenants/{tenantId}/exports',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: endpoint({
    params: tenantParams,
    body: requestExportSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'exports.manage', 'export', { requestId, now });
      const { view, instanceId } = await requestExport(services, open, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      const client = df.getClient(invocation);
      // Idempotent start: a retried request (same Idempotency-Key) finds the job already running.
      const existing = await client.getStatus(instanceId).catch(() => undefined);
      if (!existing?.name) await client.startNew(EXPORT_ORCHESTRATOR, { instanceId, input: { tenantId: open.partition.tenantId, exportId: view.exportId } });
      return { status: 202, body: view, headers: { location: `/api/tenants/${params.tenantId}/exports/${view.exportId}`, 'retry-after': '2' } };
    },
  }),
});

app.http('getExport', {
  route: 'tenants/{tenantId}/exports/{exportId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: tenantParams.extend({ exportId: z.string().regex(/^[0-9a-f]{16}$/, 'must be an export id') }),
    handle: async ({ principal, params, services, requestId, now }) => {
      const open = await openTenant(services, principal, params.tenantId, 'exports.manage', 'export', { requestId, now });
      return { status: 200, body: await readExport(services, open, params.exportId, { requestId, now }) };
    },
  }),
});
