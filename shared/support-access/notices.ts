// What the tenant is told about support access: a request awaiting an administrator's decision
// (the administrators' notification addresses and the privacy contacts), break-glass access at once
// (administrators, privacy and security contacts), and the end of a grant (the same people as its
// start). The engineer appears only by id and origin. One message per address, never twice.
import { createHash } from 'node:crypto';
import type { Services } from '../composition.js';
import { renderEmail, type EmailFact } from '../email/render.js';
import { sendToEach } from '../email/send-to-each.js';
import { notificationContacts, recipientsWithAdmins, type ContactRole } from '../tenants/contacts.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { grantDocId, statusAt, type GrantDoc } from './grant.js';

export type GrantNoticeKind = 'requested' | 'break-glass' | 'ended';

export async function sendGrantNotice(
  services: Services,
  ref: { tenantId: string; grantId: string; instanceId: string },
  kind: GrantNoticeKind,
): Promise<number> {
  const grant = await (await tenantData(services, ref.tenantId)).read<GrantDoc>(grantDocId(ref.grantId));
  const tenant = await notificationContacts(services, ref.tenantId);
  if (!grant || !tenant) return 0;
  const roles: ContactRole[] = kind === 'break-glass' || grant.emergency ? ['privacy', 'security'] : ['privacy'];
  const route = `/api/tenants/${ref.tenantId}/support-access/${ref.grantId}`;
  const facts: EmailFact[] = [
    { label: 'Tenant', value: ref.tenantId },
    { label: 'Grant', value: ref.grantId },
    { label: 'Support engineer', value: grant.engineer },
    {
      label: 'Origin',
      value: `${grant.origin.country} (${grant.origin.source === 'token' ? 'from the sign-in token' : 'declared by the engineer'})`,
    },
    { label: 'Scope', value: grant.scopes.join(', ') },
    { label: 'Duration', value: grant.duration },
    { label: 'Ticket', value: grant.ticket },
    { label: 'Reason', value: grant.reason },
    {
      label: 'Transfer',
      value: grant.transfer
        ? `${grant.transfer.from} to ${grant.transfer.to} under ${grant.transfer.basis} (${grant.transfer.instrument}${grant.transfer.tiaReference ? `, TIA ${grant.transfer.tiaReference}` : ''})`
        : 'none (inside the region)',
    },
  ];
  const email =
    kind === 'requested'
      ? renderEmail({
          subject: 'Support access requested: your approval is needed',
          title: 'A support engineer asks to access your data',
          paragraphs: [
            `Nothing is visible to them unless an administrator of your tenancy approves. Approve with POST ${route}/approve or deny with POST ${route}/deny before ${grant.decideBy}; after that the request lapses.`,
            'Once approved, access lasts for the duration below from the approval, can be revoked at any time (POST .../revoke), and every access is logged (GET .../log).',
          ],
          facts,
        })
      : kind === 'break-glass'
        ? renderEmail({
            subject: 'Break-glass support access to your data is active',
            title: 'Emergency support access is active now',
            paragraphs: [
              `A support engineer used break-glass access to your tenancy at ${grant.activatedAt}; it ends at ${grant.expiresAt} at the latest. Every access is logged (GET ${route}/log).`,
              `An administrator can end it at once with POST ${route}/revoke, and must review it afterwards with POST ${route}/review.`,
            ],
            facts,
          })
        : renderEmail({
            subject: 'Support access has ended',
            title: 'Support access has ended',
            paragraphs: [
              `The grant is ${statusAt(grant, services.clock.now())}${grant.endedAt ? ` since ${grant.endedAt}` : ''}. The log of every access made under it: GET ${route}/log.`,
              ...(grant.emergency && !grant.review?.reviewedAt ? [`This was break-glass access: review it with POST ${route}/review.`] : []),
            ],
            facts,
          });
  const { sent } = await sendToEach(services.email, {
    region: tenantRef(ref.tenantId).region,
    recipients: recipientsWithAdmins(tenant.contacts, roles, tenant.admins),
    rendered: email,
    idempotencyKeyFor: (contact) => `${ref.instanceId}:support-${kind}:${createHash('sha256').update(contact.email.toLowerCase()).digest('hex')}`,
  });
  return sent;
}
