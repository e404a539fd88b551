// Data-subject requests: intake (by the tenant's admins, or by vendor platform staff for a request
// the vendor received directly), reading, the open list with due dates, and each change of the
// request's lifecycle. Every change reaches the request's workflow as an event so it re-plans.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { Services } from '../shared/composition.js';
import { regionOf } from '../shared/tenancy/tenant-id.js';
import { announceChange } from '../workflows/reliability/announce-change.js';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import type { EndpointResult } from '../shared/http/endpoint.js';
import {
  cancelDsar,
  createDsar,
  extendDsar,
  liftRestriction,
  listOpenDsars,
  readDsar,
  recordClarification,
  recordIdentity,
  requestClarification,
  requestIdentity,
  retiredPause,
  recordEvidence,
  refuseDsar,
  requestFulfilment,
  vendorReceipt,
  type DsarResult,
} from '../shared/dsars/dsar-service.js';
import {
  clarificationSchema,
  createDsarSchema,
  DSAR_CHANGED_EVENT,
  dsarParams,
  evidenceSchema,
  identitySchema,
  reasonSchema,
  requestClarificationSchema,
  requestIdentitySchema,
} from '../shared/dsars/dsar.js';
import { DSAR_ORCHESTRATOR } from '../workflows/dsars/orchestrator.js';
import { z } from 'zod';
import { dsarListSchema, dsarViewSchema, vendorReceiptSchema, type DsarView } from '../shared/dsars/dsar.js';
import { problemSchema } from '../shared/http/problem.js';

const client = df.input.durableClient();
const dsarPath = (tenantId: string, dsarId: string): string => `/api/tenants/${tenantId}/dsars/${dsarId}`;

/**
 * Tells the request's workflow that it changed (the change is already stored), starting it if it is
 * not there. The open-flow index counts the change first, so one the workflow could not be told of
 * now reaches it through the reconciler within one interval (workflows/reliability/announce-change.ts).
 */
async function notifyWorkflow(invocation: InvocationContext, services: Services, result: DsarResult, change: string): Promise<void> {
  const escalation = result.view.schedule.find((s) => s.kind === 'escalation' && !s.done);
  // Never started, or ended while the request is still open (it failed): start it again; it re-reads the request.
  await announceChange(
    invocation,
    services,
    {
      kind: 'dsar',
      instanceId: result.instanceId,
      orchestrator: DSAR_ORCHESTRATOR,
      input: result.ref,
      tenantId: result.ref.tenantId,
      region: regionOf(result.ref.tenantId),
      deadline: result.view.open ? result.view.dueOn : null,
      dueAt: result.view.open && escalation ? escalation.at : null,
    },
    { signals: [{ event: DSAR_CHANGED_EVENT, data: { change } }], start: result.view.open ? 'if-not-running' : 'if-missing', closing: !result.view.open },
  );
}

function changed(result: DsarResult, status = 200): EndpointResult & { body: DsarView } {
  return { status, body: result.view };
}

apiRoute(
  'createDsar',
  {
    route: 'tenants/{tenantId}/dsars',
    method: 'POST',
    summary: 'Record a data-subject request; answers with its statutory due date',
    responses: { 201: z.union([dsarViewSchema, vendorReceiptSchema]), 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: ['dsars.manage', 'dsars.recordReceivedByVendor'] },
    params: tenantParams,
    body: createDsarSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await createDsar(services, principal, params.tenantId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // A duplicate is answered with the open request it was linked to: nothing new was created.
      if (!result.created) return { status: 200, body: result.view, headers: { location: dsarPath(params.tenantId, result.ref.dsarId) } };
      await notifyWorkflow(invocation, services, result, 'received');
      // Vendor staff get a receipt that reads the same for every person (no user id, no other request).
      if (result.view.receivedBy === 'vendor') return { status: 201, body: vendorReceipt(result) };
      return { status: 201, body: result.view, headers: { location: dsarPath(params.tenantId, result.ref.dsarId) } };
    },
  },
);

apiRoute(
  'listDsars',
  {
    route: 'tenants/{tenantId}/dsars',
    method: 'GET',
    summary: 'Open data-subject requests, soonest due first',
    responses: { 200: dsarListSchema },
    tag: 'Data-subject requests',
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => ({
      status: 200,
      body: { dsars: await listOpenDsars(services, principal, params.tenantId, meta) },
    }),
  },
);

