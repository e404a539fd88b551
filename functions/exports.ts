// Exports of user records, the audit log and each module (CSV or JSON), as durable jobs. They
// work while a tenant is in its termination grace window too.
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { readExport, requestExport, requestExportSchema } from '../shared/exports/export-jobs.js';
import { EXPORT_ORCHESTRATOR } from '../workflows/exports/orchestrator.js';
import { startOrSignal } from '../workflows/kit/index.js';
import { exportViewSchema } from '../shared/exports/export-jobs.js';
import { announceChange } from '../workflows/reliability/announce-change.js';


apiRoute(
  'requestExport',
  {
    route: 'tenants/{tenantId}/exports',
    method: 'POST',
    summary: 'Export users, the audit log or a module (CSV or JSON) as a durable job',
    responses: { 202: exportViewSchema },
    tag: 'Exports',
    headers: ['Idempotency-Key'],
    extraInputs: [df.input.durableClient()],
  },
  {
    auth: { tenant: 'exports.manage' },
    params: tenantParams,
    body: requestExportSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'exports.manage', 'export', meta);
      const { view, instanceId } = await requestExport(services, open, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // Idempotent start: a retried request (same Idempotency-Key) finds the job already running; the
      // reconciler starts one whose start failed, and looks again after an hour (a job takes minutes).
      await announceChange(invocation, services, {
        kind: 'export',
        instanceId,
        orchestrator: EXPORT_ORCHESTRATOR,
        input: { tenantId: open.partition.tenantId, exportId: view.exportId },
        tenantId: open.partition.tenantId,
        region: open.partition.ref.region,
        dueAt: new Date(meta.now.getTime() + 3600_000).toISOString(),
      });
      return { status: 202, body: view, headers: { location: `/api/tenants/${params.tenantId}/exports/${view.exportId}`, 'retry-after': '2' } };
    },
  },
);

apiRoute(
  'getExport',
  {
    route: 'tenants/{tenantId}/exports/{exportId}',
    method: 'GET',
    summary: 'Export job status and, when ready, a fresh expiring download link',
    responses: { 200: exportViewSchema },
    tag: 'Exports',
  },
  {
    auth: { tenant: 'exports.manage' },
    params: tenantParams.extend({ exportId: z.string().regex(/^[0-9a-f]{16}$/, 'must be an export id') }),
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'exports.manage', 'export', meta);
      return { status: 200, body: await readExport(services, open, params.exportId, meta) };
    },
  },
);
