// Public holidays per jurisdiction, read from the date-holidays library (type 'public' only: no bank-only,
// optional or observance days), indexed by calendar date. The library's data is the source of truth.

import { createRequire } from 'node:module';
import type Holidays from 'date-holidays';
import type { HolidaysTypes } from 'date-holidays';
import { addDays, calendarDateFromParts, parseCalendarDate, partsOf, type CalendarDate } from './calendar-date.js';
import { jurisdictionInfo, type Jurisdiction } from './jurisdictions.js';

const MINUTES_PER_DAY = 24 * 60;
// A day whose clocks go forward has 23 hours; a holiday covering it is still a whole-day holiday.
const DAYLIGHT_SAVING_SLACK_MINUTES = 60;

// The library and its time-zone data (about 2 MB of code) load when the first holiday is looked up,
// not when the app starts: synchronously, as deadline arithmetic is synchronous (orchestrators replay
// it), through Node's `require`, which the production bundle leaves to the installed package.
const requireAtRunTime = createRequire(import.meta.url);
let library: typeof Holidays | undefined;
const holidaysLibrary = (): typeof Holidays => (library ??= requireAtRunTime('date-holidays') as typeof Holidays);

const calendars = new Map<Jurisdiction, Holidays>();
const byYear = new Map<string, ReadonlyMap<CalendarDate, readonly string[]>>();

function calendarFor(jurisdiction: Jurisdiction): Holidays {
  let calendar = calendars.get(jurisdiction);
  if (!calendar) {
    const { country, state } = jurisdictionInfo(jurisdiction).holidayCalendar;
    const options = { types: ['public' as const], languages: ['en'] };
    const Library = holidaysLibrary();
    calendar = state === undefined ? new Library(country, options) : new Library(country, state, options);
    calendars.set(jurisdiction, calendar);
  }
  return calendar;
}

/**
 * The whole local days a holiday covers. Most holidays are one day from 00:00; a few run longer (Romania's
 * New Year is two days). A holiday starting at midday (Iceland's Christmas Eve from 13:00) covers no whole
 * day and so does not stop a day being a working day: the earlier deadline is the safe reading.
 */
function wholeDaysCovered(holiday: HolidaysTypes.Holiday): CalendarDate[] {
  const [datePart = '', timePart = '00:00'] = holiday.date.split(' ');
  const firstDate = parseCalendarDate(datePart);
  const startMinute = Number(timePart.slice(0, 2)) * 60 + Number(timePart.slice(3, 5));
  const endMinute = startMinute + Math.round((holiday.end.getTime() - holiday.start.getTime()) / 60_000);
  const days: CalendarDate[] = [];
  for (let dayIndex = 0; dayIndex * MINUTES_PER_DAY < endMinute; dayIndex += 1) {
    const dayStart = dayIndex * MINUTES_PER_DAY;
    const dayEnd = dayStart + MINUTES_PER_DAY;
    if (startMinute <= dayStart && endMinute >= dayEnd - DAYLIGHT_SAVING_SLACK_MINUTES) {
      days.push(addDays(firstDate, dayIndex));
    }
  }
  return days;
}

function holidaysInYear(jurisdiction: Jurisdiction, year: number): ReadonlyMap<CalendarDate, readonly string[]> {
  const key = `${jurisdiction}:${year}`;
  const cached = byYear.get(key);
  if (cached) return cached;
  const index = new Map<CalendarDate, string[]>();
  // A multi-day holiday that starts late in the previous year can spill into this one.
  for (const sourceYear of [year - 1, year]) {
    if (sourceYear < 1) continue;
    for (const holiday of calendarFor(jurisdiction).getHolidays(sourceYear, 'en')) {
      if (holiday.type !== 'public') continue;
      for (const day of wholeDaysCovered(holiday)) {
        if (partsOf(day).year !== year) continue;
        const names = index.get(day) ?? [];
        if (!names.includes(holiday.name)) names.push(holiday.name);
        index.set(day, names);
      }
    }
  }
  byYear.set(key, index);
  return index;
}

/** Names of the public holidays on `date` in the jurisdiction (empty when it is not one). */
export function publicHolidaysOn(date: CalendarDate, jurisdiction: Jurisdiction): readonly string[] {
  return holidaysInYear(jurisdiction, partsOf(date).year).get(date) ?? [];
}

/** Every public holiday of a year, in date order: for display and for checking the library's data. */
export function publicHolidaysIn(
  year: number,
  jurisdiction: Jurisdiction,
): readonly { readonly date: CalendarDate; readonly names: readonly string[] }[] {
  calendarDateFromParts(year, 1, 1); // validates the year
  return [...holidaysInYear(jurisdiction, year)]
    .map(([date, names]) => ({ date, names }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
