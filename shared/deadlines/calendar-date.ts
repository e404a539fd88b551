// A calendar date without a time or a zone ("2024-12-27"), and the arithmetic statutory periods need:
// days, months with the month-end clamp, weekdays. Proleptic Gregorian, years 0001-9999, no Date.

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
const MIN_EPOCH_DAY = -719162; // 0001-01-01
const MAX_EPOCH_DAY = 2932896; // 9999-12-31

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
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

// Days since 1970-01-01 and back (Howard Hinnant's days_from_civil / civil_from_days): exact integer
// arithmetic, independent of the host's time zone and of Date's two-digit-year quirks.
function toEpochDay({ year, month, day }: DateParts): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function fromEpochDay(epochDay: number): CalendarDate {
  if (epochDay < MIN_EPOCH_DAY || epochDay > MAX_EPOCH_DAY) {
    throw new InvalidDateError(String(epochDay), 'date arithmetic left the years 0001-9999');
  }
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return calendarDateFromParts(year, month, day);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  if (!Number.isInteger(days)) throw new RangeError(`addDays needs a whole number of days, got ${days}`);
  return fromEpochDay(toEpochDay(partsOf(date)) + days);
}

/**
 * The corresponding calendar date `months` later; when that month is shorter (31 Jan + 1 month), the
 * last day of that month (28 or 29 Feb). Always counted from the original date, never month by month,
 * so 31 Jan + 3 months is 30 Apr (not 28 Apr via February).
 */
export function addMonthsClamped(date: CalendarDate, months: number): CalendarDate {
  if (!Number.isInteger(months)) throw new RangeError(`addMonthsClamped needs whole months, got ${months}`);
  const { year, month, day } = partsOf(date);
  const monthIndex = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex - targetYear * 12 + 1;
  return calendarDateFromParts(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toEpochDay(partsOf(to)) - toEpochDay(partsOf(from));
}

export function compareDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  // Fixed-width ISO strings order the same way as the dates they name.
  return a < b ? -1 : a > b ? 1 : 0;
}

export function latestOf(first: CalendarDate, ...rest: readonly CalendarDate[]): CalendarDate {
  return rest.reduce((latest, date) => (date > latest ? date : latest), first);
}

export function isoWeekday(date: CalendarDate): IsoWeekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((toEpochDay(partsOf(date)) + 3) % 7) + 7) % 7 + 1) as IsoWeekday;
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
