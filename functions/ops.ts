// Vendor operations views: the vendor-level security log (refusals that belong to no tenant:
// requests without a valid token, throttled requests, refusals on vendor routes).
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { securityLogDaySchema } from '../shared/audit/vendor-security-log.js';

apiRoute(
  'readSecurityLog',
  { route: 'ops/security-log', method: 'GET', summary: 'One UTC day of the vendor security log: counts per hour, route and code, with the first few of each kept as samples', responses: { 200: securityLogDaySchema }, tag: 'Operations' },
  {
    auth: { vendor: 'securityLog.read' },
    query: z.strictObject({ day: z.iso.date({ message: 'must be a date YYYY-MM-DD' }).optional() }),
    handle: async ({ query, services, now }) => ({ status: 200, body: await services.securityLog.day(query.day ?? now.toISOString().slice(0, 10)) }),
  },
);
