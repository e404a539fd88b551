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
import { phaseTable } from '../flows/phase-table.js';
import { tenantData, tenantRef } from '../tenants/partitions.js';
import { workInTenant } from '../tenants/tenant-access.js';
import { exportTenantData, type ExportFormat, type ExportSubject } from './tenant-export.js';

/** What can be exported: `support-access` is every support-access grant, `support-access-log` every access under them. */
const EXPORT_KINDS = ['users', 'audit', 'module', 'support-access', 'support-access-log'] as const;

export const requestExportSchema = z
  .strictObject({
    kind: z.enum(EXPORT_KINDS, { message: `must be one of ${EXPORT_KINDS.join(', ')}` }),
    module: z.enum(MODULES, { message: `must be one of ${MODULES.join(', ')}` }).optional(),
    format: z.enum(['csv', 'json'], { message: 'must be csv or json' }),
    /** Start a CSV with a UTF-8 byte-order mark (for Excel on Windows). */
    bom: z.boolean().default(false),
  })
  .refine((r) => (r.kind === 'module') === (r.module !== undefined), { message: 'name the module for kind "module", and only then', path: ['module'] });
export type RequestExport = z.infer<typeof requestExportSchema>;

/** An export job's phases: the one table the job record and its workflow's custom status read. */
export const EXPORT_JOB_PHASES = phaseTable('export', { running: ['ready', 'failed'], ready: [], failed: [] });
export type ExportStatus = (typeof EXPORT_JOB_PHASES.phases)[number];

const withheldSchema = z.object({ reason: z.literal('restriction of processing (Art 18)'), users: z.number().int().min(0), records: z.number().int().min(0) });

export const exportFileSchema = z.object({
  container: z.literal('exports'),
  blobName: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string(),
  /** Rows left out because their person's processing is restricted (Art 18). */
  withheld: withheldSchema.optional(),
});
export type ExportFile = z.infer<typeof exportFileSchema>;

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
  file?: ExportFile;
  failure?: string;
  /** The file was deleted because a person whose data it may hold was erased (shared/erasure/copies.ts). */
  withdrawn?: { at: string; reason: string };
}

export const exportViewSchema = z
  .object({
    exportId: z.string(),
    kind: z.enum(EXPORT_KINDS),
    module: z.enum(MODULES).optional(),
    format: z.enum(['csv', 'json']),
    status: z.enum(EXPORT_JOB_PHASES.phases),
    requestedAt: z.iso.datetime(),
    completedAt: z.iso.datetime().optional(),
    rows: z.int().optional(),
    bytes: z.int().optional(),
    sha256: z.string().optional(),
    withheld: withheldSchema.optional().meta({ description: 'Rows left out because their person’s processing is restricted (Art 18)' }),
    download: z
      .object({ url: z.string(), expiresAt: z.iso.datetime() })
      .optional()
      .meta({ description: 'A fresh expiring link, minted on each read once ready' }),
    failure: z.string().optional(),
    withdrawn: z
      .object({ at: z.iso.datetime(), reason: z.string() })
      .optional()
      .meta({ description: 'The file was deleted because a person whose data it may hold was erased' }),
  })
  .meta({ id: 'Export' });
export type ExportView = z.infer<typeof exportViewSchema>;

export const exportDocId = (exportId: string): string => `export:${exportId}`;
export const exportInstanceId = (tenantId: string, exportId: string): string => `export-${tenantId}-${exportId}`;

export function subjectOf(job: Pick<ExportJobDoc, 'kind' | 'module'>): ExportSubject {
  if (job.kind === 'users') return { kind: 'users' };
  if (job.kind === 'audit') return { kind: 'audit-log' };
  if (job.kind === 'support-access' || job.kind === 'support-access-log') return { kind: job.kind };
  return { kind: 'records', module: job.module! };
}

