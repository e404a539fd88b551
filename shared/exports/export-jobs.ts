// Export jobs: a customer administrator asks for users, the audit log or one module's records as
// CSV or JSON; a durable job streams it to storage in the tenant's region; the job record (in the
// tenant's own data, audited) says how it went, and each read of it hands out a fresh expiring link.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { NotFoundError } from '../errors.js';
import { MODULES } from '../records/record.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { runTenantWork, type IdempotencyOptions } from '../store/unit-of-work.js';
import type { OpenTenant, RequestMeta } from '../tenants/tenant-access.js';
import { systemActor } from '../audit/system-actor.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantPartition, workInTenant } from '../tenants/tenant-access.js';
import type { ExportFormat, ExportSubject } from './tenant-export.js';

export const requestExportSchema = z
  .strictObject({
    kind: z.enum(['users', 'audit', 'module'], { message: 'must be one of users, audit, module' }),
    module: z.enum(MODULES, { message: `must be one of ${MODULES.join(', ')}` }).optional(),
    format: z.enum(['csv', 'json'], { message: 'must be csv or json' }),
    /** Start a CSV with a UTF-8 byte-order mark (for Excel on Windows). */
    bom: z.boolean().default(false),
  })
  .refine((r) => (r.kind === 'module') === (r.module !== undefined), { message: 'name the module for kind "module", and only then', path: ['module'] });
export type RequestExport = z.infer<typeof requestExportSchema>;

export type ExportStatus = 'running' | 'ready' | 'failed';

export interface ExportJobDoc extends StoredDoc {
  type: 'exportJob';
  exportId: string;
  instanceId: string;
  kind: RequestExport['kind'];
  module?: RequestExport['module'];
  format: ExportFormat;
  bom: boolean;
  status: ExportStatus;
  requestedAt: string;
  requestedBy: string;
  completedAt?: string;
  file?: { container: 'exports'; blobName: string; rows: number; bytes: number; sha256: string };
  failure?: string;
}

export interface ExportView {
  exportId: string;
  kind: RequestExport['kind'];
  module?: string;
  format: ExportFormat;
  status: ExportStatus;
  requestedAt: string;
  completedAt?: string;
  rows?: number;
  bytes?: number;
  sha256?: string;
  download?: { url: string; expiresAt: string };
  failure?: string;
}

export const exportDocId = (exportId: string): string => `export:${exportId}`;
export const exportInstanceId = (tenantId: string, exportId: string): string => `export-${tenantId}-${exportId}`;

export function subjectOf(job: Pick<ExportJobDoc, 'kind' | 'module'>): ExportSubject {
  if (job.kind === 'users') return { kind: 'users' };
  if (job.kind === 'audit') return { kind: 'audit-log' };
  return { kind: 'records', module: job.module! };
}

export async function requestExport(services: Services, open: OpenTenant, request: RequestExport, meta: RequestMeta & { idempotency?: IdempotencyOptions }): Promise<{ view: ExportView; instanceId: string }> {
  return workInTenant(services, open, meta, async (tx) => {
      const exportId = randomBytes(8).toString('hex');
      const doc: ExportJobDoc = {
        id: exportDocId(exportId),
        tenantId: open.partition.tenantId,
        type: 'exportJob',
        exportId,
        instanceId: exportInstanceId(open.partition.tenantId, exportId),
        kind: request.kind,
        ...(request.module ? { module: request.module } : {}),
        format: request.format,
        bom: request.bom,
        status: 'running',
        requestedAt: meta.now.toISOString(),
        requestedBy: open.actor.sub,
      };
      tx.create(doc);
      tx.audit({ action: 'export.requested', target: { type: 'export', id: exportId } });
      return { view: viewOf(doc), instanceId: doc.instanceId };
    },
    meta.idempotency,
  );
}

/** The job; when ready, with a fresh download link (valid for the configured hours). */
export async function readExport(services: Services, open: OpenTenant, exportId: string, meta: RequestMeta): Promise<ExportView> {
  return workInTenant(services, open, meta, async (tx) => {
    const doc = await tx.partition.read<ExportJobDoc>(exportDocId(exportId));
    if (!doc || doc.type !== 'exportJob') throw new NotFoundError('EXPORT.NOT_FOUND', `There is no export ${exportId} in this tenant.`);
    const view = viewOf(doc);
    if (doc.status === 'ready' && doc.file) {
      const expiresAt = new Date(meta.now.getTime() + services.config.retention.downloadLinkHours * 3600_000);
      view.download = { url: await services.blobs.downloadLink(open.partition.ref.region, doc.file.container, doc.file.blobName, expiresAt), expiresAt: expiresAt.toISOString() };
      tx.audit({ action: 'export.link-issued', target: { type: 'export', id: exportId } });
    }
    return view;
  });
}

/** Called by the export job when the file is stored (or the job gave up). */
export async function recordExportOutcome(
  services: Services,
  ref: { tenantId: string; exportId: string },
  outcome: { file: NonNullable<ExportJobDoc['file']> } | { failure: string },
  now: Date,
  requestId: string,
): Promise<void> {
  const parsed = parseTenantId(ref.tenantId)!;
  const partition = await tenantPartition(services, parsed.tenantId, parsed.region);
  await runTenantWork(services.keyring, partition, { actor: systemActor('tenant-export'), requestId, now }, async (tx) => {
    const doc = await tx.partition.read<ExportJobDoc>(exportDocId(ref.exportId));
    if (!doc || doc.status !== 'running') return;
    const done: ExportJobDoc = 'file' in outcome
      ? { ...doc, status: 'ready', completedAt: now.toISOString(), file: outcome.file }
      : { ...doc, status: 'failed', completedAt: now.toISOString(), failure: outcome.failure };
    tx.replace(done, doc._etag!);
    tx.audit({ action: 'file' in outcome ? 'export.completed' : 'export.failed', target: { type: 'export', id: ref.exportId }, outcome: 'file' in outcome ? 'success' : 'failure' });
  });
}

export async function loadExportJob(services: Services, ref: { tenantId: string; exportId: string }): Promise<ExportJobDoc | undefined> {
  const parsed = parseTenantId(ref.tenantId)!;
  const partition = await tenantPartition(services, parsed.tenantId, parsed.region);
  return partition.read<ExportJobDoc>(exportDocId(ref.exportId));
}

function viewOf(doc: ExportJobDoc): ExportView {
  return {
    exportId: doc.exportId,
    kind: doc.kind,
    ...(doc.module ? { module: doc.module } : {}),
    format: doc.format,
    status: doc.status,
    requestedAt: doc.requestedAt,
    ...(doc.completedAt ? { completedAt: doc.completedAt } : {}),
    ...(doc.file ? { rows: doc.file.rows, bytes: doc.file.bytes, sha256: doc.file.sha256 } : {}),
    ...(doc.failure ? { failure: doc.failure } : {}),
  };
}
