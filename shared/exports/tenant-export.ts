// A tenant's data leaving the service: one export (users, the audit log, one module's records, the
// support-access grants or their access log, as CSV or JSON) for the exports route, and the
// complete package (everything, both formats, with
// a manifest) for access requests and for "return, then delete" at termination. Everything streams
// from the tenant's partition to blob storage in the tenant's own region, under `<tenantId>/<jobId>/`,
// and is reached through expiring read-only links.
import { Readable } from 'node:stream';
import type { Services } from '../composition.js';
import type { Region } from '../config.js';
import { MODULES, type ModuleName } from '../records/record.js';
import { tenantPartition } from '../tenants/tenant-access.js';
import { type TenantId } from '../tenancy/tenant-id.js';
import { tenantRef } from '../tenants/partitions.js';
import type { TenantCipher } from '../crypto/keyring.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { EXPORT_CONTAINERS, type ExportContainer, type RegionalBlobStorage } from '../blob/regional-blob-storage.js';
import { AUDIT_COLUMNS, auditRows, collectDataColumns, recordRows, RestrictedWithholding, USER_COLUMNS, userRows } from './tenant-rows.js';
import { restrictedPeople } from '../dsars/restriction.js';
import { ACCESS_LOG_COLUMNS, accessRows } from '../support-access/access-log.js';
import { GRANT_COLUMNS } from '../support-access/grant.js';
import { grantRows } from '../support-access/grant-service.js';
import { BREACH_NOTICE_COLUMNS, breachNoticeRows, DSAR_COLUMNS, dsarRows } from './obligation-rows.js';
import type { ViewClock } from '../dsars/dsar-service.js';
import { CsvEncoder, JSON_CONTENT_TYPE, JsonArrayEncoder, writeRows, type FileOutput, type FileSink, type WrittenFile } from './writers.js';

export type ExportFormat = 'csv' | 'json';
export type ExportSubject =
  | { kind: 'users' }
  | { kind: 'audit-log' }
  | { kind: 'records'; module: ModuleName }
  | { kind: 'support-access' }
  | { kind: 'support-access-log' }
  // In the complete package only (returned data): the tenant's data-subject requests and breach notices.
  | { kind: 'dsars' }
  | { kind: 'breach-notices' };

export interface ManifestFile extends WrittenFile {
  contents: ExportSubject['kind'];
  module?: ModuleName;
  format: ExportFormat;
}

export const MANIFEST_NAME = 'manifest.json';

export interface PackageManifest {
  manifestVersion: 1;
  tenant: string;
  region: Region;
  jobId: string;
  generatedAt: string;
  /** How to read the files, for the person who downloads them. */
  formats: Record<ExportFormat, string>;
  files: ManifestFile[];
  /** The complete package: rows of each kind of content (`records:<module>` per module), as in its files. */
  rowCounts?: Record<string, number>;
}

export interface DownloadLinks {
  expiresOn: string;
  manifest: string;
  /** By file name (as in the manifest). */
  files: Record<string, string>;
}

export interface ExportPackage {
  manifest: PackageManifest;
  container: ExportContainer;
  /** Blob name of the manifest; the files sit beside it. */
  manifestBlob: string;
  links: DownloadLinks;
}

/** Rows left out of an export because their person's processing is restricted (Art 18). */
export interface WithheldRows {
  reason: 'restriction of processing (Art 18)';
  users: number;
  records: number;
}

export interface SingleExport {
  file: ManifestFile;
  /** Present when rows were left out. */
  withheld?: WithheldRows;
  container: ExportContainer;
  blobName: string;
  link: string;
  expiresOn: string;
}

export interface ExportRequest {
  tenantId: TenantId;
  /** The durable job (orchestration instance) this belongs to: re-running it writes the same blobs. */
  jobId: string;
  /** Defaults to the services' clock; an activity passes the orchestration's time. */
  now?: Date;
  /** Start CSV files with a UTF-8 byte-order mark (Excel on Windows needs it for non-ASCII text). */
  bom?: boolean;
}

