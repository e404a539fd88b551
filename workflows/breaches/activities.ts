// The activities of breach notification: thin calls into shared/breaches. Each is idempotent (keyed
// by the breach, the tenant, the notice and the attempt), because activities run at least once.
// Inputs and results are ids, numbers and instants only: never a contact or any personal data.
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getServices } from '../../shared/composition.js';
import { noticeSeqsDue } from '../../shared/breaches/breach.js';
import { BreachStore } from '../../shared/breaches/breach-store.js';
import { resolveAffectedTenants } from '../../shared/breaches/affected-tenants.js';
import { sendClockAlert } from '../../shared/breaches/clock-alerts.js';
import { escalateIfNoticesLate } from '../../shared/breaches/notice-capacity.js';
import type { ClockAlertKind } from '../../shared/breaches/clock.js';
import { deliverNotice, type DeliveryOutcome, type NoticeRef } from '../../shared/breaches/notice-delivery.js';

export interface BreachRef {
  breachId: string;
}

export interface BreachPlan {
  awareAt: string;
  openedAt: string;
  notifyBy: string;
  released: boolean;
}

/** Transient faults (throttling, a store or mail service hiccup) are retried with backoff. */
export const BREACH_ACTIVITY_RETRY = Object.assign(new df.RetryOptions(5_000, 8), { backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 5 * 60_000 });

const now = (): Date => getServices().clock.now();

async function breach(ref: BreachRef) {
  const doc = await (await BreachStore.open(getServices())).read(ref.breachId);
  if (!doc) throw new Error(`no breach ${ref.breachId}`);
  return doc;
}

export const loadBreachPlan = df.app.activity('breachLoadPlan', {
  handler: async (ref: BreachRef): Promise<BreachPlan> => {
    const doc = await breach(ref);
    return { awareAt: doc.awareAt, openedAt: doc.openedAt, notifyBy: doc.notifyBy, released: doc.release !== undefined };
  },
});

export const sendBreachClockAlert = df.app.activity('breachClockAlert', {
  handler: (input: BreachRef & { kind: ClockAlertKind }): Promise<'sent' | 'released'> => sendClockAlert(getServices(), input.breachId, input.kind, now()),
});

/** The tenants to notify; before the fan-out starts, ops are escalated at once if the email quota cannot send every notice by notifyBy. */
export const resolveBreachTenants = df.app.activity('breachResolveTenants', {
  handler: async (ref: BreachRef): Promise<string[]> => {
    const tenants = await resolveAffectedTenants(getServices(), ref.breachId, now());
    await escalateIfNoticesLate(getServices(), ref.breachId, tenants, now());
    return tenants;
  },
});

/** The notices due after `after` (the initial one, then one per update), and the next update to wait for. */
export const breachNoticesDue = df.app.activity('breachNoticesDue', {
  handler: async (input: BreachRef & { after: number }): Promise<{ seqs: number[]; nextUpdate: number }> => {
    const doc = await breach(input);
    return { seqs: noticeSeqsDue(doc, input.after), nextUpdate: doc.updates.length + 1 };
  },
});

export const deliverBreachNotice = df.app.activity('breachDeliverNotice', {
  handler: (input: NoticeRef & { attempt: number }, context: InvocationContext): Promise<DeliveryOutcome> =>
    deliverNotice(getServices(), input, { now: now(), requestId: `${context.invocationId}:breach-notice` }),
});
