// The emails of a data-subject request, to the tenant's nominated contacts, one message per
// contact and never twice (the idempotency key names the workflow, the notice, the due date it is
// about and the contact). Each is rendered only from facts stored on the request that do not change
// for that key, so every retry sends exactly the same message.
//
// What they carry: the request's reference, type, receipt instant, jurisdiction and due date, and
// where to read the rest. Never the data subject's name, email or user id, nor what they asked to be
// corrected: those are personal data the contact reads through the authenticated API
// (GET /api/tenants/{t}/dsars/{dsarId}), which audits the read. An email is copied to mail servers
// and inboxes that this service cannot erase; a reference number is all a contact needs to act.
import { createHash } from 'node:crypto';
import type { Services } from '../composition.js';
import { dsarDeadline, jurisdictionInfo } from '../deadlines/index.js';
import { sendToEach } from '../email/send-to-each.js';
import { renderEmail, type StructuredEmail } from '../email/render.js';
import { CONTACT_ROLES, nominatedContacts, recipientsOf, type ContactRole } from '../tenants/contacts.js';
import { tenantRef } from '../tenants/partitions.js';
import type { DsarDoc, DsarType } from './dsar.js';

export type DsarNotice =
  | { kind: 'forwarded' }
  | { kind: 'reminder-7d' | 'reminder-1d' | 'escalation'; dueOn: string }
  | { kind: 'close-unverified'; dueOn: string; waitedFor: 'identity' | 'clarification'; since: string }
  | { kind: 'objection-routed' };

const TYPE_NAMES: Record<DsarType, string> = {
  access: 'access (a copy of their personal data)',
  portability: 'portability (their data in a machine-readable format)',
  rectification: 'rectification (correction of their data)',
  erasure: 'erasure (deletion of their data)',
  restriction: 'restriction of processing',
  objection: 'objection to processing',
};

export const noticeName = (notice: DsarNotice): string => ('dueOn' in notice ? `${notice.kind}@${notice.dueOn}` : notice.kind);

/** Who receives it: the privacy contacts; an escalation goes to the security contacts as well. */
const rolesFor = (notice: DsarNotice): readonly ContactRole[] => (notice.kind === 'escalation' ? CONTACT_ROLES : ['privacy']);

