// Jurisdictions (zones, regimes) and working days. The UK lists below are the gov.uk bank holidays
// typed by hand, so these tests also check the holiday library's data, not just our use of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  calendarDateIn,
  isJurisdiction,
  isWorkingDay,
  jurisdictionInfo,
  JURISDICTIONS,
  nextWorkingDayOnOrAfter,
  nonWorkingReason,
  parseCalendarDate,
  parseJurisdiction,
  publicHolidaysIn,
  publicHolidaysOn,
  UnknownJurisdictionError,
  type Jurisdiction,
} from '../../shared/deadlines/index.js';

const d = parseCalendarDate;

/** Holidays that fall Monday to Friday: the ones that can move a deadline. */
function weekdayHolidays(year: number, jurisdiction: Jurisdiction): string[] {
  return publicHolidaysIn(year, jurisdiction)
    .map(({ date }) => date)
    .filter((date) => {
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      return weekday !== 0 && weekday !== 6;
    });
}

const withYear = (year: number, days: readonly string[]) => days.map((day) => `${year}-${day}`);

describe('jurisdictions', () => {
  const capitals: Record<string, string> = {
    AT: 'Europe/Vienna', BE: 'Europe/Brussels', BG: 'Europe/Sofia', HR: 'Europe/Zagreb', CY: 'Asia/Nicosia',
    CZ: 'Europe/Prague', DK: 'Europe/Copenhagen', EE: 'Europe/Tallinn', FI: 'Europe/Helsinki', FR: 'Europe/Paris',
    DE: 'Europe/Berlin', GR: 'Europe/Athens', HU: 'Europe/Budapest', IE: 'Europe/Dublin', IT: 'Europe/Rome',
    LV: 'Europe/Riga', LT: 'Europe/Vilnius', LU: 'Europe/Luxembourg', MT: 'Europe/Malta', NL: 'Europe/Amsterdam',
    PL: 'Europe/Warsaw', PT: 'Europe/Lisbon', RO: 'Europe/Bucharest', SK: 'Europe/Bratislava', SI: 'Europe/Ljubljana',
    ES: 'Europe/Madrid', SE: 'Europe/Stockholm', IS: 'Atlantic/Reykjavik', LI: 'Europe/Vaduz', NO: 'Europe/Oslo',
  };

  it('covers the four UK nations, the 27 EU member states and the 3 other EEA states', () => {
    assert.deepEqual(
      [...JURISDICTIONS].sort(),
      ['GB-ENG', 'GB-NIR', 'GB-SCT', 'GB-WLS', ...Object.keys(capitals)].sort(),
    );
  });

  it('the UK nations use Europe/London and UK GDPR', () => {
    for (const code of ['GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'] as const) {
      const info = jurisdictionInfo(code);
      assert.equal(info.timeZone, 'Europe/London');
      assert.equal(info.regime, 'UK_GDPR');
    }
  });

  it('each EU/EEA state uses its capital’s zone and the EU GDPR', () => {
    for (const [code, zone] of Object.entries(capitals)) {
      const info = jurisdictionInfo(parseJurisdiction(code));
      assert.equal(info.timeZone, zone, code);
      assert.equal(info.regime, 'EU_GDPR', code);
    }
  });

  it('every zone is known to the runtime’s time-zone database', () => {
    for (const code of JURISDICTIONS) {
      const zone = jurisdictionInfo(code).timeZone;
      assert.equal(new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone, zone, code);
    }
  });

  it('every holiday calendar is known to the library: New Year’s Day and Christmas Day are public holidays', () => {
    for (const code of JURISDICTIONS) {
      assert.notEqual(publicHolidaysOn(d('2026-01-01'), code).length, 0, `${code} 1 January`);
      assert.notEqual(publicHolidaysOn(d('2026-12-25'), code).length, 0, `${code} 25 December`);
    }
  });

  it('unknown codes are refused with DEADLINE.UNKNOWN_JURISDICTION', () => {
    for (const code of ['GB', 'UK', 'EU', 'gb-eng', 'de', 'GB-ALD', 'US', 'toString', '__proto__']) {
      assert.equal(isJurisdiction(code), false, code);
      assert.throws(() => parseJurisdiction(code), UnknownJurisdictionError, code);
      assert.throws(() => isWorkingDay(d('2026-01-05'), code as Jurisdiction), UnknownJurisdictionError, code);
      assert.throws(() => calendarDateIn('2026-01-05T10:00:00Z', code as Jurisdiction), UnknownJurisdictionError, code);
    }
  });

  it('calendarDateIn reads an instant in the jurisdiction’s zone', () => {
    assert.equal(calendarDateIn('2024-03-31T23:30:00Z', 'DE'), '2024-04-01');
    assert.equal(calendarDateIn('2024-03-31T23:30:00Z', 'GB-ENG'), '2024-04-01'); // BST from 31 March
    assert.equal(calendarDateIn('2024-03-30T23:30:00Z', 'GB-ENG'), '2024-03-30'); // still GMT
    assert.equal(calendarDateIn('2024-03-31T23:30:00Z', 'IS'), '2024-03-31'); // UTC all year
    assert.equal(calendarDateIn('2024-03-31T21:30:00Z', 'FI'), '2024-04-01'); // EEST, +3
  });
});