apiRoute(
  'getDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}',
    method: 'GET',
    summary: 'A data-subject request with its deadline, history and outcome',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    handle: async ({ principal, params, services, meta }) => ({
      status: 200,
      body: await readDsar(services, principal, params.tenantId, params.dsarId, meta),
    }),
  },
);

apiRoute(
  'recordDsarIdentity',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/identity',
    method: 'POST',
    summary: 'Record receipt of identity evidence (restarts the clock)',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: identitySchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await recordIdentity(services, principal, params.tenantId, params.dsarId, body, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'identity-received');
      return changed(result);
    },
  },
);

apiRoute(
  'recordDsarEvidence',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/evidence',
    method: 'POST',
    summary: "Record receipt of a fee or of an agent's authority (restarts the clock)",
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: evidenceSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await recordEvidence(services, principal, params.tenantId, params.dsarId, body, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'evidence-received');
      return changed(result);
    },
  },
);

apiRoute(
  'extendDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/extend',
    method: 'POST',
    summary: 'Extend to three months from the start, with a reason',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: reasonSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await extendDsar(services, principal, params.tenantId, params.dsarId, body, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'extended');
      return changed(result);
    },
  },
);

apiRoute(
  'requestDsarIdentity',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/request-identity',
    method: 'POST',
    summary: 'Ask for identity evidence (from received or in progress): the clock stops and restarts on its receipt',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: requestIdentitySchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await requestIdentity(services, principal, params.tenantId, params.dsarId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, services, result, 'identity-requested');
      return changed(result);
    },
  },
);

apiRoute(
  'requestDsarClarification',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/request-clarification',
    method: 'POST',
    summary: 'Ask the person for clarification (UK access requests from 5 Feb 2026, Art 12A): the clock pauses until it arrives',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: requestClarificationSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await requestClarification(services, principal, params.tenantId, params.dsarId, body, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'clarification-requested');
      return changed(result);
    },
  },
);

apiRoute(
  'recordDsarClarification',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/clarification',
    method: 'POST',
    summary: 'Record the clarification received: the paused days do not count and the clock runs again',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: clarificationSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await recordClarification(services, principal, params.tenantId, params.dsarId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, services, result, 'clarification-received');
      return changed(result);
    },
  },
);

apiRoute(
  'pauseDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/pause',
    method: 'POST',
    summary: 'Retired (410): use request-clarification and clarification',
    responses: { 410: { problem: problemSchema, description: 'Retired: use request-clarification and clarification' } },
    tag: 'Data-subject requests',
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    handle: async () => retiredPause(),
  },
);

apiRoute(
  'fulfilDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/fulfil',
    method: 'POST',
    summary: 'Fulfil the request (access package, rectification, erasure, restriction, objection)',
    responses: { 202: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    handle: async ({ principal, params, services, meta, idempotency, invocation }) => {
      const result = await requestFulfilment(services, principal, params.tenantId, params.dsarId, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'fulfilment-requested');
      // The workflow carries it out (a package can take a while): poll the request for the outcome.
      return { status: 202, body: result.view, headers: { location: dsarPath(params.tenantId, params.dsarId) } };
    },
  },
);

apiRoute(
  'refuseDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/refuse',
    method: 'POST',
    summary: 'Refuse the request, with a reason',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    body: reasonSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const result = await refuseDsar(services, principal, params.tenantId, params.dsarId, body, {
        ...meta,
        ...(idempotency ? { idempotency } : {}),
      });
      await notifyWorkflow(invocation, services, result, 'refused');
      return changed(result);
    },
  },
);

apiRoute(
  'cancelDsar',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/cancel',
    method: 'POST',
    summary: 'Cancel the request',
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    handle: async ({ principal, params, services, meta, idempotency, invocation }) => {
      const result = await cancelDsar(services, principal, params.tenantId, params.dsarId, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, services, result, 'cancelled');
      return changed(result);
    },
  },
);

apiRoute(
  'liftDsarRestriction',
  {
    route: 'tenants/{tenantId}/dsars/{dsarId}/lift-restriction',
    method: 'POST',
    summary: "Lift the restriction of the person's data",
    responses: { 200: dsarViewSchema },
    tag: 'Data-subject requests',
    headers: ['Idempotency-Key'],
  },
  {
    auth: { tenant: 'dsars.manage' },
    params: dsarParams,
    handle: async ({ principal, params, services, meta, idempotency }) =>
      changed(await liftRestriction(services, principal, params.tenantId, params.dsarId, { ...meta, ...(idempotency ? { idempotency } : {}) })),
  },
);
