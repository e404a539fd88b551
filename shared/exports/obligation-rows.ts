// The tenant's data-subject requests and breach notices as rows of the returned-data package
// (return-then-delete hands back everything the tenant can read): each as its API view, with
// the sealed parts opened (text about an erased person reads "erased").
import type { TenantCipher } from '../crypto/keyring.js';
import type { TenantPartition } from '../store/tenant-partition.js';
import { dsarView, type ViewClock } from '../dsars/dsar-service.js';
import type { DsarDoc, DsarView } from '../dsars/dsar.js';
import { noticeViewWith } from '../breaches/tenant-notices.js';
import type { BreachNoticeDoc, BreachNoticeView } from '../breaches/notice.js';
import type { CsvColumn } from './writers.js';

export async function* dsarRows(partition: TenantPartition, cipher: TenantCipher, clock: ViewClock): AsyncGenerator<DsarView> {
  for await (const page of partition.query<DsarDoc>("c.type = 'dsar'", [], { orderBy: 'c.recordedAt ASC', pageSize: 200 })) {
    for (const doc of page) yield dsarView(doc, cipher, clock);
  }
}

export const DSAR_COLUMNS: readonly CsvColumn<DsarView>[] = [
  { header: 'dsarId', value: (d) => d.dsarId },
  { header: 'type', value: (d) => d.type },
  { header: 'status', value: (d) => d.status },
  { header: 'receivedBy', value: (d) => d.receivedBy },
  { header: 'receivedAt', value: (d) => d.receivedAt },
  { header: 'recordedAt', value: (d) => d.recordedAt },
  { header: 'jurisdiction', value: (d) => d.jurisdiction },
  { header: 'dueOn', value: (d) => d.dueOn },
  { header: 'extendedDueOn', value: (d) => d.extendedDueOn ?? null },
  { header: 'closedAt', value: (d) => d.closedAt ?? null },
  { header: 'subjectUserId', value: (d) => d.subject.userId ?? null },
  { header: 'subjectEmail', value: (d) => d.subject.email ?? null },
  { header: 'subjectErased', value: (d) => d.subject.erased === true },
  { header: 'extensionReason', value: (d) => d.extension?.reason ?? null },
  { header: 'refusalReason', value: (d) => d.refusal?.reason ?? null },
  { header: 'asked', value: (d) => d.asked },
  { header: 'outcome', value: (d) => d.fulfilment?.outcome ?? null },
  { header: 'transitions', value: (d) => d.transitions },
];

export async function* breachNoticeRows(partition: TenantPartition, cipher: TenantCipher): AsyncGenerator<BreachNoticeView> {
  for await (const page of partition.query<BreachNoticeDoc>("c.type = 'breachNotice'", [], { orderBy: 'c.createdAt ASC', pageSize: 200 })) {
    for (const doc of page) yield noticeViewWith(cipher, doc);
  }
}

export const BREACH_NOTICE_COLUMNS: readonly CsvColumn<BreachNoticeView>[] = [
  { header: 'noticeId', value: (n) => n.noticeId },
  { header: 'breachId', value: (n) => n.breachId },
  { header: 'kind', value: (n) => n.kind },
  { header: 'seq', value: (n) => n.seq },
  { header: 'createdAt', value: (n) => n.createdAt },
  { header: 'firstSentAt', value: (n) => n.firstSentAt },
  { header: 'resends', value: (n) => n.resends },
  { header: 'acknowledgedAt', value: (n) => n.acknowledged?.at ?? null },
  { header: 'content', value: (n) => n.content },
  { header: 'deliveries', value: (n) => n.deliveries },
];
