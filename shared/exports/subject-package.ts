// The access package of one data subject (access and portability requests): their user record, the
// module records about or naming them, and the audit entries about them, each as JSON (for machines:
// portability) and CSV (for people), then a manifest with the counts, rows, bytes and SHA-256 of every
// file. Written with the same streaming writers and CSV rules as the tenant exports, into the
// `packages` container under `<tenantId>/<jobId>/` in the tenant's own region, and reached through
// expiring links (`packageDownloadLinks`). Like `buildPackage`, the manifest is written last, and a
// re-run of the same job returns the stored manifest instead of exporting twice.
import { Readable } from 'node:stream';
import type { Services } from '../composition.js';
import type { Region } from '../config.js';
import { MODULES, type ModuleName } from '../records/record.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { type TenantId } from '../tenancy/tenant-id.js';
import { tenantRef } from '../tenants/partitions.js';
import {
  blobSink,
  exportFileName,
  FORMAT_NOTES,
  MANIFEST_NAME,
  type ExportFormat,
  type ExportSubject,
  type ManifestFile,
  type PackageManifest,
} from './tenant-export.js';
import { AUDIT_COLUMNS, collectDataColumns, USER_COLUMNS } from './tenant-rows.js';
import { subjectAuditRows, subjectRecordColumns, subjectRecordRows, subjectUserRows, type SubjectRecordRow } from './subject-rows.js';
import { CsvEncoder, JSON_CONTENT_TYPE, JsonArrayEncoder, writeRows, type FileSink, type RowEncoder, type WrittenFile } from './writers.js';

export interface SubjectCounts {
  users: number;
  /** Every module, zero included (a module without rows has no file). */
  records: Record<ModuleName, number>;
  auditEntries: number;
}

export interface SubjectPackageManifest extends PackageManifest {
  kind: 'data-subject-package';
  /** The person's user id in this tenant; null when no account matched (the package is then empty). */
  dataSubject: { userId: string | null };
  counts: SubjectCounts;
  notes: string[];
}

export interface SubjectPackageRequest {
  tenantId: TenantId | string;
  jobId: string;
  userId: string | undefined;
  now: Date;
  bom?: boolean;
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const RECORD_BATCH_ROWS = 32;
const CONTAINER = 'packages' as const;

/** Writes (or finds) the subject's package; returns its manifest. Links come from `packageDownloadLinks`. */
export async function buildSubjectPackage(services: Services, request: SubjectPackageRequest): Promise<SubjectPackageManifest> {
  if (!JOB_ID.test(request.jobId)) throw new Error(`a package job id is letters, digits, '.', '_' and '-' (at most 100): ${request.jobId}`);
  const { tenantId, region } = tenantRef(request.tenantId);
  const prefix = `${tenantId}/${request.jobId}/`;
  const stored = await services.blobs.readSmall(region, CONTAINER, prefix + MANIFEST_NAME);
  if (stored) return JSON.parse(stored.toString('utf8')) as SubjectPackageManifest;

  const partition = await tenantPartition(services, tenantId, region);
  const cipher = services.keyring.cipherFor(partition, request.now);
  const sink = blobSink(services.blobs, region, CONTAINER, prefix);
  const csvFormat = { bom: request.bom === true };
  const files: ManifestFile[] = [];
  const { userId } = request;

  const users = await writeBoth(sink, { kind: 'users' }, subjectUserRows(partition, cipher, userId), () => new CsvEncoder(USER_COLUMNS, csvFormat));
  files.push(...users);

  const records = Object.fromEntries(MODULES.map((m) => [m, 0])) as Record<ModuleName, number>;
  const subjectRecordIds = new Set<string>();
  for (const module of MODULES) {
    let rows = 0;
    const columns = await collectDataColumns(counting(subjectRecordRows(partition, cipher, module, userId), () => rows++));
    if (rows === 0) continue;
    const written = await writeBoth(
      sink,
      { kind: 'records', module },
      remembering(subjectRecordRows(partition, cipher, module, userId), subjectRecordIds),
      () => new CsvEncoder(subjectRecordColumns(columns.columns()), csvFormat),
      (row) => ({ relation: row.relation, ...row.view }),
      RECORD_BATCH_ROWS,
    );
    records[module] = written[0]!.rows;
    files.push(...written);
  }

  const audit = await writeBoth(
    sink,
    { kind: 'audit-log' },
    subjectAuditRows(partition, cipher, { userId, recordIds: subjectRecordIds }),
    () => new CsvEncoder(AUDIT_COLUMNS, csvFormat),
    undefined,
    500,
  );
  files.push(...audit);

  const manifest: SubjectPackageManifest = {
    manifestVersion: 1,
    kind: 'data-subject-package',
    tenant: tenantId,
    region: region as Region,
    jobId: request.jobId,
    generatedAt: request.now.toISOString(),
    dataSubject: { userId: userId ?? null },
    counts: { users: users[0]!.rows, records, auditEntries: audit[0]!.rows },
    formats: FORMAT_NOTES,
    notes: [
      'Everything this service holds about the person in this tenant: the user record, module records about them (relation "subject") or naming them (relation "referenced"), and audit entries about them.',
      'Records with relation "referenced" are about someone else too: review third-party data before disclosing them.',
      'The JSON files are the machine-readable copy (portability); the CSV files say the same for people.',
    ],
    files,
  };
  const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  await services.blobs.uploadStream(region, CONTAINER, prefix + MANIFEST_NAME, Readable.from([body]), JSON_CONTENT_TYPE, { downloadName: MANIFEST_NAME });
  return manifest;
}

/** One pass over `rows` into the CSV and the JSON file of `subject`. */
async function writeBoth<Row>(
  sink: FileSink,
  subject: ExportSubject,
  rows: AsyncIterable<Row>,
  csv: () => RowEncoder<Row>,
  toJson?: (row: Row) => unknown,
  batchRows?: number,
): Promise<ManifestFile[]> {
  const formats: ExportFormat[] = ['csv', 'json'];
  const written: WrittenFile[] = await writeRows(
    rows,
    formats.map((format) => ({ sink, name: exportFileName(subject, format), encoder: format === 'csv' ? csv() : new JsonArrayEncoder<Row>(toJson) })),
    batchRows === undefined ? {} : { batchRows },
  );
  return written.map((file, i) => ({
    ...file,
    contents: subject.kind,
    ...(subject.kind === 'records' ? { module: subject.module } : {}),
    format: formats[i]!,
  }));
}

async function* counting<T>(rows: AsyncIterable<T>, count: () => void): AsyncGenerator<T> {
  for await (const row of rows) {
    count();
    yield row;
  }
}

/** Passes rows through, remembering the ids of records the person is the subject of (their audit entries belong in the package). */
async function* remembering(rows: AsyncIterable<SubjectRecordRow>, ids: Set<string>): AsyncGenerator<SubjectRecordRow> {
  for await (const row of rows) {
    if (row.relation === 'subject') ids.add(row.view.recordId);
    yield row;
  }
}

