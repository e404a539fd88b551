// The activities of a tenant termination: thin calls into shared/termination. Each is idempotent
// (keyed by the termination and the step), because activities run at least once.
import { z } from 'zod';
import { defineActivity, NO_OUTPUT } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { awaitKeyPurge, completeTermination, markBackupsExpired } from '../../shared/termination/after-deletion.js';
import { retainCertificateRecipients } from '../../shared/termination/certificate-recipients.js';
import {
  batchResultSchema,
  deleteNextBatch,
  deleteTenantFiles,
  deletionTotalsSchema,
  recordDeletionProgress,
  storeDeletionSchema,
} from '../../shared/termination/data-deletion.js';
import { returnTenantData } from '../../shared/termination/data-return.js';
import { issueCertificate } from '../../shared/termination/deletion-certificate.js';
import { beginDeletion, loadPlan, startGraceWindow, stillTerminating, terminationPlanSchema } from '../../shared/termination/grace-window.js';
import { confirmKeyUnrecoverable, destroyTerminatedKey } from '../../shared/termination/key-destruction.js';
import { sendTerminationNotice, terminationNoticeSchema } from '../../shared/termination/notices.js';

export const terminationRefSchema = z.object({ tenantId: tenantIdSchema, terminationId: z.string().regex(/^[0-9a-f]{16}$/, 'must be a termination id') });
export type TerminationRef = z.infer<typeof terminationRefSchema>;

export const loadTerminationPlan = defineActivity('terminationLoadPlan', {
  input: terminationRefSchema,
  output: terminationPlanSchema,
  handler: (ref, { services }) => loadPlan(services, ref),
});

/** Read between the slices of a long wait: a reactivation whose event was lost is found in the record. */
export const checkStillTerminating = defineActivity('terminationStillTerminating', {
  input: terminationRefSchema,
  output: z.boolean(),
  handler: (ref, { services }) => stillTerminating(services, ref),
});

export const startTerminationGrace = defineActivity('terminationStartGrace', {
  input: terminationRefSchema,
  output: z.enum(['in-grace', 'reactivated']),
  handler: (ref, { services, now, requestId }) => startGraceWindow(services, ref, now(), requestId('grace')),
});

export const sendNotice = defineActivity('terminationSendNotice', {
  input: terminationRefSchema.extend({ notice: terminationNoticeSchema }),
  output: z.number().int(),
  handler: (input, { services }) => sendTerminationNotice(services, input),
});

export const beginTenantDeletion = defineActivity('terminationBeginDeletion', {
  input: terminationRefSchema,
  output: z.enum(['proceed', 'reactivated']),
  handler: (ref, { services, now, requestId }) => beginDeletion(services, ref, now(), requestId('begin-deletion')),
});

export const deleteBatch = defineActivity('terminationDeleteBatch', {
  input: terminationRefSchema.extend({ seq: z.number().int().min(0), limit: z.number().int().min(1), final: z.boolean() }),
  output: batchResultSchema,
  handler: (input, { services, now }) => deleteNextBatch(services, input, now()),
});

/** Records progress as a value (not an increment), so a re-run cannot double count. */
export const recordProgress = defineActivity('terminationRecordDeletionProgress', {
  input: terminationRefSchema.extend({ totals: deletionTotalsSchema, completed: z.boolean(), otherStores: z.array(storeDeletionSchema).optional() }),
  output: z.object({ backupsExpireAt: z.string().nullable() }),
  handler: (input, { services, now }) => recordDeletionProgress(services, input, now()),
});

export const retainRecipients = defineActivity('terminationRetainRecipients', {
  input: terminationRefSchema,
  output: z.number().int(),
  handler: (ref, { services }) => retainCertificateRecipients(services, ref),
});

export const destroyKey = defineActivity('terminationDestroyKey', {
  input: terminationRefSchema,
  output: z.object({ unrecoverableAt: z.string() }),
  handler: (ref, { services, now }) => destroyTerminatedKey(services, ref, now()),
});

export const issueDeletionCertificate = defineActivity('terminationIssueCertificate', {
  input: terminationRefSchema.extend({ kind: z.enum(['interim', 'final']) }),
  output: z.object({ issuedAt: z.string() }),
  handler: (input, { services, now }) => issueCertificate(services, input, now()),
});

export const confirmKeyGone = defineActivity('terminationConfirmKeyGone', {
  input: terminationRefSchema,
  output: z.boolean(),
  handler: (ref, { services }) => confirmKeyUnrecoverable(services, ref),
});

export const recordBackupsExpired = defineActivity('terminationMarkBackupsExpired', {
  input: terminationRefSchema,
  output: NO_OUTPUT,
  handler: (ref, { services }) => markBackupsExpired(services, ref),
});

export const finishTermination = defineActivity('terminationComplete', {
  input: terminationRefSchema,
  output: NO_OUTPUT,
  handler: (ref, { services }) => completeTermination(services, ref),
});

export const enterAwaitingKeyPurge = defineActivity('terminationAwaitKeyPurge', {
  input: terminationRefSchema,
  output: NO_OUTPUT,
  handler: (ref, { services }) => awaitKeyPurge(services, ref),
});

export const returnData = defineActivity('terminationReturnData', {
  input: terminationRefSchema,
  output: z.object({ files: z.number().int(), rows: z.number().int(), expiresOn: z.string() }),
  handler: (ref, { services, now }) => returnTenantData(services, ref, now()),
});

/** Export files and returned-data packages of the tenant, in its region's storage. */
export const deleteFiles = defineActivity('terminationDeleteFiles', {
  input: terminationRefSchema,
  output: z.array(storeDeletionSchema),
  handler: (ref, { services }) => deleteTenantFiles(services, ref.tenantId),
});
