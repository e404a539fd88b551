// Data-subject requests: intake (by the tenant's admins, or by vendor platform staff for a request
// the vendor received directly), reading, the open list with due dates, and each change of the
// request's lifecycle. Every change reaches the request's workflow as an event so it re-plans.
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { endpoint, type EndpointResult } from '../shared/http/endpoint.js';
import {
  cancelDsar,
  createDsar,
  extendDsar,
  liftRestriction,
  listOpenDsars,
  pauseDsar,
  readDsar,
  recordIdentity,
  refuseDsar,
  requestFulfilment,
  type DsarResult,
} from '../shared/dsars/dsar-service.js';
import { createDsarSchema, DSAR_CHANGED_EVENT, dsarParams, identitySchema, pauseSchema, reasonSchema } from '../shared/dsars/dsar.js';
import { DSAR_ORCHESTRATOR } from '../workflows/dsars/orchestrator.js';

const tenantParams = z.object({ tenantId: z.string().min(1).max(64) });
const client = df.input.durableClient();
const RUNNING: ReadonlySet<string> = new Set([df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending, df.OrchestrationRuntimeStatus.ContinuedAsNew, df.OrchestrationRuntimeStatus.Suspended]);
const dsarPath = (tenantId: string, dsarId: string): string => `/api/tenants/${tenantId}/dsars/${dsarId}`;

/**
 * Tells the request's workflow that it changed, starting it if it is not there (a start that failed
 * after the request was stored is repaired by the next change). If the event cannot be delivered
 * now, the workflow still re-reads the request at its next timer.
 */
async function notifyWorkflow(invocation: InvocationContext, result: DsarResult, change: string): Promise<void> {
  const durable = df.getClient(invocation);
  try {
    const status = await durable.getStatus(result.instanceId).catch(() => undefined);
    const missing = !status || status.runtimeStatus === undefined || !status.name;
    const running = !missing && RUNNING.has(status.runtimeStatus);
    if (running) await durable.raiseEvent(result.instanceId, DSAR_CHANGED_EVENT, { change });
    // Never started, or ended while the request is still open (it failed): start it again; it re-reads the request.
    else if (missing || result.view.open) await durable.startNew(DSAR_ORCHESTRATOR, { instanceId: result.instanceId, input: result.ref });
  } catch (error) {
    invocation.warn(`workflow ${result.instanceId} not told of ${change}: ${error instanceof Error ? error.message : 'unknown error'}`);
  }
}

function changed(result: DsarResult, status = 200): EndpointResult {
  return { status, body: result.view };
}

app.http('createDsar', {
  route: 'tenants/{tenantId}/dsars',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: tenantParams,
    body: createDsarSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const result = await createDsar(services, principal, params.tenantId, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      const location = { location: dsarPath(params.tenantId, result.ref.dsarId) };
      // A duplicate is answered with the open request it was linked to: nothing new was created.
      if (!result.created) return { status: 200, body: result.view, headers: location };
      await notifyWorkflow(invocation, result, 'received');
      return { status: 201, body: result.view, headers: location };
    },
  }),
});

app.http('listDsars', {
  route: 'tenants/{tenantId}/dsars',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: tenantParams,
    handle: async ({ principal, params, services, requestId, now }) => ({ status: 200, body: { dsars: await listOpenDsars(services, principal, params.tenantId, { requestId, now }) } }),
  }),
});

app.http('getDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: dsarParams,
    handle: async ({ principal, params, services, requestId, now }) => ({ status: 200, body: await readDsar(services, principal, params.tenantId, params.dsarId, { requestId, now }) }),
  }),
});

app.http('recordDsarIdentity', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/identity',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    body: identitySchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const result = await recordIdentity(services, principal, params.tenantId, params.dsarId, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'identity-received');
      return changed(result);
    },
  }),
});

app.http('extendDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/extend',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    body: reasonSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const result = await extendDsar(services, principal, params.tenantId, params.dsarId, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'extended');
      return changed(result);
    },
  }),
});

app.http('pauseDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/pause',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    body: pauseSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const result = await pauseDsar(services, principal, params.tenantId, params.dsarId, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'paused');
      return changed(result);
    },
  }),
});

app.http('fulfilDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/fulfil',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    handle: async ({ principal, params, services, requestId, now, idempotency, invocation }) => {
      const result = await requestFulfilment(services, principal, params.tenantId, params.dsarId, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'fulfilment-requested');
      // The workflow carries it out (a package can take a while): poll the request for the outcome.
      return { status: 202, body: result.view, headers: { location: dsarPath(params.tenantId, params.dsarId) } };
    },
  }),
});

app.http('refuseDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/refuse',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    body: reasonSchema,
    handle: async ({ principal, params, body, services, requestId, now, idempotency, invocation }) => {
      const result = await refuseDsar(services, principal, params.tenantId, params.dsarId, body, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'refused');
      return changed(result);
    },
  }),
});

app.http('cancelDsar', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [client],
  handler: endpoint({
    params: dsarParams,
    handle: async ({ principal, params, services, requestId, now, idempotency, invocation }) => {
      const result = await cancelDsar(services, principal, params.tenantId, params.dsarId, { requestId, now, ...(idempotency ? { idempotency } : {}) });
      await notifyWorkflow(invocation, result, 'cancelled');
      return changed(result);
    },
  }),
});

app.http('liftDsarRestriction', {
  route: 'tenants/{tenantId}/dsars/{dsarId}/lift-restriction',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: endpoint({
    params: dsarParams,
    handle: async ({ principal, params, services, requestId, now, idempotency }) =>
      changed(await liftRestriction(services, principal, params.tenantId, params.dsarId, { requestId, now, ...(idempotency ? { idempotency } : {}) })),
  }),
});
