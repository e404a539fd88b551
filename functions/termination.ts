// Tenant termination: request it (30-day grace window, then deletion), reactivate within grace,
// follow its progress, and fetch the signed deletion certificate (also after deletion).
import * as df from 'durable-functions';
import { apiRoute } from '../shared/http/api-routes.js';
import { tenantParams } from '../shared/http/common.js';
import { cancelTermination, readTermination, requestTermination } from '../shared/termination/termination-service.js';
import { readCertificate } from '../shared/termination/deletion-certificate.js';
import { CERTIFICATE_PDF, certificateFileNames, renderCertificatePdf } from '../shared/termination/certificate-document.js';
import { readReturnedData, returnedDataSchema } from '../shared/termination/data-return.js';
import { REACTIVATE_EVENT, requestTerminationSchema } from '../shared/termination/termination.js';
import { TERMINATION_ORCHESTRATOR } from '../workflows/termination/orchestrator.js';
import { startOrSignal } from '../workflows/kit/index.js';
import { deletionCertificateViewSchema, terminationViewSchema } from '../shared/termination/termination.js';
import type { Services } from '../shared/composition.js';
import type { OpenFlow } from '../shared/flows/open-flow-index.js';
import { regionOf } from '../shared/tenancy/tenant-id.js';
import { announceChange } from '../workflows/reliability/announce-change.js';

const DAY_MS = 24 * 3600_000;

/**
 * The termination as an open flow: its deadline is the end of the grace window; the reconciler looks
 * at it again once the final certificate is due (key purge and backup expiry after the grace window).
 */
function terminationFlow(
  services: Services,
  t: { instanceId: string; input: { tenantId: string; terminationId: string }; view: { graceEndsAt: string } },
): OpenFlow {
  const { keySoftDeleteDays, backupDays } = services.config.retention;
  const finalCertificateBy = Date.parse(t.view.graceEndsAt) + (keySoftDeleteDays + backupDays + 2) * DAY_MS;
  return {
    kind: 'termination',
    instanceId: t.instanceId,
    orchestrator: TERMINATION_ORCHESTRATOR,
    input: t.input,
    tenantId: t.input.tenantId,
    region: regionOf(t.input.tenantId),
    deadline: t.view.graceEndsAt,
    dueAt: new Date(finalCertificateBy).toISOString(),
  };
}

const client = df.input.durableClient();

apiRoute(
  'requestTermination',
  {
    route: 'tenants/{tenantId}/termination',
    method: 'POST',
    summary: 'Terminate the tenancy: 30-day grace window, then deletion and a certificate',
    responses: { 202: terminationViewSchema },
    tag: 'Termination',
    extraInputs: [client],
  },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    body: requestTerminationSchema,
    handle: async ({ principal, params, body, services, meta, invocation }) => {
      const requested = await requestTermination(services, principal, params.tenantId, body, meta);
      // Started unless it already runs (a retried request, or the reconciler, repairs a missed start).
      await announceChange(invocation, services, terminationFlow(services, requested));
      return { status: 202, body: requested.view, headers: { location: `/api/tenants/${params.tenantId}/termination` } };
    },
  },
);

apiRoute(
  'getTermination',
  {
    route: 'tenants/{tenantId}/termination',
    method: 'GET',
    summary: 'Termination phase, dates and deletion counts (also after deletion)',
    responses: { 200: terminationViewSchema },
    tag: 'Termination',
  },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services }) => ({ status: 200, body: await readTermination(services, principal, params.tenantId) }),
  },
);

apiRoute(
  'cancelTermination',
  {
    route: 'tenants/{tenantId}/termination/cancel',
    method: 'POST',
    summary: 'Reactivate within the grace window',
    responses: { 200: terminationViewSchema },
    tag: 'Termination',
    extraInputs: [client],
  },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta, invocation }) => {
      const cancelled = await cancelTermination(services, principal, params.tenantId, meta);
      // The tenant is already active again; the event only ends the workflow's wait early.
      // If it cannot be told now, it finds the tenant active when grace ends and stops then.
      await announceChange(invocation, services, terminationFlow(services, cancelled), {
        signals: [{ event: REACTIVATE_EVENT, data: { at: meta.now.toISOString() } }],
        start: 'never',
      });
      return { status: 200, body: cancelled.view };
    },
  },
);

apiRoute(
  'getDeletionCertificate',
  {
    route: 'tenants/{tenantId}/deletion-certificate',
    method: 'GET',
    summary: 'The signed deletion certificate (final if issued, else interim); as a readable PDF with Accept: application/pdf',
    responses: {
      200: {
        json: deletionCertificateViewSchema,
        alternative: { mediaType: CERTIFICATE_PDF, description: 'the certificate rendered as a PDF document' },
      },
    },
    tag: 'Termination',
  },
  {
    auth: { tenant: 'termination.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, request }) => {
      const { certificate, claims, issuedAt } = await readCertificate(services, principal, params.tenantId);
      // JSON (the JWS and its claims) stays the default; the PDF only for a caller who asks for it.
      if (!acceptsPdf(request.headers.get('accept'))) return { status: 200, body: { certificate, claims } };
      const pdf = await renderCertificatePdf({ certificate, claims, issuedAt });
      const headers = { 'content-type': CERTIFICATE_PDF, 'content-disposition': `inline; filename="${certificateFileNames(claims).pdf}"` };
      return { status: 200, bytes: pdf, headers };
    },
  },
);

/** Whether the Accept header asks for the PDF before JSON (a PDF listed with q=0 is refused, not asked for). */
function acceptsPdf(accept: string | null): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [type, ...parameters] = part.trim().toLowerCase().split(';');
    const q = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type!.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (type: string): number => ranges.find((r) => r.type === type)?.q ?? 0;
  const pdf = quality(CERTIFICATE_PDF);
  return pdf > 0 && pdf >= Math.max(quality('application/json'), quality('*/*'), quality('application/*'));
}

apiRoute(
  'getReturnedData',
  {
    route: 'tenants/{tenantId}/termination/returned-data',
    method: 'GET',
    summary: 'Return-then-delete: fresh download links to the returned package (admins of the tenant, until deletion)',
    responses: { 200: returnedDataSchema },
    tag: 'Termination',
  },
  {
    auth: { tenant: 'exports.manage' },
    params: tenantParams,
    handle: async ({ principal, params, services, meta }) => ({
      status: 200,
      body: await readReturnedData(services, principal, params.tenantId, meta),
    }),
  },
);