export const FORMAT_NOTES: Record<ExportFormat, string> = {
  csv:
    'RFC 4180 CSV in UTF-8 with a header row and CRLF line ends; every text cell is in double quotes. ' +
    "Text starting with =, +, -, @, tab or carriage return is prefixed with ' so spreadsheets do not run it as a formula; " +
    'numbers are written as numbers. Lists and nested values are JSON text; module data fields are columns named data.<field>.',
  json: 'A UTF-8 JSON array with one element per line, each element as the API returns it.',
};

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Records can be 64 KB each: encode them in smaller batches than the small rows of users and audit. */
const RECORD_BATCH_ROWS = 32;

/**
 * Writes the complete package of a tenant: every user, every module's records, the audit log, the
 * support-access grants with their access log, the data-subject requests and the breach notices,
 * each as CSV and as JSON, then `manifest.json` (rows, bytes and SHA-256 of each file, and the rows
 * of each kind in `rowCounts`). The manifest
 * is written last, so a package with a manifest is complete; running the same job again after that
 * returns the stored manifest with fresh links instead of exporting twice.
 */
export async function buildPackage(services: Services, request: ExportRequest & { container?: ExportContainer }): Promise<ExportPackage> {
  const { tenantId, region, now, prefix } = jobScope(services, request);
  const container = request.container ?? 'packages';
  const manifestBlob = prefix + MANIFEST_NAME;

  const stored = await services.blobs.readSmall(region, container, manifestBlob);
  if (stored) {
    const manifest = JSON.parse(stored.toString('utf8')) as PackageManifest;
    return { manifest, container, manifestBlob, links: await packageLinks(services, region, container, prefix, manifest, now) };
  }

  const partition = await tenantPartition(services, tenantId, region);
  const cipher = services.keyring.cipherFor(partition, now);
  const sink = blobSink(services.blobs, region, container, prefix);
  const files: ManifestFile[] = [];
  files.push(...(await writeBoth(sink, { kind: 'users' }, request.bom, partition, cipher, now)));
  for (const module of MODULES) files.push(...(await writeBoth(sink, { kind: 'records', module }, request.bom, partition, cipher, now)));
  files.push(...(await writeBoth(sink, { kind: 'audit-log' }, request.bom, partition, cipher, now)));
  files.push(...(await writeBoth(sink, { kind: 'support-access' }, request.bom, partition, cipher, now)));
  files.push(...(await writeBoth(sink, { kind: 'support-access-log' }, request.bom, partition, cipher, now)));
  const dsarClock: ViewClock = { now, closeAfter: services.config.dsar.unverifiedCloseAfter };
  files.push(...(await writeSubject(sink, { kind: 'dsars' }, ['csv', 'json'], request.bom, partition, cipher, now, undefined, dsarClock)));
  files.push(...(await writeBoth(sink, { kind: 'breach-notices' }, request.bom, partition, cipher, now)));

  const rowCounts: Record<string, number> = {};
  for (const file of files.filter((f) => f.format === 'json')) rowCounts[file.module ? `records:${file.module}` : file.contents] = file.rows;
  const manifest: PackageManifest = {
    manifestVersion: 1,
    tenant: tenantId,
    region,
    jobId: request.jobId,
    generatedAt: now.toISOString(),
    formats: FORMAT_NOTES,
    files,
    rowCounts,
  };
  const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  await services.blobs.uploadStream(region, container, manifestBlob, Readable.from([body]), JSON_CONTENT_TYPE, { downloadName: MANIFEST_NAME });
  return { manifest, container, manifestBlob, links: await packageLinks(services, region, container, prefix, manifest, now) };
}

/**
 * Fresh links to a package already built (undefined when there is none). An orchestration should
 * call this in the activity that sends the email rather than carry links in its history: a link is
 * a bearer credential for its lifetime, and history is kept long after.
 */
