// When a data-subject request's workflow acts, as pure functions: the deadline in force (from the
// deadline module, recomputed whenever its inputs change), the reminder and escalation instants
// for it, and what the workflow should do next. No I/O; the orchestration gets the plan through an
// activity and only waits and calls.
//
// Due dates are calendar dates in the jurisdiction's own zone (Europe/London for the UK nations, the
// capital's zone for an EU/EEA state), and a request is answered in time if it is answered by the end
// of its due date there. So the instants are chosen in that zone, daylight saving included:
//  - reminder 7 days before: 09:00 local time on dueOn - 7 days, or the working day before it;
//  - reminder 1 day before:  09:00 local time on the last working day before dueOn (never a
//    Sunday or a bank holiday of the jurisdiction, when nobody reads it);
//  - escalation:             00:00 local time on dueOn + 1 day (the first moment the deadline has passed).
// The due date is `extendedDueOn` once extended (the deadline module's `dueOn`).
// While the request waits on the person (identity evidence, or a clarification), no reminder or
// escalation is planned; instead it is closed as not verified once the period allowed for the answer
// (DSAR_UNVERIFIED_CLOSE_AFTER, one month by default, from the day it was asked) has passed.
import { z } from 'zod';
import type { UnverifiedCloseAfter } from '../config.js';
import {
  addDays,
  addMonthsClamped,
  calendarDateIn,
  dsarDeadline,
  DeadlineError,
  instantAtLocalTime,
  isWorkingDay,
  type CalendarDate,
  type DsarDeadline,
  type Jurisdiction,
} from '../deadlines/index.js';
import { UnprocessableError } from '../errors.js';
import type { DsarClock, DsarDoc } from './dsar.js';
import { AWAITING, clockRuns, DSAR_STATUSES, isOpen } from './lifecycle.js';

export const REMINDER_LOCAL_TIME = { hour: 9, minute: 0 } as const;

/** The deadline for the request's clock; the module's refusals (a pause it does not allow) are 422s with its code. */
export function computeDeadline(clock: DsarClock): DsarDeadline {
  try {
    return dsarDeadline({
      receivedAt: clock.receivedAt,
      jurisdiction: clock.jurisdiction,
      ...(clock.identityEvidenceReceivedAt ? { identityEvidenceReceivedAt: clock.identityEvidenceReceivedAt } : {}),
      ...(clock.agentAuthorityReceivedAt ? { agentAuthorityReceivedAt: clock.agentAuthorityReceivedAt } : {}),
      ...(clock.feeReceivedAt ? { feeReceivedAt: clock.feeReceivedAt } : {}),
      ...(clock.clarificationPauses.length > 0 ? { clarificationPauses: clock.clarificationPauses } : {}),
      ...(clock.extended ? { extended: true } : {}),
    });
  } catch (error) {
    if (error instanceof DeadlineError) throw new UnprocessableError(error.code, error.message);
    throw error;
  }
}

/** The instant at which the wall clock in `timeZone` shows `hour:minute` on `date` (the times used here exist on every day in every supported zone). */
export const zonedInstant = instantAtLocalTime;

export const deadlineStepSchema = z.object({
  kind: z.enum(['reminder-7d', 'reminder-1d', 'escalation', 'close-unverified']),
  /** ISO instant (UTC). */
  at: z.string(),
  dueOn: z.string(),
});
export type DeadlineStep = z.infer<typeof deadlineStepSchema>;

/** `date`, or the last working day of the jurisdiction before it. */
export function workingDayOnOrBefore(date: CalendarDate, jurisdiction: Jurisdiction): CalendarDate {
  let day = date;
  while (!isWorkingDay(day, jurisdiction)) day = addDays(day, -1);
  return day;
}

/** The reminders and the escalation for the deadline in force, in time order. */
export function deadlineSteps(deadline: Pick<DsarDeadline, 'dueOn' | 'timeZone' | 'jurisdiction'>): DeadlineStep[] {
  const { dueOn, timeZone, jurisdiction } = deadline;
  const at = (date: CalendarDate, hour: number, minute: number): string => zonedInstant(date, hour, minute, timeZone).toISOString();
  const reminderOn = (daysBefore: number): string =>
    at(workingDayOnOrBefore(addDays(dueOn, -daysBefore), jurisdiction), REMINDER_LOCAL_TIME.hour, REMINDER_LOCAL_TIME.minute);
  return [
    { kind: 'reminder-7d', at: reminderOn(7), dueOn },
    { kind: 'reminder-1d', at: reminderOn(1), dueOn },
    { kind: 'escalation', at: at(addDays(dueOn, 1), 0, 0), dueOn },
  ];
}

