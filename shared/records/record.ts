// Module records: the operational data that references people (shift logs, approval chains,
// schedules, ...). A record's content is encrypted under the key of its data subject (or the
// tenant's key when it has none). Corrections are kept alongside the original; erasure leaves a
// tombstone.
import { z } from 'zod';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { jsonTextProblem, plainText, tenantIdSchema } from '../http/text.js';

export const MODULES = ['shift-logs', 'approval-chains', 'schedules', 'capacity', 'time-tracking', 'org-structure'] as const;
export type ModuleName = (typeof MODULES)[number];

export const MAX_RECORD_BYTES = 64 * 1024;

/** Every field name and every string in the data is well-formed text. */
const wellFormed = (d: Record<string, unknown>, ctx: z.RefinementCtx): void => {
  const problem = jsonTextProblem(d);
  if (problem) ctx.addIssue({ code: 'custom', message: `text ${problem}` });
};

/**
 * Any JSON value (the body is parsed JSON already). Not `z.json()`: its recursive schema is awkward
 * for client generators (openapi-typescript emits a type alias that refers to itself).
 */
const jsonValue = z.unknown().meta({ id: 'JsonValue', description: 'Any JSON value' });

const recordData = z
  .record(z.string().min(1).max(100), jsonValue)
  .refine((d) => Object.keys(d).length > 0, 'must have at least one field')
  .superRefine(wellFormed)
  .refine((d) => Buffer.byteLength(JSON.stringify(d)) <= MAX_RECORD_BYTES, `must be at most ${MAX_RECORD_BYTES} bytes of JSON`);

const userRef = z.string().regex(/^u-[0-9a-f]{20}$/, 'must be a user id (u-…)');

export const moduleParams = z.object({
  tenantId: tenantIdSchema,
  module: z.enum(MODULES, { message: `must be one of ${MODULES.join(', ')}` }),
});

export const createRecordSchema = z.strictObject({
  /** The person the record is about; their erasure makes the record unreadable. */
  subjectUserId: userRef.optional(),
  /** Other people the record references (approvers, colleagues), by user id. */
  peopleUserIds: z.array(userRef).max(50).default([]),
  data: recordData,
});
export type CreateRecordRequest = z.infer<typeof createRecordSchema>;

export const correctRecordSchema = z.strictObject({
  /** Fields to set; null removes a field. */
  data: z
    .record(z.string().min(1).max(100), jsonValue.nullable())
    .refine((d) => Object.keys(d).length > 0, 'change at least one field')
    .superRefine(wellFormed),
  reason: plainText(1000, { multiline: true, required: 'say why the record is being corrected' }),
});
export type CorrectRecordRequest = z.infer<typeof correctRecordSchema>;

export type RecordData = Record<string, unknown>;
export type DataChanges = Record<string, { from: unknown; to: unknown }>;

export interface RecordDoc extends StoredDoc {
  type: 'record';
  module: ModuleName;
  recordId: string;
  status: 'active' | 'erased';
  version: number;
  subjectUserId?: string;
  peopleUserIds: string[];
  /** The content as first written. */
  original?: EncryptedValue;
  /** The content with every correction applied. */
  current?: EncryptedValue;
  corrections?: { at: string; by: string; sealed: EncryptedValue }[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  erasedAt?: string;
}

/** What a record says in place of the id of an erased person it names (see erased-references.ts). */
export const ERASED_SUBJECT_REF = 'erased-subject';

export const recordDocId = (module: string, recordId: string): string => `record:${module}:${recordId}`;
export const recordAad = (module: string, recordId: string, part: string): string => `record:${module}:${recordId}|${part}`;

const dataSchema = z.record(z.string(), z.unknown());
export const recordViewSchema = z
  .object({
    recordId: z.string(),
    module: z.enum(MODULES),
    status: z.enum(['active', 'erased']),
    erasure: z
      .enum(['record-erased', 'subject-erased'])
      .optional()
      .meta({ description: 'Why the content is unavailable: erased on its own, or its data subject was erased' }),
    subjectUserId: z.string().optional(),
    peopleUserIds: z.array(z.string()),
    data: dataSchema.optional(),
    original: dataSchema.optional(),
    corrections: z
      .array(
        z.object({
          at: z.iso.datetime(),
          by: z.string(),
          reason: z.string(),
          changes: z.record(z.string(), z.object({ from: z.unknown(), to: z.unknown() })),
        }),
      )
      .optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    restricted: z
      .object({ since: z.iso.datetime(), dsarId: z.string() })
      .optional()
      .meta({ description: "Its data subject's processing is restricted (Art 18): shown to the controller's admins only" }),
  })
  .meta({ id: 'Record' });
export type RecordView = z.infer<typeof recordViewSchema>;
