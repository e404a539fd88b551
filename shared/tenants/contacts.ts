// A tenant's nominated security and privacy contacts, who receive breach notices, deletion
// certificates, DSAR reminders and export notices. They are personal data, stored encrypted under
// the tenant's key on the tenant record: decrypted here and only here, and de-duplicated here and
// only here (each address once, with every role it was nominated for).
import type { Services } from '../composition.js';
import type { TenantCipher } from '../crypto/keyring.js';
import { TenantPartition } from '../store/tenant-partition.js';
import { tenantData, type TenantKey } from './partitions.js';
import { CONTACTS_AAD, TENANT_DOC_ID, type NominatedContacts, type TenantDoc } from './tenant.js';

export type ContactRole = keyof NominatedContacts;
export const CONTACT_ROLES: readonly ContactRole[] = ['security', 'privacy'];

/** One address to write to, with the roles it was nominated for. */
export interface NominatedRecipient {
  name: string;
  email: string;
  roles: ContactRole[];
}

/** Decrypts the contacts of a tenant record read through `cipher`'s partition. */
export async function openContacts(cipher: TenantCipher, tenant: Pick<TenantDoc, 'contacts'>): Promise<NominatedContacts> {
  return (await cipher.open(tenant.contacts, CONTACTS_AAD)) as NominatedContacts;
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
