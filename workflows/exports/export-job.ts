// An export job: stream the requested data to storage in the tenant's region, record the outcome
// on the job (audited), and tell the tenant's privacy contacts an export was made. The download
// link never enters the orchestration history; it is issued fresh when the job is read.
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';
import { createHash } from 'node:crypto';
import { getServices } from '../../shared/composition.js';
import { exportTenantData } from '../../shared/exports/tenant-export.js';
import { loadExportJob, recordExportOutcome, subjectOf, type ExportJobDoc } from '../../shared/exports/export-jobs.js';
import { everyContact, nominatedContacts } from '../../shared/termination/certificate-recipients.js';
import { renderEmail } from '../../shared/email/render.js';
import { sendToEach } from '../../shared/email/send-to-each.js';
import { parseTenantId } from '../../shared/tenancy/tenant-id.js';
import { ACTIVITY_RETRY } from '../termination/activities.js';

export interface ExportRef {
  tenantId: string;
  exportId: string;
}

export const EXPORT_ORCHESTRATOR = 'tenantExport';

const runExport = df.app.activity('exportRun', {
  handler: async (ref: ExportRef, context: InvocationContext): Promise<NonNullable<ExportJobDoc['file']>> => {
    const services = getServices();
    const job = await loadExportJob(services, ref);
    if (!job) throw new Error(`no export job ${ref.exportId}`);
    if (job.file) return job.file;
    const parsed = parseTenantId(ref.tenantId)!;
    const exported = await exportTenantData(services, { tenantId: parsed.tenantId, jobId: ref.exportId, subject: subjectOf(job), format: job.format, bom: job.bom });
    context.info(`export ${ref.exportId}: ${exported.file.rows} rows, ${exported.file.bytes} bytes`);
    return { container: 'exports', blobName: exported.blobName, rows: exported.file.rows, bytes: exported.file.bytes, sha256: exported.file.sha256 };
  },
});

const recordOutcome = df.app.activity('exportRecordOutcome', {
  handler: (input: ExportRef & { file?: NonNullable<ExportJobDoc['file']>; failure?: string }, context: InvocationContext) =>
    recordExportOutcome(getServices(), input, input.file ? { file: input.file } : { failure: input.failure ?? 'unknown failure' }, getServices().clock.now(), `${context.invocationId}:outcome`),
});

/** An auditable notice, without any link: the export is fetched through the API by whoever may. */
const notifyPrivacyContacts = df.app.activity('exportNotify', {
  handler: async (ref: ExportRef & { instanceId: string }): Promise<number> => {
    const services = getServices();
    const job = await loadExportJob(services, ref);
    const contacts = await nominatedContacts(services, ref.tenantId);
    if (!job || job.status !== 'ready' || !contacts) return 0;
    const parsed = parseTenantId(ref.tenantId)!;
    const what = job.kind === 'module' ? `${job.module} records` : job.kind === 'audit' ? 'the audit log' : 'user records';
    const email = renderEmail({
      subject: `An export of ${what} was made`,
      title: 'Export completed',
      paragraphs: [
        `An export of ${what} (${job.format.toUpperCase()}, ${job.file?.rows ?? 0} rows) was requested by ${job.requestedBy} at ${job.requestedAt} and completed at ${job.completedAt}.`,
        'It can be downloaded through the admin portal by an administrator of the tenancy; the file is kept for 7 days in the tenancy region. If you did not expect this export, contact your administrator.',
      ],
      facts: [
        { label: 'Tenant', value: ref.tenantId },
        { label: 'Export', value: ref.exportId },
        { label: 'SHA-256', value: job.file?.sha256 ?? '' },
      ],
    });
    const { sent } = await sendToEach(services.email, {
      region: parsed.region,
      recipients: everyContact({ security: [], privacy: contacts.privacy }),
      rendered: email,
      idempotencyKeyFor: (contact) => `${ref.instanceId}:export-ready:${createHash('sha256').update(contact.email.toLowerCase()).digest('hex')}`,
    });
    return sent;
  },
});

const tenantExport: OrchestrationHandler = function* (context: OrchestrationContext) {
  const ref = context.df.getInput<ExportRef>();
  let file: NonNullable<ExportJobDoc['file']>;
  try {
    file = (yield runExport(ref).withRetry(ACTIVITY_RETRY)) as NonNullable<ExportJobDoc['file']>;
  } catch (error) {
    // Surfaced on the job (status failed, audited) rather than lost in a failed instance.
    yield recordOutcome({ ...ref, failure: error instanceof Error ? error.message.slice(0, 500) : 'export failed' }).withRetry(ACTIVITY_RETRY);
    return { status: 'failed' };
  }
  yield recordOutcome({ ...ref, file }).withRetry(ACTIVITY_RETRY);
  yield notifyPrivacyContacts({ ...ref, instanceId: context.df.instanceId }).withRetry(ACTIVITY_RETRY);
  return { status: 'ready', rows: file.rows };
};
df.app.orchestration(EXPORT_ORCHESTRATOR, tenantExport);
