// Breaches (ops.breach): open one (a draft, or ready to notify), release the notices of a draft,
// add phased information, read one, and the register (JSON or CSV). HTTP translation only: the
// rules are in shared/breaches, the sending in workflows/breaches.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { addUpdate, breachRegister, closeBreach, openBreach, readBreach, releaseNotices } from '../shared/breaches/breach-service.js';
import { breachUpdateSchema, CLOSE_EVENT, closeBreachSchema, notifyBreachSchema, openBreachSchema, RELEASE_EVENT, registerQuerySchema, updateEvent } from '../shared/breaches/breach.js';
import { registerCsv } from '../shared/breaches/register.js';
import { CSV_CONTENT_TYPE } from '../shared/exports/csv.js';
import { BREACH_ORCHESTRATOR } from '../workflows/breaches/orchestrator.js';
import { BREACH_ID } from '../shared/breaches/breach.js';

const breachParams = z.object({ breachId: z.string().regex(BREACH_ID, 'must be a breach id (b-…)') });
const client = df.input.durableClient();

/** Starts the breach's workflow unless it already runs (a retried request repairs a missed start). */
async function ensureWorkflow(invocation: InvocationContext, instanceId: string, breachId: string): Promise<void> {
  const durable = df.getClient(invocation);
  const status = await durable.getStatus(instanceId).catch(() => undefined);
  if (status && status.runtimeStatus !== undefined && status.name) return;
  await durable.startNew(BREACH_ORCHESTRATOR, { instanceId, input: { breachId } });
}

apiRoute(
  'openBreach',
  { route: 'breaches', method: 'POST', summary: 'Open a breach (Art 33): answers with notifyBy = awareAt + 72 hours', success: 202, tag: 'Breaches', headers: ['Idempotency-Key'], extraInputs: [client] },
  {
    auth: { vendor: 'breaches.manage' },
    body: openBreachSchema,
    handle: async ({ principal, body, services, meta, idempotency, invocation }) => {
      const opened = await openBreach(services, principal, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await ensureWorkflow(invocation, opened.instanceId, opened.entry.breachId);
      return { status: 202, body: opened.entry, headers: { location: `/api/breaches/${opened.entry.breachId}` } };
    },
  },
);

apiRoute(
  'listBreaches',
  { route: 'breaches', method: 'GET', summary: 'The breach register (Art 33(5)); ?format=csv for a spreadsheet', success: 200, tag: 'Breaches' },
  {
    auth: { vendor: 'breaches.manage' },
    query: registerQuerySchema,
    handle: async ({ principal, query, services }) => {
      const entries = await breachRegister(services, principal);
      if (query.format === 'csv') {
        return { status: 200, text: registerCsv(entries), headers: { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': 'attachment; filename="breach-register.csv"' } };
      }
      return { status: 200, body: { breaches: entries } };
    },
  },
);

apiRoute(
  'getBreach',
  { route: 'breaches/{breachId}', method: 'GET', summary: 'A breach with its notices, alerts and updates', success: 200, tag: 'Breaches' },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readBreach(services, principal, params.breachId) }),
  },
);

apiRoute(
  'notifyBreach',
  { route: 'breaches/{breachId}/notify', method: 'POST', summary: 'Send the notices of a draft breach (a delay reason after notifyBy)', success: 202, tag: 'Breaches', extraInputs: [client] },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: notifyBreachSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const released = await releaseNotices(services, principal, params.breachId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await ensureWorkflow(invocation, released.instanceId, released.entry.breachId);
      // Raised on every request, a repeat included: a lost wake-up is repaired by asking again.
      await df.getClient(invocation).raiseEvent(released.instanceId, RELEASE_EVENT, { at: meta.now.toISOString() });
      return { status: 202, body: released.entry, headers: { location: `/api/breaches/${released.entry.breachId}` } };
    },
  },
);

apiRoute(
  'addBreachUpdate',
  { route: 'breaches/{breachId}/updates', method: 'POST', summary: 'Add information in phases (Art 33(4)); every affected tenant gets an update', success: 202, tag: 'Breaches', headers: ['Idempotency-Key'], extraInputs: [client] },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: breachUpdateSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const added = await addUpdate(services, principal, params.breachId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      if (added.wake.length > 0) {
        await ensureWorkflow(invocation, added.instanceId, params.breachId);
        const durable = df.getClient(invocation);
        for (const seq of added.wake) await durable.raiseEvent(added.instanceId, updateEvent(seq), { seq });
      }
      return { status: 202, body: added.update, headers: { location: `/api/breaches/${params.breachId}` } };
    },
  },
);

apiRoute(
  'closeBreach',
  { route: 'breaches/{breachId}/close', method: 'POST', summary: 'Conclude a notified breach with its outcome (kept in the register; no further updates)', success: 200, tag: 'Breaches', extraInputs: [client] },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: closeBreachSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const closed = await closeBreach(services, principal, params.breachId, body, meta);
      // Raised on every request: a lost wake-up is repaired by asking again.
      await df
        .getClient(invocation)
        .raiseEvent(closed.instanceId, CLOSE_EVENT, { at: meta.now.toISOString() })
        .catch((error: unknown) => invocation.warn(`close not delivered to ${closed.instanceId}: ${error instanceof Error ? error.message : 'unknown error'}`));
      return { status: 200, body: closed.entry };
    },
  },
);
