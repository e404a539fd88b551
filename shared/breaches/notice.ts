// A breach notice: one message of a breach to one tenant (the initial notice, or an update that
// references it), kept in that tenant's own data in its region, with what was sent to whom and when
// and who acknowledged it. Its content is a snapshot taken from the breach record for that phase,
// and the email is rendered from the snapshot alone (never from "now"), so every retry of a send
// is byte-identical and the email service can refuse to send it twice.
import { z } from 'zod';
import type { Region } from '../config.js';
import { describeInstant } from '../deadlines/index.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import { renderEmail, type EmailFact, type RenderedEmail } from '../email/render.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import type { NominatedRecipient } from '../tenants/contacts.js';
import {
  CONTENT_FIELDS,
  contactPointViewSchema,
  INCIDENT_STATUSES,
  noticeId,
  singleTenant,
  targetMsOf,
  tenantContentThrough,
  type BreachContent,
  type BreachDoc,
  type BreachUpdate,
  type ChangeableField,
  type ContactPoint,
} from './breach.js';

/** Unacknowledged notices are re-sent 24 hours after the previous send, at most three times. */
export const RESEND_AFTER_MS = 24 * 3600_000;
export const MAX_RESENDS = 3;

/** Times in a notice are given in UTC and in the tenant region's usual zone (contacts have no zone of their own). */
export const NOTICE_TIME_ZONE: Record<Region, string> = { uksouth: 'Europe/London', eu: 'Europe/Berlin' };

export type NoticeKind = 'initial' | 'update';

export interface NoticeSnapshot {
  breachId: string;
  noticeId: string;
  kind: NoticeKind;
  seq: number;
  /** For an update: the initial notice it adds to. */
  references?: string;
  tenant: { tenantId: string; name: string; region: Region };
  awareAt: string;
  notifyBy: string;
  late: boolean;
  /** Sent after the internal target (hours after awareness); absent on notices taken before targets were kept. */
  afterTarget?: { hours: number };
  delayReason?: string;
  contactPoint: ContactPoint;
  content: BreachContent;
  /** Phased information given before this notice (or folded into the initial notice). */
  furtherInformation: { seq: number; addedAt: string; information: string }[];
  /** For an update: what it adds and which facts it changes. */
  update?: { seq: number; addedAt: string; information: string; changed: ChangeableField[] };
}

export interface NoticeDelivery {
  /** 0 the first send, 1..3 the re-sends. */
  attempt: number;
  sentAt: string;
  subject: string;
  /** SHA-256 of the plain-text body: proof of exactly what was sent. */
  textSha256: string;
  recipientCount: number;
  /** Addresses the email service refused (not retried). */
  refused: number;
  /** The recipients ({name, email, roles}), encrypted under the tenant key. */
  recipients: EncryptedValue;
}

export interface BreachNoticeDoc extends StoredDoc {
  type: 'breachNotice';
  noticeId: string;
  breachId: string;
  seq: number;
  kind: NoticeKind;
  references?: string;
  /** The tenant's notice workflow (acknowledgements are raised to it). */
  instanceId: string;
  createdAt: string;
  snapshot: NoticeSnapshot;
  deliveries: NoticeDelivery[];
  acknowledged?: { at: string; by: string };
  version: number;
}

/** Each nominated contact a notice went to, with the roles it was nominated for. */
export type NoticeRecipient = NominatedRecipient;

export const breachNoticeDocId = (id: string): string => `breachNotice:${id}`;
export const recipientsAad = (id: string, attempt: number): string => `breach-notice|${id}|${attempt}|recipients`;

const LABELS: Record<ChangeableField, string> = {
  nature: 'Nature of the breach',
  categoriesOfData: 'Categories of personal data',
  categoriesOfSubjects: 'Categories of data subjects',
  approxSubjects: 'Approximate number of data subjects',
  approxRecords: 'Approximate number of records',
  likelyConsequences: 'Likely consequences',
  measures: 'Measures taken or proposed',
  occurredFrom: 'Breach began',
  occurredTo: 'Breach ended',
  status: 'Status of the breach',
};

