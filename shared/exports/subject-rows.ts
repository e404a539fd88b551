// The rows of ONE data subject, for access and portability requests: their user record, the module
// records about them or that name them, and the audit entries about them. Read page by page from
// the tenant's partition with queries that select only that person's documents, and decrypted one
// row at a time, like the whole-tenant rows in tenant-rows.ts (whose CSV columns they reuse).
import { auditDetailsAad, entriesThrough, newestEntryKey, toEntry, type AuditEntryDoc } from '../audit/audit-log.js';
import type { AuditEntryView } from '../audit/audit-view.js';
import { ERASED, type TenantCipher } from '../crypto/keyring.js';
import { recordView } from '../records/record-service.js';
import type { ModuleName, RecordDoc } from '../records/record.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { viewOf } from '../users/user-service.js';
import { userDocId, type UserDoc, type UserView } from '../users/user.js';
import { flattenObject } from './csv.js';
import type { RecordRow } from './tenant-rows.js';
import type { CsvColumn } from './writers.js';

const PAGE_SIZE = 200;

/** The subject's own user record (none when the person has no account in this tenant). */
export async function* subjectUserRows(partition: TenantPartition, cipher: TenantCipher, userId: string | undefined): AsyncGenerator<UserView> {
  if (!userId) return;
  const doc = await partition.read<UserDoc>(userDocId(userId));
  if (doc) yield await viewOf(doc, cipher);
}

/** How a record relates to the person: it is about them, or it names them (an approver, a colleague). */
export type SubjectRelation = 'subject' | 'referenced';

export interface SubjectRecordRow extends RecordRow {
  relation: SubjectRelation;
}

/**
 * One module's records where the person is the subject or is named in `peopleUserIds`. A record that
 * only names them is about someone else too: it carries `relation: "referenced"` so the controller
 * can review third-party data before disclosing it.
 */
export async function* subjectRecordRows(
  partition: TenantPartition,
  cipher: TenantCipher,
  module: ModuleName,
  userId: string | undefined,
): AsyncGenerator<SubjectRecordRow> {
  if (!userId) return;
  const where = "c.type = 'record' AND c.module = @module AND (c.subjectUserId = @userId OR ARRAY_CONTAINS(c.peopleUserIds, @userId))";
  const parameters = [
    { name: '@module', value: module },
    { name: '@userId', value: userId },
  ];
  for await (const page of partition.query<RecordDoc>(where, parameters, { pageSize: PAGE_SIZE })) {
    for (const doc of page) {
      const view = await recordView(doc, cipher);
      yield { view, flat: view.data ? flattenObject(view.data) : new Map(), relation: doc.subjectUserId === userId ? 'subject' : 'referenced' };
    }
  }
}

/** The relation column leads a subject's record CSV; the rest are the module's usual columns. */
export function subjectRecordColumns(columns: readonly CsvColumn<RecordRow>[]): CsvColumn<SubjectRecordRow>[] {
  return [{ header: 'relation', value: (r) => r.relation }, ...columns];
}

/**
 * The audit entries about the person, oldest first, up to the head as it was when the package began:
 * entries whose target is their user or a record they are the subject of, and entries whose details
 * are sealed under their own key (details about them, such as a request they made). Only those
 * entries are decrypted.
 */
export async function* subjectAuditRows(
  partition: TenantPartition,
  cipher: TenantCipher,
  subject: { userId: string | undefined; recordIds: ReadonlySet<string> },
): AsyncGenerator<AuditEntryView> {
  const { userId } = subject;
  if (!userId) return;
  const through = await newestEntryKey(partition);
  if (!through) return;
  const subjectKey = `subject:${userId}`;
  const isAboutThem = (doc: AuditEntryDoc): boolean =>
    doc.target.id === userId || subject.recordIds.has(doc.target.id) || (doc.details !== null && doc.details !== undefined && doc.details.k === subjectKey);
  for await (const page of entriesThrough(partition, through)) {
    for (const doc of page) {
      if (!isAboutThem(doc)) continue;
      let details: unknown = null;
      if (doc.details) {
        const opened = await cipher.open(doc.details, auditDetailsAad(doc.action, doc.target.id, doc.at));
        details = opened === ERASED ? 'erased' : opened;
      }
      yield { ...toEntry(doc), details };
    }
  }
}
