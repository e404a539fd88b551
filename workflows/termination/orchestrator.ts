// Tenant termination, as the privacy notice promises it: a 30-day grace window that allows
// reactivation (human interaction: every wait is raced against the reactivation event), the data
// returned first when the controller chose so, then deletion in bounded batches, destruction of
// the tenant's key, an interim deletion certificate, and a final one once the key is purged and
// the backups have expired. Inputs and outputs carry ids and instants only, never personal data.
import { z } from 'zod';
import type { OrchestrationContext, Task } from 'durable-functions';
import { caller, callOrchestration, defineOrchestration, eventBefore, EventWaiter, showPhase, waitUntil, type ActivityCall } from '../kit/index.js';
import { REACTIVATE_EVENT, reminderInstants, TERMINATION_PHASES } from '../../shared/termination/termination.js';
import { addBatch, deletionTotalsSchema } from '../../shared/termination/data-deletion.js';
import {
  beginTenantDeletion,
  checkStillTerminating,
  confirmKeyGone,
  deleteBatch,
  deleteFiles,
  destroyKey,
  enterAwaitingKeyPurge,
  finishTermination,
  issueDeletionCertificate,
  loadTerminationPlan,
  recordBackupsExpired,
  recordProgress,
  retainRecipients,
  returnData,
  sendNotice,
  startTerminationGrace,
  terminationRefSchema,
  type TerminationRef,
} from './activities.js';
import { obligationRetry } from '../reliability/obligation-retry.js';

const DAY_MS = 24 * 3600_000;
/** Documents per deletion batch: one query page and ten 100-item bulk requests. */
export const DELETION_BATCH_SIZE = 1000;
/** Batches per generation of the deletion loop before ContinueAsNew keeps its history small. */
const BATCHES_PER_GENERATION = 20;

const deletionProgress = z.object({ seq: z.number().int().min(0), totals: deletionTotalsSchema });

/** Deletes the tenant's documents batch by batch; ContinueAsNew carries the running totals. */
export const deleteTenantData = defineOrchestration('tenantDataDeletion', {
  input: terminationRefSchema.extend(deletionProgress.shape),
  output: deletionProgress,
  body: function* (context, input, self) {
    const call = caller(context, obligationRetry({ flow: 'termination' }));
    const ref = { tenantId: input.tenantId, terminationId: input.terminationId };
    let { seq, totals } = input;
    for (let i = 0; i < BATCHES_PER_GENERATION; i++) {
      const batch = yield* call(deleteBatch, { ...ref, seq, limit: DELETION_BATCH_SIZE, final: false });
      if (batch.done) return { seq, totals };
      totals = addBatch(totals, batch);
      seq++;
      yield* call(recordProgress, { ...ref, totals, completed: false });
    }
    return self.continueAsNew({ ...ref, seq, totals });
  },
});

function* finishReactivated(call: ActivityCall, ref: TerminationRef): Generator<Task, { outcome: 'reactivated' }, unknown> {
  yield* call(sendNotice, { ...ref, notice: { kind: 'reactivated' } });
  return { outcome: 'reactivated' };
}

