// The activities of an evidence pack: thin calls into shared/processing. Each is idempotent (a re-run
// finds the pack built or the outcome recorded), because activities run at least once. Only ids and
// counts cross into the orchestration history: the manifest stays on the job, in the tenant's region.
import { z } from 'zod';
import { defineActivity, NO_OUTPUT } from '../kit/index.js';
import { tenantIdSchema } from '../../shared/http/text.js';
import { buildEvidencePack, PACK_ID, packBuiltSchema, recordEvidencePackOutcome } from '../../shared/processing/evidence-pack.js';

export const packRefSchema = z.object({ tenantId: tenantIdSchema, packId: z.string().regex(PACK_ID, 'must be an evidence pack id') });

export const buildPack = defineActivity('evidencePackBuild', {
  input: packRefSchema,
  output: packBuiltSchema,
  handler: (ref, { services, now, requestId }) => buildEvidencePack(services, ref, now(), requestId('build')),
});

export const recordPackOutcome = defineActivity('evidencePackRecordOutcome', {
  input: packRefSchema.extend({ built: z.literal(true).optional(), failure: z.string().max(500).optional() }),
  output: NO_OUTPUT,
  handler: (input, { services, now, requestId }) =>
    recordEvidencePackOutcome(services, input, input.built ? { built: true } : { failure: input.failure ?? 'unknown failure' }, now(), requestId('outcome')),
});
