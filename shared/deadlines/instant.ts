// Instants (a point on the UTC time line) as the module accepts them, and the calendar date an instant
// falls on in a given IANA time zone. Uses Intl (full ICU), so daylight saving is the zone's own.

import { calendarDateFromParts, type CalendarDate } from './calendar-date.js';
import { InvalidDateError } from './errors.js';

/** A Date, or an ISO 8601 date-time string with an explicit offset ("Z" or "+01:00"). */
export type Instant = Date | string;

// A local date-time without an offset would be read in the host's zone: ambiguous, so refused.
const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

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
  const [, year, month, day, hour, minute, second = '00', fraction = '', zone = '', offsetHours, offsetMinutes] =
    match;
  calendarDateFromParts(Number(year), Number(month), Number(day)); // rejects 2025-02-29 and friends
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new InvalidDateError(instant, 'time of day out of range');
  }
  if (offsetHours !== undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) {
    throw new InvalidDateError(instant, 'UTC offset out of range');
  }
  const millis = fraction === '' ? '' : fraction.slice(0, 4).padEnd(4, '0'); // ".123456" -> ".123": Date keeps ms
  const normalised = `${year}-${month}-${day}T${hour}:${minute}:${second}${millis}${zone.toUpperCase()}`;
  const parsed = new Date(normalised);
  if (Number.isNaN(parsed.getTime())) throw new InvalidDateError(instant, 'not a valid instant');
  return parsed;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date that `instant` falls on in `timeZone` (23:30Z on 31 March is 1 April in Berlin). */
export function calendarDateInZone(instant: Instant, timeZone: string): CalendarDate {
  const date = parseInstant(instant);
  const parts = formatterFor(timeZone).formatToParts(date);
  const part = (type: 'era' | 'year' | 'month' | 'day'): string => parts.find((p) => p.type === type)?.value ?? '';
  // Before 1 AD the formatter counts years backwards ("1 BC"); nothing a deadline can be about.
  if (part('era') !== 'AD') throw new InvalidDateError(String(date.getTime()), 'instant outside the years 0001-9999');
  return calendarDateFromParts(Number(part('year')), Number(part('month')), Number(part('day')));
}
