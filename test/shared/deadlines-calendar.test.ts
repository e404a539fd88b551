// The calendar-date value type and instant parsing the deadline rules are built on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  addMonthsClamped,
  calendarDateFromParts,
  compareDates,
  daysBetween,
  daysInMonth,
  isCalendarDate,
  isLeapYear,
  isoWeekday,
  latestOf,
  parseCalendarDate,
  weekdayName,
  type CalendarDate,
} from '../../shared/deadlines/calendar-date.js';
import { calendarDateInZone, parseInstant } from '../../shared/deadlines/instant.js';
import { InvalidDateError } from '../../shared/deadlines/errors.js';

const d = (text: string): CalendarDate => parseCalendarDate(text);

describe('leap years', () => {
  it('2024 and 2028 are leap years, 2025 is not', () => {
    assert.equal(isLeapYear(2024), true);
    assert.equal(isLeapYear(2028), true);
    assert.equal(isLeapYear(2025), false);
  });

  it('century years are leap years only when divisible by 400: 2000 yes, 1900 and 2100 no', () => {
    assert.equal(isLeapYear(2000), true);
    assert.equal(isLeapYear(1900), false);
    assert.equal(isLeapYear(2100), false);
  });

  it('February has 29 days in a leap year and 28 otherwise; the other months have fixed lengths', () => {
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2100, 2), 28);
    const lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    lengths.forEach((length, index) => assert.equal(daysInMonth(2025, index + 1), length));
  });
});

describe('parsing calendar dates', () => {
  it('accepts a valid YYYY-MM-DD date, including 29 February in a leap year', () => {
    assert.equal(parseCalendarDate('2024-02-29'), '2024-02-29');
    assert.equal(parseCalendarDate('2000-02-29'), '2000-02-29');
  });

  it('refuses impossible dates instead of rolling them over', () => {
    for (const text of ['2025-02-29', '2100-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00']) {
      assert.throws(() => parseCalendarDate(text), InvalidDateError, text);
    }
  });

  it('refuses other shapes: times, zones, short forms, non-strings', () => {
    for (const text of ['2024-9-3', '2024-09-03T00:00:00Z', '20240903', ' 2024-09-03', '03/09/2024', '']) {
      assert.throws(() => parseCalendarDate(text), InvalidDateError, text);
    }
    assert.throws(() => parseCalendarDate(20240903 as unknown as string), InvalidDateError);
  });

  it('isCalendarDate tells valid dates from everything else without throwing', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2025-02-29'), false);
    assert.equal(isCalendarDate(undefined), false);
  });

  it('years outside 0001-9999 are refused', () => {
    assert.throws(() => calendarDateFromParts(0, 1, 1), InvalidDateError);
    assert.throws(() => calendarDateFromParts(10000, 1, 1), InvalidDateError);
    assert.equal(calendarDateFromParts(1, 1, 1), '0001-01-01');
  });

  it('an invalid date error carries the DEADLINE.INVALID_DATE code and the input', () => {
    try {
      parseCalendarDate('2025-02-29');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof InvalidDateError);
      assert.equal(error.code, 'DEADLINE.INVALID_DATE');
      assert.equal(error.input, '2025-02-29');
      assert.match(error.message, /2025-02 has 28 days/);
    }
  });
});

describe('day arithmetic', () => {
  it('adds days across month, year and leap-day boundaries', () => {
    assert.equal(addDays(d('2024-02-28'), 1), '2024-02-29');
    assert.equal(addDays(d('2024-02-29'), 1), '2024-03-01');
    assert.equal(addDays(d('2025-02-28'), 1), '2025-03-01');
    assert.equal(addDays(d('2024-12-31'), 1), '2025-01-01');
    assert.equal(addDays(d('2025-01-01'), -1), '2024-12-31');
    assert.equal(addDays(d('2024-09-03'), 28), '2024-10-01');
    assert.equal(addDays(d('2024-01-01'), 366), '2025-01-01');
    assert.equal(addDays(d('2100-02-28'), 1), '2100-03-01');
  });

  it('counts whole days between dates in either direction', () => {
    assert.equal(daysBetween(d('2024-01-01'), d('2025-01-01')), 366);
    assert.equal(daysBetween(d('2025-01-01'), d('2026-01-01')), 365);
    assert.equal(daysBetween(d('2024-12-27'), d('2024-11-25')), -32);
    assert.equal(daysBetween(d('1970-01-01'), d('2000-01-01')), 10957);
  });

  it('refuses fractional days', () => {
    assert.throws(() => addDays(d('2024-01-01'), 0.5), RangeError);
  });

  it('refuses arithmetic that leaves the years 0001-9999', () => {
    assert.throws(() => addDays(d('9999-12-31'), 1), InvalidDateError);
  });
});

