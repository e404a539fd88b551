// A tenant's nominated security and privacy contacts, who receive breach notices, deletion
// certificates, DSAR reminders and export notices, and its administrators' notification addresses,
// who are told what needs an administrator (support access). They are personal data, stored
// encrypted under the tenant's key on the tenant record: decrypted here and only here, and
// de-duplicated here and only here (each address once, with every role it was nominated for).
import type { Services } from '../composition.js';
import type { TenantCipher } from '../crypto/keyring.js';
import { TenantPartition } from '../store/tenant-partition.js';
import { tenantData, type TenantKey } from './partitions.js';
import { ADMIN_NOTIFICATION_CONTACTS_AAD, CONTACTS_AAD, TENANT_DOC_ID, type NominatedContacts, type TenantDoc } from './tenant.js';

export type ContactRole = keyof NominatedContacts;
export const CONTACT_ROLES: readonly ContactRole[] = ['security', 'privacy'];

/** One address to write to, with the roles it was nominated for. */
export interface NominatedRecipient {
  name: string;
  email: string;
  roles: ContactRole[];
}

/** A nominated contact or an administrator's address (which has no name). */
export interface TenantRecipient {
  name?: string;
  email: string;
  roles: (ContactRole | 'admin')[];
}

/** Decrypts the contacts of a tenant record read through `cipher`'s partition. */
export async function openContacts(cipher: TenantCipher, tenant: Pick<TenantDoc, 'contacts'>): Promise<NominatedContacts> {
  return (await cipher.open(tenant.contacts, CONTACTS_AAD)) as NominatedContacts;
}

/** Decrypts the administrators' notification addresses (none when never given). */
export async function openAdminNotificationContacts(cipher: TenantCipher, tenant: Pick<TenantDoc, 'adminNotificationContacts'>): Promise<string[]> {
  if (!tenant.adminNotificationContacts) return [];
  return (await cipher.open(tenant.adminNotificationContacts, ADMIN_NOTIFICATION_CONTACTS_AAD)) as string[];
}

/** The nominated contacts and the administrators' addresses of a tenant whose record still exists. */
export async function notificationContacts(
  services: Services,
  tenant: TenantKey | TenantPartition,
): Promise<{ contacts: NominatedContacts; admins: string[] } | undefined> {
  const partition = tenant instanceof TenantPartition ? tenant : await tenantData(services, tenant);
  const doc = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!doc) return undefined;
  const cipher = services.keyring.cipherFor(partition, services.clock.now());
  return { contacts: await openContacts(cipher, doc), admins: await openAdminNotificationContacts(cipher, doc) };
}

/** The nominated contacts of a tenant whose record still exists (undefined once it is deleted). */
export async function nominatedContacts(services: Services, tenant: TenantKey | TenantPartition): Promise<NominatedContacts | undefined> {
  const partition = tenant instanceof TenantPartition ? tenant : await tenantData(services, tenant);
  const doc = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!doc) return undefined;
  return openContacts(services.keyring.cipherFor(partition, services.clock.now()), doc);
}

/**
 * The contacts nominated for any of `roles`, each address once (compared without case), in the
 * order nominated (security first), named as first nominated, with all of its roles among `roles`.
 */
export function recipientsOf(contacts: NominatedContacts, roles: readonly ContactRole[] = CONTACT_ROLES): NominatedRecipient[] {
  const byEmail = new Map<string, NominatedRecipient>();
  for (const role of CONTACT_ROLES) {
    if (!roles.includes(role)) continue;
    for (const contact of contacts[role]) {
      const key = contact.email.toLowerCase();
      const known = byEmail.get(key);
      if (!known) byEmail.set(key, { name: contact.name, email: contact.email, roles: [role] });
      else if (!known.roles.includes(role)) known.roles.push(role);
    }
  }
  return [...byEmail.values()];
}

/** `recipientsOf(contacts, roles)` and then the administrators' addresses, each address still once. */
export function recipientsWithAdmins(contacts: NominatedContacts, roles: readonly ContactRole[], admins: readonly string[]): TenantRecipient[] {
  const recipients: TenantRecipient[] = recipientsOf(contacts, roles);
  for (const email of admins) {
    const known = recipients.find((r) => r.email.toLowerCase() === email.toLowerCase());
    if (!known) recipients.push({ email, roles: ['admin'] });
    else if (!known.roles.includes('admin')) known.roles.push('admin');
  }
  return recipients;
}