describe('UK bank holidays per nation (gov.uk lists, Monday to Friday)', () => {
  const englandAndWales: Record<number, string[]> = {
    2024: ['01-01', '03-29', '04-01', '05-06', '05-27', '08-26', '12-25', '12-26'],
    2025: ['01-01', '04-18', '04-21', '05-05', '05-26', '08-25', '12-25', '12-26'],
    2026: ['01-01', '04-03', '04-06', '05-04', '05-25', '08-31', '12-25', '12-28'],
    2027: ['01-01', '03-26', '03-29', '05-03', '05-31', '08-30', '12-27', '12-28'],
  };
  const scotland: Record<number, string[]> = {
    2024: ['01-01', '01-02', '03-29', '05-06', '05-27', '08-05', '12-02', '12-25', '12-26'],
    2025: ['01-01', '01-02', '04-18', '05-05', '05-26', '08-04', '12-01', '12-25', '12-26'],
    2026: ['01-01', '01-02', '04-03', '05-04', '05-25', '08-03', '11-30', '12-25', '12-28'],
    2027: ['01-01', '01-04', '03-26', '05-03', '05-31', '08-02', '11-30', '12-27', '12-28'],
  };
  const northernIreland: Record<number, string[]> = {
    2024: ['01-01', '03-18', '03-29', '04-01', '05-06', '05-27', '07-12', '08-26', '12-25', '12-26'],
    2025: ['01-01', '03-17', '04-18', '04-21', '05-05', '05-26', '07-14', '08-25', '12-25', '12-26'],
    2026: ['01-01', '03-17', '04-03', '04-06', '05-04', '05-25', '07-13', '08-31', '12-25', '12-28'],
    2027: ['01-01', '03-17', '03-26', '03-29', '05-03', '05-31', '07-12', '08-30', '12-27', '12-28'],
  };

  for (const year of [2024, 2025, 2026, 2027]) {
    it(`England and Wales ${year}`, () => {
      assert.deepEqual(weekdayHolidays(year, 'GB-ENG'), withYear(year, englandAndWales[year] ?? []));
      assert.deepEqual(weekdayHolidays(year, 'GB-WLS'), withYear(year, englandAndWales[year] ?? []));
    });
    it(`Scotland ${year}: 2 January, St Andrew’s Day, first-Monday August, no Easter Monday`, () => {
      assert.deepEqual(weekdayHolidays(year, 'GB-SCT'), withYear(year, scotland[year] ?? []));
    });
    it(`Northern Ireland ${year}: St Patrick’s Day and 12 July, with substitutes`, () => {
      assert.deepEqual(weekdayHolidays(year, 'GB-NIR'), withYear(year, northernIreland[year] ?? []));
    });
  }

  it('the one-off bank holidays of 2022 and 2023 are in the data (Platinum Jubilee, State Funeral, Coronation)', () => {
    for (const date of ['2022-06-03', '2022-09-19', '2023-05-08']) {
      for (const nation of ['GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'] as const) {
        assert.equal(isWorkingDay(d(date), nation), false, `${nation} ${date}`);
      }
    }
  });

  it('substitute ("observed") days are non-working days and say so', () => {
    assert.equal(isWorkingDay(d('2027-12-27'), 'GB-ENG'), false);
    assert.equal(isWorkingDay(d('2027-12-28'), 'GB-ENG'), false);
    assert.match(nonWorkingReason(d('2027-12-27'), 'GB-ENG') ?? '', /substitute/);
    assert.match(nonWorkingReason(d('2024-12-02'), 'GB-SCT') ?? '', /St Andrew.s Day \(substitute day\)/);
  });
});

