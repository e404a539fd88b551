// Breach notification, as the privacy notice promises it: the 72-hour clock (reminders to ops at 24,
// 48 and 66 hours and an escalation at 70 while the notices are unsent, raced against their release:
// the human interaction pattern), then a fan-out of one notice workflow per affected tenant for the
// initial notice and for every update, each re-sending its notice every 24 hours, at most three
// times, until the tenant acknowledges it. Inputs and outputs carry ids and instants only. Event
// waiters follow the kit's rule (workflows/kit/events.ts): one per event name, kept until it fires.
import { z } from 'zod';
import type { Task } from 'durable-functions';
import { anyBefore, caller, defineOrchestration, eventBefore, EventWaiter, replanAt, showPhase, startOrchestration } from '../kit/index.js';
import { ACKNOWLEDGE_EVENT, BREACH_PHASES, CLOSE_EVENT, noticeInstanceId, RELEASE_EVENT, updateEvent } from '../../shared/breaches/breach.js';
import { clockSchedule } from '../../shared/breaches/clock.js';
import { MAX_RESENDS, RESEND_AFTER_MS } from '../../shared/breaches/notice.js';
import { breachNoticesDue, breachRefSchema, deliverBreachNotice, loadPlan, noticeRefSchema, resolveBreachTenants, sendBreachClockAlert } from './activities.js';
import { obligationRetry } from '../reliability/obligation-retry.js';

/** One tenant, one notice: send it, then re-send it every 24 hours until acknowledged, at most three times. */
export const TENANT_BREACH_NOTICE_ORCHESTRATOR = 'tenantBreachNotice';
export const tenantNotice = defineOrchestration(TENANT_BREACH_NOTICE_ORCHESTRATOR, {
  input: noticeRefSchema,
  output: z.object({ outcome: z.enum(['skipped', 'acknowledged', 'unacknowledged']), resends: z.number().int().optional() }),
  body: function* (context, ref) {
    const call = caller(context, obligationRetry({ flow: 'breach-notice' }));
    const acknowledged = new EventWaiter(context, ACKNOWLEDGE_EVENT);
    const first = yield* call(deliverBreachNotice, { ...ref, attempt: 0 });
    if (first === 'skipped') return { outcome: 'skipped' as const };
    for (let attempt = 1; attempt <= MAX_RESENDS; attempt++) {
      const resendAt = new Date(context.df.currentUtcDateTime.getTime() + RESEND_AFTER_MS);
      if (yield* eventBefore(context, acknowledged, resendAt)) return { outcome: 'acknowledged' as const, resends: attempt - 1 };
      const again = yield* call(deliverBreachNotice, { ...ref, attempt });
      if (again === 'acknowledged') return { outcome: 'acknowledged' as const, resends: attempt - 1 };
      if (again === 'skipped') return { outcome: 'skipped' as const, resends: attempt - 1 };
    }
    return { outcome: acknowledged.happened ? ('acknowledged' as const) : ('unacknowledged' as const), resends: MAX_RESENDS };
  },
});

export const BREACH_ORCHESTRATOR = 'breachNotification';
defineOrchestration(BREACH_ORCHESTRATOR, {
  input: breachRefSchema,
  output: z.object({ outcome: z.literal('closed'), notices: z.number().int() }),
  body: function* (context, { breachId }) {
    const atRisk = { flow: 'breach', deadline: undefined as string | undefined };
    const call = caller(context, obligationRetry(atRisk));
    const release = new EventWaiter(context, RELEASE_EVENT);
    const closed = new EventWaiter(context, CLOSE_EVENT);
    const plan = yield* call(loadPlan, { breachId });
    atRisk.deadline = plan.notifyBy;

    // The 72-hour clock: while the breach is a draft, remind ops and then escalate, unless released first.
    if (!plan.released) {
      showPhase(context, BREACH_PHASES, 'draft', { notifyBy: plan.notifyBy });
      let released = false;
      for (const alert of clockSchedule(new Date(plan.awareAt), new Date(plan.openedAt))) {
        if (yield* eventBefore(context, release, alert.at)) {
          released = true;
          break;
        }
        if ((yield* call(sendBreachClockAlert, { breachId, kind: alert.kind })) === 'released') {
          released = true;
          break;
        }
      }
      // After the escalation only ops can move it on; the record is re-read daily in case the release event was lost.
      while (!released && !(yield* eventBefore(context, release, replanAt(context)))) released = (yield* call(loadPlan, { breachId })).released;
    }

    // Fan-out: the initial notice and then each update, one notice workflow per affected tenant.
    const tenants = yield* call(resolveBreachTenants, { breachId });
    let after = -1;
    let nextUpdate: EventWaiter | undefined;
    for (;;) {
      const due = yield* call(breachNoticesDue, { breachId, after });
      const notices: Task[] = [];
      for (const seq of due.seqs) {
        for (const tenantId of tenants) notices.push(startOrchestration(context, tenantNotice, { breachId, tenantId, seq }, noticeInstanceId(breachId, tenantId, seq)));
        after = seq;
      }
      showPhase(context, BREACH_PHASES, 'notifying', { tenants: tenants.length, latestNotice: after });
      // One name per update, so each waiter is awaited once (kept while still pending after a re-plan).
      if (!nextUpdate || nextUpdate.happened || nextUpdate.name !== updateEvent(due.nextUpdate)) nextUpdate = new EventWaiter(context, updateEvent(due.nextUpdate));
      const closedInRecord = due.closed === true;
      // Fan-in is not awaited before the next update: an update must not wait for acknowledgements.
      // A completed task is never yielded again inside a race: the extension would wait on it anew.
      // The notices race one by one, not as a Task.all: the extension ends a Task.all only when every
      // notice has finished, the JS library at the first failure, and a wait issued in between is
      // never woken in the extension (a failed notice would stop every later update).
      const stops = closed.happened ? [nextUpdate.task] : [nextUpdate.task, closed.task];
      // Each wait re-plans after a day: an update or a close whose event was lost is found in the record.
      if (notices.length > 0 && !closedInRecord) yield* anyBefore(context, [...stops, ...notices], replanAt(context));
      if (!nextUpdate.happened && !closed.happened && !closedInRecord) yield* anyBefore(context, [nextUpdate.task, closed.task], replanAt(context));
      // The notice workflows already started carry on (re-sends until acknowledged) on their own.
      if ((closed.happened || closedInRecord) && !nextUpdate.happened) {
        showPhase(context, BREACH_PHASES, 'closed', { tenants: tenants.length, latestNotice: after });
        return { outcome: 'closed' as const, notices: after + 1 };
      }
    }
  },
});