/**
 * When a request waiting on the person since `since` is closed as not verified: the first moment
 * after the last day of the period allowed (from the day it was asked, in the jurisdiction's
 * calendar). `dueOn` names that last day, so the step is keyed by the wait it ends.
 */
export function unverifiedClosure(since: string, jurisdiction: Jurisdiction, timeZone: string, after: UnverifiedCloseAfter): DeadlineStep {
  const askedOn = calendarDateIn(since, jurisdiction);
  const lastDay = after.months !== undefined ? addMonthsClamped(askedOn, after.months) : addDays(askedOn, after.days);
  return { kind: 'close-unverified', at: zonedInstant(addDays(lastDay, 1), 0, 0, timeZone).toISOString(), dueOn: lastDay };
}

/** Since when the request has been waiting on the person (identity asked for at intake: since its receipt). */
export function awaitingSince(doc: Pick<DsarDoc, 'awaiting' | 'clock' | 'recordedAt'>): string {
  return doc.awaiting?.since ?? doc.clock.receivedAt;
}

export const stepKey = (step: { kind: string; dueOn?: string }): string => `${step.kind}@${step.dueOn ?? ''}`;

/**
 * The next step still to take at `now`. A step already taken is skipped, and so is a step whose
 * moment was overtaken by a later one (a request recorded late, or a deadline moved): only the
 * most urgent overdue step is taken, never a burst of stale reminders.
 */
export function nextStep(steps: readonly DeadlineStep[], done: ReadonlySet<string>, now: Date): DeadlineStep | undefined {
  const nowMs = now.getTime();
  return steps.find((step, i) => !done.has(stepKey(step)) && !steps.slice(i + 1).some((later) => Date.parse(later.at) <= nowMs));
}

export const dsarPlanSchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('closed'), status: z.enum(DSAR_STATUSES) }),
  z.object({ phase: z.literal('forward') }),
  z.object({ phase: z.literal('fulfil') }),
  z.object({ phase: z.literal('awaiting-identity') }),
  z.object({ phase: z.literal('running'), status: z.enum(DSAR_STATUSES), dueOn: z.string(), next: deadlineStepSchema.optional() }),
]);
export type DsarPlan = z.infer<typeof dsarPlanSchema>;

/**
 * What the workflow does next for this request. While it waits on the person, the one step planned
 * is its closure as not verified (the workflow waits for it like any other step, raced against the
 * request's changes).
 */
export function planOf(
  doc: Pick<DsarDoc, 'status' | 'receivedBy' | 'notices' | 'fulfilment' | 'deadline' | 'awaiting' | 'clock' | 'recordedAt'>,
  now: Date,
  closeAfter: UnverifiedCloseAfter = { months: 1 },
): DsarPlan {
  if (!isOpen(doc.status)) return { phase: 'closed', status: doc.status };
  if (doc.receivedBy === 'vendor' && !doc.notices.some((n) => n.kind === 'forwarded')) return { phase: 'forward' };
  if (doc.fulfilment?.state === 'requested') return { phase: 'fulfil' };
  const done = new Set(doc.notices.map(stepKey));
  if (AWAITING.has(doc.status)) {
    const closure = unverifiedClosure(awaitingSince(doc), doc.deadline.jurisdiction, doc.deadline.timeZone, closeAfter);
    return { phase: 'running', status: doc.status, dueOn: doc.deadline.dueOn, ...(done.has(stepKey(closure)) ? {} : { next: closure }) };
  }
  if (!clockRuns(doc.status)) return { phase: 'awaiting-identity' };
  const next = nextStep(deadlineSteps(doc.deadline), done, now);
  return { phase: 'running', status: doc.status, dueOn: doc.deadline.dueOn, ...(next ? { next } : {}) };
}
