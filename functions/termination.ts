// Tenant termination: request it (30-day grace window, then deletion), reactivate within grace,
// follow its progress, and fetch the signed deletion certificate (also after deletion).
import * as df from 'durable-functions';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { cancelTermination, readTermination, requestTermination } from '../shared/termination/termination-service.js';
import { readCertificate } from '../shared/termination/deletion-certificate.js';
import { readReturnedData, returnedDataSchema } from '../shared/termination/data-return.js';
import { REACTIVATE_EVENT, requestTerminationSchema } from '../shared/termination/termination.js';
import { TERMINATION_ORCHESTRATOR } from '../workflows/termination/orchestrator.js';
import { startOrSignal } from '../workflows/kit/index.js';
import { deletionCertificateViewSchema, terminationViewSchema } from '../shared/termination/termination.js';

const client = df.input.durableClient();

apiRoute(
  'requestTermination',
  { route: 'tenants/{tenantId}/termination', method: 'POST', summary: 'Terminate the tenancy: 30-day grace window, then deletion and a certificate', responses: { 202: terminationViewSchema }, tag: 'Termination', extraInputs: [client] },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    body: requestTerminationSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const requested = await requestTermination(services, principal, params.tenantId, body, meta);
      // Started unless it already runs (a retried request repairs a missed start).
      await startOrSignal(invocation, { orchestrator: TERMINATION_ORCHESTRATOR, instanceId: requested.instanceId, input: requested.input });
      return { status: 202, body: requested.view, headers: { location: `/api/tenants/${params.tenantId}/termination` } };
    },
  },
);

apiRoute(
  'getTermination',
  { route: 'tenants/{tenantId}/termination', method: 'GET', summary: 'Termination phase, dates and deletion counts (also after deletion)', responses: { 200: terminationViewSchema }, tag: 'Termination' },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readTermination(services, principal, params.tenantId) }),
  },
);

apiRoute(
  'cancelTermination',
  { route: 'tenants/{tenantId}/termination/cancel', method: 'POST', summary: 'Reactivate within the grace window', responses: { 200: terminationViewSchema }, tag: 'Termination', extraInputs: [client] },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta, invocation }) => {
      const cancelled = await cancelTermination(services, principal, params.tenantId, meta);
      // The tenant is already active again; the event only ends the workflow's wait early.
      // If it cannot be told now, it finds the tenant active when grace ends and stops then.
      await startOrSignal(
        invocation,
        { orchestrator: TERMINATION_ORCHESTRATOR, instanceId: cancelled.instanceId, input: cancelled.input },
        { signals: [{ event: REACTIVATE_EVENT, data: { at: meta.now.toISOString() } }], start: 'never', delivery: 'best-effort' },
      );
      return { status: 200, body: cancelled.view };
    },
  },
);

apiRoute(
  'getDeletionCertificate',
  { route: 'tenants/{tenantId}/deletion-certificate', method: 'GET', summary: 'The signed deletion certificate (final if issued, else interim)', responses: { 200: deletionCertificateViewSchema }, tag: 'Termination' },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readCertificate(services, principal, params.tenantId) }),
  },
);

apiRoute(
  'getReturnedData',
  { route: 'tenants/{tenantId}/termination/returned-data', method: 'GET', summary: 'Return-then-delete: fresh download links to the returned package (admins of the tenant, until deletion)', responses: { 200: returnedDataSchema }, tag: 'Termination' },
  {
    auth: { tenant: 'exports.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => ({ status: 200, body: await readReturnedData(services, principal, params.tenantId, meta) }),
  },
);
