// The lockbox: support engineers ask for time-boxed, scoped read access to one tenant; the tenant's
// admins approve, deny, revoke and review it, and read every grant and its access log (JSON or CSV).
// The lockbox works for as long as the tenant has data (grace window included).
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { csvCell, CSV_CONTENT_TYPE, toCsv } from '../shared/exports/csv.js';
import type { CsvColumn } from '../shared/exports/writers.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { ACCESS_LOG_COLUMNS, grantLogSchema } from '../shared/support-access/access-log.js';
import { PENDING_LIFETIME_MS } from '../shared/support-access/grant.js';
import {
  denyGrantSchema,
  GRANT_COLUMNS,
  grantListSchema,
  grantViewSchema,
  grantIdSchema,
  grantInstanceId,
  requestGrantSchema,
  reviewGrantSchema,
  revokeGrantSchema,
} from '../shared/support-access/grant.js';
import { approveGrant, denyGrant, grantLog, listGrants, readGrant, requestGrant, reviewGrant, revokeGrant } from '../shared/support-access/grant-service.js';
import { announceChange } from '../workflows/reliability/announce-change.js';
import type { Services } from '../shared/composition.js';
import type { Region } from '../shared/config.js';
import { GRANT_CHANGED_EVENT, SUPPORT_GRANT_ORCHESTRATOR } from '../workflows/support-access/orchestrator.js';
import type { InvocationContext } from '@azure/functions';

const grantParams = tenantParams.extend({ grantId: grantIdSchema });
const formatQuery = z.strictObject({ format: z.enum(['json', 'csv'], { message: 'must be json or csv' }).default('json') });
const durableClient = [df.input.durableClient()];

function csvResult<Row>(
  columns: readonly CsvColumn<Row>[],
  rows: readonly Row[],
  fileName: string,
): { status: 200; text: string; headers: Record<string, string> } {
  const text = toCsv(
    columns.map((c) => c.header),
    rows.map((row) => columns.map((c) => csvCell(c.value(row)))),
  );
  return { status: 200, text, headers: { 'content-type': CSV_CONTENT_TYPE, 'content-disposition': `attachment; filename="${fileName}"` } };
}

/**
 * The grant's workflow reads the record again; if the signal is lost, the clock still ends the grant
 * on every request, and the reconciler (the grant is in the open-flow index) raises it again or
 * restarts a failed workflow. It looks again an hour after the grant's next end (its expiry, or the
 * lapse of an undecided request) and lets the entry go once the workflow has completed.
 */
async function tellWorkflow(
  invocation: InvocationContext,
  services: Services,
  grant: { tenantId: string; region: Region; grantId: string; endsAt: string },
  signals: { event: string }[] = [{ event: GRANT_CHANGED_EVENT }],
): Promise<void> {
  const { tenantId, grantId, region, endsAt } = grant;
  await announceChange(
    invocation,
    services,
    {
      kind: 'support-grant',
      instanceId: grantInstanceId(tenantId, grantId),
      orchestrator: SUPPORT_GRANT_ORCHESTRATOR,
      input: { tenantId, grantId },
      tenantId,
      region,
      deadline: endsAt,
      dueAt: new Date(Date.parse(endsAt) + 3600_000).toISOString(),
    },
    // A new request starts its workflow once (a retried request finds it); a decision restarts an ended one, which reads the record.
    { signals, start: signals.length === 0 ? 'if-missing' : 'if-not-running' },
  );
}

/** When the grant ends if nobody acts: its expiry once active, else the lapse of the request. */
const endsAt = (view: { expiresAt?: string | undefined; requestedAt: string }): string =>
  view.expiresAt ?? new Date(Date.parse(view.requestedAt) + PENDING_LIFETIME_MS).toISOString();

apiRoute(
  'requestSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access',
    method: 'POST',
    summary: 'Ask for time-boxed read access to a tenant (support), or break the glass',
    responses: { 201: grantViewSchema },
    tag: 'Support access',
    headers: ['Idempotency-Key'],
    extraInputs: durableClient,
  },
  {
    auth: { tenant: 'supportAccess.request' },
    params: tenantParams,
    body: requestGrantSchema,
    handle: async ({ principal, params, body, services, meta, idempotency, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.request', 'obligation', meta);
      const { view } = await requestGrant(services, open, principal, body, { ...meta, ...(idempotency ? { idempotency } : {}) });
      await tellWorkflow(
        invocation,
        services,
        { tenantId: open.partition.tenantId, region: open.partition.ref.region, grantId: view.grantId, endsAt: endsAt(view) },
        [],
      );
      return { status: 201, body: view, headers: { location: `/api/tenants/${params.tenantId}/support-access/${view.grantId}` } };
    },
  },
);

