// The 72-hour clock while notices are unsent: ops.breach are reminded 24, 48 and 66 hours after
// awareness and the escalation contact is alerted at 70 hours, so the deadline never depends on
// someone remembering it. Pure: the workflow asks for the schedule and waits for each instant.

import { z } from 'zod';

const HOUR_MS = 3600_000;

export const CLOCK_ALERTS = [
  { kind: 'reminder-24h', afterHours: 24, audience: 'ops' },
  { kind: 'reminder-48h', afterHours: 48, audience: 'ops' },
  { kind: 'reminder-66h', afterHours: 66, audience: 'ops' },
  { kind: 'escalation-70h', afterHours: 70, audience: 'escalation' },
] as const;

export const clockAlertKindSchema = z.enum(['reminder-24h', 'reminder-48h', 'reminder-66h', 'escalation-70h'] satisfies (typeof CLOCK_ALERTS)[number]['kind'][]);
export type ClockAlertKind = (typeof CLOCK_ALERTS)[number]['kind'];
export type ClockAudience = (typeof CLOCK_ALERTS)[number]['audience'];

export interface ScheduledAlert {
  kind: ClockAlertKind;
  audience: ClockAudience;
  afterHours: number;
  /** When it is due (UTC). */
  at: Date;
}

export function clockAlert(kind: ClockAlertKind): (typeof CLOCK_ALERTS)[number] {
  return CLOCK_ALERTS.find((a) => a.kind === kind)!;
}

/**
 * The alerts still to come for a breach the vendor became aware of at `awareAt` and that was opened
 * (as a draft) at `openedAt`. Reminders already due when the breach is opened are not sent: the
 * person opening it is looking at the clock. The escalation is different: a breach still in draft
 * 70 hours after awareness needs someone senior now, so if it is already due it is sent at once
 * (at `openedAt`).
 */
export function clockSchedule(awareAt: Date, openedAt: Date): ScheduledAlert[] {
  const alerts: ScheduledAlert[] = [];
  for (const alert of CLOCK_ALERTS) {
    const due = new Date(awareAt.getTime() + alert.afterHours * HOUR_MS);
    if (due.getTime() > openedAt.getTime()) alerts.push({ ...alert, at: due });
    else if (alert.audience === 'escalation') alerts.push({ ...alert, at: new Date(openedAt.getTime()) });
  }
  return alerts;
}
