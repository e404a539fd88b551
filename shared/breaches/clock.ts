// The clock while notices are unsent: ops.breach are alerted when the internal notification target
// passes (BREACH_NOTIFY_TARGET, 24 hours after awareness by default: the processor must tell the
// controller without undue delay, Art 33(2)), reminded 48 and 66 hours after awareness, and the
// escalation contact is alerted at 70 hours, so the 72-hour promise never depends on someone
// remembering it. Pure: the workflow asks for the schedule and waits for each instant.

import { z } from 'zod';

const HOUR_MS = 3600_000;

/** The default internal target; the `notify-target` alert's `afterHours` is this default, the breach's own target moves it. */
export const DEFAULT_NOTIFY_TARGET_MS = 24 * HOUR_MS;

export const CLOCK_ALERTS = [
  { kind: 'notify-target', afterHours: 24, audience: 'ops' },
  { kind: 'reminder-48h', afterHours: 48, audience: 'ops' },
  { kind: 'reminder-66h', afterHours: 66, audience: 'ops' },
  { kind: 'escalation-70h', afterHours: 70, audience: 'escalation' },
] as const;

export const clockAlertKindSchema = z.enum([
  'notify-target',
  'reminder-48h',
  'reminder-66h',
  'escalation-70h',
] satisfies (typeof CLOCK_ALERTS)[number]['kind'][]);
export type ClockAlertKind = (typeof CLOCK_ALERTS)[number]['kind'];
export type ClockAudience = (typeof CLOCK_ALERTS)[number]['audience'];

export interface ScheduledAlert {
  kind: ClockAlertKind;
  audience: ClockAudience;
  /** Hours after awareness (for the target alert, the breach's own target). */
  afterHours: number;
  /** When it is due (UTC). */
  at: Date;
}

export function clockAlert(kind: ClockAlertKind): (typeof CLOCK_ALERTS)[number] {
  return CLOCK_ALERTS.find((a) => a.kind === kind)!;
}

/** When each alert of a breach is due: the target alert at its own target, the others fixed after awareness. */
export function alertDueAt(kind: ClockAlertKind, awareAt: Date, targetMs = DEFAULT_NOTIFY_TARGET_MS): Date {
  return new Date(awareAt.getTime() + (kind === 'notify-target' ? targetMs : clockAlert(kind).afterHours * HOUR_MS));
}

/**
 * The alerts still to come for a breach the vendor became aware of at `awareAt` and that was opened
 * (as a draft) at `openedAt`, with its internal target `targetMs` after awareness. Reminders already due when the breach is opened are not sent: the
 * person opening it is looking at the clock. The escalation is different: a breach still in draft
 * 70 hours after awareness needs someone senior now, so if it is already due it is sent at once
 * (at `openedAt`).
 */
export function clockSchedule(awareAt: Date, openedAt: Date, targetMs = DEFAULT_NOTIFY_TARGET_MS): ScheduledAlert[] {
  const alerts: ScheduledAlert[] = [];
  for (const alert of CLOCK_ALERTS) {
    const due = alertDueAt(alert.kind, awareAt, targetMs);
    if (due.getTime() > openedAt.getTime()) alerts.push({ ...alert, afterHours: (due.getTime() - awareAt.getTime()) / HOUR_MS, at: due });
    else if (alert.audience === 'escalation') alerts.push({ ...alert, at: new Date(openedAt.getTime()) });
  }
  // A target set past 48 hours comes after the 48-hour reminder: the workflow waits for each in turn.
  return alerts.sort((a, b) => a.at.getTime() - b.at.getTime());
}