apiRoute(
  'listSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access',
    method: 'GET',
    summary: 'Support-access grants: all of them (tenant admin) or your own (support); ?format=csv',
    responses: { 200: { json: grantListSchema, csv: true } },
    tag: 'Support access',
  },
  {
    auth: { tenant: 'supportAccess.read' },
    params: tenantParams,
    query: formatQuery,
    handle: async ({ principal, params, query, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.read', 'read', meta);
      const grants = await listGrants(services, open, principal, meta);
      return query.format === 'csv' ? csvResult(GRANT_COLUMNS, grants, 'support-access.csv') : { status: 200, body: { grants } };
    },
  },
);

apiRoute(
  'getSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}',
    method: 'GET',
    summary: 'One support-access grant',
    responses: { 200: grantViewSchema },
    tag: 'Support access',
  },
  {
    auth: { tenant: 'supportAccess.read' },
    params: grantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.read', 'read', meta);
      return { status: 200, body: await readGrant(services, open, principal, params.grantId, meta) };
    },
  },
);

apiRoute(
  'getSupportAccessLog',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}/log',
    method: 'GET',
    summary: 'Every access made under a grant: time, route, outcome, scope, origin, transfer; ?format=csv',
    responses: { 200: { json: grantLogSchema, csv: true } },
    tag: 'Support access',
  },
  {
    auth: { tenant: 'supportAccess.read' },
    params: grantParams,
    query: formatQuery,
    handle: async ({ principal, params, query, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.read', 'read', meta);
      const log = await grantLog(services, open, principal, params.grantId, meta);
      return query.format === 'csv' ? csvResult(ACCESS_LOG_COLUMNS, log.entries, `support-access-${params.grantId}.csv`) : { status: 200, body: log };
    },
  },
);

apiRoute(
  'approveSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}/approve',
    method: 'POST',
    summary: 'Approve a pending request: active from now for its duration (tenant admin)',
    responses: { 200: grantViewSchema },
    tag: 'Support access',
    extraInputs: durableClient,
  },
  {
    auth: { tenant: 'supportAccess.decide' },
    params: grantParams,
    handle: async ({ principal, params, services, meta, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.decide', 'obligation', meta);
      const view = await approveGrant(services, open, params.grantId, meta);
      await tellWorkflow(invocation, services, {
        tenantId: open.partition.tenantId,
        region: open.partition.ref.region,
        grantId: params.grantId,
        endsAt: endsAt(view),
      });
      return { status: 200, body: view };
    },
  },
);

apiRoute(
  'denySupportAccess',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}/deny',
    method: 'POST',
    summary: 'Deny a pending request, with a reason (tenant admin)',
    responses: { 200: grantViewSchema },
    tag: 'Support access',
    extraInputs: durableClient,
  },
  {
    auth: { tenant: 'supportAccess.decide' },
    params: grantParams,
    body: denyGrantSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.decide', 'obligation', meta);
      const view = await denyGrant(services, open, params.grantId, body.reason, meta);
      await tellWorkflow(invocation, services, {
        tenantId: open.partition.tenantId,
        region: open.partition.ref.region,
        grantId: params.grantId,
        endsAt: endsAt(view),
      });
      return { status: 200, body: view };
    },
  },
);

apiRoute(
  'revokeSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}/revoke',
    method: 'POST',
    summary: 'End a pending or active grant at once (tenant admin, or the engineer holding it)',
    responses: { 200: grantViewSchema },
    tag: 'Support access',
    extraInputs: durableClient,
  },
  {
    auth: { tenant: 'supportAccess.revoke' },
    params: grantParams,
    body: revokeGrantSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.revoke', 'obligation', meta);
      const view = await revokeGrant(services, open, principal, params.grantId, body.reason, meta);
      await tellWorkflow(invocation, services, {
        tenantId: open.partition.tenantId,
        region: open.partition.ref.region,
        grantId: params.grantId,
        endsAt: endsAt(view),
      });
      return { status: 200, body: view };
    },
  },
);

apiRoute(
  'reviewSupportAccess',
  {
    route: 'tenants/{tenantId}/support-access/{grantId}/review',
    method: 'POST',
    summary: 'Review a break-glass access after the fact (tenant admin)',
    responses: { 200: grantViewSchema },
    tag: 'Support access',
  },
  {
    auth: { tenant: 'supportAccess.decide' },
    params: grantParams,
    body: reviewGrantSchema,
    handle: async ({ principal, params, body, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'supportAccess.decide', 'obligation', meta);
      return { status: 200, body: await reviewGrant(services, open, params.grantId, body, meta) };
    },
  },
);
