// Who receives the deletion certificates. The nominated contacts are encrypted under the tenant's
// key, which is destroyed during deletion; so, just before that, a copy is sealed under the
// region's notices key and kept beside the termination record only until the final certificate
// has been sent. This is the one retention exception of the deletion, and the certificate says so.
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import { openValue, sealValue, type EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { CONTACTS_AAD, TENANT_DOC_ID, type Contact, type NominatedContacts, type TenantDoc } from '../tenants/tenant.js';
import { certificatesPartition } from './termination-service.js';

export const NOTICES_KEY = 'termination-notices';

interface RecipientsDoc extends StoredDoc {
  type: 'certificateRecipients';
  terminationId: string;
  kekId: string;
  wrappedKey: string;
  sealed: EncryptedValue;
}

const recipientsDocId = (terminationId: string): string => `certificate-recipients:${terminationId}`;
const aad = (terminationId: string): string => `certificate-recipients|${terminationId}`;

/** The nominated contacts of a live tenant, decrypted. */
export async function nominatedContacts(services: Services, tenantId: string): Promise<NominatedContacts | undefined> {
  const parsed = parseTenantId(tenantId);
  if (!parsed) return undefined;
  const partition = await tenantPartition(services, parsed.tenantId, parsed.region);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant) return undefined;
  return (await services.keyring.cipherFor(partition, new Date()).open(tenant.contacts, CONTACTS_AAD)) as NominatedContacts;
}

/** Everyone nominated, each address once. */
export function everyContact(contacts: NominatedContacts): Contact[] {
  const seen = new Set<string>();
  return [...contacts.security, ...contacts.privacy].filter((c) => {
    const key = c.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function retainCertificateRecipients(services: Services, tenantId: string, terminationId: string): Promise<number> {
  const parsed = parseTenantId(tenantId)!;
  const records = await certificatesPartition(services, parsed.tenantId, parsed.region);
  const existing = await records.read<RecipientsDoc>(recipientsDocId(terminationId));
  if (existing) return -1;
  const contacts = await nominatedContacts(services, tenantId);
  if (!contacts) throw new Error(`tenant ${tenantId} has no record to take the contacts from`);
  const recipients = everyContact(contacts);
  const vault = services.vaults[parsed.region];
  const kekId = await vault.ensureWrappingKey(NOTICES_KEY, { purpose: 'deletion-certificate-delivery' });
  const dataKey = randomBytes(32);
  const doc: RecipientsDoc = {
    id: recipientsDocId(terminationId),
    tenantId,
    type: 'certificateRecipients',
    terminationId,
    kekId,
    wrappedKey: (await vault.wrap(kekId, dataKey)).toString('base64'),
    sealed: sealValue(dataKey, 'notices', recipients, aad(terminationId)),
  };
  await records.commit([{ kind: 'create', doc, conflict: 'retry' }]).catch(async (error: unknown) => {
    if (!(await records.read(doc.id))) throw error;
  });
  return recipients.length;
}

export async function certificateRecipients(services: Services, tenantId: string, terminationId: string): Promise<Contact[]> {
  const parsed = parseTenantId(tenantId)!;
  const records = await certificatesPartition(services, parsed.tenantId, parsed.region);
  const doc = await records.read<RecipientsDoc>(recipientsDocId(terminationId));
  if (!doc) return [];
  const dataKey = await services.vaults[parsed.region].unwrap(doc.kekId, Buffer.from(doc.wrappedKey, 'base64'));
  return openValue(dataKey, doc.sealed, aad(terminationId)) as Contact[];
}

export async function forgetCertificateRecipients(services: Services, tenantId: string, terminationId: string): Promise<void> {
  const parsed = parseTenantId(tenantId)!;
  const records = await certificatesPartition(services, parsed.tenantId, parsed.region);
  await records.deleteIds([recipientsDocId(terminationId)]);
}
