// A sub-processor change with prior notice (DPA §5): every tenant's privacy contacts are told at
// once and reminded 7 days before it takes effect; objections are confirmed and passed to ops as they
// come, and ops are reminded 3 days before of any still unanswered; at its instant the change is
// applied to the list (a new version) and recorded against every tenant told of it. A withdrawal
// (raced against every wait: the human interaction pattern) tells the tenants instead. Tenants are
// told in bounded batches by a sub-orchestration that continues as new, so no history grows with the
// number of tenants. Event waiters follow the kit's rule: one per event name, kept until it fires.
import { z } from 'zod';
import type { OrchestrationContext, Task } from 'durable-functions';
import { anyBefore, caller, callOrchestration, defineOrchestration, EventWaiter, replanAt, showPhase, type ActivityCall } from '../kit/index.js';
import { CHANGE_PHASES, changeMilestones, OBJECTIONS_EVENT, WITHDRAW_EVENT } from '../../shared/sub-processors/change.js';
import { applyToList, changeRefSchema, deliverBatch, handleObjections, loadChangePlan, noticeKindSchema, remindOps, resolveTenants } from './activities.js';
import { CHANGE_RETRY } from './retry.js';

/** Batches per generation of a notice round before ContinueAsNew keeps its history small. */
const BATCHES_PER_GENERATION = 25;

const roundProgress = z.object({
  batch: z.number().int().min(0),
  batches: z.number().int().min(0),
  tenants: z.number().int().min(0),
  sent: z.number().int().min(0),
});

/** One message of the change to every tenant: batch after batch; ContinueAsNew carries the totals. */
export const noticeRound = defineOrchestration('subProcessorNoticeRound', {
  input: changeRefSchema.extend({ notice: noticeKindSchema }).extend(roundProgress.shape),
  output: roundProgress,
  body: function* (context, input, self) {
    const call = caller(context, CHANGE_RETRY);
    let { batch, tenants, sent } = input;
    for (let i = 0; i < BATCHES_PER_GENERATION; i++) {
      if (batch >= input.batches) return { batch, batches: input.batches, tenants, sent };
      const done = yield* call(deliverBatch, { changeId: input.changeId, notice: input.notice, batch });
      tenants += done.tenants;
      sent += done.sent;
      batch++;
    }
    return self.continueAsNew({ ...input, batch, tenants, sent });
  },
});

type Notice = z.infer<typeof noticeKindSchema>;

function* round(context: OrchestrationContext, changeId: string, notice: Notice, batches: number): Generator<Task, number, unknown> {
  const done =
    yield *
    callOrchestration(context, noticeRound, { changeId, notice, batch: 0, batches, tenants: 0, sent: 0 }, `${context.df.instanceId}:${notice}`);
  return done.sent;
}

export const SUB_PROCESSOR_CHANGE_ORCHESTRATOR = 'subProcessorChange';
defineOrchestration(SUB_PROCESSOR_CHANGE_ORCHESTRATOR, {
  input: changeRefSchema,
  output: z.object({ outcome: z.enum(['effective', 'withdrawn']), version: z.number().int().optional(), tenants: z.number().int() }),
  body: function* (context, { changeId }) {
    const call: ActivityCall = caller(context, CHANGE_RETRY);
    const withdrawn = new EventWaiter(context, WITHDRAW_EVENT);
    const objections = new EventWaiter(context, OBJECTIONS_EVENT);
    const plan = yield* call(loadChangePlan, { changeId });
    const effectiveAt = new Date(plan.effectiveAt);
    const { tenantReminderAt, opsReminderAt } = changeMilestones(effectiveAt);
    const { tenants, batches } = yield* call(resolveTenants, { changeId });

    // Started again on a change that has ended (a route repairing a failed or finished instance):
    // finish what is owed. A withdrawal reaches only the tenants already told; late answers are sent.
    if (plan.phase === 'withdrawn') {
      yield* round(context, changeId, 'withdrawn', batches);
      return { outcome: 'withdrawn' as const, tenants };
    }
    if (plan.phase === 'effective') {
      yield* call(handleObjections, { changeId });
      return { outcome: 'effective' as const, tenants };
    }
    showPhase(context, CHANGE_PHASES, 'notice-period', { effectiveAt: plan.effectiveAt, tenants });
    yield* round(context, changeId, 'notice', batches);

    /**
     * Waits for `until`, handling objections as they come; false when the change was withdrawn first.
     * The wait is re-planned at least daily, and each re-plan handles the objections in the record in
     * case their signal was lost.
     */
    function* waitFor(until: Date): Generator<Task, boolean, unknown> {
      for (;;) {
        if (withdrawn.happened) return false;
        if (until.getTime() <= context.df.currentUtcDateTime.getTime()) return true;
        const sliceEnd = new Date(Math.min(until.getTime(), replanAt(context).getTime()));
        if (!(yield* anyBefore(context, [withdrawn.task, objections.task], sliceEnd))) {
          if (sliceEnd.getTime() < until.getTime()) yield* call(handleObjections, { changeId });
          continue;
        }
        if (!withdrawn.happened && objections.happened) {
          objections.renew();
          yield* call(handleObjections, { changeId });
        }
      }
    }

    function* finishWithdrawn(): Generator<Task, { outcome: 'withdrawn'; tenants: number }, unknown> {
      yield* round(context, changeId, 'withdrawn', batches);
      showPhase(context, CHANGE_PHASES, 'withdrawn', { tenants });
      return { outcome: 'withdrawn' as const, tenants };
    }

    // The record is the truth: a withdrawal whose signal was lost is found before each step.
    const stillOn = function* (): Generator<Task, boolean, unknown> {
      return (yield* call(loadChangePlan, { changeId })).phase === 'notice-period';
    };

    if (!(yield* waitFor(tenantReminderAt)) || !(yield* stillOn())) return yield* finishWithdrawn();
    yield* round(context, changeId, 'reminder', batches);

    if (!(yield* waitFor(opsReminderAt)) || !(yield* stillOn())) return yield* finishWithdrawn();
    yield* call(handleObjections, { changeId });
    yield* call(remindOps, { changeId });

    if (!(yield* waitFor(effectiveAt))) return yield* finishWithdrawn();
    yield* call(handleObjections, { changeId });
    const applied = yield* call(applyToList, { changeId });
    if (applied.outcome === 'withdrawn') return yield* finishWithdrawn();
    yield* round(context, changeId, 'effective', batches);
    showPhase(context, CHANGE_PHASES, 'effective', { version: applied.version, tenants });
    return { outcome: 'effective' as const, ...(applied.version !== undefined ? { version: applied.version } : {}), tenants };
  },
});