const FIGURES: ChangeableField[] = ['approxSubjects', 'approxRecords', 'categoriesOfData', 'categoriesOfSubjects'];

/** What update `update` changed for one tenant: its own figures when given, never another tenant's or the vendor-wide total. */
function changedFor(breach: BreachDoc, update: BreachUpdate, tenantId: string): ChangeableField[] {
  const changed = Object.keys(update.changes) as ChangeableField[];
  const own = update.tenantFigures?.includes(tenantId) ?? false;
  const breachWide = singleTenant(breach) ? changed : changed.filter((f) => f !== 'approxSubjects' && f !== 'approxRecords');
  if (!own) return breachWide;
  const given = breach.tenantFacts?.filter((t) => t.tenantId === tenantId && t.seq === update.seq) ?? [];
  const ownFields = FIGURES.filter(
    (f) => f === 'approxSubjects' || f === 'approxRecords' || given.some((t) => t[f as 'categoriesOfData' | 'categoriesOfSubjects'] !== undefined),
  );
  return [...new Set([...breachWide, ...ownFields])];
}

/** What notice `seq` of `breach` says to one tenant. The breach must have been released. */
export function noticeSnapshot(breach: BreachDoc, tenant: NoticeSnapshot['tenant'], seq: number): NoticeSnapshot {
  const release = breach.release;
  if (!release) throw new Error(`breach ${breach.breachId} has not been released`);
  const through = seq === 0 ? release.includesUpdates : seq;
  const update = seq === 0 ? undefined : breach.updates.find((u) => u.seq === seq);
  if (seq !== 0 && !update) throw new Error(`breach ${breach.breachId} has no update ${seq}`);
  return {
    breachId: breach.breachId,
    noticeId: noticeId(breach.breachId, seq),
    kind: seq === 0 ? 'initial' : 'update',
    seq,
    ...(seq === 0 ? {} : { references: noticeId(breach.breachId, 0) }),
    tenant,
    awareAt: breach.awareAt,
    notifyBy: breach.notifyBy,
    late: release.late,
    ...(release.afterTarget ? { afterTarget: { hours: Math.round((targetMsOf(breach) / 3600_000) * 100) / 100 } } : {}),
    ...((release.late || release.afterTarget) && release.delayReason ? { delayReason: release.delayReason } : {}),
    contactPoint: breach.contactPoint,
    // This tenant's own figures only; a tenant added later reads its figures as given when it was added.
    content: tenantContentThrough(breach, tenant.tenantId, through),
    furtherInformation: breach.updates
      .filter((u) => u.seq <= through && u.seq !== seq)
      .map((u) => ({ seq: u.seq, addedAt: u.addedAt, information: u.information })),
    ...(update
      ? { update: { seq: update.seq, addedAt: update.addedAt, information: update.information, changed: changedFor(breach, update, tenant.tenantId) } }
      : {}),
  };
}

/** An instant as UTC and as local time in `timeZone`, with the offset in force then. */
export const displayInstant: (iso: string, timeZone: string) => string = describeInstant;

const approx = (n: number | null): string => (n === null ? 'Not yet known' : String(n));
const list = (items: string[]): string => (items.length === 0 ? 'Not yet known' : items.join('; '));

export function acknowledgePath(snapshot: Pick<NoticeSnapshot, 'tenant' | 'noticeId'>): string {
  return `POST /api/tenants/${snapshot.tenant.tenantId}/breach-notices/${snapshot.noticeId}/acknowledge`;
}

/**
 * The email of a notice. `attempt` 0 is the notice itself; 1..3 re-send it, naming when it was first
 * sent (`firstSentAt`, from the stored delivery record).
 */
