// Breach notification, as the privacy notice promises it: the 72-hour clock (the internal target
// alert, reminders to ops at 48 and 66 hours and an escalation at 70 while the notices are unsent,
// raced against their release: the human interaction pattern), then a fan-out of one notice workflow
// per affected tenant (and per tenant added by an update) for the initial notice and for every
// update, through a tree of bounded fan-out nodes (workflows/kit/fan-out.ts: no history grows with the
// number of tenants), each notice workflow re-sending its notice every 24 hours, at most three times, until the tenant
// acknowledges it; ops are alerted when one stays unacknowledged 24 hours after its last re-send. Inputs and outputs carry ids and instants only. Event
// waiters follow the kit's rule (workflows/kit/events.ts): one per event name, kept until it fires.
import { z } from 'zod';
import type { Task } from 'durable-functions';
import {
  anyBefore,
  caller,
  defineFanOut,
  defineOrchestration,
  eventBefore,
  EventWaiter,
  replanAt,
  showPhase,
  startOrchestration,
  type FanOutShape,
} from '../kit/index.js';
import { ACKNOWLEDGE_EVENT, BREACH_PHASES, CLOSE_EVENT, noticeInstanceId, RELEASE_EVENT, updateEvent } from '../../shared/breaches/breach.js';
import { clockSchedule } from '../../shared/breaches/clock.js';
import { MAX_RESENDS, RESEND_AFTER_MS } from '../../shared/breaches/notice.js';
import {
  alertUnacknowledgedNotice,
  breachNoticesDue,
  breachRefSchema,
  deliverBreachNotice,
  loadPlan,
  noticeRefSchema,
  resolveBreachTenants,
  sendBreachClockAlert,
} from './activities.js';
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
    // The last re-send gets its 24 hours too; then ops are told once (the register shows it).
    const lastChance = new Date(context.df.currentUtcDateTime.getTime() + RESEND_AFTER_MS);
    if (yield* eventBefore(context, acknowledged, lastChance)) return { outcome: 'acknowledged' as const, resends: MAX_RESENDS };
    const alerted = yield* call(alertUnacknowledgedNotice, ref);
    return { outcome: alerted === 'acknowledged' ? ('acknowledged' as const) : ('unacknowledged' as const), resends: MAX_RESENDS };
  },
});

/**
 * A leaf starts 50 notice workflows, a node above at most 20 nodes: about 200 history events per
 * instance at most (each child adds its creation and, on completion, an episode of three events);
 * 10,000 tenants make a tree of 1 + 20 + 200 nodes.
 */
export const BREACH_NOTICE_FAN_OUT: FanOutShape = { leafSize: 50, branching: 20 };

export const noticeFanOut = defineFanOut('breachNoticeFanOut', {
  item: noticeRefSchema,
  shape: BREACH_NOTICE_FAN_OUT,
  start: (context, ref) => startOrchestration(context, tenantNotice, ref, noticeInstanceId(ref.breachId, ref.tenantId, ref.seq)),
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
    const closedUnnotified = (): { outcome: 'closed'; notices: number } => {
      showPhase(context, BREACH_PHASES, 'closed', { notifiable: false });
      return { outcome: 'closed' as const, notices: 0 };
    };
    if (plan.closed) return closedUnnotified();

    // The 72-hour clock: while the breach is a draft, alert ops at the target, remind them and then
    // escalate, unless released (or closed as not notifiable) first.
    if (!plan.released) {
      showPhase(context, BREACH_PHASES, 'draft', { notifyBy: plan.notifyBy });
      let released = false;
      let closedInRecord = false;
      // An alert can be due more than a day ahead (awareness given a little in the future, within the
      // clock-skew tolerance, or a target set past 24 hours): the record is re-read between the slices.
      const releasedOrClosed = function* (): Generator<Task, boolean, unknown> {
        const again = yield* call(loadPlan, { breachId });
        closedInRecord = again.closed;
        return again.released || again.closed;
      };
      for (const alert of clockSchedule(new Date(plan.awareAt), new Date(plan.openedAt), plan.notifyTargetMs)) {
        if (yield* eventBefore(context, release, alert.at, releasedOrClosed)) {
          if (closedInRecord && !release.happened) return closedUnnotified();
          released = true;
          break;
        }
        if (closed.happened) return closedUnnotified();
        const sent = yield* call(sendBreachClockAlert, { breachId, kind: alert.kind });
        if (sent === 'closed') return closedUnnotified();
        if (sent === 'released') {
          released = true;
          break;
        }
      }
      // After the escalation only ops can move it on (release, or close as not notifiable); the record
      // is re-read daily in case an event was lost.
      while (!released && !closed.happened) {
        if (yield* anyBefore(context, [release.task, closed.task], replanAt(context))) {
          released = release.happened;
          break;
        }
        const again = yield* call(loadPlan, { breachId });
        if (again.closed) return closedUnnotified();
        released = again.released;
      }
      if (closed.happened && !release.happened) return closedUnnotified();
    }

    // Fan-out: the initial notice and then each update, one notice workflow per affected tenant.
    const tenants = yield* call(resolveBreachTenants, { breachId });
    let after = -1;
    let nextUpdate: EventWaiter | undefined;
    for (let round = 0; ; round++) {
      const due = yield* call(breachNoticesDue, { breachId, after });
      const refs: { breachId: string; tenantId: string; seq: number }[] = [];
      for (const seq of due.seqs) {
        for (const tenantId of tenants) refs.push({ breachId, tenantId, seq });
        after = seq;
      }
      for (const { tenantId, seq } of due.added) refs.push({ breachId, tenantId, seq });
      // One fan-out tree per round of notices: this history holds one child per round, not per tenant.
      const notices: Task[] = refs.length > 0 ? [startOrchestration(context, noticeFanOut, { items: refs }, `${context.df.instanceId}:notices-${round}`)] : [];
      showPhase(context, BREACH_PHASES, 'notifying', { tenants: tenants.length, latestNotice: after });
      // One name per update, so each waiter is awaited once (kept while still pending after a re-plan).
      if (!nextUpdate || nextUpdate.happened || nextUpdate.name !== updateEvent(due.nextUpdate))
        nextUpdate = new EventWaiter(context, updateEvent(due.nextUpdate));
      const closedInRecord = due.closed === true;
      // Fan-in is not awaited before the next update: an update must not wait for acknowledgements.
      // A completed task is never yielded again inside a race: the extension would wait on it anew.
      // The round's tree races on its own, not inside a Task.all: the extension ends a Task.all only
      // when every task has finished, the JS library at the first failure, and a wait issued in
      // between is never woken in the extension (a failed notice would stop every later update).
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
