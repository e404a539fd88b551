// An export job: stream the requested data to storage in the tenant's region, record the outcome
// on the job (audited), and tell the tenant's privacy contacts an export was made. The download
// link never enters the orchestration history; it is issued fresh when the job is read.
import { z } from 'zod';
import { activityFailure, caller, defineOrchestration, showPhase } from '../kit/index.js';
import { EXPORT_JOB_PHASES } from '../../shared/exports/export-jobs.js';
import { exportRefSchema, notifyPrivacyContacts, recordOutcome, runExport } from './activities.js';
import { obligationRetry } from '../reliability/obligation-retry.js';

export const EXPORT_ORCHESTRATOR = 'tenantExport';
defineOrchestration(EXPORT_ORCHESTRATOR, {
  input: exportRefSchema,
  output: z.object({ status: z.enum(['ready', 'failed']), rows: z.number().int().optional() }),
  body: function* (context, ref) {
    const call = caller(context, obligationRetry({ flow: 'export' }));
    showPhase(context, EXPORT_JOB_PHASES, 'running');
    let file;
    try {
      file = yield* call(runExport, ref);
    } catch (error) {
      // Surfaced on the job (status failed, audited) rather than lost in a failed instance.
      const failure = activityFailure(error);
      yield* call(recordOutcome, { ...ref, failure: `${failure.type}: ${failure.message}`.slice(0, 500) });
      showPhase(context, EXPORT_JOB_PHASES, 'failed');
      return { status: 'failed' as const };
    }
    yield* call(recordOutcome, { ...ref, file });
    yield* call(notifyPrivacyContacts, { ...ref, instanceId: context.df.instanceId });
    showPhase(context, EXPORT_JOB_PHASES, 'ready', { rows: file.rows });
    return { status: 'ready' as const, rows: file.rows };
  },
});
