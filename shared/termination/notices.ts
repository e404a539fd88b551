// The emails of a termination, one per nominated contact, each sent at most once (the idempotency
// key names the workflow, the notice and the contact), and recorded on the termination record.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { renderEmail, type StructuredEmail } from '../email/render.js';
import { sendToEach } from '../email/send-to-each.js';
import { nominatedContacts, recipientsOf, type NominatedRecipient } from '../tenants/contacts.js';
import { tenantRef } from '../tenants/partitions.js';
import { certificateRecipients } from './certificate-recipients.js';
import { storedCertificate } from './deletion-certificate.js';
import { certificateFileNames, CERTIFICATE_PDF, renderCertificatePdf } from './certificate-document.js';
import type { EmailAttachment } from '../email/email-sender.js';
import { changeTermination, findTermination, terminationRecords, type TerminationRef } from './termination-store.js';
import { stillTerminating } from './grace-window.js';
import type { TerminationDoc } from './termination.js';
import { RETENTION_DAYS } from '../retention/schedule.js';

export const terminationNoticeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grace-started') }),
  z.object({ kind: z.literal('grace-waived') }),
  z.object({ kind: z.literal('grace-reminder'), daysLeft: z.number().int().min(1) }),
  z.object({ kind: z.literal('reactivated') }),
  z.object({ kind: z.literal('data-returned') }),
  z.object({ kind: z.literal('certificate'), certificate: z.enum(['interim', 'final']) }),
]);
export type TerminationNotice = z.infer<typeof terminationNoticeSchema>;

const noticeName = (notice: TerminationNotice): string =>
  notice.kind === 'grace-reminder' ? `grace-reminder-${notice.daysLeft}d` : notice.kind === 'certificate' ? `certificate-${notice.certificate}` : notice.kind;

function content(termination: TerminationDoc, notice: TerminationNotice, certificateText?: string): StructuredEmail {
  const tenant = `${termination.tenantName} (${termination.tenantId})`;
  const facts = [
    { label: 'Tenant', value: tenant },
    { label: 'Termination effective', value: termination.effectiveAt },
    { label: 'Grace window ends', value: termination.graceEndsAt },
    { label: 'Disposition', value: termination.disposition === 'return-then-delete' ? 'return the data, then delete it' : 'delete' },
  ];
  switch (notice.kind) {
    case 'grace-started':
      return {
        subject: `Termination of ${termination.tenantName}: 30-day grace window started`,
        title: 'Your tenancy has been terminated',
        paragraphs: [
          `The tenancy ${tenant} was terminated with effect from ${termination.effectiveAt}. Its data is now read-only; exports still work.`,
          `You can reactivate the tenancy until ${termination.graceEndsAt} (POST /api/tenants/${termination.tenantId}/termination/cancel). After that, all primary data is deleted, the tenant's keys are destroyed and a signed deletion certificate is sent to you.`,
        ],
        facts,
      };
    case 'grace-waived':
      return {
        subject: `Termination of ${termination.tenantName}: deletion starts now (grace window waived)`,
        title: 'Final notice: your data is being deleted',
        paragraphs: [
          `As instructed by an administrator of ${tenant} on ${termination.graceWaived?.at ?? termination.requestedAt}, the 30-day grace window was waived. Termination takes effect at ${termination.effectiveAt} and deletion of all primary data starts then; it cannot be cancelled or undone.`,
          `A signed deletion certificate is sent to you when primary deletion and key destruction are done, and a final one when the backups have expired.`,
        ],
        facts,
      };
    case 'grace-reminder':
      return {
        subject: `Termination of ${termination.tenantName}: ${notice.daysLeft === 1 ? '1 day' : `${notice.daysLeft} days`} until deletion`,
        title: `${notice.daysLeft === 1 ? 'One day' : `${notice.daysLeft} days`} left to reactivate`,
        paragraphs: [
          `The grace window of ${tenant} ends at ${termination.graceEndsAt}. Reactivate before then to keep the data; after it, deletion begins and cannot be undone.`,
        ],
        facts,
      };
    case 'reactivated':
      return {
        subject: `Termination of ${termination.tenantName} cancelled: tenancy reactivated`,
        title: 'Your tenancy has been reactivated',
        paragraphs: [`The termination of ${tenant} was cancelled within the grace window. Nothing has been deleted and the tenancy is active again.`],
        facts,
      };
    case 'data-returned':
      // No links: a link is a bearer credential to the whole data set, and email is forwarded,
      // archived and scanned. The contacts sign in and fetch the package with their own access.
      if (!termination.returnPackage) throw new Error('the data has not been returned yet');
      return {
        subject: `Termination of ${termination.tenantName}: your data is ready to download`,
        title: 'Your data, returned before deletion',
        paragraphs: [
          `As you chose, a complete copy of the data of ${tenant} (users, module records, the audit log, data-subject requests and breach notices, as CSV and JSON, with a manifest of counts) has been prepared in the tenancy's region.`,
          `To download it, sign in to the admin portal as an administrator of the tenancy and open Termination, Returned data (API: GET /api/tenants/${termination.tenantId}/termination/returned-data). The package is kept for ${RETENTION_DAYS.exportsAndPackages} days, as every export is (retention schedule); download it before then. Deletion still happens when the grace window ends at ${termination.graceEndsAt}.`,
        ],
        facts: [
          ...facts,
          { label: 'Files', value: String(termination.returnPackage.files) },
          { label: 'Rows', value: String(termination.returnPackage.rows) },
        ],
      };
    case 'certificate':
      return {
        subject: `Deletion certificate (${notice.certificate}) for ${termination.tenantName}`,
        title: notice.certificate === 'final' ? 'Final deletion certificate' : 'Deletion certificate',
        paragraphs: [
          notice.certificate === 'final'
            ? `Deletion of ${tenant} is complete: primary data, the tenant key and the encrypted backups are gone. The signed certificate is below; verify it with the public keys at /api/.well-known/jwks.json.`
            : `The primary data of ${tenant} has been deleted and its key destroyed. The signed certificate below lists what is still to happen (key purge, backup expiry); a final certificate follows when it has.`,
          'Attached: the certificate as a PDF document listing every claim in words, and the signed certificate itself (.jws), which the PDF tells how to verify.',
          `Certificate (compact JWS): ${certificateText ?? ''}`,
        ],
        facts,
      };
  }
}

