// Breaches (ops.breach): open one (a draft, or ready to notify), release the notices of a draft,
// add phased information, read one, and the register (JSON or CSV). HTTP translation only: the
// rules are in shared/breaches, the sending in workflows/breaches.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { addUpdate, breachRegister, closeBreach, openBreach, readBreach, releaseNotices } from '../shared/breaches/breach-service.js';
import {
  breachUpdateSchema,
  CLOSE_EVENT,
  closeBreachSchema,
  notifyBreachSchema,
  openBreachSchema,
  RELEASE_EVENT,
  registerQuerySchema,
  updateEvent,
} from '../shared/breaches/breach.js';
import { registerCsv } from '../shared/breaches/register.js';
import { CSV_CONTENT_TYPE } from '../shared/exports/csv.js';
import { BREACH_ORCHESTRATOR } from '../workflows/breaches/orchestrator.js';
import { BREACH_ID } from '../shared/breaches/breach.js';
import { breachEntrySchema, breachRegisterSchema, breachUpdateViewSchema } from '../shared/breaches/register.js';
import type { Services } from '../shared/composition.js';
import { CONTROL_REGION } from '../shared/store/cosmos-stores.js';
import type { Signal } from '../workflows/kit/index.js';
import { announceChange, type ChangeAnnouncement } from '../workflows/reliability/announce-change.js';

const breachParams = z.object({ breachId: z.string().regex(BREACH_ID, 'must be a breach id (b-…)') });
const client = df.input.durableClient();

/**
 * The breach's workflow learns of a change (already stored): started unless it already runs, else
 * signalled; the open-flow index counts the change first, so the reconciler repairs a missed start or
 * a lost signal within one interval. `notifyBy` is due while the notices are unreleased.
 */
async function toWorkflow(
  invocation: InvocationContext,
  services: Services,
  instanceId: string,
  breachId: string,
  signals: Signal[] = [],
  options: ChangeAnnouncement & { notifyBy?: string; released?: boolean } = {},
): Promise<void> {
  const { notifyBy, released, ...change } = options;
  await announceChange(
    invocation,
    services,
    {
      kind: 'breach',
      instanceId,
      orchestrator: BREACH_ORCHESTRATOR,
      input: { breachId },
      region: CONTROL_REGION,
      ...(notifyBy ? { deadline: notifyBy } : {}),
      ...(notifyBy && !released ? { dueAt: notifyBy } : released ? { dueAt: null } : {}),
    },
    { signals, ...change },
  );
}

apiRoute(
  'openBreach',
  {
    route: 'breaches',
    method: 'POST',
    summary: 'Open a breach (Art 33): answers with notifyBy = awareAt + 72 hours',
    responses: { 202: breachEntrySchema },
    tag: 'Breaches',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { vendor: 'breaches.manage' },
    body: openBreachSchema,
    handle: async ({ principal, body, services, meta, idempotency, invocation }) => {
      const opened = await openBreach(services, principal, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await toWorkflow(invocation, services, opened.instanceId, opened.entry.breachId, [], {
        notifyBy: opened.entry.notifyBy,
        released: opened.entry.notification !== null,
      });
      return { status: 202, body: opened.entry, headers: { location: `/api/breaches/${opened.entry.breachId}` } };
    },
  },
);

apiRoute(
  'listBreaches',
  {
    route: 'breaches',
    method: 'GET',
    summary: 'The breach register (Art 33(5)); ?format=csv for a spreadsheet',
    responses: { 200: { json: breachRegisterSchema, csv: true } },
    tag: 'Breaches',
  },
  {
    auth: { vendor: 'breaches.manage' },
    query: registerQuerySchema,
    handle: async ({ principal, query, services }) => {
      const entries = await breachRegister(services, principal);
      if (query.format === 'csv') {
        return {
          status: 200,
          text: registerCsv(entries),
          headers: { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': 'attachment; filename="breach-register.csv"' },
        };
      }
      return { status: 200, body: { breaches: entries } };
    },
  },
);

apiRoute(
  'getBreach',
  {
    route: 'breaches/{breachId}',
    method: 'GET',
    summary: 'A breach with its notices, alerts and updates',
    responses: { 200: breachEntrySchema },
    tag: 'Breaches',
  },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readBreach(services, principal, params.breachId) }),
  },
);

apiRoute(
  'notifyBreach',
  {
    route: 'breaches/{breachId}/notify',
    method: 'POST',
    summary: 'Send the notices of a draft breach (a delay reason after notifyBy)',
    responses: { 202: breachEntrySchema },
    tag: 'Breaches',
    extraInputs: [client],
  },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: notifyBreachSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const released = await releaseNotices(services, principal, params.breachId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // Raised on every request, a repeat included: a lost wake-up is repaired by asking again.
      await toWorkflow(
        invocation,
        services,
        released.instanceId,
        released.entry.breachId,
        [{ event: RELEASE_EVENT, data: { at: meta.now.toISOString() } }],
        { notifyBy: released.entry.notifyBy, released: true },
      );
      return { status: 202, body: released.entry, headers: { location: `/api/breaches/${released.entry.breachId}` } };
    },
  },
);

apiRoute(
  'addBreachUpdate',
  {
    route: 'breaches/{breachId}/updates',
    method: 'POST',
    summary: 'Add information in phases (Art 33(4)); every affected tenant gets an update',
    responses: { 202: breachUpdateViewSchema },
    tag: 'Breaches',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: breachUpdateSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const added = await addUpdate(services, principal, params.breachId, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      if (added.wake.length > 0)
        await toWorkflow(
          invocation,
          services,
          added.instanceId,
          params.breachId,
          added.wake.map((seq) => ({ event: updateEvent(seq), data: { seq } })),
        );
      return { status: 202, body: added.update, headers: { location: `/api/breaches/${params.breachId}` } };
    },
  },
);

apiRoute(
  'closeBreach',
  {
    route: 'breaches/{breachId}/close',
    method: 'POST',
    summary: 'Conclude a notified breach with its outcome (kept in the register; no further updates)',
    responses: { 200: breachEntrySchema },
    tag: 'Breaches',
    extraInputs: [client],
  },
  {
    auth: { vendor: 'breaches.manage' },
    params: breachParams,
    body: closeBreachSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const closed = await closeBreach(services, principal, params.breachId, body, meta);
      // Raised on every request: a lost wake-up is repaired by asking again.
      await toWorkflow(invocation, services, closed.instanceId, params.breachId, [{ event: CLOSE_EVENT, data: { at: meta.now.toISOString() } }], {
        start: 'never',
        closing: true,
      });
      return { status: 200, body: closed.entry };
    },
  },
);