export function renderNotice(snapshot: NoticeSnapshot, attempt: number, firstSentAt?: string): RenderedEmail {
  const zone = NOTICE_TIME_ZONE[snapshot.tenant.region];
  const when = (iso: string): string => displayInstant(iso, zone);
  const c = snapshot.content;
  const tenant = `${snapshot.tenant.name} (${snapshot.tenant.tenantId})`;
  const base =
    snapshot.kind === 'initial'
      ? `Personal data breach notice ${snapshot.breachId}: ${c.summary}`
      : `Update ${snapshot.seq} to personal data breach notice ${snapshot.breachId}: ${c.summary}`;
  const subject = attempt === 0 ? base : `Reminder ${attempt} of ${MAX_RESENDS}, please acknowledge: ${base}`;

  const paragraphs: string[] = [];
  if (attempt > 0) {
    paragraphs.push(
      `We sent this notice at ${firstSentAt ? when(firstSentAt) : 'an earlier time'} and it has not been acknowledged yet. It is repeated below unchanged.`,
    );
  }
  if (snapshot.kind === 'initial') {
    paragraphs.push(
      `As your data processor we became aware at ${when(snapshot.awareAt)} of a personal data breach that affects personal data we process for ${tenant}. We are notifying you without undue delay (Article 33(2) GDPR and UK GDPR).`,
      'As the controller, you are aware of the breach from this notice: any notification you must make to your supervisory authority is due within 72 hours of becoming aware (Article 33(1)), and you decide whether the people affected must be told (Article 34). We will give you everything we can to help.',
    );
  } else {
    paragraphs.push(
      `This update adds information (Article 33(4)) to notice ${snapshot.references} about personal data breach ${snapshot.breachId}, affecting ${tenant}.`,
      `New information (${when(snapshot.update!.addedAt)}): ${snapshot.update!.information}`,
    );
    if (snapshot.update!.changed.length > 0)
      paragraphs.push(
        `Changed since the previous notice: ${snapshot.update!.changed.map((f) => LABELS[f]).join(', ')}. The facts below are as they now stand.`,
      );
  }
  if (snapshot.late) {
    paragraphs.push(
      `Our notices were sent after our 72-hour commitment (${when(snapshot.notifyBy)}). Reason for the delay: ${snapshot.delayReason ?? 'not given'}`,
    );
  } else if (snapshot.afterTarget) {
    paragraphs.push(
      `We aim to notify you within ${snapshot.afterTarget.hours} hours of becoming aware; this notice follows later. Reason for the delay: ${snapshot.delayReason ?? 'not given'}`,
    );
  }
  paragraphs.push(
    `Please acknowledge receipt with ${acknowledgePath(snapshot)} (Acknowledge in the admin portal). Until it is acknowledged, this notice is re-sent every 24 hours, at most ${MAX_RESENDS} times.`,
  );

  const facts: EmailFact[] = [
    { label: 'Breach reference', value: snapshot.breachId },
    { label: 'Notice', value: snapshot.references ? `${snapshot.noticeId} (update to ${snapshot.references})` : snapshot.noticeId },
    { label: 'Tenant', value: tenant },
    { label: 'We became aware', value: when(snapshot.awareAt) },
    { label: 'Our notification deadline (72 hours)', value: when(snapshot.notifyBy) },
    { label: LABELS.nature, value: c.nature },
    ...(c.status ? [{ label: LABELS.status, value: c.status }] : []),
    ...(c.occurredFrom !== undefined
      ? [
          {
            label: 'When it happened',
            value: `${c.occurredFrom ? when(c.occurredFrom) : 'start not yet known'} to ${c.occurredTo ? when(c.occurredTo) : c.status === 'ongoing' ? 'now (ongoing)' : 'end not yet known'}`,
          },
        ]
      : []),
    { label: LABELS.categoriesOfData, value: list(c.categoriesOfData) },
    { label: LABELS.categoriesOfSubjects, value: list(c.categoriesOfSubjects) },
    { label: LABELS.approxSubjects, value: approx(c.approxSubjects) },
    { label: LABELS.approxRecords, value: approx(c.approxRecords) },
    { label: LABELS.likelyConsequences, value: c.likelyConsequences },
    { label: LABELS.measures, value: c.measures },
    ...(snapshot.furtherInformation.length > 0
      ? [
          {
            label: 'Information given in phases',
            value: snapshot.furtherInformation.map((u) => `Update ${u.seq} (${when(u.addedAt)}): ${u.information}`).join('\n'),
          },
        ]
      : []),
    {
      label: 'Contact point',
      value: [snapshot.contactPoint.name, snapshot.contactPoint.email, snapshot.contactPoint.phone].filter((v) => v !== undefined).join(', '),
    },
    ...(snapshot.late || snapshot.afterTarget ? [{ label: 'Reason for the delay', value: snapshot.delayReason ?? 'not given' }] : []),
  ];
  return renderEmail({
    subject,
    title: snapshot.kind === 'initial' ? 'Personal data breach notice' : `Personal data breach notice: update ${snapshot.seq}`,
    paragraphs,
    facts,
  });
}

