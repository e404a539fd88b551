// What a customer's DPO and auditor ask for: the record of processing (Art 30(2), JSON or CSV), the
// evidence pack (DPA §11, a durable job), and audit requests (once a year unless justified). HTTP
// translation only: the rules are in shared/processing, the building in workflows/evidence-packs.
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { CSV_CONTENT_TYPE, toCsv } from '../shared/exports/csv.js';
import { openTenant, workInTenant } from '../shared/tenants/tenant-access.js';
import { RECORD_CSV_HEADERS, recordOfProcessing, recordOfProcessingSchema, recordRows } from '../shared/processing/record-of-processing.js';
import { evidencePackViewSchema, PACK_ID, readEvidencePack, requestEvidencePack } from '../shared/processing/evidence-pack.js';
import {
  auditRequestListSchema,
  auditRequestSchema,
  auditRequestConflictSchema,
  auditRequestViewSchema,
  listAuditRequests,
  requestAudit,
} from '../shared/processing/audit-requests.js';
import { EVIDENCE_PACK_ORCHESTRATOR } from '../workflows/evidence-packs/orchestrator.js';
import { announceChange } from '../workflows/reliability/announce-change.js';

apiRoute(
  'getRecordOfProcessing',
  {
    route: 'tenants/{tenantId}/records-of-processing',
    method: 'GET',
    summary: 'The record of processing for this tenant (Art 30(2)); ?format=csv',
    responses: { 200: { json: recordOfProcessingSchema, csv: true } },
    tag: 'Records of processing',
  },
  {
    auth: { tenant: 'processingRecords.read' },
    params: tenantParams,
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
    handle: async ({ principal, params, query, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'processingRecords.read', 'read', meta);
      const record = await recordOfProcessing(services, open, meta.now);
      await workInTenant(services, open, meta, async (tx) => {
        tx.audit({ action: 'processing-record.read', target: { type: 'tenant', id: open.partition.tenantId } });
      });
      if (query.format === 'csv') {
        return {
          status: 200,
          text: toCsv(RECORD_CSV_HEADERS, recordRows(record)),
          headers: { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': `attachment; filename="record-of-processing-${params.tenantId}.csv"` },
        };
      }
      return { status: 200, body: record };
    },
  },
);

apiRoute(
  'requestEvidencePack',
  {
    route: 'tenants/{tenantId}/evidence-packs',
    method: 'POST',
    summary: "Build an evidence pack for the customer's auditor (durable job; one at a time per tenant)",
    responses: { 202: evidencePackViewSchema },
    tag: 'Records of processing',
    headers: ['Idempotency-Key'],
    extraInputs: [df.input.durableClient()],
  },
  {
    auth: { tenant: 'evidencePacks.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta, idempotency, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'evidencePacks.manage', 'export', meta);
      const { view, instanceId } = await requestEvidencePack(services, open, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // Idempotent start: the running pack's job is found already started; one whose workflow ended
      // without recording an outcome (it still holds the tenant's pack lock) is started again.
      // In the open-flow index like an export job: the reconciler starts one whose start failed, and looks again after an hour.
      await announceChange(
        invocation,
        services,
        {
          kind: 'evidence-pack',
          instanceId,
          orchestrator: EVIDENCE_PACK_ORCHESTRATOR,
          input: { tenantId: open.partition.tenantId, packId: view.evidencePackId },
          tenantId: open.partition.tenantId,
          region: open.partition.ref.region,
          dueAt: new Date(meta.now.getTime() + 3600_000).toISOString(),
        },
        { start: 'if-not-running' },
      );
      return {
        status: 202,
        body: view,
        headers: { location: `/api/tenants/${params.tenantId}/evidence-packs/${view.evidencePackId}`, 'retry-after': '5' },
      };
    },
  },
);

apiRoute(
  'getEvidencePack',
  {
    route: 'tenants/{tenantId}/evidence-packs/{evidencePackId}',
    method: 'GET',
    summary: 'Evidence pack status, its signed manifest and, when ready, a fresh expiring download link',
    responses: { 200: evidencePackViewSchema },
    tag: 'Records of processing',
  },
  {
    auth: { tenant: 'evidencePacks.manage' },
    params: tenantParams.extend({ evidencePackId: z.string().regex(PACK_ID, 'must be an evidence pack id') }),
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'evidencePacks.manage', 'export', meta);
      return { status: 200, body: await readEvidencePack(services, open, params.evidencePackId, meta) };
    },
  },
);

apiRoute(
  'requestAudit',
  {
    route: 'tenants/{tenantId}/audit-requests',
    method: 'POST',
    summary: 'Request an audit (DPA §11): 409 with nextAllowedOn within 12 months of the last, unless ops.platform records a justification',
    responses: {
      201: auditRequestViewSchema,
      409: {
        problem: auditRequestConflictSchema,
        description: 'An audit was requested within the last 12 months (nextAllowedOn), or the tenant cannot take requests',
      },
    },
    tag: 'Records of processing',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'auditRequests.submit' },
    params: tenantParams,
    body: auditRequestSchema,
    handle: async ({ principal, params, body, services, meta, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'auditRequests.submit', 'read', meta);
      const view = await requestAudit(services, principal, open, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      return { status: 201, body: view, headers: { location: `/api/tenants/${params.tenantId}/audit-requests` } };
    },
  },
);

apiRoute(
  'listAuditRequests',
  {
    route: 'tenants/{tenantId}/audit-requests',
    method: 'GET',
    summary: 'Every audit request of the tenant, newest first, with the date the next is allowed',
    responses: { 200: auditRequestListSchema },
    tag: 'Records of processing',
  },
  {
    auth: { tenant: 'auditRequests.submit' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'auditRequests.submit', 'read', meta);
      return { status: 200, body: { auditRequests: await listAuditRequests(services, open, meta) } };
    },
  },
);