export async function requestExport(
  services: Services,
  open: OpenTenant,
  request: RequestExport,
  meta: RequestMeta & { idempotency?: IdempotencyOptions },
): Promise<{ view: ExportView; instanceId: string }> {
  return workInTenant(
    services,
    open,
    meta,
    async (tx) => {
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
    if (doc.status === 'ready' && doc.file && !doc.withdrawn) {
      const expiresAt = new Date(meta.now.getTime() + services.config.retention.downloadLinkHours * 3600_000);
      view.download = {
        url: await services.blobs.downloadLink(open.partition.ref.region, doc.file.container, doc.file.blobName, expiresAt),
        expiresAt: expiresAt.toISOString(),
      };
      tx.audit({ action: 'export.link-issued', target: { type: 'export', id: exportId } });
    }
    return view;
  });
}

export interface ExportRef {
  tenantId: string;
  exportId: string;
}

/** Streams the job's data to storage in the tenant's region; a re-run after success returns the stored file. */
export async function runExportJob(services: Services, ref: ExportRef): Promise<ExportFile> {
  const job = await loadExportJob(services, ref);
  if (!job) throw new Error(`no export job ${ref.exportId}`);
  if (job.file) return job.file;
  const exported = await exportTenantData(services, {
    tenantId: tenantRef(ref.tenantId).tenantId,
    jobId: ref.exportId,
    subject: subjectOf(job),
    format: job.format,
    bom: job.bom,
  });
  return {
    container: 'exports',
    blobName: exported.blobName,
    rows: exported.file.rows,
    bytes: exported.file.bytes,
    sha256: exported.file.sha256,
    ...(exported.withheld ? { withheld: exported.withheld } : {}),
  };
}

/** Called by the export job when the file is stored (or the job gave up). */
export async function recordExportOutcome(
  services: Services,
  ref: ExportRef,
  outcome: { file: ExportFile } | { failure: string },
  now: Date,
  requestId: string,
): Promise<void> {
  const partition = await tenantData(services, ref.tenantId);
  await runTenantWork(services.keyring, partition, { actor: systemActor('tenant-export'), requestId, now }, async (tx) => {
    const doc = await tx.partition.read<ExportJobDoc>(exportDocId(ref.exportId));
    const to: ExportStatus = 'file' in outcome ? 'ready' : 'failed';
    // Already recorded (a re-run), or the job ended otherwise: nothing to change.
    if (!doc || !EXPORT_JOB_PHASES.next(doc.status).includes(to)) return;
    const done: ExportJobDoc =
      'file' in outcome
        ? { ...doc, status: 'ready', completedAt: now.toISOString(), file: outcome.file }
        : { ...doc, status: 'failed', completedAt: now.toISOString(), failure: outcome.failure };
    tx.replace(done, doc._etag!);
    tx.audit({
      action: 'file' in outcome ? 'export.completed' : 'export.failed',
      target: { type: 'export', id: ref.exportId },
      outcome: 'file' in outcome ? 'success' : 'failure',
    });
    // Each person left out is a refusal to process their data for this purpose: recorded.
    if ('file' in outcome && outcome.file.withheld)
      tx.audit({
        action: 'export.restricted-withheld',
        target: { type: 'export', id: ref.exportId },
        outcome: 'failure',
        reason: `${outcome.file.withheld.users} user(s), ${outcome.file.withheld.records} record(s) under restriction`,
      });
  });
}

export async function loadExportJob(services: Services, ref: ExportRef): Promise<ExportJobDoc | undefined> {
  return (await tenantData(services, ref.tenantId)).read<ExportJobDoc>(exportDocId(ref.exportId));
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
    ...(doc.file ? { rows: doc.file.rows, bytes: doc.file.bytes, sha256: doc.file.sha256, ...(doc.file.withheld ? { withheld: doc.file.withheld } : {}) } : {}),
    ...(doc.failure ? { failure: doc.failure } : {}),
    ...(doc.withdrawn ? { withdrawn: doc.withdrawn } : {}),
  };
}
