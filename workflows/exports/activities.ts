// The activities of an export job: thin calls into shared/exports. Each is idempotent (a re-run
// finds the file stored, the outcome recorded, the notice sent), because activities run at least once.
import { z } from 'zod';
import { defineActivity, NO_OUTPUT } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { exportFileSchema, recordExportOutcome, runExportJob } from '../../shared/exports/export-jobs.js';
import { notifyExportMade } from '../../shared/exports/export-notice.js';

export const exportRefSchema = z.object({ tenantId: tenantIdSchema, exportId: z.string().regex(/^[0-9a-f]{16}$/, 'must be an export id') });

export const runExport = defineActivity('exportRun', {
  input: exportRefSchema,
  output: exportFileSchema,
  handler: async (ref, { services, invocation }) => {
    const file = await runExportJob(services, ref);
    invocation.info(`export ${ref.exportId}: ${file.rows} rows, ${file.bytes} bytes`);
    return file;
  },
});

export const recordOutcome = defineActivity('exportRecordOutcome', {
  input: exportRefSchema.extend({ file: exportFileSchema.optional(), failure: z.string().max(500).optional() }),
  output: NO_OUTPUT,
  handler: (input, { services, now, requestId }) =>
    recordExportOutcome(services, input, input.file ? { file: input.file } : { failure: input.failure ?? 'unknown failure' }, now(), requestId('outcome')),
});

/** An auditable notice, without any link: the export is fetched through the API by whoever may. */
export const notifyPrivacyContacts = defineActivity('exportNotify', {
  input: exportRefSchema.extend({ instanceId: z.string() }),
  output: z.number().int(),
  handler: (input, { services }) => notifyExportMade(services, input),
});
