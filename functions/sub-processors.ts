// Sub-processors (DPA §5): the list any customer may read (JSON or CSV, each version), the changes
// ops.platform announce with prior notice, a tenant's objection and ops' answer. HTTP translation
// only: the rules are in shared/sub-processors, the telling in workflows/sub-processors.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { tenantIdSchema } from '../shared/http/text.js';
import { CSV_CONTENT_TYPE, toCsv } from '../shared/exports/csv.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import {
  answerSchema,
  changeIdSchema,
  changeListSchema,
  changeViewSchema,
  objectionViewSchema,
  OBJECTIONS_EVENT,
  objectionSchema,
  proposeChangeSchema,
  WITHDRAW_EVENT,
  withdrawSchema,
} from '../shared/sub-processors/change.js';
import {
  answerObjection,
  listChanges,
  listHistory,
  listHistorySchema,
  objectToChange,
  proposeChange,
  publishedList,
  publishedListSchema,
  readChange,
  withdrawChange,
} from '../shared/sub-processors/change-service.js';
import { SUB_PROCESSOR_CSV_HEADERS, subProcessorRows } from '../shared/sub-processors/registry.js';
import { SUB_PROCESSOR_CHANGE_ORCHESTRATOR } from '../workflows/sub-processors/orchestrator.js';
import type { Signal } from '../workflows/kit/index.js';
import type { Services } from '../shared/composition.js';
import { announceChange } from '../workflows/reliability/announce-change.js';
import { CONTROL_REGION } from '../shared/store/cosmos-stores.js';

const client = df.input.durableClient();
const changeParams = z.object({ changeId: changeIdSchema });

/**
 * The change's workflow learns of what the route recorded: signalled while it runs, else started,
 * also when it has ended (failed, or finished before a late answer): it reads the record and does
 * what is still owed. The change is in the open-flow index (vendor-wide: the control region), so a
 * lost signal or a failed workflow is repaired by the reconciler; it looks again an hour after the
 * change takes effect, and lets the entry go once the workflow has completed.
 */
async function toWorkflow(
  invocation: InvocationContext,
  services: Services,
  instanceId: string,
  changeId: string,
  signals: Signal[] = [],
  effectiveAt?: string,
): Promise<void> {
  const when = effectiveAt ? { deadline: effectiveAt, dueAt: new Date(Date.parse(effectiveAt) + 3600_000).toISOString() } : {};
  await announceChange(
    invocation,
    services,
    { kind: 'sub-processor-change', instanceId, orchestrator: SUB_PROCESSOR_CHANGE_ORCHESTRATOR, input: { changeId }, region: CONTROL_REGION, ...when },
    { signals, start: 'if-not-running' },
  );
}

apiRoute(
  'listSubProcessors',
  {
    route: 'sub-processors',
    method: 'GET',
    summary: 'The sub-processor list in force (or ?version=n), with announced changes and where the documents disagree; ?format=csv',
    responses: { 200: { json: publishedListSchema, csv: true } },
    tag: 'Sub-processors',
  },
  {
    auth: { anyAuthenticated: true },
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json'), version: z.coerce.number().int().min(1).optional() }),
    handle: async ({ query, services, now }) => {
      const list = await publishedList(services, now, query.version);
      if (query.format === 'csv') {
        return {
          status: 200,
          text: toCsv(SUB_PROCESSOR_CSV_HEADERS, subProcessorRows(list.subProcessors)),
          headers: {
            'content-type': CSV_CONTENT_TYPE,
            'content-disposition': `attachment; filename="sub-processors-v${list.version}.csv"`,
            'x-sub-processor-list-version': String(list.version),
          },
        };
      }
      return { status: 200, body: list };
    },
  },
);

apiRoute(
  'listSubProcessorVersions',
  {
    route: 'sub-processors/versions',
    method: 'GET',
    summary: 'Every version of the sub-processor list, oldest first, each with the change that made it',
    responses: { 200: listHistorySchema },
    tag: 'Sub-processors',
  },
  {
    auth: { anyAuthenticated: true },
    handle: async ({ services, now }) => ({ status: 200, body: { versions: await listHistory(services, now) } }),
  },
);

