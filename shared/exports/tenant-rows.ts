// The rows of one tenant's exports, read page by page from the tenant's own partition and
// decrypted one row at a time: users (erased users as tombstones), one module's records, and the
// audit log oldest first. Each kind also says how its rows become CSV columns.
import { auditDetailsAad, entriesThrough, newestEntryKey, toEntry, type AuditEntryDoc } from '../audit/audit-log.js';
import type { AuditEntryView } from '../audit/audit-view.js';
import { ERASED, type TenantCipher } from '../crypto/keyring.js';
import { recordView } from '../records/record-service.js';
import type { ModuleName, RecordDoc, RecordView } from '../records/record.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { viewOf } from '../users/user-service.js';
import type { UserDoc, UserView } from '../users/user.js';
import { flattenObject } from './csv.js';
import type { CsvColumn } from './writers.js';

const PAGE_SIZE = 200;

/**
 * People whose processing is restricted (Art 18), left out of an export made for other purposes,
 * and how many rows were left out (the export says so).
 */
export class RestrictedWithholding {
  users = 0;
  records = 0;
  constructor(readonly people: ReadonlySet<string>) {}
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

/** Every user of the tenant as the API shows them; an erased user is a tombstone without personal data. */
export async function* userRows(partition: TenantPartition, cipher: TenantCipher, withhold?: RestrictedWithholding): AsyncGenerator<UserView> {
  for await (const page of partition.query<UserDoc>("c.type = 'user'", [], { pageSize: PAGE_SIZE })) {
    for (const doc of page) {
      if (withhold?.people.has(doc.userId) && doc.status !== 'erased') {
        withhold.users++;
        continue;
      }
      yield await viewOf(doc, cipher);
    }
  }
}

export const USER_COLUMNS: readonly CsvColumn<UserView>[] = [
  { header: 'userId', value: (u) => u.userId },
  { header: 'status', value: (u) => u.status },
  { header: 'name', value: (u) => u.name },
  { header: 'email', value: (u) => u.email },
  { header: 'role', value: (u) => u.role },
  { header: 'department', value: (u) => u.department },
  { header: 'avatarUrl', value: (u) => u.avatarUrl },
  { header: 'createdAt', value: (u) => u.createdAt },
  { header: 'updatedAt', value: (u) => u.updatedAt },
  { header: 'deactivatedAt', value: (u) => u.deactivatedAt },
  { header: 'erasedAt', value: (u) => u.erasedAt },
  { header: 'rectifications', value: (u) => (u.rectifications && u.rectifications.length > 0 ? u.rectifications : undefined) },
];

// ---------------------------------------------------------------------------------------------
// Module records
// ---------------------------------------------------------------------------------------------

/** A record as exported: the API view, and its current data flattened for the CSV columns. */
export interface RecordRow {
  view: RecordView;
  flat: ReadonlyMap<string, unknown>;
}

/** Every record of one module; records erased (or whose subject was erased) as tombstones. */
export async function* recordRows(
  partition: TenantPartition,
  cipher: TenantCipher,
  module: ModuleName,
  withhold?: RestrictedWithholding,
): AsyncGenerator<RecordRow> {
  for await (const page of partition.query<RecordDoc>("c.type = 'record' AND c.module = @module", [{ name: '@module', value: module }], {
    pageSize: PAGE_SIZE,
  })) {
    for (const doc of page) {
      if (doc.subjectUserId && withhold?.people.has(doc.subjectUserId) && doc.status !== 'erased') {
        withhold.records++;
        continue;
      }
      const view = await recordView(doc, cipher);
      yield { view, flat: view.data ? flattenObject(view.data) : new Map() };
    }
  }
}

export const DATA_COLUMN_PREFIX = 'data.';
/** Holds, as JSON, the data fields beyond the column limit or first seen after the columns were fixed. */
export const OTHER_DATA_COLUMN = 'data (other fields)';
export const MAX_DATA_COLUMNS = 500;

/**
 * The data columns of a module's CSV, in the order fields are first seen. A CSV header comes
 * before any row, so the columns are collected in a first pass over the records (keeping only the
 * field paths); at most `max` columns, the rest go to one JSON column.
 */
export class DataColumns {
  readonly #paths = new Set<string>();
  #overflow = false;

  constructor(private readonly max: number = MAX_DATA_COLUMNS) {}

