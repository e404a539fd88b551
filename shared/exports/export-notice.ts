// The notice to a tenant's privacy contacts that an export was made: auditable, and without any
// link (the export is fetched through the API by whoever may). One message per contact, never twice.
import { createHash } from 'node:crypto';
import type { Services } from '../composition.js';
import { renderEmail } from '../email/render.js';
import { sendToEach } from '../email/send-to-each.js';
import { nominatedContacts, recipientsOf } from '../tenants/contacts.js';
import { tenantRef } from '../tenants/partitions.js';
import { loadExportJob, type ExportRef } from './export-jobs.js';

/** Sends the notice for a ready export (keyed by the workflow instance); the number of contacts it went to. */
export async function notifyExportMade(services: Services, ref: ExportRef & { instanceId: string }): Promise<number> {
  const job = await loadExportJob(services, ref);
  const contacts = await nominatedContacts(services, ref.tenantId);
  if (!job || job.status !== 'ready' || !contacts) return 0;
  const what = {
    module: `${job.module} records`,
    audit: 'the audit log',
    users: 'user records',
    'support-access': 'support-access grants',
    'support-access-log': 'the support-access log',
  }[job.kind];
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
    region: tenantRef(ref.tenantId).region,
    recipients: recipientsOf(contacts, ['privacy']),
    rendered: email,
    idempotencyKeyFor: (contact) => `${ref.instanceId}:export-ready:${createHash('sha256').update(contact.email.toLowerCase()).digest('hex')}`,
  });
  return sent;
}
