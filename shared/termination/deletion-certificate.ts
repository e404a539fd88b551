// The deletion certificate: what was deleted, where, how and when, signed in the tenant's region's
// Key Vault. An interim certificate is issued when primary deletion and key destruction are done
// and says plainly what is still to happen (the key becoming unrecoverable, backups expiring);
// the final one is issued when both have happened.
import type { Services } from '../composition.js';
import type { StoredDoc, TenantPartition } from '../store/tenant-partition.js';
import { signCompactJws } from '../crypto/signed-records.js';
import { NotFoundError } from '../errors.js';
import { tenantRef } from '../tenants/partitions.js';
import { openTenantRecords } from '../tenants/tenant-access.js';
import type { Principal } from '../auth/principal.js';
import { deletionLogDigest } from './data-deletion.js';
import { changeTermination, findTermination, terminationRecords, type TerminationRef } from './termination-store.js';
import type { TerminationDoc } from './termination.js';
import { takeInventory, type Inventory } from './certificate-inventory.js';

export type CertificateKind = 'interim' | 'final';

export interface CertificateDoc extends StoredDoc {
  type: 'deletionCertificate';
  terminationId: string;
  kind: CertificateKind;
  issuedAt: string;
  certificate: string;
  claims: Record<string, unknown>;
}

const certificateDocId = (terminationId: string, kind: CertificateKind): string => `certificate:${terminationId}:${kind}`;

/** The certificate's claims, from the termination record alone (pure). */
export function certificateClaims(
  termination: TerminationDoc,
  kind: CertificateKind,
  issuedAt: Date,
  deletionLog: { entries: number; sha256: string },
  inventory: Inventory,
): Record<string, unknown> {
  const deletion = termination.deletion;
  const keys = termination.keys;
  const backups = termination.backups;
  if (!deletion?.completedAt || !keys || !backups)
    throw new Error('the certificate needs deletion, key destruction and backup expiry recorded first');
  const unrecoverable = keys.steps.find((s) => s.step === 'unrecoverable');
  const outstanding: string[] = [];
  if (unrecoverable?.status !== 'done')
    outstanding.push(
      `The tenant key ${keys.name} is deleted and disabled; Key Vault purges it for good at ${unrecoverable?.at} (purge protection prevents an earlier purge).`,
    );
  if (backups.status !== 'expired')
    outstanding.push(
      `Encrypted backups of the deleted data expire at ${backups.expireAt} (${backups.retentionDays}-day continuous backup retention); their data keys are wrapped by the destroyed tenant key.`,
    );
  const retained =
    kind === 'interim'
      ? [
          {
            what: "the nominated contacts' names and email addresses, encrypted under a separate key",
            why: 'to deliver the deletion certificates',
            until: 'the final certificate is sent',
          },
        ]
      : [];
  const stores = deletion.stores.map((s) => `${s.items} items from ${s.store}`).join(', ');
  // Only what the workflow counted: deleted items, and what it found left in the same stores.
  const checked = inventory.stores
    .filter((s) => s.deleted !== null && s.remaining !== null)
    .map((s) => `${s.store}: ${s.deleted} deleted, ${s.remaining === 0 ? 'none' : s.remaining} found remaining`)
    .join('; ');
  return {
    iss: 'urn:privacy-ops:deletion-certificates',
    sub: termination.tenantId,
    jti: `${termination.terminationId}:${kind}`,
    iat: Math.floor(issuedAt.getTime() / 1000),
    kind,
    tenant: { tenantId: termination.tenantId, name: termination.tenantName, region: termination.region },
    termination: {
      terminationId: termination.terminationId,
      requestedAt: termination.requestedAt,
      effectiveAt: termination.effectiveAt,
      graceEndsAt: termination.graceEndsAt,
      disposition: termination.disposition,
      ...(termination.returnPackage ? { dataReturnedAt: termination.returnPackage.generatedAt } : {}),
    },
    deletion: { startedAt: deletion.startedAt, completedAt: deletion.completedAt, stores: deletion.stores },
    keyDestruction: { key: keys.name, vault: keys.vault, steps: keys.steps },
    backups,
    workflow: { instanceId: termination.instanceId },
    deletionLog,
    retained,
    outstanding,
    stores: inventory.stores,
    subProcessors: inventory.subProcessors,
    checkedAt: inventory.checkedAt,
    statement:
      kind === 'final'
        ? `Checked by the deletion workflow for tenant ${termination.tenantId} (${termination.tenantName}) in region ${termination.region}, at ${inventory.checkedAt}: ${checked}. Primary deletion completed on ${deletion.completedAt}; the tenant key ${keys.name} has been unrecoverable since ${unrecoverable?.at}; the ${backups.retentionDays}-day retention of the encrypted backups ended on ${backups.expireAt}. What stays, and why, is listed under stores; copies held by sub-processors under their own retention are listed under subProcessors and were not checked.`
        : `Checked by the deletion workflow for tenant ${termination.tenantId} (${termination.tenantName}) in region ${termination.region}, at ${inventory.checkedAt}: ${checked}. Primary deletion completed on ${deletion.completedAt} (${stores}) and the tenant key was deleted in Key Vault. Outstanding: ${outstanding.join(' ') || 'nothing'}`,
  };
}

