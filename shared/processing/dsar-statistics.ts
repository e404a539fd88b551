// DSAR statistics for the evidence pack (DPA §8 assistance with data-subject rights): per request
// type, how many were received, answered on time, extended, answered late or overdue, still open,
// and cancelled. "On time" is judged in the jurisdiction's own calendar, against the deadline in
// force (the extended one when extended). Pure.
import { calendarDateIn, type CalendarDate, type Jurisdiction } from '../deadlines/index.js';
import { DSAR_TYPES, type DsarType } from '../dsars/dsar.js';
import type { DsarStatus } from '../dsars/lifecycle.js';

/** The few facts of a request the statistics need. */
export interface DsarFacts {
  requestType: DsarType;
  status: DsarStatus;
  jurisdiction: Jurisdiction;
  extended: boolean;
  dueOn: CalendarDate;
  closedAt?: string;
}

export interface DsarTypeStatistics {
  received: number;
  answeredOnTime: number;
  answeredLate: number;
  extended: number;
  openWithinDeadline: number;
  openOverdue: number;
  cancelled: number;
}

const ANSWERED: ReadonlySet<DsarStatus> = new Set(['completed', 'refused']);

export function dsarStatistics(requests: readonly DsarFacts[], now: Date): { total: DsarTypeStatistics; byType: Record<DsarType, DsarTypeStatistics> } {
  const empty = (): DsarTypeStatistics => ({
    received: 0,
    answeredOnTime: 0,
    answeredLate: 0,
    extended: 0,
    openWithinDeadline: 0,
    openOverdue: 0,
    cancelled: 0,
  });
  const byType = Object.fromEntries(DSAR_TYPES.map((t) => [t, empty()])) as Record<DsarType, DsarTypeStatistics>;
  const total = empty();
  for (const r of requests) {
    for (const s of [byType[r.requestType], total]) {
      s.received++;
      if (r.extended) s.extended++;
      if (r.status === 'cancelled') s.cancelled++;
      else if (ANSWERED.has(r.status)) {
        const answeredOn = calendarDateIn(r.closedAt ?? now.toISOString(), r.jurisdiction);
        if (answeredOn <= r.dueOn) s.answeredOnTime++;
        else s.answeredLate++;
      } else if (calendarDateIn(now, r.jurisdiction) <= r.dueOn) s.openWithinDeadline++;
      else s.openOverdue++;
    }
  }
  return { total, byType };
}