export async function packageDownloadLinks(services: Services, request: ExportRequest & { container?: ExportContainer }): Promise<DownloadLinks | undefined> {
  const { region, now, prefix } = jobScope(services, request);
  const container = request.container ?? 'packages';
  const stored = await services.blobs.readSmall(region, container, prefix + MANIFEST_NAME);
  if (!stored) return undefined;
  return packageLinks(services, region, container, prefix, JSON.parse(stored.toString('utf8')) as PackageManifest, now);
}

/** One export for the exports route: users, the audit log or one module's records, as CSV or JSON. */
export async function exportTenantData(services: Services, request: ExportRequest & { subject: ExportSubject; format: ExportFormat }): Promise<SingleExport> {
  const { tenantId, region, now, prefix } = jobScope(services, request);
  const container: ExportContainer = 'exports';
  const partition = await tenantPartition(services, tenantId, region);
  const cipher = services.keyring.cipherFor(partition, now);
  // An export is processing for the controller's other purposes: restricted people are left out, and the export says so.
  const withhold = new RestrictedWithholding(new Set((await restrictedPeople(partition)).keys()));
  const [file] = await writeSubject(
    blobSink(services.blobs, region, container, prefix),
    request.subject,
    [request.format],
    request.bom,
    partition,
    cipher,
    now,
    withhold,
  );
  const blobName = prefix + file!.name;
  const expiresOn = linkExpiry(services, now);
  const withheld: WithheldRows | undefined =
    withhold.users + withhold.records > 0
      ? { reason: 'restriction of processing (Art 18)', users: withhold.users, records: withhold.records }
      : undefined;
  return {
    file: file!,
    ...(withheld ? { withheld } : {}),
    container,
    blobName,
    link: await services.blobs.downloadLink(region, container, blobName, expiresOn),
    expiresOn: expiresOn.toISOString(),
  };
}

/** Removes every export and package of a tenant from its region (tenant deletion); counts per container. */
export async function deleteTenantExports(blobs: RegionalBlobStorage, tenantId: TenantId): Promise<Record<ExportContainer, number>> {
  const { region } = tenantRef(tenantId);
  const counts = {} as Record<ExportContainer, number>;
  for (const container of EXPORT_CONTAINERS) counts[container] = await blobs.deletePrefix(region, container, `${tenantId}/`);
  return counts;
}

/** The file name of an export within its job folder. */
export function exportFileName(subject: ExportSubject, format: ExportFormat): string {
  const base = subject.kind === 'records' ? `records-${subject.module}` : subject.kind;
  return `${base}.${format}`;
}

/** A sink writing each file as a blob under `prefix` in the tenant's region. */
export function blobSink(blobs: RegionalBlobStorage, region: Region, container: ExportContainer, prefix: string): FileSink {
  return {
    store: (name: string, body: Readable, contentType: string) =>
      blobs.uploadStream(region, container, prefix + name, body, contentType, { downloadName: name }),
  };
}

function writeBoth(
  sink: FileSink,
  subject: ExportSubject,
  bom: boolean | undefined,
  partition: TenantPartition,
  cipher: TenantCipher,
  now: Date,
): Promise<ManifestFile[]> {
  return writeSubject(sink, subject, ['csv', 'json'], bom, partition, cipher, now);
}

