// An evidence pack job (DPA §11): build the pack in the tenant's region and record the outcome on the
// job (audited), which also lets the tenant ask for the next one. The download link never enters the
// orchestration history; it is issued fresh when the job is read.
import { z } from 'zod';
import { activityFailure, caller, defineOrchestration, retryPolicy, showPhase } from '../kit/index.js';
import { EVIDENCE_PACK_PHASES } from '../../shared/processing/evidence-pack.js';
import { buildPack, packRefSchema, recordPackOutcome } from './activities.js';

/** Transient faults with capped exponential backoff, six tries; then the job is recorded as failed. */
const PACK_RETRY = retryPolicy({ maxAttempts: 6 });

export const EVIDENCE_PACK_ORCHESTRATOR = 'evidencePack';
defineOrchestration(EVIDENCE_PACK_ORCHESTRATOR, {
  input: packRefSchema,
  output: z.object({ status: z.enum(['ready', 'failed']), files: z.number().int().optional() }),
  body: function* (context, ref) {
    const call = caller(context, PACK_RETRY);
    showPhase(context, EVIDENCE_PACK_PHASES, 'building');
    let built;
    try {
      built = yield* call(buildPack, ref);
    } catch (error) {
      // Surfaced on the job (status failed, audited) rather than lost in a failed instance.
      const failure = activityFailure(error);
      yield* call(recordPackOutcome, { ...ref, failure: `${failure.type}: ${failure.message}`.slice(0, 500) });
      showPhase(context, EVIDENCE_PACK_PHASES, 'failed');
      return { status: 'failed' as const };
    }
    yield* call(recordPackOutcome, { ...ref, built: true });
    showPhase(context, EVIDENCE_PACK_PHASES, 'ready', { files: built.files });
    return { status: 'ready' as const, files: built.files };
  },
});