export async function sendTerminationNotice(services: Services, input: TerminationRef & { notice: TerminationNotice }): Promise<number> {
  const records = await terminationRecords(services, input.tenantId);
  const termination = await findTermination(records, input.terminationId);
  if (!termination) throw new Error(`no termination ${input.terminationId}`);
  let recipients: NominatedRecipient[];
  let certificateText: string | undefined;
  let attachments: EmailAttachment[] | undefined;
  if (input.notice.kind === 'certificate') {
    recipients = await certificateRecipients(services, input);
    const stored = await storedCertificate(records, input.terminationId, input.notice.certificate);
    certificateText = stored?.certificate;
    // The same bytes on every retry (the PDF is rendered deterministically), as the email service's idempotency needs.
    if (stored) {
      const names = certificateFileNames(stored.claims);
      attachments = [
        { name: names.pdf, contentType: CERTIFICATE_PDF, content: await renderCertificatePdf(stored) },
        { name: names.jws, contentType: 'application/jose', content: Buffer.from(stored.certificate) },
      ];
    }
  } else {
    // Grace-window notices go out only while this termination is still the tenant's active one.
    if (input.notice.kind !== 'reactivated' && !(await stillTerminating(services, input))) return 0;
    const contacts = await nominatedContacts(services, input.tenantId);
    recipients = contacts ? recipientsOf(contacts) : [];
  }
  const rendered = renderEmail(content(termination, input.notice, certificateText));
  const name = noticeName(input.notice);
  const { refused } = await sendToEach(services.email, {
    region: tenantRef(input.tenantId).region,
    recipients,
    rendered,
    ...(attachments ? { attachments } : {}),
    idempotencyKeyFor: (recipient) => `${termination.instanceId}:${name}:${createHash('sha256').update(recipient.email.toLowerCase()).digest('hex')}`,
  });
  await changeTermination(services, input, (t) => ({
    ...t,
    notices: [
      ...t.notices.filter((n) => n.kind !== name),
      { kind: name, sentAt: services.clock.now().toISOString(), recipients: recipients.length - refused, ...(refused > 0 ? { refused } : {}) },
    ],
  }));
  return recipients.length - refused;
}