export const TERMINATION_ORCHESTRATOR = 'tenantTermination';
defineOrchestration(TERMINATION_ORCHESTRATOR, {
  input: terminationRefSchema,
  output: z.object({ outcome: z.enum(['reactivated', 'deleted']), items: z.number().int().optional() }),
  body: function* (context: OrchestrationContext, ref) {
    const atRisk = { flow: 'termination', deadline: undefined as string | undefined };
    const call = caller(context, obligationRetry(atRisk));
    const reactivation = new EventWaiter(context, REACTIVATE_EVENT);
    const plan = yield* call(loadTerminationPlan, ref);
    atRisk.deadline = plan.graceEndsAt;
    // Between the daily slices of each long wait: a reactivation stored while its event was lost counts.
    const reactivated = function* (): Generator<Task, boolean, unknown> {
      return !(yield* call(checkStillTerminating, ref));
    };

    // A termination scheduled for later takes effect at its effective instant.
    const effectiveAt = new Date(plan.effectiveAt);
    if (effectiveAt.getTime() > context.df.currentUtcDateTime.getTime()) showPhase(context, TERMINATION_PHASES, 'scheduled', { effectiveAt: plan.effectiveAt });
    if (yield* eventBefore(context, reactivation, effectiveAt, reactivated)) return yield* finishReactivated(call, ref);
    if ((yield* call(startTerminationGrace, ref)) === 'reactivated') return yield* finishReactivated(call, ref);
    showPhase(context, TERMINATION_PHASES, 'grace', { graceEndsAt: plan.graceEndsAt });
    // A waived grace window ends as it starts: the contacts get a final notice instead of a reactivation window.
    yield* call(sendNotice, { ...ref, notice: { kind: plan.graceWaived ? 'grace-waived' : 'grace-started' } });
    if (plan.disposition === 'return-then-delete') {
      // The controller's choice: a complete copy first, in the tenant's region, links sent to the contacts.
      yield* call(returnData, ref);
      yield* call(sendNotice, { ...ref, notice: { kind: 'data-returned' } });
    }

    // The grace window: reminders 7 days and 1 day before it ends, reactivation possible throughout.
    const graceEnd = new Date(plan.graceEndsAt);
    for (const reminder of reminderInstants(graceEnd, context.df.currentUtcDateTime)) {
      if (yield* eventBefore(context, reactivation, reminder.at, reactivated)) return yield* finishReactivated(call, ref);
      yield* call(sendNotice, { ...ref, notice: { kind: 'grace-reminder', daysLeft: reminder.daysLeft } });
    }
    if (yield* eventBefore(context, reactivation, graceEnd, reactivated)) return yield* finishReactivated(call, ref);

    // Deletion, unless a reactivation won the race at the last moment.
    if ((yield* call(beginTenantDeletion, ref)) === 'reactivated') return yield* finishReactivated(call, ref);
    showPhase(context, TERMINATION_PHASES, 'deleting');
    const deleted =
      yield *
      callOrchestration(context, deleteTenantData, { ...ref, seq: 0, totals: { items: 0, byType: {}, batches: 0 } }, `${context.df.instanceId}:data`);
    const files = yield* call(deleteFiles, ref);

    // Crypto-shredding: keep who gets the certificate, destroy the key, then remove the tenant record.
    yield* call(retainRecipients, ref);
    const keys = yield* call(destroyKey, ref);
    const last = yield* call(deleteBatch, { ...ref, seq: deleted.seq, limit: DELETION_BATCH_SIZE, final: true });
    const totals = last.done ? deleted.totals : addBatch(deleted.totals, last);
    const recorded = yield* call(recordProgress, { ...ref, totals, completed: true, otherStores: files });

    yield* call(issueDeletionCertificate, { ...ref, kind: 'interim' });
    yield* call(sendNotice, { ...ref, notice: { kind: 'certificate', certificate: 'interim' } });
    yield* call(enterAwaitingKeyPurge, ref);

    // Key Vault purges the deleted key when its retention ends; check, and look again daily if it lags.
    showPhase(context, TERMINATION_PHASES, 'awaiting-key-purge', { unrecoverableAt: keys.unrecoverableAt });
    let checkAt = new Date(keys.unrecoverableAt);
    for (;;) {
      yield* waitUntil(context, checkAt);
      if (yield* call(confirmKeyGone, ref)) break;
      checkAt = new Date(context.df.currentUtcDateTime.getTime() + DAY_MS);
    }

    showPhase(context, TERMINATION_PHASES, 'awaiting-backup-expiry', { backupsExpireAt: recorded.backupsExpireAt ?? undefined });
    if (recorded.backupsExpireAt) yield* waitUntil(context, new Date(recorded.backupsExpireAt));
    yield* call(recordBackupsExpired, ref);
    yield* call(issueDeletionCertificate, { ...ref, kind: 'final' });
    yield* call(sendNotice, { ...ref, notice: { kind: 'certificate', certificate: 'final' } });
    yield* call(finishTermination, ref);
    showPhase(context, TERMINATION_PHASES, 'completed');
    return { outcome: 'deleted' as const, items: totals.items };
  },
});
