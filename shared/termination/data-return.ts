// "Return, then delete" (Art 28(3)(g)): before deletion, a complete copy of the tenant's data
// (users, module records and the audit log, as CSV and JSON, with a manifest) is written in the
// tenant's own region and its expiring links are sent to the nominated contacts. The links are
// bearer secrets: they are kept sealed under the tenant key, in the tenant's own data, so they
// disappear with it, and every retry of the email carries exactly the same links.
import type { Services } from '../composition.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import { buildPackage, type DownloadLinks } from '../exports/tenant-export.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { changeTermination, type TerminationRef } from './termination-store.js';

interface ReturnPackageDoc extends StoredDoc {
  type: 'returnPackage';
  terminationId: string;
  generatedAt: string;
  expiresOn: string;
  files: number;
  rows: number;
  links: EncryptedValue;
}

const docId = (terminationId: string): string => `return-package:${terminationId}`;
const aad = (terminationId: string): string => `return-package|${terminationId}`;

export async function returnTenantData(services: Services, ref: TerminationRef, now: Date): Promise<{ files: number; rows: number; expiresOn: string }> {
  const data = await tenantData(services, ref.tenantId);
  const existing = await data.read<ReturnPackageDoc>(docId(ref.terminationId));
  if (existing) return { files: existing.files, rows: existing.rows, expiresOn: existing.expiresOn };
  const built = await buildPackage(services, { tenantId: tenantRef(ref.tenantId).tenantId, jobId: `return-${ref.terminationId}`, now, bom: true });
  const cipher = services.keyring.cipherFor(data, now);
  const doc: ReturnPackageDoc = {
    id: docId(ref.terminationId),
    tenantId: ref.tenantId,
    type: 'returnPackage',
    terminationId: ref.terminationId,
    generatedAt: built.manifest.generatedAt,
    expiresOn: built.links.expiresOn,
    files: built.manifest.files.length + 1,
    rows: built.manifest.files.reduce((sum, f) => sum + f.rows, 0),
    links: await cipher.seal({ kind: 'tenant' }, built.links, aad(ref.terminationId)),
  };
  try {
    await data.commit([{ kind: 'create', doc }]);
  } catch (error) {
    const raced = await data.read<ReturnPackageDoc>(doc.id);
    if (!raced) throw error;
    return { files: raced.files, rows: raced.rows, expiresOn: raced.expiresOn };
  }
  await changeTermination(services, ref, (t) => ({
    ...t,
    returnPackage: { generatedAt: doc.generatedAt, files: doc.files, rows: doc.rows, linkExpiresAt: doc.expiresOn },
  }));
  return { files: doc.files, rows: doc.rows, expiresOn: doc.expiresOn };
}

/** The links sent to the contacts (the same on every call). */
export async function returnedDataLinks(services: Services, ref: TerminationRef): Promise<DownloadLinks | undefined> {
  const data = await tenantData(services, ref.tenantId);
  const doc = await data.read<ReturnPackageDoc>(docId(ref.terminationId));
  if (!doc) return undefined;
  return (await services.keyring.cipherFor(data, services.clock.now()).open(doc.links, aad(ref.terminationId))) as DownloadLinks;
}
