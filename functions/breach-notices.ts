// A tenant's breach notices (tenant.admin of that tenant): list and read them, and acknowledge one,
// which stops its re-sends. HTTP translation only; the rules are in shared/breaches.
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { ACKNOWLEDGE_EVENT } from '../shared/breaches/breach.js';
import { acknowledgeNotice, listNotices, readNotice } from '../shared/breaches/tenant-notices.js';
import { openTenant } from '../shared/tenants/tenant-access.js';
import { tenantIdSchema } from '../shared/http/text.js';
import { TENANT_BREACH_NOTICE_ORCHESTRATOR } from '../workflows/breaches/orchestrator.js';
import { startOrSignal } from '../workflows/kit/index.js';
import { breachNoticeListSchema, breachNoticeViewSchema } from '../shared/breaches/notice.js';

const noticeParams = z.object({ tenantId: tenantIdSchema, noticeId: z.string().regex(/^b-[0-9a-f]{20}-n\d{1,4}$/, 'must be a notice id (b-…-n…)') });

apiRoute(
  'listBreachNotices',
  {
    route: 'tenants/{tenantId}/breach-notices',
    method: 'GET',
    summary: "The tenant's breach notices",
    responses: { 200: breachNoticeListSchema },
    tag: 'Breach notices',
  },
  {
    auth: { tenant: 'breachNotices.read' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'breachNotices.read', 'read', meta);
      return { status: 200, body: { notices: await listNotices(services, open, meta) } };
    },
  },
);

apiRoute(
  'getBreachNotice',
  {
    route: 'tenants/{tenantId}/breach-notices/{noticeId}',
    method: 'GET',
    summary: 'One breach notice',
    responses: { 200: breachNoticeViewSchema },
    tag: 'Breach notices',
  },
  {
    auth: { tenant: 'breachNotices.read' },
    params: noticeParams,
    handle: async ({ principal, params, services, meta }) => {
      const open = await openTenant(services, principal, params.tenantId, 'breachNotices.read', 'read', meta);
      return { status: 200, body: await readNotice(services, open, params.noticeId, meta) };
    },
  },
);

apiRoute(
  'acknowledgeBreachNotice',
  {
    route: 'tenants/{tenantId}/breach-notices/{noticeId}/acknowledge',
    method: 'POST',
    summary: 'Acknowledge a breach notice (stops the re-sends)',
    responses: { 200: breachNoticeViewSchema },
    tag: 'Breach notices',
    headers: ['Idempotency-Key'],
    extraInputs: [df.input.durableClient()],
  },
  {
    auth: { tenant: 'breachNotices.acknowledge' },
    params: noticeParams,
    handle: async ({ principal, params, services, meta, idempotency, invocation }) => {
      // 'read': a tenant in its grace window is read-only for its data, yet still receives and acknowledges notices.
      const open = await openTenant(services, principal, params.tenantId, 'breachNotices.acknowledge', 'read', meta);
      const acknowledged = await acknowledgeNotice(services, open, params.noticeId, { ...meta, ...(idempotency ? { idempotency } : {}) });
      // The acknowledgement is recorded; the event only ends the workflow's wait early. If it cannot
      // be told now, its next re-send finds the notice acknowledged and stops.
      await startOrSignal(
        invocation,
        { orchestrator: TENANT_BREACH_NOTICE_ORCHESTRATOR, instanceId: acknowledged.instanceId, input: null },
        { signals: [{ event: ACKNOWLEDGE_EVENT, data: { at: meta.now.toISOString() } }], start: 'never', delivery: 'best-effort' },
      );
      return { status: 200, body: acknowledged.view };
    },
  },
);
