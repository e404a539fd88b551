// Who receives the deletion certificates. The nominated contacts are encrypted under the tenant's
// key, which is destroyed during deletion; so, just before that, a copy is sealed under the
// region's notices key and kept beside the termination record only until the final certificate
// has been sent. This is the one retention exception of the deletion, and the certificate says so.
import { randomBytes } from 'node:crypto';
import type { Services } from '../composition.js';
import { openValue, sealValue, type EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { nominatedContacts, recipientsOf, type NominatedRecipient } from '../tenants/contacts.js';
import { tenantRef } from '../tenants/partitions.js';
import { terminationRecords, type TerminationRef } from './termination-store.js';

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

export async function retainCertificateRecipients(services: Services, ref: TerminationRef): Promise<number> {
  const { region } = tenantRef(ref.tenantId);
  const records = await terminationRecords(services, ref.tenantId);
  const existing = await records.read<RecipientsDoc>(recipientsDocId(ref.terminationId));
  if (existing) return -1;
  const contacts = await nominatedContacts(services, ref.tenantId);
  if (!contacts) throw new Error(`tenant ${ref.tenantId} has no record to take the contacts from`);
  const recipients = recipientsOf(contacts);
  const vault = services.vaults[region];
  const kekId = await vault.ensureWrappingKey(NOTICES_KEY, { purpose: 'deletion-certificate-delivery' });
  const dataKey = randomBytes(32);
  const doc: RecipientsDoc = {
    id: recipientsDocId(ref.terminationId),
    tenantId: ref.tenantId,
    type: 'certificateRecipients',
    terminationId: ref.terminationId,
    kekId,
    wrappedKey: (await vault.wrap(kekId, dataKey)).toString('base64'),
    sealed: sealValue(dataKey, 'notices', recipients, aad(ref.terminationId)),
  };
  await records.commit([{ kind: 'create', doc, conflict: 'retry' }]).catch(async (error: unknown) => {
    if (!(await records.read(doc.id))) throw error;
  });
  return recipients.length;
}

export async function certificateRecipients(services: Services, ref: TerminationRef): Promise<NominatedRecipient[]> {
  const records = await terminationRecords(services, ref.tenantId);
  const doc = await records.read<RecipientsDoc>(recipientsDocId(ref.terminationId));
  if (!doc) return [];
  const dataKey = await services.vaults[tenantRef(ref.tenantId).region].unwrap(doc.kekId, Buffer.from(doc.wrappedKey, 'base64'));
  return openValue(dataKey, doc.sealed, aad(ref.terminationId)) as NominatedRecipient[];
}

export async function forgetCertificateRecipients(services: Services, ref: TerminationRef): Promise<void> {
  const records = await terminationRecords(services, ref.tenantId);
  await records.deleteIds([recipientsDocId(ref.terminationId)]);
}
