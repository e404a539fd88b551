// Module records (shift logs, approval chains, schedules, ...): create, read, correct, erase.
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { withEtag } from '../shared/http/common.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { correctRecord, createRecord, eraseRecord, readRecord } from '../shared/records/record-service.js';
import { correctRecordSchema, createRecordSchema, moduleParams } from '../shared/records/record.js';
import { plainText, recordIdSchema } from '../shared/http/text.js';
import { recordViewSchema } from '../shared/records/record.js';

const recordParams = moduleParams.extend({ recordId: recordIdSchema });

apiRoute(
  'createRecord',
  {
    route: 'tenants/{tenantId}/modules/{module}/records',
    method: 'POST',
    summary: 'Create a module record',
    responses: { 201: recordViewSchema },
    tag: 'Module records',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: moduleParams,
    body: createRecordSchema,
    handle: async ({ principal, params, body, services, meta, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      const rep = await createRecord(services, open, params.module, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      return withEtag(201, rep, { location: `/api/tenants/${params.tenantId}/modules/${params.module}/records/${rep.view.recordId}` });
    },
  },
);

apiRoute(
  'getRecord',
  {
    route: 'tenants/{tenantId}/modules/{module}/records/{recordId}',
    method: 'GET',
    summary: 'Read a module record with its original and corrections',
    responses: { 200: recordViewSchema },
    tag: 'Module records',
  },
  {
    auth: { tenant: 'personalData.read', grantScope: 'records:read' },
    params: recordParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.read', 'read', meta);
      return withEtag(200, await readRecord(services, open, params.module, params.recordId, meta));
    },
  },
);

apiRoute(
  'correctRecord',
  {
    route: 'tenants/{tenantId}/modules/{module}/records/{recordId}',
    method: 'PATCH',
    summary: 'Correct a module record (tracked beside the original; needs If-Match and a reason)',
    responses: { 200: recordViewSchema },
    tag: 'Module records',
    headers: ['If-Match', 'Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: recordParams,
    body: correctRecordSchema,
    handle: async ({ principal, params, body, services, meta, ifMatch, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      return withEtag(
        200,
        await correctRecord(services, open, params.module, params.recordId, body, { ...meta, ifMatch, ...(idempotency ? { idempotency } : {}) }),
      );
    },
  },
);

apiRoute(
  'eraseRecord',
  {
    route: 'tenants/{tenantId}/modules/{module}/records/{recordId}',
    method: 'DELETE',
    summary: 'Erase a module record (tombstone)',
    responses: { 200: recordViewSchema },
    tag: 'Module records',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'personalData.write' },
    params: recordParams,
    query: z.strictObject({ reason: plainText(1000).optional() }),
    handle: async ({ principal, params, query, services, meta, idempotency }) => {
      const open = await openTenant(services, principal, params.tenantId, 'personalData.write', 'write', meta);
      return withEtag(
        200,
        await eraseRecord(services, open, params.module, params.recordId, {
          ...meta,
          ...(query.reason ? { reason: query.reason } : {}),
          ...(idempotency ? { idempotency } : {}),
        }),
      );
    },
  },
);
