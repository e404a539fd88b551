// Copies outlive an erasure unless something removes them: export files of the tenant made before
// it (any of them may hold the person: users, records, the audit log) and the person's own access
// packages. They are deleted at the erasure; an export's record stays, saying why its file is gone,
// so the requester's next read explains it instead of failing.
import type { Services } from '../composition.js';
import { dsarPackageJobId, type DsarDoc } from '../dsars/dsar.js';
import { exportDocId, type ExportJobDoc } from '../exports/export-jobs.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { auditContext, type RequestMeta } from '../tenants/tenant-access.js';
import type { AuditActor } from '../audit/chain.js';

export const WITHDRAWN_REASON = 'deleted because a person whose data it may hold was erased';

export interface WithdrawnCopies {
  exports: number;
  packages: number;
}

/**
 * Deletes the files that may hold an erased person: every export of the tenant requested before the
 * erasure, and the access packages of the person's own requests (when a person is named).
 */
export async function withdrawCopies(
  services: Services,
  actor: AuditActor,
  tenantId: string,
  erasure: { at: string; subjectId?: string },
  meta: RequestMeta,
): Promise<WithdrawnCopies> {
  const { region } = tenantRef(tenantId);
  const partition = await tenantData(services, tenantId);
  const exports = await partition.queryAll<ExportJobDoc>(
    "c.type = 'exportJob' AND c.status = 'ready' AND NOT IS_DEFINED(c.withdrawn) AND c.requestedAt <= @at",
    [{ name: '@at', value: erasure.at }],
  );
  for (const job of exports) {
    await services.blobs.deletePrefix(region, 'exports', `${tenantId}/${job.exportId}/`);
    await runTenantWork(services.keyring, partition, auditContext(actor, meta), async (tx) => {
      const doc = await tx.partition.read<ExportJobDoc>(exportDocId(job.exportId));
      if (!doc || doc.withdrawn) return;
      tx.raw({ kind: 'replace', doc: { ...doc, withdrawn: { at: erasure.at, reason: WITHDRAWN_REASON } }, ifMatch: doc._etag!, conflict: 'retry' });
      tx.audit({ action: 'export.withdrawn', target: { type: 'export', id: job.exportId }, reason: WITHDRAWN_REASON });
    });
  }
  let packages = 0;
  if (erasure.subjectId) {
    const requests = await partition.queryAll<DsarDoc>("c.type = 'dsar' AND c.subject.userId = @u", [{ name: '@u', value: erasure.subjectId }], {
      fields: ['dsarId'],
    });
    for (const request of requests)
      packages += await services.blobs.deletePrefix(region, 'packages', `${tenantId}/${dsarPackageJobId(request.dsarId)}/`);
  }
  return { exports: exports.length, packages };
}
