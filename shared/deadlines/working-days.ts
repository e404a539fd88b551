// Working days per jurisdiction: Monday to Friday except public holidays. Saturdays and Sundays are
// never working days in any supported jurisdiction (Regulation 1182/71 art. 3(4); ICO guidance).

import { addDays, isoWeekday, weekdayName, type CalendarDate } from './calendar-date.js';
import { jurisdictionInfo, type Jurisdiction } from './jurisdictions.js';
import { publicHolidaysOn } from './public-holidays.js';

/** Why a day is not a working day ("Saturday", "Christmas Day"), or undefined when it is one. */
export function nonWorkingReason(date: CalendarDate, jurisdiction: Jurisdiction): string | undefined {
  jurisdictionInfo(jurisdiction); // validates the code before any lookup
  const holidays = publicHolidaysOn(date, jurisdiction);
  if (holidays.length > 0) return `public holiday: ${holidays.join(', ')}`;
  if (isoWeekday(date) >= 6) return weekdayName(date);
  return undefined;
}

export function isWorkingDay(date: CalendarDate, jurisdiction: Jurisdiction): boolean {
  return nonWorkingReason(date, jurisdiction) === undefined;
}

/** `date` itself when it is a working day, else the first working day after it. */
export function nextWorkingDayOnOrAfter(date: CalendarDate, jurisdiction: Jurisdiction): CalendarDate {
  let candidate = date;
  // No calendar has anywhere near a year of consecutive non-working days; the bound catches bad data.
  for (let step = 0; step < 366; step += 1) {
    if (isWorkingDay(candidate, jurisdiction)) return candidate;
    candidate = addDays(candidate, 1);
  }
  throw new Error(`No working day within a year after ${date} in ${jurisdiction}: holiday data is broken`);
}
