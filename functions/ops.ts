// Vendor operations views: the vendor-level security log (refusals that belong to no tenant:
// requests without a valid token, throttled requests, refusals on vendor routes), and the open
// flows with the ones that need attention.
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { OpenFlowIndex } from '../shared/flows/open-flow-index.js';
import { openFlowsView } from '../shared/flows/ops-view.js';
import { durableTaskHub } from '../workflows/reliability/durable-task-hub.js';

apiRoute(
  'readSecurityLog',
  { route: 'ops/security-log', method: 'GET', summary: 'One UTC day of the vendor security log: counts per hour, route and code, with the first few of each kept as samples', success: 200, tag: 'Operations' },
  {
    auth: { vendor: 'securityLog.read' },
    query: z.strictObject({ day: z.iso.date({ message: 'must be a date YYYY-MM-DD' }).optional() }),
    handle: async ({ query, services, now }) => ({ status: 200, body: await services.securityLog.day(query.day ?? now.toISOString().slice(0, 10)) }),
  },
);

apiRoute(
  'listOpenWorkflows',
  {
    route: 'ops/workflows',
    method: 'GET',
    summary: 'Every open flow (DSAR, termination, breach, export) with its deadline, workflow status, last error and whether it needs attention',
    success: 200,
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
