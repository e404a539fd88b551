// Vendor operations: the vendor-level security log (refusals that belong to no tenant:
// requests without a valid token, throttled requests, refusals on vendor routes), the replay of the
// erasure ledger after a point-in-time restore, and the open flows with the ones that need attention.
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { securityLogDaySchema } from '../shared/audit/vendor-security-log.js';
import { REGIONS } from '../shared/config.js';
import { replayErasures, replayReportSchema } from '../shared/erasure/replay.js';
import { OpenFlowIndex } from '../shared/flows/open-flow-index.js';
import { openFlowsSchema, openFlowsView } from '../shared/flows/ops-view.js';
import { durableTaskHub } from '../workflows/reliability/durable-task-hub.js';

apiRoute(
  'readSecurityLog',
  {
    route: 'ops/security-log',
    method: 'GET',
    summary: 'One UTC day of the vendor security log: counts per hour, route and code, with the first few of each kept as samples',
    responses: { 200: securityLogDaySchema },
    tag: 'Operations',
  },
  {
    auth: { vendor: 'securityLog.read' },
    query: z.strictObject({ day: z.iso.date({ message: 'must be a date YYYY-MM-DD' }).optional() }),
    handle: async ({ query, services, now }) => ({ status: 200, body: await services.securityLog.day(query.day ?? now.toISOString().slice(0, 10)) }),
  },
);

apiRoute(
  'replayErasures',
  {
    route: 'ops/erasures/replay',
    method: 'POST',
    summary: 'After a point-in-time restore: re-apply every erasure of the region newer than the restore point, then serve the region again',
    responses: { 200: replayReportSchema },
    tag: 'Operations',
  },
  {
    auth: { vendor: 'erasures.replay' },
    body: z.strictObject({
      region: z.enum(REGIONS, { message: `must be one of ${REGIONS.join(', ')}` }),
      since: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with an offset (the restore point)' }),
    }),
    handle: async ({ principal, body, services, meta }) => ({
      status: 200,
      body: await replayErasures(services, principal, body.region, new Date(body.since), meta),
    }),
  },
);

apiRoute(
  'listOpenWorkflows',
  {
    route: 'ops/workflows',
    method: 'GET',
    summary: 'Every open flow (DSAR, termination, breach, export) with its deadline, workflow status, last error and whether it needs attention',
    responses: { 200: openFlowsSchema },
    tag: 'Operations',
    extraInputs: [df.input.durableClient()],
  },
  {
    auth: { vendor: 'workflows.read' },
    query: z.strictObject({ attention: z.enum(['true', 'false'], { message: 'must be true or false' }).optional() }),
    handle: async ({ query, services, now, invocation }) => {
      const flows = await openFlowsView(await OpenFlowIndex.open(services), durableTaskHub(df.getClient(invocation)), now);
      return { status: 200, body: { generatedAt: now.toISOString(), flows: query.attention === 'true' ? flows.filter((f) => f.attention) : flows } };
    },
  },
);
