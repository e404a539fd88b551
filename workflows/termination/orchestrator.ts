// Tenant termination, as the privacy notice promises it: a 30-day grace window that allows
// reactivation (human interaction: every wait is raced against the reactivation event), the data
// returned first when the controller chose so, then deletion in bounded batches, destruction of
// the tenant's key, an interim deletion certificate, and a final one once the key is purged and
// the backups have expired. Inputs and outputs carry ids and instants only, never personal data.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { REACTIVATE_EVENT, reminderInstants } from '../../shared/termination/termination.js';
import type { TerminationPlan } from '../../shared/termination/grace-window.js';
import type { BatchResult } from '../../shared/termination/data-deletion.js';
import {
  ACTIVITY_RETRY,
  beginTenantDeletion,
  completeTermination,
  confirmKeyGone,
  deleteBatch,
  deleteFiles,
  destroyKey,
  enterAwaitingKeyPurge,
  issueDeletionCertificate,
  loadTerminationPlan,
  markBackupsExpired,
  recordDeletionProgress,
  retainRecipients,
  returnData,
  sendNotice,
  startTerminationGrace,
  type DeletionTotals,
  type TerminationRef,
} from './activities.js';
import type { StoreDeletion } from '../../shared/termination/termination.js';

const DAY_MS = 24 * 3600_000;
/** Documents per deletion batch: one query page and ten 100-item bulk requests. */
export const DELETION_BATCH_SIZE = 1000;
/** Batches per generation of the deletion loop before ContinueAsNew keeps its history small. */
const BATCHES_PER_GENERATION = 20;

/** Waits until `until` unless the tenant is reactivated first (the losing timer is cancelled). */
function* reactivatedBefore(context: OrchestrationContext, until: Date): Generator<Task, boolean, unknown> {
  if (until.getTime() <= context.df.currentUtcDateTime.getTime()) return false;
  const deadline = context.df.createTimer(until);
  const reactivation = context.df.waitForExternalEvent(REACTIVATE_EVENT);
  const winner = yield context.df.Task.any([deadline, reactivation]);
  if (winner === reactivation) {
    deadline.cancel();
    return true;
  }
  return false;
}

function* finishReactivated(ref: TerminationRef): Generator<Task, { outcome: string }, unknown> {
  yield sendNotice({ ...ref, notice: { kind: 'reactivated' } }).withRetry(ACTIVITY_RETRY);
  return { outcome: 'reactivated' };
}

export interface DeletionLoopInput extends TerminationRef {
  seq: number;
  totals: DeletionTotals;
}

/** Deletes the tenant's documents batch by batch; ContinueAsNew carries the running totals. */
const tenantDataDeletion: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<DeletionLoopInput>();
  let { seq, totals } = input;
  for (let i = 0; i < BATCHES_PER_GENERATION; i++) {
    const batch = (yield deleteBatch({ tenantId: input.tenantId, terminationId: input.terminationId, seq, limit: DELETION_BATCH_SIZE, final: false }).withRetry(ACTIVITY_RETRY)) as BatchResult;
    if (batch.done) return { seq, totals };
    totals = addBatch(totals, batch);
    seq++;
    yield recordDeletionProgress({ tenantId: input.tenantId, terminationId: input.terminationId, totals, completed: false }).withRetry(ACTIVITY_RETRY);
  }
  context.df.continueAsNew({ ...input, seq, totals });
  return undefined;
};
export const deleteTenantData = df.app.orchestration('tenantDataDeletion', tenantDataDeletion);

function addBatch(totals: DeletionTotals, batch: BatchResult): DeletionTotals {
  const byType = { ...totals.byType };
  for (const [type, count] of Object.entries(batch.byType)) byType[type] = (byType[type] ?? 0) + count;
  return { items: totals.items + batch.deleted, byType, batches: totals.batches + 1 };
}

