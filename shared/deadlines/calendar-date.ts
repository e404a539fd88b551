// A calendar date without a time or a zone ("2024-12-27"), and the arithmetic statutory periods need:
// days, months with the month-end clamp, weekdays. The arithmetic is Luxon's (on UTC dates, where no
// daylight saving applies); this module adds the strict parsing and the years 0001-9999 bounds.

import { DateTime } from 'luxon';
import { InvalidDateError } from './errors.js';

/** An ISO 8601 calendar date, YYYY-MM-DD. A branded string, so it stores and serialises as itself. */
export type CalendarDate = string & { readonly __brand: 'CalendarDate' };

export interface DateParts {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isLeapYear(year: number): boolean {
  return DateTime.utc(year).isInLeapYear;
}

export function daysInMonth(year: number, month: number): number {
  return DateTime.utc(year, month).daysInMonth ?? 0;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Builds a date from its parts; throws InvalidDateError for an impossible date such as 2025-02-29. */
export function calendarDateFromParts(year: number, month: number, day: number): CalendarDate {
  const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) {
    throw new InvalidDateError(text, 'year, month and day must be integers');
  }
  if (year < 1 || year > 9999) throw new InvalidDateError(text, 'year must be between 0001 and 9999');
  if (month < 1 || month > 12) throw new InvalidDateError(text, 'month must be between 01 and 12');
  if (day < 1 || day > daysInMonth(year, month)) {
    throw new InvalidDateError(text, `${pad(year, 4)}-${pad(month, 2)} has ${daysInMonth(year, month)} days`);
  }
  return text as CalendarDate;
}

/** Parses "YYYY-MM-DD" strictly (no time, no zone, no rollover of impossible dates). */
export function parseCalendarDate(text: string): CalendarDate {
  if (typeof text !== 'string') throw new InvalidDateError(String(text), 'expected a YYYY-MM-DD string');
  const match = DATE_PATTERN.exec(text);
  if (!match) throw new InvalidDateError(text, 'expected a calendar date in the form YYYY-MM-DD');
  return calendarDateFromParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

export function isCalendarDate(text: unknown): text is CalendarDate {
  if (typeof text !== 'string') return false;
  try {
    parseCalendarDate(text);
    return true;
  } catch {
    return false;
  }
}

export function partsOf(date: CalendarDate): DateParts {
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

/** The date as a Luxon date at midnight UTC (a zone without daylight saving, so days are 24 hours). */
function toDateTime(date: CalendarDate): DateTime {
  const { year, month, day } = partsOf(date);
  return DateTime.utc(year, month, day);
}

function fromDateTime(value: DateTime): CalendarDate {
  if (!value.isValid || value.year < 1 || value.year > 9999) {
    throw new InvalidDateError(value.isValid ? value.toISODate() ?? 'out of range' : 'invalid', 'date arithmetic left the years 0001-9999');
  }
  return calendarDateFromParts(value.year, value.month, value.day);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (!Number.isInteger(days)) throw new RangeError(`addDays needs a whole number of days, got ${days}`);
  return fromDateTime(toDateTime(date).plus({ days }));
}

/**
 * The corresponding calendar date `months` later; when that month is shorter (31 Jan + 1 month), the
 * last day of that month (28 or 29 Feb). Always counted from the original date, never month by month,
 * so 31 Jan + 3 months is 30 Apr (not 28 Apr via February). Luxon's month addition does exactly this.
 */
export function addMonthsClamped(date: CalendarDate, months: number): CalendarDate {
  if (!Number.isInteger(months)) throw new RangeError(`addMonthsClamped needs whole months, got ${months}`);
  return fromDateTime(toDateTime(date).plus({ months }));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round(toDateTime(to).diff(toDateTime(from), 'days').days);
}

export function compareDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  // Fixed-width ISO strings order the same way as the dates they name.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function latestOf(first: CalendarDate, ...rest: readonly CalendarDate[]): CalendarDate {
  return rest.reduce((latest, date) => (date > latest ? date : latest), first);
}

const ISO_WEEKDAYS: readonly IsoWeekday[] = [1, 2, 3, 4, 5, 6, 7];

export function isoWeekday(date: CalendarDate): IsoWeekday {
  return ISO_WEEKDAYS[toDateTime(date).weekday - 1]!;
}

const WEEKDAY_NAMES = {
  1: 'Monday',
  2: 'Tuesday',
  3: 'Wednesday',
  4: 'Thursday',
  5: 'Friday',
  6: 'Saturday',
  7: 'Sunday',
} as const satisfies Record<IsoWeekday, string>;

export type WeekdayName = (typeof WEEKDAY_NAMES)[IsoWeekday];

export function weekdayName(date: CalendarDate): WeekdayName {
  return WEEKDAY_NAMES[isoWeekday(date)];
}