/** Streams one subject to one file per format, in a single pass over the data (plus a column pass for module CSVs). */
async function writeSubject(
  sink: FileSink,
  subject: ExportSubject,
  formats: ExportFormat[],
  bom: boolean | undefined,
  partition: TenantPartition,
  cipher: TenantCipher,
  now: Date,
  withhold?: RestrictedWithholding,
  dsarClock?: ViewClock,
): Promise<ManifestFile[]> {
  const describe = (file: WrittenFile, format: ExportFormat): ManifestFile => ({
    ...file,
    contents: subject.kind,
    ...(subject.kind === 'records' ? { module: subject.module } : {}),
    format,
  });
  const output = <Row>(format: ExportFormat, csv: () => CsvEncoder<Row>, toJson?: (row: Row) => unknown): FileOutput<Row> => ({
    sink,
    name: exportFileName(subject, format),
    encoder: format === 'csv' ? csv() : new JsonArrayEncoder<Row>(toJson),
  });
  const csvFormat = { bom: bom === true };
  let written: WrittenFile[];
  switch (subject.kind) {
    case 'users':
      written = await writeRows(userRows(partition, cipher, withhold), formats.map((f) => output(f, () => new CsvEncoder(USER_COLUMNS, csvFormat))));
      break;
    case 'audit-log':
      written = await writeRows(
        auditRows(partition, cipher),
        formats.map((f) => output(f, () => new CsvEncoder(AUDIT_COLUMNS, csvFormat))),
        { batchRows: 500 },
      );
      break;
    case 'support-access':
      written = await writeRows(grantRows(partition, now), formats.map((f) => output(f, () => new CsvEncoder(GRANT_COLUMNS, csvFormat))), { batchRows: 500 });
      break;
    case 'support-access-log':
      written = await writeRows(accessRows(partition), formats.map((f) => output(f, () => new CsvEncoder(ACCESS_LOG_COLUMNS, csvFormat))), { batchRows: 500 });
      break;
    case 'dsars':
      if (!dsarClock) throw new Error('the requests are exported with the clock their views are computed at');
      written = await writeRows(
        dsarRows(partition, cipher, dsarClock),
        formats.map((f) => output(f, () => new CsvEncoder(DSAR_COLUMNS, csvFormat))),
        { batchRows: 100 },
      );
      break;
    case 'breach-notices':
      written = await writeRows(
        breachNoticeRows(partition, cipher),
        formats.map((f) => output(f, () => new CsvEncoder(BREACH_NOTICE_COLUMNS, csvFormat))),
        { batchRows: 100 },
      );
      break;
    case 'records': {
      // The column pass counts nothing: only the rows written are reported as withheld.
      const columnPass = withhold ? new RestrictedWithholding(withhold.people) : undefined;
      const columns = formats.includes('csv') ? (await collectDataColumns(recordRows(partition, cipher, subject.module, columnPass))).columns() : [];
      written = await writeRows(
        recordRows(partition, cipher, subject.module, withhold),
        formats.map((f) => output(f, () => new CsvEncoder(columns, csvFormat), (row) => row.view)),
        { batchRows: RECORD_BATCH_ROWS },
      );
      break;
    }
  }
  return written.map((file, i) => describe(file, formats[i]!));
}

async function packageLinks(
  services: Services,
  region: Region,
  container: ExportContainer,
  prefix: string,
  manifest: PackageManifest,
  now: Date,
): Promise<DownloadLinks> {
  const expiresOn = linkExpiry(services, now);
  const files: Record<string, string> = {};
  for (const file of manifest.files) files[file.name] = await services.blobs.downloadLink(region, container, prefix + file.name, expiresOn);
  return {
    expiresOn: expiresOn.toISOString(),
    manifest: await services.blobs.downloadLink(region, container, prefix + MANIFEST_NAME, expiresOn),
    files,
  };
}

function linkExpiry(services: Services, now: Date): Date {
  return new Date(now.getTime() + services.config.retention.downloadLinkHours * 3600_000);
}

function jobScope(services: Services, request: ExportRequest): { tenantId: TenantId; region: Region; now: Date; prefix: string } {
  const parsed = tenantRef(request.tenantId);
  if (!JOB_ID.test(request.jobId)) throw new Error(`an export job id is letters, digits, '.', '_' and '-' (at most 100): ${request.jobId}`);
  return { tenantId: parsed.tenantId, region: parsed.region, now: request.now ?? services.clock.now(), prefix: `${parsed.tenantId}/${request.jobId}/` };
}
