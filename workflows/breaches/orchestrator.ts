// Breach notification, as the privacy notice promises it: the 72-hour clock (reminders to ops at 24,
// 48 and 66 hours and an escalation at 70 while the notices are unsent, raced against their release:
// the human interaction pattern), then a fan-out of one notice workflow per affected tenant for the
// initial notice and for every update, each re-sending its notice every 24 hours, at most three
// times, until the tenant acknowledges it. Inputs and outputs carry ids and instants only.
//
// Event waits are created once per thing awaited and re-yielded until they complete: a waiter that
// lost a race and was dropped would otherwise take the next event of its name (the library hands an
// event to the most recent waiter of that name, pending or not), and the wake-up would be lost.
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler, Task } from 'durable-functions';
import { ACKNOWLEDGE_EVENT, CLOSE_EVENT, noticeInstanceId, RELEASE_EVENT, updateEvent } from '../../shared/breaches/breach.js';
import { clockSchedule } from '../../shared/breaches/clock.js';
import { MAX_RESENDS, RESEND_AFTER_MS } from '../../shared/breaches/notice.js';
import type { DeliveryOutcome, NoticeRef } from '../../shared/breaches/notice-delivery.js';
import {
  BREACH_ACTIVITY_RETRY,
  breachNoticesDue,
  deliverBreachNotice,
  loadBreachPlan,
  resolveBreachTenants,
  sendBreachClockAlert,
  type BreachPlan,
  type BreachRef,
} from './activities.js';

/** Waits until `until` unless `event` completes first; the losing timer is cancelled. */
function* completedBefore(context: OrchestrationContext, event: Task, until: Date): Generator<Task, boolean, unknown> {
  if (event.isCompleted) return true;
  if (until.getTime() <= context.df.currentUtcDateTime.getTime()) return false;
  const deadline = context.df.createTimer(until);
  const winner = yield context.df.Task.any([event, deadline]);
  if (winner === event) {
    deadline.cancel();
    return true;
  }
  return false;
}

/** One tenant, one notice: send it, then re-send it every 24 hours until acknowledged, at most three times. */
const tenantBreachNotice: OrchestrationHandler = function* (context: OrchestrationContext) {
  const ref = context.df.getInput<NoticeRef>();
  const first = (yield deliverBreachNotice({ ...ref, attempt: 0 }).withRetry(BREACH_ACTIVITY_RETRY)) as DeliveryOutcome;
  if (first === 'skipped') return { outcome: 'skipped' };
  const acknowledged = context.df.waitForExternalEvent(ACKNOWLEDGE_EVENT);
  for (let attempt = 1; attempt <= MAX_RESENDS; attempt++) {
    const resendAt = new Date(context.df.currentUtcDateTime.getTime() + RESEND_AFTER_MS);
    if (yield* completedBefore(context, acknowledged, resendAt)) return { outcome: 'acknowledged', resends: attempt - 1 };
    const again = (yield deliverBreachNotice({ ...ref, attempt }).withRetry(BREACH_ACTIVITY_RETRY)) as DeliveryOutcome;
    if (again === 'acknowledged') return { outcome: 'acknowledged', resends: attempt - 1 };
    if (again === 'skipped') return { outcome: 'skipped', resends: attempt - 1 };
  }
  return { outcome: acknowledged.isCompleted ? 'acknowledged' : 'unacknowledged', resends: MAX_RESENDS };
};
export const TENANT_BREACH_NOTICE_ORCHESTRATOR = 'tenantBreachNotice';
export const tenantNotice = df.app.orchestration(TENANT_BREACH_NOTICE_ORCHESTRATOR, tenantBreachNotice);

const breachNotification: OrchestrationHandler = function* (context: OrchestrationContext) {
  const { breachId } = context.df.getInput<BreachRef>();
  const plan = (yield loadBreachPlan({ breachId }).withRetry(BREACH_ACTIVITY_RETRY)) as BreachPlan;

  // The 72-hour clock: while the breach is a draft, remind ops and then escalate, unless released first.
  if (!plan.released) {
    context.df.setCustomStatus({ phase: 'draft', notifyBy: plan.notifyBy });
    const release = context.df.waitForExternalEvent(RELEASE_EVENT);
    let released = false;
    for (const alert of clockSchedule(new Date(plan.awareAt), new Date(plan.openedAt))) {
      if (yield* completedBefore(context, release, alert.at)) {
        released = true;
        break;
      }
      if (((yield sendBreachClockAlert({ breachId, kind: alert.kind }).withRetry(BREACH_ACTIVITY_RETRY)) as 'sent' | 'released') === 'released') {
        released = true;
        break;
      }
    }
    // After the escalation only ops can move it on (a repeated release request wakes it again).
    if (!released && !release.isCompleted) yield release;
  }

  // Fan-out: the initial notice and then each update, one notice workflow per affected tenant.
  const tenants = (yield resolveBreachTenants({ breachId }).withRetry(BREACH_ACTIVITY_RETRY)) as string[];
  // Created once and re-yielded (see above): ops closing the breach ends the wait for updates.
  const closed = context.df.waitForExternalEvent(CLOSE_EVENT);
  let after = -1;
  for (;;) {
    const due = (yield breachNoticesDue({ breachId, after }).withRetry(BREACH_ACTIVITY_RETRY)) as { seqs: number[]; nextUpdate: number };
    const notices: Task[] = [];
    for (const seq of due.seqs) {
      for (const tenantId of tenants) notices.push(tenantNotice({ breachId, tenantId, seq }, noticeInstanceId(breachId, tenantId, seq)));
      after = seq;
    }
    context.df.setCustomStatus({ phase: 'notifying', tenants: tenants.length, latestNotice: after });
    const nextUpdate = context.df.waitForExternalEvent(updateEvent(due.nextUpdate));
    // Fan-in is not awaited before the next update: an update must not wait for acknowledgements.
    // A completed task is never yielded again inside a race: the extension would wait on it anew.
    const stops = closed.isCompleted ? [nextUpdate] : [nextUpdate, closed];
    if (notices.length > 0) yield context.df.Task.any([...stops, context.df.Task.all(notices)]);
    if (!nextUpdate.isCompleted && !closed.isCompleted) {
      context.df.setCustomStatus({ phase: 'awaiting-updates', tenants: tenants.length, latestNotice: after });
      yield context.df.Task.any([nextUpdate, closed]);
    }
    // The notice workflows already started carry on (re-sends until acknowledged) on their own.
    if (closed.isCompleted && !nextUpdate.isCompleted) {
      context.df.setCustomStatus({ phase: 'closed', tenants: tenants.length, latestNotice: after });
      return { outcome: 'closed', notices: after + 1 };
    }
  }
};
export const BREACH_ORCHESTRATOR = 'breachNotification';
df.app.orchestration(BREACH_ORCHESTRATOR, breachNotification);