describe('EU and EEA public holidays (national, type public only)', () => {
  it('Germany: nationwide holidays only; regional ones and bank-only days are working days', () => {
    for (const date of ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-05-29', '2025-06-09', '2025-10-03', '2025-12-25', '2025-12-26']) {
      assert.equal(isWorkingDay(d(date), 'DE'), false, date);
    }
    // Epiphany, Corpus Christi, Reformation Day, All Saints' Day are regional; Christmas Eve and New Year's Eve are not public.
    for (const date of ['2025-01-06', '2025-06-19', '2025-10-31', '2024-11-01', '2025-12-24', '2025-12-31']) {
      assert.equal(isWorkingDay(d(date), 'DE'), true, date);
    }
  });

  it('France: 1 May, 8 May, 14 July, 15 August, 1 and 11 November; not Good Friday', () => {
    for (const date of ['2025-05-01', '2025-05-08', '2025-07-14', '2025-08-15', '2025-11-11', '2024-11-01']) {
      assert.equal(isWorkingDay(d(date), 'FR'), false, date);
    }
    assert.equal(isWorkingDay(d('2025-04-18'), 'FR'), true);
  });

  it('Ireland: St Brigid’s Day, St Patrick’s Day, the June, August and October bank holidays; not Good Friday', () => {
    for (const date of ['2025-02-03', '2025-03-17', '2025-06-02', '2025-08-04', '2025-10-27', '2025-12-26']) {
      assert.equal(isWorkingDay(d(date), 'IE'), false, date);
    }
    assert.equal(isWorkingDay(d('2025-04-18'), 'IE'), true);
  });

  it('Romania: both 1 and 2 January (a two-day holiday in the library)', () => {
    assert.equal(isWorkingDay(d('2026-01-01'), 'RO'), false);
    assert.equal(isWorkingDay(d('2026-01-02'), 'RO'), false);
  });

  it('Iceland: Christmas Eve afternoon does not make 24 December a non-working day; Christmas Day does', () => {
    assert.equal(isWorkingDay(d('2025-12-24'), 'IS'), true);
    assert.equal(isWorkingDay(d('2025-12-25'), 'IS'), false);
  });

  it('Saturdays and Sundays are never working days, in any jurisdiction', () => {
    for (const code of JURISDICTIONS) {
      assert.equal(isWorkingDay(d('2025-03-08'), code), false, `${code} Saturday`);
      assert.equal(isWorkingDay(d('2025-03-09'), code), false, `${code} Sunday`);
    }
  });
});

describe('working days', () => {
  it('an ordinary weekday is a working day with no reason against it', () => {
    assert.equal(isWorkingDay(d('2024-09-03'), 'GB-ENG'), true);
    assert.equal(nonWorkingReason(d('2024-09-03'), 'GB-ENG'), undefined);
  });

  it('the reason names the weekend day or the holiday', () => {
    assert.equal(nonWorkingReason(d('2024-09-07'), 'GB-ENG'), 'Saturday');
    assert.equal(nonWorkingReason(d('2024-09-08'), 'GB-ENG'), 'Sunday');
    assert.equal(nonWorkingReason(d('2024-12-25'), 'GB-ENG'), 'public holiday: Christmas Day');
  });

  it('the next working day on or after a working day is that day', () => {
    assert.equal(nextWorkingDayOnOrAfter(d('2027-12-24'), 'GB-ENG'), '2027-12-24');
  });

  it('the next working day skips weekends and consecutive holidays', () => {
    assert.equal(nextWorkingDayOnOrAfter(d('2027-12-25'), 'GB-ENG'), '2027-12-29');
    assert.equal(nextWorkingDayOnOrAfter(d('2024-03-29'), 'GB-ENG'), '2024-04-02');
    assert.equal(nextWorkingDayOnOrAfter(d('2024-03-29'), 'GB-SCT'), '2024-04-01');
    assert.equal(nextWorkingDayOnOrAfter(d('2028-01-01'), 'GB-SCT'), '2028-01-05'); // 1-2 weekend, 3-4 substitutes
  });
});
