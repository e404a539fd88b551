// Every receipt day of 2024-2030: the deadline rules hold as properties. For England the oracle is
// independent of the code under test: month arithmetic with Date.UTC and the gov.uk bank holidays typed
// by hand; for every other jurisdiction the properties are checked against its own working-day calendar.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dsarDeadline, isWorkingDay, JURISDICTIONS, parseCalendarDate, type Jurisdiction } from '../../shared/deadlines/index.js';

const DAY_MS = 86_400_000;

// gov.uk England and Wales bank holidays (all on weekdays), 2024-2031.
const ENGLAND_BANK_HOLIDAYS = new Set([
  '2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26',
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  '2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26',
  '2029-01-01', '2029-03-30', '2029-04-02', '2029-05-07', '2029-05-28', '2029-08-27', '2029-12-25', '2029-12-26',
  '2030-01-01', '2030-04-19', '2030-04-22', '2030-05-06', '2030-05-27', '2030-08-26', '2030-12-25', '2030-12-26',
  '2031-01-01', '2031-04-11', '2031-04-14', '2031-05-05', '2031-05-26', '2031-08-25', '2031-12-25', '2031-12-26',
]);

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const msOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

function everyDay(from: string, to: string): string[] {
  const days: string[] = [];
  for (let ms = msOf(from); ms <= msOf(to); ms += DAY_MS) days.push(iso(ms));
  return days;
}

/** Same day-of-month `months` later, or that month's last day: computed with Date.UTC, not our code. */
function oracleAddMonths(date: string, months: number): string {
  const [year = 0, month = 1, day = 1] = date.split('-').map(Number);
  const lastDay = new Date(Date.UTC(year, month - 1 + months + 1, 0)).getUTCDate();
  return iso(Date.UTC(year, month - 1 + months, Math.min(day, lastDay)));
}

function oracleEnglandWorkingDay(date: string): boolean {
  const weekday = new Date(msOf(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !ENGLAND_BANK_HOLIDAYS.has(date);
}

function oracleNextEnglandWorkingDay(date: string): string {
  let ms = msOf(date);
  while (!oracleEnglandWorkingDay(iso(ms))) ms += DAY_MS;
  return iso(ms);
}

const RECEIPT_DAYS = everyDay('2024-01-01', '2030-12-31');

describe('property: every receipt day of 2024-2030 in England', () => {
  it('England’s working days match the gov.uk bank holidays on every day of 2024-2031', () => {
    for (const date of everyDay('2024-01-01', '2031-12-31')) {
      assert.equal(isWorkingDay(parseCalendarDate(date), 'GB-ENG'), oracleEnglandWorkingDay(date), date);
    }
  });

  it('the due date is never before the corresponding date, is a working day, and no working day lies between them', () => {
    for (const received of RECEIPT_DAYS) {
      const corresponding = oracleAddMonths(received, 1);
      const { legalDueOn } = dsarDeadline({ receivedAt: `${received}T12:00:00Z`, jurisdiction: 'GB-ENG' });
      assert.ok(legalDueOn >= corresponding, `${received}: ${legalDueOn} before ${corresponding}`);
      assert.ok(oracleEnglandWorkingDay(legalDueOn), `${received}: ${legalDueOn} is not a working day`);
      for (let ms = msOf(corresponding); ms < msOf(legalDueOn); ms += DAY_MS) {
        assert.ok(!oracleEnglandWorkingDay(iso(ms)), `${received}: working day ${iso(ms)} skipped before ${legalDueOn}`);
      }
      assert.equal(legalDueOn, oracleNextEnglandWorkingDay(corresponding), received);
    }
  });

  it('the operational target is start + 28 days and never after the legal deadline', () => {
    for (const received of RECEIPT_DAYS) {
      const deadline = dsarDeadline({ receivedAt: `${received}T12:00:00Z`, jurisdiction: 'GB-ENG' });
      assert.equal(deadline.operationalTargetOn, iso(msOf(received) + 28 * DAY_MS), received);
      assert.ok(deadline.operationalTargetOn <= deadline.legalDueOn, received);
    }
  });

  it('the extended deadline is three months from the start (clamped) on the next working day, and the notice is due at the end of the first month', () => {
    for (const received of RECEIPT_DAYS) {
      const deadline = dsarDeadline({ receivedAt: `${received}T12:00:00Z`, jurisdiction: 'GB-ENG', extended: true });
      assert.equal(deadline.extendedDueOn, oracleNextEnglandWorkingDay(oracleAddMonths(received, 3)), received);
      assert.equal(deadline.dueOn, deadline.extendedDueOn, received);
      assert.equal(deadline.extensionNoticeBy, oracleAddMonths(received, 1), received);
      assert.ok(deadline.extensionNoticeBy <= deadline.legalDueOn, received);
    }
  });
});

describe('property: every receipt day of 2024-2030 in every jurisdiction', () => {
  for (const jurisdiction of JURISDICTIONS) {
    it(`${jurisdiction}: the due date is the first working day on or after the corresponding date`, () => {
      const working = (date: string) => isWorkingDay(parseCalendarDate(date), jurisdiction as Jurisdiction);
      for (const received of RECEIPT_DAYS) {
        const corresponding = oracleAddMonths(received, 1);
        const deadline = dsarDeadline({ receivedAt: `${received}T12:00:00Z`, jurisdiction });
        assert.equal(deadline.receivedOn, received);
        assert.ok(deadline.legalDueOn >= corresponding, received);
        assert.ok(working(deadline.legalDueOn), `${received}: ${deadline.legalDueOn}`);
        for (let ms = msOf(corresponding); ms < msOf(deadline.legalDueOn); ms += DAY_MS) {
          assert.ok(!working(iso(ms)), `${received}: working day ${iso(ms)} skipped`);
        }
        assert.ok(deadline.operationalTargetOn <= deadline.legalDueOn, received);
      }
    });
  }
});