const noticeKindSchema = z.enum(['initial', 'update']);

/** What a tenant sees of a notice: the content, every send (with its recipients) and the acknowledgement. */
export const breachNoticeViewSchema = z
  .object({
    noticeId: z.string(),
    breachId: z.string(),
    kind: noticeKindSchema,
    seq: z.int(),
    references: z.string().optional(),
    createdAt: z.iso.datetime(),
    content: z.object({
      awareAt: z.iso.datetime(),
      notifyBy: z.iso.datetime(),
      late: z.boolean(),
      afterTarget: z.object({ hours: z.number() }).optional().meta({ description: 'Sent after the internal notification target (hours after awareness)' }),
      delayReason: z.string().optional(),
      contactPoint: contactPointViewSchema,
      content: z.object({
        summary: z.string(),
        nature: z.string(),
        categoriesOfData: z.array(z.string()),
        categoriesOfSubjects: z.array(z.string()),
        approxSubjects: z.int().nullable(),
        approxRecords: z.int().nullable(),
        likelyConsequences: z.string(),
        measures: z.string(),
        occurredFrom: z.iso.datetime().nullable().optional(),
        occurredTo: z.iso.datetime().nullable().optional(),
        status: z.enum(INCIDENT_STATUSES).optional().meta({ description: 'The incident: ongoing, contained or resolved' }),
      }),
      furtherInformation: z.array(z.object({ seq: z.int(), addedAt: z.iso.datetime(), information: z.string() })),
      update: z.object({ seq: z.int(), addedAt: z.iso.datetime(), information: z.string(), changed: z.array(z.enum(CONTENT_FIELDS)) }).optional(),
    }),
    firstSentAt: z.iso.datetime().nullable(),
    resends: z.int(),
    deliveries: z.array(
      z.object({
        attempt: z.int(),
        sentAt: z.iso.datetime(),
        subject: z.string(),
        textSha256: z.string(),
        recipientCount: z.int(),
        refused: z.int(),
        recipients: z.array(z.object({ name: z.string(), email: z.string(), roles: z.array(z.enum(['security', 'privacy'])) })),
      }),
    ),
    acknowledged: z.object({ at: z.iso.datetime(), by: z.string() }).nullable(),
  })
  .meta({ id: 'BreachNotice' });
export type BreachNoticeView = z.infer<typeof breachNoticeViewSchema>;
export const breachNoticeListSchema = z.object({ notices: z.array(breachNoticeViewSchema) }).meta({ id: 'BreachNoticeList' });

/** For the register: times and counts only, never an address. */
export const noticeStatusSchema = z.object({
  noticeId: z.string(),
  seq: z.int(),
  kind: noticeKindSchema,
  firstSentAt: z.iso.datetime().nullable(),
  lastSentAt: z.iso.datetime().nullable(),
  resends: z.int(),
  recipients: z.int(),
  acknowledgedAt: z.iso.datetime().nullable(),
});
export type NoticeStatus = z.infer<typeof noticeStatusSchema>;

export function noticeStatus(doc: BreachNoticeDoc): NoticeStatus {
  const first = doc.deliveries.find((d) => d.attempt === 0);
  const last = doc.deliveries[doc.deliveries.length - 1];
  return {
    noticeId: doc.noticeId,
    seq: doc.seq,
    kind: doc.kind,
    firstSentAt: first?.sentAt ?? null,
    lastSentAt: last?.sentAt ?? null,
    resends: doc.deliveries.filter((d) => d.attempt > 0).length,
    recipients: first?.recipientCount ?? 0,
    acknowledgedAt: doc.acknowledged?.at ?? null,
  };
}
