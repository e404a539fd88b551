// Instants (a point on the UTC time line) as the module accepts them, and the calendar date an instant
// falls on in a given IANA time zone (Luxon, on the platform's full ICU: daylight saving is the zone's own).

import { DateTime } from 'luxon';
import { calendarDateFromParts, type CalendarDate } from './calendar-date.js';
import { InvalidDateError } from './errors.js';

/** A Date, or an ISO 8601 date-time string with an explicit offset ("Z" or "+01:00"). */
export type Instant = Date | string;

// A local date-time without an offset would be read in the host's zone: ambiguous, so refused. The
// shape is checked here (Luxon's ISO parser accepts more, such as bare dates); the values by Luxon.
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

export function parseInstant(instant: Instant): Date {
  if (instant instanceof Date) {
    if (Number.isNaN(instant.getTime())) throw new InvalidDateError('Invalid Date', 'the Date object is invalid');
    return instant;
  }
  if (typeof instant !== 'string') {
    throw new InvalidDateError(String(instant), 'expected a Date or an ISO 8601 date-time string');
  }
  const match = INSTANT_PATTERN.exec(instant);
  if (!match) {
    throw new InvalidDateError(
      instant,
      'expected an ISO 8601 date-time with an offset, such as 2024-11-25T09:30:00Z or 2024-11-25T09:30:00+01:00',
    );
  }
  const [, hour, minute, second = '00', offsetHours, offsetMinutes] = match;
  // ISO 8601 allows 24:00 for the end of a day, and Luxon reads it so; an instant here never needs it.
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) throw new InvalidDateError(instant, 'time of day out of range');
  if (offsetHours !== undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) {
    throw new InvalidDateError(instant, 'UTC offset out of range');
  }
  const parsed = DateTime.fromISO(instant.toUpperCase(), { setZone: true });
  // Luxon refuses impossible dates (2025-02-29) and times (24:00, a 60th second) instead of rolling them over.
  if (!parsed.isValid) throw new InvalidDateError(instant, parsed.invalidExplanation ?? 'not a valid instant');
  return parsed.toJSDate();
}

/** The calendar date that `instant` falls on in `timeZone` (23:30Z on 31 March is 1 April in Berlin). */
export function calendarDateInZone(instant: Instant, timeZone: string): CalendarDate {
  const local = DateTime.fromJSDate(parseInstant(instant), { zone: timeZone });
  if (!local.isValid) throw new InvalidDateError(String(instant), local.invalidExplanation ?? `unknown time zone ${timeZone}`);
  // Before 1 AD nothing a deadline can be about.
  if (local.year < 1) throw new InvalidDateError(String(parseInstant(instant).getTime()), 'instant outside the years 0001-9999');
  return calendarDateFromParts(local.year, local.month, local.day);
}

/**
 * The instant at which the wall clock in `timeZone` shows `hour:minute` on `date`, daylight saving
 * included. A local time that does not exist (inside a spring-forward gap) moves forward by the gap.
 */
export function instantAtLocalTime(date: CalendarDate, hour: number, minute: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const local = DateTime.fromObject({ year, month, day, hour, minute }, { zone: timeZone });
  if (!local.isValid) throw new InvalidDateError(`${date} ${hour}:${minute}`, local.invalidExplanation ?? `unknown time zone ${timeZone}`);
  return local.toJSDate();
}

/** An instant as UTC and as the local time in `timeZone` with its offset: `…Z (2026-03-31 10:00 Europe/London, UTC+01:00)`. */
export function describeInstant(instant: Instant, timeZone: string): string {
  const utc = parseInstant(instant);
  const local = DateTime.fromJSDate(utc, { zone: timeZone });
  return `${utc.toISOString()} (${local.toFormat('yyyy-MM-dd HH:mm')} ${timeZone}, UTC${local.toFormat('ZZ')})`;
}