describe('month arithmetic with the month-end clamp', () => {
  it('gives the corresponding date when it exists', () => {
    assert.equal(addMonthsClamped(d('2024-09-03'), 1), '2024-10-03');
    assert.equal(addMonthsClamped(d('2024-12-15'), 1), '2025-01-15');
    assert.equal(addMonthsClamped(d('2025-02-28'), 1), '2025-03-28');
  });

  it('clamps to the last day of a shorter month', () => {
    assert.equal(addMonthsClamped(d('2025-01-31'), 1), '2025-02-28');
    assert.equal(addMonthsClamped(d('2024-01-31'), 1), '2024-02-29');
    assert.equal(addMonthsClamped(d('2100-01-31'), 1), '2100-02-28');
    assert.equal(addMonthsClamped(d('2000-01-31'), 1), '2000-02-29');
    assert.equal(addMonthsClamped(d('2025-03-31'), 1), '2025-04-30');
  });

  it('counts several months from the original date, not month by month', () => {
    // Month by month 31 Jan -> 28 Feb -> 28 Mar -> 28 Apr would be wrong.
    assert.equal(addMonthsClamped(d('2025-01-31'), 3), '2025-04-30');
    assert.equal(addMonthsClamped(d('2024-11-30'), 3), '2025-02-28');
    assert.equal(addMonthsClamped(d('2023-11-29'), 3), '2024-02-29');
    assert.equal(addMonthsClamped(d('2024-10-31'), 3), '2025-01-31');
  });

  it('handles a year change and negative months', () => {
    assert.equal(addMonthsClamped(d('2025-11-30'), 3), '2026-02-28');
    assert.equal(addMonthsClamped(d('2025-03-31'), -1), '2025-02-28');
    assert.equal(addMonthsClamped(d('2025-01-15'), -1), '2024-12-15');
  });
});

describe('weekdays and ordering', () => {
  it('knows the weekday of reference dates', () => {
    assert.equal(weekdayName(d('1970-01-01')), 'Thursday');
    assert.equal(weekdayName(d('2000-01-01')), 'Saturday');
    assert.equal(weekdayName(d('2024-11-25')), 'Monday');
    assert.equal(weekdayName(d('2024-12-27')), 'Friday');
    assert.equal(weekdayName(d('2100-02-28')), 'Sunday');
    assert.equal(isoWeekday(d('2026-02-01')), 7);
    assert.equal(isoWeekday(d('1969-12-31')), 3);
  });

  it('orders dates and picks the latest', () => {
    assert.equal(compareDates(d('2024-02-29'), d('2024-03-01')), -1);
    assert.equal(compareDates(d('2024-03-01'), d('2024-03-01')), 0);
    assert.equal(compareDates(d('2025-01-01'), d('2024-12-31')), 1);
    assert.equal(latestOf(d('2024-09-03'), d('2024-09-10'), d('2024-09-05')), '2024-09-10');
  });
});

describe('instants', () => {
  it('accepts ISO 8601 date-times with Z or an offset, with or without seconds and fractions', () => {
    assert.equal(parseInstant('2024-09-03T10:00:00Z').toISOString(), '2024-09-03T10:00:00.000Z');
    assert.equal(parseInstant('2024-09-03T10:00Z').toISOString(), '2024-09-03T10:00:00.000Z');
    assert.equal(parseInstant('2024-09-03T12:00:00+02:00').toISOString(), '2024-09-03T10:00:00.000Z');
    assert.equal(parseInstant('2024-09-03T10:00:00.5Z').toISOString(), '2024-09-03T10:00:00.500Z');
    assert.equal(parseInstant('2024-09-03T10:00:00.123456789Z').toISOString(), '2024-09-03T10:00:00.123Z');
    assert.equal(parseInstant('2024-09-03t10:00:00z').toISOString(), '2024-09-03T10:00:00.000Z');
  });

  it('refuses a local time without an offset, a bare date, impossible dates and out-of-range fields', () => {
    for (const text of [
      '2024-09-03T10:00:00',
      '2024-09-03',
      '2025-02-29T10:00:00Z',
      '2024-09-03T24:00:00Z',
      '2024-09-03T23:59:60Z',
      '2024-09-03T10:00:00+24:00',
      '2024-09-03 10:00:00Z',
      'Tue, 03 Sep 2024 10:00:00 GMT',
    ]) {
      assert.throws(() => parseInstant(text), InvalidDateError, text);
    }
  });

  it('reads the calendar date in the given zone, across daylight-saving changes', () => {
    assert.equal(calendarDateInZone('2024-03-31T23:30:00Z', 'Europe/Berlin'), '2024-04-01');
    assert.equal(calendarDateInZone('2024-03-30T23:30:00Z', 'Europe/Berlin'), '2024-03-31'); // CET, +1
    assert.equal(calendarDateInZone('2024-03-31T00:30:00Z', 'Europe/London'), '2024-03-31');
    assert.equal(calendarDateInZone('2024-10-26T23:30:00Z', 'Europe/London'), '2024-10-27'); // BST, +1
    assert.equal(calendarDateInZone('2024-10-27T23:30:00Z', 'Europe/London'), '2024-10-27'); // GMT
    assert.equal(calendarDateInZone('2024-12-31T22:30:00Z', 'Asia/Nicosia'), '2025-01-01');
  });

  it('a far-past instant before 1 AD is refused', () => {
    assert.throws(() => calendarDateInZone(new Date(Date.UTC(-5, 0, 1)), 'Europe/London'), InvalidDateError);
  });
});