const tenantTermination: OrchestrationHandler = function* (context: OrchestrationContext) {
  const ref = context.df.getInput<TerminationRef>();
  const plan = (yield loadTerminationPlan(ref).withRetry(ACTIVITY_RETRY)) as TerminationPlan;

  // A termination scheduled for later takes effect at its effective instant.
  if (yield* reactivatedBefore(context, new Date(plan.effectiveAt))) return yield* finishReactivated(ref);
  const grace = (yield startTerminationGrace(ref).withRetry(ACTIVITY_RETRY)) as 'in-grace' | 'reactivated';
  if (grace === 'reactivated') return yield* finishReactivated(ref);
  context.df.setCustomStatus({ phase: 'grace', graceEndsAt: plan.graceEndsAt });
  yield sendNotice({ ...ref, notice: { kind: 'grace-started' } }).withRetry(ACTIVITY_RETRY);
  if (plan.disposition === 'return-then-delete') {
    // The controller's choice: a complete copy first, in the tenant's region, links sent to the contacts.
    yield returnData(ref).withRetry(ACTIVITY_RETRY);
    yield sendNotice({ ...ref, notice: { kind: 'data-returned' } }).withRetry(ACTIVITY_RETRY);
  }

  // The grace window: reminders 7 days and 1 day before it ends, reactivation possible throughout.
  const graceEnd = new Date(plan.graceEndsAt);
  for (const reminder of reminderInstants(graceEnd, context.df.currentUtcDateTime)) {
    if (yield* reactivatedBefore(context, reminder.at)) return yield* finishReactivated(ref);
    yield sendNotice({ ...ref, notice: { kind: 'grace-reminder', daysLeft: reminder.daysLeft } }).withRetry(ACTIVITY_RETRY);
  }
  if (yield* reactivatedBefore(context, graceEnd)) return yield* finishReactivated(ref);

  // Deletion, unless a reactivation won the race at the last moment.
  const begun = (yield beginTenantDeletion(ref).withRetry(ACTIVITY_RETRY)) as 'proceed' | 'reactivated';
  if (begun === 'reactivated') return yield* finishReactivated(ref);
  context.df.setCustomStatus({ phase: 'deleting' });
  const deleted = (yield deleteTenantData({ ...ref, seq: 0, totals: { items: 0, byType: {}, batches: 0 } }, `${context.df.instanceId}:data`)) as { seq: number; totals: DeletionTotals };
  const files = (yield deleteFiles(ref).withRetry(ACTIVITY_RETRY)) as StoreDeletion[];

  // Crypto-shredding: keep who gets the certificate, destroy the key, then remove the tenant record.
  yield retainRecipients(ref).withRetry(ACTIVITY_RETRY);
  const keys = (yield destroyKey(ref).withRetry(ACTIVITY_RETRY)) as { unrecoverableAt: string };
  const last = (yield deleteBatch({ ...ref, seq: deleted.seq, limit: DELETION_BATCH_SIZE, final: true }).withRetry(ACTIVITY_RETRY)) as BatchResult;
  const totals = last.done ? deleted.totals : addBatch(deleted.totals, last);
  const recorded = (yield recordDeletionProgress({ ...ref, totals, completed: true, otherStores: files }).withRetry(ACTIVITY_RETRY)) as { backupsExpireAt: string };

  yield issueDeletionCertificate({ ...ref, kind: 'interim' }).withRetry(ACTIVITY_RETRY);
  yield sendNotice({ ...ref, notice: { kind: 'certificate', certificate: 'interim' } }).withRetry(ACTIVITY_RETRY);
  yield enterAwaitingKeyPurge(ref).withRetry(ACTIVITY_RETRY);

  // Key Vault purges the deleted key when its retention ends; check, and look again daily if it lags.
  context.df.setCustomStatus({ phase: 'awaiting-key-purge', unrecoverableAt: keys.unrecoverableAt });
  let checkAt = new Date(keys.unrecoverableAt);
  for (;;) {
    if (checkAt.getTime() > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(checkAt);
    if ((yield confirmKeyGone(ref).withRetry(ACTIVITY_RETRY)) as boolean) break;
    checkAt = new Date(context.df.currentUtcDateTime.getTime() + DAY_MS);
  }

  context.df.setCustomStatus({ phase: 'awaiting-backup-expiry', backupsExpireAt: recorded.backupsExpireAt });
  const backupsExpireAt = new Date(recorded.backupsExpireAt);
  if (backupsExpireAt.getTime() > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(backupsExpireAt);
  yield markBackupsExpired(ref).withRetry(ACTIVITY_RETRY);
  yield issueDeletionCertificate({ ...ref, kind: 'final' }).withRetry(ACTIVITY_RETRY);
  yield sendNotice({ ...ref, notice: { kind: 'certificate', certificate: 'final' } }).withRetry(ACTIVITY_RETRY);
  yield completeTermination(ref).withRetry(ACTIVITY_RETRY);
  context.df.setCustomStatus({ phase: 'completed' });
  return { outcome: 'deleted', items: totals.items };
};
export const TERMINATION_ORCHESTRATOR = 'tenantTermination';
df.app.orchestration(TERMINATION_ORCHESTRATOR, tenantTermination);