apiRoute(
  'proposeSubProcessorChange',
  {
    route: 'sub-processors/changes',
    method: 'POST',
    summary: 'Announce a sub-processor change at least SUBPROCESSOR_NOTICE_PERIOD ahead (422 otherwise); every tenant is told',
    responses: { 202: changeViewSchema },
    tag: 'Sub-processors',
    headers: ['Idempotency-Key'],
    extraInputs: [client],
  },
  {
    auth: { vendor: 'subProcessors.manage' },
    body: proposeChangeSchema,
    handle: async ({ principal, body, services, meta, idempotency, invocation }) => {
      const { view, instanceId } = await proposeChange(services, principal, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await toWorkflow(invocation, services, instanceId, view.changeId, [], view.effectiveAt);
      return { status: 202, body: view, headers: { location: `/api/sub-processors/changes/${view.changeId}` } };
    },
  },
);

apiRoute(
  'listSubProcessorChanges',
  {
    route: 'sub-processors/changes',
    method: 'GET',
    summary: 'Every sub-processor change with its notice and objection counts (objections in full for ops.platform)',
    responses: { 200: changeListSchema },
    tag: 'Sub-processors',
  },
  {
    auth: { anyAuthenticated: true },
    handle: async ({ principal, services }) => ({ status: 200, body: { changes: await listChanges(services, principal) } }),
  },
);

apiRoute(
  'getSubProcessorChange',
  {
    route: 'sub-processors/changes/{changeId}',
    method: 'GET',
    summary: 'One sub-processor change with its counts and objections',
    responses: { 200: changeViewSchema },
    tag: 'Sub-processors',
  },
  {
    auth: { anyAuthenticated: true },
    params: changeParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readChange(services, principal, params.changeId) }),
  },
);

apiRoute(
  'withdrawSubProcessorChange',
  {
    route: 'sub-processors/changes/{changeId}/withdraw',
    method: 'POST',
    summary: 'Withdraw a change before it takes effect; the tenants are told',
    responses: { 200: changeViewSchema },
    tag: 'Sub-processors',
    extraInputs: [client],
  },
  {
    auth: { vendor: 'subProcessors.manage' },
    params: changeParams,
    body: withdrawSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const { view, instanceId } = await withdrawChange(services, principal, params.changeId, body.reason, meta);
      // Raised on every request: a lost wake-up is repaired by asking again (the workflow also re-reads the record).
      await toWorkflow(invocation, services, instanceId, params.changeId, [{ event: WITHDRAW_EVENT }]);
      return { status: 200, body: view };
    },
  },
);

apiRoute(
  'answerSubProcessorObjection',
  {
    route: 'sub-processors/changes/{changeId}/objections/{tenantId}/answer',
    method: 'POST',
    summary: "Answer a tenant's objection (sent to its privacy contacts); the first answer stands",
    responses: { 200: changeViewSchema },
    tag: 'Sub-processors',
    extraInputs: [client],
  },
  {
    auth: { vendor: 'subProcessors.manage' },
    params: changeParams.extend({ tenantId: tenantIdSchema }),
    body: answerSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const { view, instanceId } = await answerObjection(services, principal, params.changeId, params.tenantId, body.answer, meta);
      await toWorkflow(invocation, services, instanceId, params.changeId, [{ event: OBJECTIONS_EVENT }]);
      return { status: 200, body: view };
    },
  },
);

apiRoute(
  'objectToSubProcessorChange',
  {
    route: 'tenants/{tenantId}/sub-processor-changes/{changeId}/object',
    method: 'POST',
    summary: 'Object to an announced sub-processor change (confirmed to the privacy contacts; ops are told at once)',
    responses: { 200: objectionViewSchema },
    tag: 'Sub-processors',
    extraInputs: [client],
  },
  {
    auth: { tenant: 'subProcessorChanges.object' },
    params: tenantParams.extend({ changeId: changeIdSchema }),
    body: objectionSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'subProcessorChanges.object', 'obligation', meta);
      const { objection, instanceId } = await objectToChange(services, open, params.changeId, body.reason, meta);
      await toWorkflow(invocation, services, instanceId, params.changeId, [{ event: OBJECTIONS_EVENT }]);
      return { status: 200, body: objection };
    },
  },
);
