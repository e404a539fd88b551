// "Return, then delete" (Art 28(3)(g)): before deletion, a complete copy of the tenant's data
// (users, module records, the audit log, support access, data-subject requests and breach notices,
// as CSV and JSON, with a manifest of counts) is written in the
// tenant's own region; the nominated contacts are told it is ready, and an admin of the tenant signs
// in to fetch fresh links (never emailed: a link is a bearer credential to the whole data set). The
// package's record lives in the tenant's own data, so it disappears with it.
import type { Services } from '../composition.js';
import { buildPackage, packageDownloadLinks, type DownloadLinks } from '../exports/tenant-export.js';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import { NotFoundError } from '../errors.js';
import { openTenant, type RequestMeta } from '../tenants/tenant-access.js';
import { latestTermination } from './termination-store.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { changeTermination, terminationRecords, type TerminationRef } from './termination-store.js';

interface ReturnPackageDoc extends StoredDoc {
  type: 'returnPackage';
  terminationId: string;
  generatedAt: string;
  expiresOn: string;
  files: number;
  rows: number;
}

const docId = (terminationId: string): string => `return-package:${terminationId}`;

export async function returnTenantData(services: Services, ref: TerminationRef, now: Date): Promise<{ files: number; rows: number; expiresOn: string }> {
  const data = await tenantData(services, ref.tenantId);
  const existing = await data.read<ReturnPackageDoc>(docId(ref.terminationId));
  if (existing) return { files: existing.files, rows: existing.rows, expiresOn: existing.expiresOn };
  const built = await buildPackage(services, { tenantId: tenantRef(ref.tenantId).tenantId, jobId: `return-${ref.terminationId}`, now, bom: true });
  const doc: ReturnPackageDoc = {
    id: docId(ref.terminationId),
    tenantId: ref.tenantId,
    type: 'returnPackage',
    terminationId: ref.terminationId,
    generatedAt: built.manifest.generatedAt,
    expiresOn: built.links.expiresOn,
    files: built.manifest.files.length + 1,
    rows: built.manifest.files.reduce((sum, f) => sum + f.rows, 0),
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

export const returnedDataSchema = z
  .object({
    terminationId: z.string(),
    generatedAt: z.iso.datetime(),
    files: z.int(),
    rows: z.int(),
    links: z
      .object({ expiresOn: z.iso.datetime(), manifest: z.string(), files: z.record(z.string(), z.string()) })
      .meta({ description: 'Fresh expiring links, minted on each read' }),
  })
  .meta({ id: 'ReturnedData' });
export type ReturnedData = z.infer<typeof returnedDataSchema>;

/**
 * Fresh links to the returned package, for an admin of the tenant who signed in (the email only
 * says it is ready). Until deletion; vendor staff cannot fetch the customer's data this way.
 */
export async function readReturnedData(services: Services, principal: Principal, rawTenantId: string, meta: RequestMeta): Promise<ReturnedData> {
  const open = await openTenant(services, principal, rawTenantId, 'exports.manage', 'export', meta);
  const termination = await latestTermination(await terminationRecords(services, open.partition.ref));
  const doc = termination ? await open.partition.read<ReturnPackageDoc>(docId(termination.terminationId)) : undefined;
  if (!termination || !doc)
    throw new NotFoundError(
      'TERMINATION.NO_RETURNED_DATA',
      `No data has been returned for tenant ${rawTenantId}: only a termination with disposition return-then-delete prepares it.`,
    );
  const links = await packageDownloadLinks(services, { tenantId: open.partition.tenantId, jobId: `return-${termination.terminationId}`, now: meta.now });
  if (!links) throw new NotFoundError('TERMINATION.NO_RETURNED_DATA', 'The returned data is no longer available.');
  return { terminationId: termination.terminationId, generatedAt: doc.generatedAt, files: doc.files, rows: doc.rows, links };
}