/**
 * Issues (once) and stores the certificate of `kind`, over the verified deletion log; a re-run
 * returns the stored one. A deletion log that does not verify stops it: nothing is certified.
 */
export async function issueCertificate(services: Services, input: TerminationRef & { kind: CertificateKind }, now: Date): Promise<{ issuedAt: string }> {
  const { region } = tenantRef(input.tenantId);
  const records = await terminationRecords(services, input.tenantId);
  const existing = await records.read<CertificateDoc>(certificateDocId(input.terminationId, input.kind));
  if (existing) {
    await keepCertificateCopy(services, existing); // a crash may have come between storing and copying
    return { issuedAt: existing.issuedAt };
  }
  const deletionLog = await deletionLogDigest(services, input.tenantId, input.terminationId);
  if (!deletionLog.valid) throw new Error(`the deletion log of termination ${input.terminationId} does not verify`);
  const termination = await findTermination(records, input.terminationId);
  if (!termination) throw new Error(`no termination ${input.terminationId}`);
  // This certificate's own write-once copy is kept right after it is stored.
  const evidencePending =
    (await services.blobs.readEvidence(
      region,
      certificateEvidenceName({ tenantId: input.tenantId, terminationId: input.terminationId, kind: input.kind }),
    )) === undefined;
  const inventory = await takeInventory(services, termination, { kind: input.kind, evidencePending }, now);
  const claims = certificateClaims(termination, input.kind, now, { entries: deletionLog.entries, sha256: deletionLog.sha256 }, inventory);
  const certificate = await signCompactJws(services.vaults[region], services.stores, region, claims);
  const doc: CertificateDoc = {
    id: certificateDocId(input.terminationId, input.kind),
    tenantId: input.tenantId,
    type: 'deletionCertificate',
    terminationId: input.terminationId,
    kind: input.kind,
    issuedAt: now.toISOString(),
    certificate,
    claims,
  };
  try {
    await records.commit([{ kind: 'create', doc }]);
  } catch (error) {
    const raced = await records.read<CertificateDoc>(doc.id);
    if (!raced) throw error;
    await keepCertificateCopy(services, raced);
    return { issuedAt: raced.issuedAt };
  }
  await keepCertificateCopy(services, doc);
  await changeTermination(services, input, (t) => ({
    ...t,
    certificates: [...t.certificates.filter((c) => c.kind !== input.kind), { kind: input.kind, issuedAt: doc.issuedAt }],
  }));
  return { issuedAt: doc.issuedAt };
}

/** Where a certificate's write-once copy is kept in its region's evidence container. */
export function certificateEvidenceName(doc: Pick<CertificateDoc, 'tenantId' | 'terminationId' | 'kind'>): string {
  return `${doc.tenantId}/deletion-certificates/${doc.terminationId}-${doc.kind}.jws`;
}

/** The signed certificate, also kept where no one can change it (Cosmos DB keeps serving it). */
async function keepCertificateCopy(services: Services, doc: CertificateDoc): Promise<void> {
  const { region } = tenantRef(doc.tenantId);
  await services.blobs.keepEvidence(region, certificateEvidenceName(doc), doc.certificate, 'application/jose');
}

export async function storedCertificate(records: TenantPartition, terminationId: string, kind: CertificateKind): Promise<CertificateDoc | undefined> {
  return records.read<CertificateDoc>(certificateDocId(terminationId, kind));
}

/** The latest certificate of a tenant: the final one when issued, else the interim one. */
export async function readCertificate(
  services: Services,
  principal: Principal,
  rawTenantId: string,
): Promise<{ certificate: string; claims: Record<string, unknown>; issuedAt: string }> {
  const records = await openTenantRecords(services, principal, rawTenantId, 'termination.manage');
  const certificates = await records.queryAll<CertificateDoc>("c.type = 'deletionCertificate'", [], { orderBy: 'c.issuedAt DESC' });
  const best = certificates.find((c) => c.kind === 'final') ?? certificates[0];
  if (!best) throw new NotFoundError('CERTIFICATE.NOT_FOUND', `No deletion certificate has been issued for tenant ${rawTenantId} yet.`);
  return { certificate: best.certificate, claims: best.claims, issuedAt: best.issuedAt };
}