function content(doc: DsarDoc, tenantName: string, notice: DsarNotice): StructuredEmail {
  const where = `GET /api/tenants/${doc.tenantId}/dsars/${doc.dsarId}`;
  const info = jurisdictionInfo(doc.clock.jurisdiction);
  const facts = [
    { label: 'Reference', value: doc.dsarId },
    { label: 'Tenant', value: `${tenantName} (${doc.tenantId})` },
    { label: 'Type of request', value: TYPE_NAMES[doc.requestType] },
    { label: 'Received', value: doc.clock.receivedAt },
    { label: 'Jurisdiction', value: `${info.name} (${info.code}); dates are in ${info.timeZone}` },
  ];
  switch (notice.kind) {
    case 'forwarded': {
      // From the receipt alone (immutable): the due date before any restart, pause or extension.
      const firstDue = dsarDeadline({ receivedAt: doc.clock.receivedAt, jurisdiction: doc.clock.jurisdiction }).legalDueOn;
      return {
        subject: `Data-subject request forwarded to ${tenantName}: ${doc.requestType} (${doc.dsarId})`,
        title: 'A data-subject request reached us directly',
        paragraphs: [
          `A data subject sent their ${doc.requestType} request to us, your processor, instead of to you. As our data processing agreement (section 8) promises, we forward it to you, the controller, to answer; we have not answered it.`,
          `It is recorded in the service as ${doc.dsarId}. Who the data subject is and how to reach them are in the request record (${where}, tenant administrators only), deliberately not in this email.`,
          `Unless the clock restarts (identity evidence you ask for), is paused for clarification (UK) or is extended, the statutory deadline is the end of ${firstDue}. We will remind your privacy contacts 7 days and 1 day before it.`,
        ],
        facts: [...facts, { label: 'Statutory deadline (from receipt)', value: firstDue }],
      };
    }
    case 'reminder-7d':
    case 'reminder-1d': {
      const left = notice.kind === 'reminder-7d' ? '7 days' : '1 day';
      return {
        subject: `Data-subject request ${doc.dsarId} is due on ${notice.dueOn}: ${left} left`,
        title: `${left === '1 day' ? 'One day' : 'Seven days'} left to answer a data-subject request`,
        paragraphs: [
          `The ${doc.requestType} request ${doc.dsarId} must be answered by the end of ${notice.dueOn} (${info.timeZone}), and it is still open.`,
          `Fulfil it (POST .../dsars/${doc.dsarId}/fulfil), or record why not (POST .../refuse with reasons). The details are at ${where}.`,
        ],
        facts: [...facts, { label: 'Due on', value: notice.dueOn }],
      };
    }
    case 'escalation':
      return {
        subject: `Overdue: data-subject request ${doc.dsarId} was due on ${notice.dueOn}`,
        title: 'A data-subject request has passed its deadline unanswered',
        paragraphs: [
          `The ${doc.requestType} request ${doc.dsarId} was due by the end of ${notice.dueOn} (${info.timeZone}) and no answer has been recorded. The statutory deadline has been missed.`,
          `Answer it as soon as possible and keep a record of why it was late. The details are at ${where}. This escalation is also recorded in the tenant's audit log.`,
        ],
        facts: [...facts, { label: 'Was due on', value: notice.dueOn }],
      };
    case 'close-unverified':
      return {
        subject: `Data-subject request ${doc.dsarId} closed as not verified`,
        title: `A data-subject request was closed: the ${notice.waitedFor === 'identity' ? 'identity evidence' : 'clarification'} never came`,
        paragraphs: [
          `On ${notice.since} the ${doc.requestType} request ${doc.dsarId} was put on hold until the person sent the ${notice.waitedFor === 'identity' ? 'identity evidence' : 'clarification'} asked for. Nothing was recorded by the end of ${notice.dueOn}, so the request is closed as not verified and nothing was disclosed or changed.`,
          `If the answer did arrive, record a new request from its date. If you have not told the person that their request is closed, do so, with their right to complain to the supervisory authority (Art 12(4)). The details are at ${where}.`,
        ],
        facts: [...facts, { label: 'Waited since', value: notice.since }, { label: 'Closed after', value: notice.dueOn }],
      };
    case 'objection-routed':
      return {
        subject: `Objection to processing for you to decide: ${doc.dsarId}`,
        title: 'A data subject objects to the processing of their data',
        paragraphs: [
          `The objection ${doc.dsarId} has been recorded. As the controller, you decide whether there are compelling legitimate grounds for the processing that override the data subject's interests, rights and freedoms, or whether processing must stop (Art 21).`,
          `We process the data only on your instructions: to stop processing now, record a restriction request for the person; to delete their data, an erasure request. The details are at ${where}.`,
        ],
        facts,
      };
  }
}

export interface NoticeDelivery {
  recipients: number;
  refused: number;
}

/** Sends `notice` to each of its recipients once. Transient failures throw (the activity retries). */
export async function sendDsarNotice(services: Services, doc: DsarDoc, tenantName: string, notice: DsarNotice): Promise<NoticeDelivery> {
  const { region } = tenantRef(doc.tenantId);
  const contacts = await nominatedContacts(services, doc.tenantId);
  const recipients = contacts ? recipientsOf(contacts, rolesFor(notice)) : [];
  const rendered = renderEmail(content(doc, tenantName, notice));
  const name = noticeName(notice);
  const { refused } = await sendToEach(services.email, {
    region,
    recipients,
    rendered,
    idempotencyKeyFor: (recipient) => `${doc.instanceId}:${name}:${createHash('sha256').update(recipient.email.toLowerCase()).digest('hex')}`,
  });
  return { recipients: recipients.length - refused, refused };
}