  add(flat: ReadonlyMap<string, unknown>): void {
    for (const path of flat.keys()) {
      if (this.#paths.has(path)) continue;
      if (this.#paths.size >= this.max) this.#overflow = true;
      else this.#paths.add(path);
    }
  }

  get paths(): string[] {
    return [...this.#paths];
  }

  /** Whether some records have more distinct fields than the column limit. */
  get overflowed(): boolean {
    return this.#overflow;
  }

  /** The CSV columns of a record row with these data columns. */
  columns(): CsvColumn<RecordRow>[] {
    const known = new Set(this.#paths);
    const dataColumns = [...known].map((path): CsvColumn<RecordRow> => ({ header: DATA_COLUMN_PREFIX + path, value: (r) => r.flat.get(path) }));
    // Always present, so a field added between the two passes is never silently dropped.
    const other: CsvColumn<RecordRow> = {
      header: OTHER_DATA_COLUMN,
      value: (r) => {
        let rest: Record<string, unknown> | undefined;
        for (const [path, value] of r.flat) {
          if (known.has(path)) continue;
          (rest ??= {})[path] = value;
        }
        return rest;
      },
    };
    return [...RECORD_LEADING_COLUMNS, ...dataColumns, other, ...RECORD_TRAILING_COLUMNS];
  }
}

const RECORD_LEADING_COLUMNS: readonly CsvColumn<RecordRow>[] = [
  { header: 'recordId', value: (r) => r.view.recordId },
  { header: 'module', value: (r) => r.view.module },
  { header: 'status', value: (r) => r.view.status },
  { header: 'erasure', value: (r) => r.view.erasure },
  { header: 'subjectUserId', value: (r) => r.view.subjectUserId },
  { header: 'peopleUserIds', value: (r) => r.view.peopleUserIds },
  { header: 'createdAt', value: (r) => r.view.createdAt },
  { header: 'updatedAt', value: (r) => r.view.updatedAt },
];

const RECORD_TRAILING_COLUMNS: readonly CsvColumn<RecordRow>[] = [
  { header: 'original', value: (r) => r.view.original },
  { header: 'corrections', value: (r) => (r.view.corrections && r.view.corrections.length > 0 ? r.view.corrections : undefined) },
];

/** First pass of a module's CSV: the data columns its records use. */
export async function collectDataColumns(rows: AsyncIterable<RecordRow>, max: number = MAX_DATA_COLUMNS): Promise<DataColumns> {
  const columns = new DataColumns(max);
  for await (const row of rows) columns.add(row.flat);
  return columns;
}

// ---------------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------------

/**
 * The audit log oldest first, up to the head as it was when the export began (entries appended
 * while exporting, such as the export's own, belong to the next export). Details are decrypted,
 * or "erased" when the data subject's key has been destroyed.
 */
export async function* auditRows(partition: TenantPartition, cipher: TenantCipher): AsyncGenerator<AuditEntryView> {
  const through = await newestEntryKey(partition);
  if (!through) return;
  for await (const page of entriesThrough(partition, through)) {
    for (const doc of page) {
      let details: unknown = null;
      if (doc.details) {
        const opened = await cipher.open(doc.details, auditDetailsAad(doc.action, doc.target.id, doc.at));
        details = opened === ERASED ? 'erased' : opened;
      }
      yield { ...toEntry(doc), details };
    }
  }
}

export const AUDIT_COLUMNS: readonly CsvColumn<AuditEntryView>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'chain', value: (e) => e.chain },
  { header: 'seq', value: (e) => e.seq },
  { header: 'actor', value: (e) => e.actor.sub },
  { header: 'actorRoles', value: (e) => e.actor.roles.join(' ') },
  { header: 'actorTenantId', value: (e) => e.actor.tenantId },
  { header: 'action', value: (e) => e.action },
  { header: 'targetType', value: (e) => e.target.type },
  { header: 'targetId', value: (e) => e.target.id },
  { header: 'outcome', value: (e) => e.outcome },
  { header: 'reason', value: (e) => e.reason },
  { header: 'requestId', value: (e) => e.requestId },
  { header: 'correlationId', value: (e) => e.correlationId },
  { header: 'details', value: (e) => e.details },
  { header: 'prevHash', value: (e) => e.prevHash },
  { header: 'hash', value: (e) => e.hash },
];
