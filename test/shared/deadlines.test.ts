// The DSAR deadline rules, from the ICO's own examples outwards. Every expected date here was worked out
// from a calendar (weekdays and bank holidays checked by hand), never by running the code under test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeadlineError,
  dsarDeadline,
  InvalidDateError,
  InvalidPauseError,
  PauseNotAllowedError,
  UnknownJurisdictionError,
  type DsarDeadlineInput,
  type Jurisdiction,
} from '../../shared/deadlines/index.js';

/** A request received at midday UTC on `date`: the same calendar date in every supported zone. */
function receivedOn(date: string, jurisdiction: Jurisdiction, more: Partial<DsarDeadlineInput> = {}) {
  return dsarDeadline({ receivedAt: `${date}T12:00:00Z`, jurisdiction, ...more });
}

const legalDue = (date: string, jurisdiction: Jurisdiction = 'GB-ENG') => receivedOn(date, jurisdiction).legalDueOn;

function assertDeadlineError(code: string, run: () => unknown): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DeadlineError, `expected a DeadlineError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('ICO examples', () => {
  it('a request received on 3 September is due on 3 October', () => {
    // 2024-10-03 is a Thursday, not a bank holiday.
    assert.equal(legalDue('2024-09-03'), '2024-10-03');
  });

  it('a request received on New Year’s Day (a bank holiday) counts that day as day 1 and ends on 1 February', () => {
    // 2024-02-01 is a Thursday.
    const deadline = receivedOn('2024-01-01', 'GB-ENG');
    assert.equal(deadline.startsOn, '2024-01-01');
    assert.equal(deadline.legalDueOn, '2024-02-01');
  });

  it('a request received on 1 January whose 1 February is a Saturday is due on Monday 3 February', () => {
    assert.equal(legalDue('2025-01-01'), '2025-02-03');
  });

  it('a request received on 1 January whose 1 February is a Sunday is due on Monday 2 February', () => {
    assert.equal(legalDue('2026-01-01'), '2026-02-02');
  });

  it('Monday 25 November 2024 is due Friday 27 December 2024 because 25 and 26 December are bank holidays', () => {
    const deadline = receivedOn('2024-11-25', 'GB-ENG');
    assert.equal(deadline.legalDueOn, '2024-12-27');
    assert.equal(deadline.dueOn, '2024-12-27');
  });

  it('31 January is due on 28 February in a common year', () => {
    assert.equal(legalDue('2025-01-31'), '2025-02-28'); // Friday
  });

  it('31 January is due on 29 February in a leap year', () => {
    assert.equal(legalDue('2024-01-31'), '2024-02-29'); // Thursday
    assert.equal(legalDue('2028-01-31'), '2028-02-29'); // Tuesday
  });

  it('31 January whose 28 February is a Saturday is due on Monday 2 March', () => {
    assert.equal(legalDue('2026-01-31'), '2026-03-02');
  });

  it('31 January whose 28 February is a Sunday is due on Monday 1 March', () => {
    assert.equal(legalDue('2027-01-31'), '2027-03-01');
  });
});

describe('month ends: the corresponding date, or the last day of a shorter month', () => {
  // Starts in 2025 (a common year) on the last day of each month; expected dates checked on a calendar.
  const cases: readonly [start: string, expected: string, why: string][] = [
    ['2025-01-31', '2025-02-28', 'February has no 31st (Friday)'],
    ['2025-02-28', '2025-03-28', 'the corresponding date, not the end of March (Friday)'],
    ['2025-03-31', '2025-04-30', 'April has no 31st (Wednesday)'],
    ['2025-04-30', '2025-05-30', 'the corresponding date, not 31 May (Friday)'],
    ['2025-05-31', '2025-06-30', 'June has no 31st (Monday)'],
    ['2025-06-30', '2025-07-30', 'the corresponding date (Wednesday)'],
    ['2025-07-31', '2025-09-01', '31 August is a Sunday, so Monday 1 September'],
    ['2025-08-31', '2025-09-30', 'September has no 31st (Tuesday)'],
    ['2025-09-30', '2025-10-30', 'the corresponding date (Thursday)'],
    ['2025-10-31', '2025-12-01', 'November has no 31st; 30 November is a Sunday, so Monday 1 December'],
    ['2025-11-30', '2025-12-30', 'the corresponding date (Tuesday)'],
    ['2025-12-31', '2026-02-02', '31 January 2026 is a Saturday, so Monday 2 February'],
  ];
  for (const [start, expected, why] of cases) {
    it(`a request received on ${start} is due on ${expected}: ${why}`, () => {
      assert.equal(legalDue(start), expected);
    });
  }

  it('29 and 30 January both end on 28 February in a common year', () => {
    assert.equal(legalDue('2025-01-29'), '2025-02-28');
    assert.equal(legalDue('2025-01-30'), '2025-02-28');
  });

  it('29 and 30 January end on 29 February in a leap year', () => {
    assert.equal(legalDue('2024-01-29'), '2024-02-29');
    assert.equal(legalDue('2024-01-30'), '2024-02-29');
  });

  it('a request received on 29 February 2024 is due on 29 March, Good Friday, so Tuesday 2 April in England', () => {
    // 29 Mar Good Friday, 30-31 Mar weekend, 1 Apr Easter Monday.
    assert.equal(legalDue('2024-02-29'), '2024-04-02');
  });

  it('a request received on 29 February 2028 is due on Wednesday 29 March 2028', () => {
    assert.equal(legalDue('2028-02-29'), '2028-03-29');
  });

  it('2100 is not a leap year: 29, 30 and 31 January 2100 end on 28 February, a Sunday, so Monday 1 March', () => {
    assert.equal(legalDue('2100-01-29'), '2100-03-01');
    assert.equal(legalDue('2100-01-31'), '2100-03-01');
  });

  it('a request received on a Saturday starts that Saturday (day 1) and ends on the corresponding date', () => {
    // Saturday 7 September 2024 -> Monday 7 October 2024.
    const deadline = receivedOn('2024-09-07', 'GB-ENG');
    assert.equal(deadline.startsOn, '2024-09-07');
    assert.equal(deadline.legalDueOn, '2024-10-07');
  });
});

describe('holidays differ between the UK nations', () => {
  it('Scotland’s St Andrew’s Day substitute (Monday 2 December 2024) moves the deadline to 3 December; England’s stays', () => {
    assert.equal(legalDue('2024-11-02', 'GB-SCT'), '2024-12-03');
    assert.equal(legalDue('2024-11-02', 'GB-ENG'), '2024-12-02');
  });

  it('St Andrew’s Day on a Sunday (2025) makes Monday 1 December a holiday in Scotland only', () => {
    assert.equal(legalDue('2025-10-31', 'GB-SCT'), '2025-12-02');
    assert.equal(legalDue('2025-10-31', 'GB-ENG'), '2025-12-01');
  });

  it('St Andrew’s Day on a Monday (30 November 2026) is a holiday in Scotland only', () => {
    assert.equal(legalDue('2026-10-30', 'GB-SCT'), '2026-12-01');
    assert.equal(legalDue('2026-10-30', 'GB-ENG'), '2026-11-30');
  });

  it('12 July (Battle of the Boyne) is a holiday in Northern Ireland only', () => {
    // Friday 12 July 2024 -> Monday 15 July in NI.
    assert.equal(legalDue('2024-06-12', 'GB-NIR'), '2024-07-15');
    assert.equal(legalDue('2024-06-12', 'GB-ENG'), '2024-07-12');
  });

  it('17 March (St Patrick’s Day) is a holiday in Northern Ireland only', () => {
    assert.equal(legalDue('2026-02-17', 'GB-NIR'), '2026-03-18');
    assert.equal(legalDue('2026-02-17', 'GB-ENG'), '2026-03-17');
  });

  it('2 January is a holiday in Scotland only', () => {
    // Friday 2 January 2026 -> Monday 5 January in Scotland.
    assert.equal(legalDue('2025-12-02', 'GB-SCT'), '2026-01-05');
    assert.equal(legalDue('2025-12-02', 'GB-ENG'), '2026-01-02');
  });

  it('Easter Monday is a holiday in England, Wales and Northern Ireland but not in Scotland', () => {
    // Easter Monday 6 April 2026.
    assert.equal(legalDue('2026-03-06', 'GB-ENG'), '2026-04-07');
    assert.equal(legalDue('2026-03-06', 'GB-WLS'), '2026-04-07');
    assert.equal(legalDue('2026-03-06', 'GB-NIR'), '2026-04-07');
    assert.equal(legalDue('2026-03-06', 'GB-SCT'), '2026-04-06');
  });

  it('Good Friday 2024 then Easter Monday: 29 February 2024 is due 2 April in England but 1 April in Scotland', () => {
    assert.equal(legalDue('2024-02-29', 'GB-SCT'), '2024-04-01');
  });

  it('the summer bank holiday is the first Monday of August in Scotland and the last Monday elsewhere', () => {
    assert.equal(legalDue('2026-07-03', 'GB-SCT'), '2026-08-04');
    assert.equal(legalDue('2026-07-03', 'GB-ENG'), '2026-08-03');
    // 30 August 2026 is a Sunday; Monday 31 August is England's bank holiday only.
    assert.equal(legalDue('2026-07-30', 'GB-ENG'), '2026-09-01');
    assert.equal(legalDue('2026-07-30', 'GB-SCT'), '2026-08-31');
  });

  it('Wales follows the England and Wales bank holidays (the ICO example holds there too)', () => {
    assert.equal(legalDue('2024-11-25', 'GB-WLS'), '2024-12-27');
  });

  it('Christmas 2027 falls on a weekend: the substitute days 27 and 28 December push the deadline to the 29th', () => {
    assert.equal(legalDue('2027-11-25', 'GB-ENG'), '2027-12-29'); // 25 Sat, 26 Sun, 27 and 28 substitutes
    assert.equal(legalDue('2027-11-27', 'GB-ENG'), '2027-12-29');
  });

  it('Boxing Day 2026 on a Saturday makes Monday 28 December a holiday', () => {
    assert.equal(legalDue('2026-11-28', 'GB-ENG'), '2026-12-29');
  });

  it('New Year 2028 on a Saturday: England’s substitute is 3 January, Scotland has 3 and 4 January', () => {
    assert.equal(legalDue('2027-12-01', 'GB-ENG'), '2028-01-04');
    assert.equal(legalDue('2027-12-01', 'GB-SCT'), '2028-01-05');
  });
});

describe('EU and EEA member states use their own public holidays', () => {
  it('Germany: German Unity Day (3 October) moves the ICO’s 3 September example to Friday 4 October', () => {
    assert.equal(legalDue('2024-09-03', 'DE'), '2024-10-04');
  });

  it('Germany: Ascension Day (29 May 2025) and Whit Monday (9 June 2025) are not working days', () => {
    assert.equal(legalDue('2025-04-29', 'DE'), '2025-05-30');
    assert.equal(legalDue('2025-05-09', 'DE'), '2025-06-10');
  });

  it('Germany: only nationwide holidays apply, so All Saints’ Day (regional) leaves Friday 1 November 2024 a working day', () => {
    assert.equal(legalDue('2024-10-01', 'DE'), '2024-11-01');
  });

  it('Germany: a request received on Easter Monday still counts that day as day 1', () => {
    // Easter Monday 1 April 2024 -> 1 May (Labour Day) -> Thursday 2 May.
    const deadline = receivedOn('2024-04-01', 'DE');
    assert.equal(deadline.startsOn, '2024-04-01');
    assert.equal(deadline.legalDueOn, '2024-05-02');
  });

  it('Ireland: St Brigid’s Day (first Monday of February, 3 February 2025) is a public holiday', () => {
    assert.equal(legalDue('2025-01-03', 'IE'), '2025-02-04');
    assert.equal(legalDue('2025-01-03', 'GB-ENG'), '2025-02-03');
  });

  it('Ireland: the October bank holiday (last Monday, 27 October 2025) is a public holiday', () => {
    assert.equal(legalDue('2025-09-27', 'IE'), '2025-10-28');
  });

  it('Ireland: St Patrick’s Day is a public holiday', () => {
    assert.equal(legalDue('2026-02-17', 'IE'), '2026-03-18');
  });

  it('France: 1 May, 8 May and 14 July are public holidays', () => {
    assert.equal(legalDue('2025-04-01', 'FR'), '2025-05-02'); // Thursday 1 May
    assert.equal(legalDue('2025-04-08', 'FR'), '2025-05-09'); // Thursday 8 May
    assert.equal(legalDue('2025-06-14', 'FR'), '2025-07-15'); // Monday 14 July
    assert.equal(legalDue('2025-06-14', 'GB-ENG'), '2025-07-14');
  });

  it('Italy: Republic Day (2 June 2025) is a public holiday', () => {
    assert.equal(legalDue('2025-05-02', 'IT'), '2025-06-03');
  });

  it('Spain: the national day (12 October 2026) is a public holiday', () => {
    assert.equal(legalDue('2026-09-12', 'ES'), '2026-10-13');
  });

  it('Netherlands: King’s Day (27 April 2026) is a public holiday', () => {
    assert.equal(legalDue('2026-03-27', 'NL'), '2026-04-28');
  });

  it('Romania: New Year lasts two days, so Friday 2 January 2026 is not a working day', () => {
    assert.equal(legalDue('2025-12-02', 'RO'), '2026-01-05');
  });

  it('Iceland: Christmas Eve is a holiday only from 13:00, so 24 December stays a working day (the earlier, safe reading)', () => {
    assert.equal(legalDue('2025-11-24', 'IS'), '2025-12-24');
  });
});

describe('calendar dates are taken in the jurisdiction’s own time zone', () => {
  it('23:30 UTC on 31 March 2024 is already 1 April in Berlin', () => {
    const deadline = dsarDeadline({ receivedAt: '2024-03-31T23:30:00Z', jurisdiction: 'DE' });
    assert.equal(deadline.receivedOn, '2024-04-01');
    assert.equal(deadline.timeZone, 'Europe/Berlin');
  });

  it('23:30 UTC on 31 January 2024 is 1 February in Berlin, so the deadline is 1 March, not 29 February', () => {
    assert.equal(dsarDeadline({ receivedAt: '2024-01-31T23:30:00Z', jurisdiction: 'DE' }).legalDueOn, '2024-03-01');
    assert.equal(dsarDeadline({ receivedAt: '2024-01-31T23:30:00Z', jurisdiction: 'GB-ENG' }).legalDueOn, '2024-02-29');
  });

  it('23:30 UTC on 30 June is 1 July in London (summer time) but 31 December stays 31 December in winter', () => {
    assert.equal(dsarDeadline({ receivedAt: '2024-06-30T23:30:00Z', jurisdiction: 'GB-ENG' }).receivedOn, '2024-07-01');
    assert.equal(dsarDeadline({ receivedAt: '2024-12-31T23:30:00Z', jurisdiction: 'GB-ENG' }).receivedOn, '2024-12-31');
  });

  it('22:30 UTC on 24 November is 25 November in Helsinki (UTC+2)', () => {
    assert.equal(dsarDeadline({ receivedAt: '2024-11-24T22:30:00Z', jurisdiction: 'FI' }).receivedOn, '2024-11-25');
  });

  it('the instant decides, not the wall-clock date written with the offset', () => {
    // 00:30 at +02:00 on 3 September is 23:30 BST on 2 September in London.
    const deadline = dsarDeadline({ receivedAt: '2024-09-03T00:30:00+02:00', jurisdiction: 'GB-ENG' });
    assert.equal(deadline.receivedOn, '2024-09-02');
    assert.equal(deadline.legalDueOn, '2024-10-02');
  });

  it('a Date object is accepted as the instant of receipt', () => {
    assert.equal(
      dsarDeadline({ receivedAt: new Date(Date.UTC(2024, 2, 31, 23, 30)), jurisdiction: 'DE' }).receivedOn,
      '2024-04-01',
    );
  });

  it('the repeated hour when London’s clocks go back is still 27 October', () => {
    assert.equal(dsarDeadline({ receivedAt: '2024-10-27T00:30:00Z', jurisdiction: 'GB-ENG' }).receivedOn, '2024-10-27');
    assert.equal(dsarDeadline({ receivedAt: '2024-10-27T01:30:00Z', jurisdiction: 'GB-ENG' }).receivedOn, '2024-10-27');
  });

  it('a restart event is also dated in the jurisdiction’s zone', () => {
    // ID arrives 23:15 UTC on 9 September = 01:15 CEST on 10 September in Berlin.
    const deadline = dsarDeadline({
      receivedAt: '2024-09-02T09:00:00Z',
      jurisdiction: 'DE',
      identityEvidenceReceivedAt: '2024-09-09T23:15:00Z',
    });
    assert.equal(deadline.startsOn, '2024-09-10');
    assert.equal(deadline.legalDueOn, '2024-10-10');
  });
});

describe('the clock restarts on the latest of receipt, identity evidence, agent authority and fee', () => {
  it('receipt of requested identity evidence restarts the clock from that day', () => {
    const deadline = receivedOn('2024-09-02', 'GB-ENG', { identityEvidenceReceivedAt: '2024-09-10T15:00:00Z' });
    assert.equal(deadline.receivedOn, '2024-09-02');
    assert.equal(deadline.startsOn, '2024-09-10');
    assert.equal(deadline.clockStartedBy, 'identity evidence');
    assert.equal(deadline.legalDueOn, '2024-10-10'); // Thursday
  });

  it('the latest event wins: agent authority after identity evidence and fee', () => {
    const deadline = receivedOn('2024-07-01', 'GB-ENG', {
      identityEvidenceReceivedAt: '2024-07-03T10:00:00Z',
      agentAuthorityReceivedAt: '2024-07-08T10:00:00Z',
      feeReceivedAt: '2024-07-05T10:00:00Z',
    });
    assert.equal(deadline.startsOn, '2024-07-08');
    assert.equal(deadline.clockStartedBy, 'agent authority');
    assert.equal(deadline.legalDueOn, '2024-08-08'); // Thursday
  });

  it('receipt of a fee restarts the clock', () => {
    const deadline = receivedOn('2024-07-01', 'GB-ENG', { feeReceivedAt: '2024-07-08T10:00:00Z' });
    assert.equal(deadline.startsOn, '2024-07-08');
    assert.equal(deadline.clockStartedBy, 'fee');
  });

  it('identity evidence sent with the request (same day or earlier) does not move the start', () => {
    const deadline = receivedOn('2024-09-03', 'GB-ENG', { identityEvidenceReceivedAt: '2024-09-01T08:00:00Z' });
    assert.equal(deadline.startsOn, '2024-09-03');
    assert.equal(deadline.clockStartedBy, 'request');
    assert.equal(deadline.legalDueOn, '2024-10-03');
  });

  it('a restart onto the 31st gets the month-end clamp from the new start', () => {
    assert.equal(
      receivedOn('2025-01-20', 'GB-ENG', { identityEvidenceReceivedAt: '2025-01-31T10:00:00Z' }).legalDueOn,
      '2025-02-28',
    );
  });

  it('the operational target and the extension are counted from the restarted start', () => {
    const deadline = receivedOn('2024-09-02', 'GB-ENG', {
      identityEvidenceReceivedAt: '2024-09-10T15:00:00Z',
      extended: true,
    });
    assert.equal(deadline.operationalTargetOn, '2024-10-08');
    assert.equal(deadline.extendedDueOn, '2024-12-10'); // Tuesday
  });
});

describe('extension by two further months', () => {
  it('the extended deadline is three months from the start: 3 September 2024 -> Tuesday 3 December 2024', () => {
    const deadline = receivedOn('2024-09-03', 'GB-ENG', { extended: true });
    assert.equal(deadline.extendedDueOn, '2024-12-03');
    assert.equal(deadline.dueOn, '2024-12-03');
    assert.equal(deadline.legalDueOn, '2024-10-03');
  });

  it('three months from the start, not one month plus two: 31 January 2025 -> 30 April, not 28 April', () => {
    const deadline = receivedOn('2025-01-31', 'GB-ENG', { extended: true });
    assert.equal(deadline.legalDueOn, '2025-02-28');
    assert.equal(deadline.extendedDueOn, '2025-04-30'); // Wednesday
  });

  it('month-end clamp on the extended deadline: 30 November 2024 -> 28 February 2025', () => {
    assert.equal(receivedOn('2024-11-30', 'GB-ENG', { extended: true }).extendedDueOn, '2025-02-28');
  });

  it('month-end clamp in a leap year: 29 November 2023 -> 29 February 2024', () => {
    assert.equal(receivedOn('2023-11-29', 'GB-ENG', { extended: true }).extendedDueOn, '2024-02-29');
  });

  it('31 March -> 30 June (a Monday)', () => {
    assert.equal(receivedOn('2025-03-31', 'GB-ENG', { extended: true }).extendedDueOn, '2025-06-30');
  });

  it('the extended deadline follows the working-day rule: 25 September 2024 -> 27 December 2024', () => {
    assert.equal(receivedOn('2024-09-25', 'GB-ENG', { extended: true }).extendedDueOn, '2024-12-27');
  });

  it('the extended deadline skips the 2027 Christmas substitute days: 25 September 2027 -> 29 December 2027', () => {
    assert.equal(receivedOn('2027-09-25', 'GB-ENG', { extended: true }).extendedDueOn, '2027-12-29');
  });

  it('the extended deadline uses the jurisdiction’s holidays: 3 July 2025 in Germany -> Monday 6 October 2025', () => {
    // 3 October 2025 is German Unity Day (Friday).
    assert.equal(receivedOn('2025-07-03', 'DE', { extended: true }).extendedDueOn, '2025-10-06');
    assert.equal(receivedOn('2025-07-03', 'GB-ENG', { extended: true }).extendedDueOn, '2025-10-03');
  });

  it('without an extension there is no extended deadline and the deadline in force is the one-month one', () => {
    const deadline = receivedOn('2024-09-03', 'GB-ENG');
    assert.equal(deadline.extendedDueOn, undefined);
    assert.equal('extendedDueOn' in deadline, false);
    assert.equal(deadline.dueOn, deadline.legalDueOn);
  });

  it('the extension must be notified by the end of the first month, before any working-day roll', () => {
    // One month from 25 November 2024 ends on Christmas Day; the response may wait until the 27th,
    // but the extension notice is due by the 25th itself (the safe reading).
    const deadline = receivedOn('2024-11-25', 'GB-ENG', { extended: true });
    assert.equal(deadline.extensionNoticeBy, '2024-12-25');
    assert.equal(deadline.legalDueOn, '2024-12-27');
    assert.equal(deadline.extendedDueOn, '2025-02-25'); // Tuesday
  });

  it('the extension notice date equals the legal deadline when the month ends on a working day', () => {
    const deadline = receivedOn('2024-09-03', 'GB-ENG');
    assert.equal(deadline.extensionNoticeBy, '2024-10-03');
  });
});

describe('the 28-day operational target', () => {
  it('is 28 calendar days after the start: 3 September 2024 -> 1 October 2024', () => {
    const deadline = receivedOn('2024-09-03', 'GB-ENG');
    assert.equal(deadline.operationalTargetOn, '2024-10-01');
    assert.equal(deadline.legalDueOn, '2024-10-03');
  });

  it('equals the legal deadline when the month is a 28-day February: 31 January 2025 -> 28 February 2025', () => {
    const deadline = receivedOn('2025-01-31', 'GB-ENG');
    assert.equal(deadline.operationalTargetOn, '2025-02-28');
    assert.equal(deadline.legalDueOn, '2025-02-28');
  });

  it('is not moved to a working day: a Saturday start gives a Saturday target', () => {
    const deadline = receivedOn('2024-09-07', 'GB-ENG');
    assert.equal(deadline.operationalTargetOn, '2024-10-05');
    assert.equal(deadline.legalDueOn, '2024-10-07');
  });

  it('crosses the year end and the leap day correctly', () => {
    assert.equal(receivedOn('2024-12-10', 'GB-ENG').operationalTargetOn, '2025-01-07');
    assert.equal(receivedOn('2024-02-10', 'GB-ENG').operationalTargetOn, '2024-03-09');
  });
});

describe('UK clarification pause (Data (Use and Access) Act 2025, UK GDPR art. 12A)', () => {
  const pause = (from: string, to: string) => ({ from, to });

  it('paused days (both ends inclusive) extend the period: 2 March 2026 with 10-12 March paused -> 5 April, Easter Sunday -> 7 April', () => {
    // Corresponding date Thursday 2 April + 3 days = Sunday 5 April; Monday 6 April is Easter Monday.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-03-10', '2026-03-12')] });
    assert.equal(deadline.pausedDays, 3);
    assert.equal(deadline.legalDueOn, '2026-04-07');
    assert.equal(deadline.extensionNoticeBy, '2026-04-05');
  });

  it('paused days are added before the working-day rule, not after it', () => {
    // 9 April 2026 -> Saturday 9 May; one paused day -> Sunday 10 May -> Monday 11 May.
    // Rolling first (Monday 11 May) and then adding the day would wrongly give Tuesday 12 May.
    const deadline = receivedOn('2026-04-09', 'GB-ENG', { clarificationPauses: [pause('2026-04-15', '2026-04-15')] });
    assert.equal(deadline.legalDueOn, '2026-05-11');
  });

  it('paused days move the period end, not the start, so the month-end clamp cannot swallow a paused day', () => {
    // 30 March -> 30 April + 1 paused day = Friday 1 May.
    // Shifting the start instead (31 March + 1 month, clamped to 30 April) would lose the day.
    const deadline = receivedOn('2026-03-30', 'GB-ENG', { clarificationPauses: [pause('2026-04-07', '2026-04-07')] });
    assert.equal(deadline.legalDueOn, '2026-05-01');
  });

  it('a pause on the start day itself counts as one paused day', () => {
    // 9 March -> Thursday 9 April + 1 = Friday 10 April.
    const deadline = receivedOn('2026-03-09', 'GB-ENG', { clarificationPauses: [pause('2026-03-09', '2026-03-09')] });
    assert.equal(deadline.pausedDays, 1);
    assert.equal(deadline.legalDueOn, '2026-04-10');
  });

  it('a pause running past the original end counts in full', () => {
    // 2 April + 8 days (30 March - 6 April) = Friday 10 April.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-03-30', '2026-04-06')] });
    assert.equal(deadline.pausedDays, 8);
    assert.equal(deadline.legalDueOn, '2026-04-10');
  });

  it('overlapping and duplicated pauses count each day once', () => {
    const deadline = receivedOn('2026-03-02', 'GB-ENG', {
      clarificationPauses: [pause('2026-03-11', '2026-03-14'), pause('2026-03-10', '2026-03-12'), pause('2026-03-10', '2026-03-12')],
    });
    assert.equal(deadline.pausedDays, 5); // 10-14 March
    assert.equal(deadline.legalDueOn, '2026-04-07'); // 2 April + 5 = Tuesday 7 April
  });

  it('days paused before the clock (re)started do not count', () => {
    // ID arrives 9 March: start 9 March; pause 5-10 March counts only 9-10 March.
    // 9 April + 2 = Saturday 11 April -> Monday 13 April.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', {
      identityEvidenceReceivedAt: '2026-03-09T10:00:00Z',
      clarificationPauses: [pause('2026-03-05', '2026-03-10')],
    });
    assert.equal(deadline.pausedDays, 2);
    assert.equal(deadline.legalDueOn, '2026-04-13');
  });

  it('a pause that ended before the clock started changes nothing', () => {
    const deadline = receivedOn('2026-03-02', 'GB-ENG', {
      identityEvidenceReceivedAt: '2026-03-09T10:00:00Z',
      clarificationPauses: [pause('2026-03-03', '2026-03-04')],
    });
    assert.equal(deadline.pausedDays, 0);
    assert.equal(deadline.legalDueOn, '2026-04-09');
  });

  it('a second pause may start after the original end while the first pause has pushed the end out', () => {
    // End 2 April + 3 (10-12 March) = 5 April; a pause on 4 April is inside -> 6 April (Easter Monday) -> 7 April.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', {
      clarificationPauses: [pause('2026-03-10', '2026-03-12'), pause('2026-04-04', '2026-04-04')],
    });
    assert.equal(deadline.pausedDays, 4);
    assert.equal(deadline.legalDueOn, '2026-04-07');
  });

  it('a pause starting after the period ended is rejected with DEADLINE.INVALID_PAUSE', () => {
    assertDeadlineError('DEADLINE.INVALID_PAUSE', () =>
      receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-04-03', '2026-04-05')] }),
    );
  });

  it('a pause starting on a weekend day after the period ended is rejected even though the response could wait until Monday', () => {
    // 9 April 2026 -> period ends Saturday 9 May; a pause asked on Sunday 10 May is too late.
    assertDeadlineError('DEADLINE.INVALID_PAUSE', () =>
      receivedOn('2026-04-09', 'GB-ENG', { clarificationPauses: [pause('2026-05-10', '2026-05-12')] }),
    );
  });

  it('a pause that ends before it starts is rejected with DEADLINE.INVALID_PAUSE', () => {
    assert.throws(
      () => receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-03-12', '2026-03-10')] }),
      InvalidPauseError,
    );
  });

  it('a pause with an impossible date is rejected with DEADLINE.INVALID_DATE', () => {
    assertDeadlineError('DEADLINE.INVALID_DATE', () =>
      receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-02-30', '2026-03-10')] }),
    );
  });

  it('an extended period counts pauses in the extension too; the one-month dates only count their own', () => {
    // Start 2 March 2026. One month: 2 April + 3 (10-12 March) = 5 April -> Tuesday 7 April.
    // Three months: 2 June + 3 + 2 (20-21 April, after the first month) = Sunday 7 June -> Monday 8 June.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', {
      extended: true,
      clarificationPauses: [pause('2026-03-10', '2026-03-12'), pause('2026-04-20', '2026-04-21')],
    });
    assert.equal(deadline.legalDueOn, '2026-04-07');
    assert.equal(deadline.extensionNoticeBy, '2026-04-05');
    assert.equal(deadline.extendedDueOn, '2026-06-08');
    assert.equal(deadline.pausedDays, 5);
  });

  it('without an extension, a pause after the first month is rejected', () => {
    assertDeadlineError('DEADLINE.INVALID_PAUSE', () =>
      receivedOn('2026-03-02', 'GB-ENG', {
        clarificationPauses: [pause('2026-03-10', '2026-03-12'), pause('2026-04-20', '2026-04-21')],
      }),
    );
  });

  it('the operational target moves by the paused days too', () => {
    // 2 March + 28 = 30 March, + 3 paused = 2 April.
    const deadline = receivedOn('2026-03-02', 'GB-ENG', { clarificationPauses: [pause('2026-03-10', '2026-03-12')] });
    assert.equal(deadline.operationalTargetOn, '2026-04-02');
  });

  it('applies in every UK nation', () => {
    for (const nation of ['GB-ENG', 'GB-WLS', 'GB-SCT', 'GB-NIR'] as const) {
      const deadline = receivedOn('2026-03-02', nation, { clarificationPauses: [pause('2026-03-10', '2026-03-12')] });
      assert.equal(deadline.pausedDays, 3, nation);
    }
    // In Scotland Easter Monday is a working day: 5 April (Sunday) -> Monday 6 April.
    assert.equal(
      receivedOn('2026-03-02', 'GB-SCT', { clarificationPauses: [pause('2026-03-10', '2026-03-12')] }).legalDueOn,
      '2026-04-06',
    );
  });

  it('applies to a request received on 5 February 2026 (London time)', () => {
    const deadline = dsarDeadline({
      receivedAt: '2026-02-05T00:00:00Z',
      jurisdiction: 'GB-ENG',
      clarificationPauses: [pause('2026-02-10', '2026-02-10')],
    });
    assert.equal(deadline.legalDueOn, '2026-03-06'); // 5 March + 1 = Friday 6 March
  });

  it('applies when the offset puts the instant on 5 February in London even though the written date is the 4th', () => {
    const deadline = dsarDeadline({
      receivedAt: '2026-02-04T23:30:00-01:00',
      jurisdiction: 'GB-ENG',
      clarificationPauses: [pause('2026-02-10', '2026-02-10')],
    });
    assert.equal(deadline.receivedOn, '2026-02-05');
  });

  it('is refused for a UK request received on 4 February 2026 with DEADLINE.PAUSE_NOT_ALLOWED', () => {
    assertDeadlineError('DEADLINE.PAUSE_NOT_ALLOWED', () =>
      dsarDeadline({
        receivedAt: '2026-02-04T23:30:00Z',
        jurisdiction: 'GB-ENG',
        clarificationPauses: [pause('2026-02-10', '2026-02-10')],
      }),
    );
  });

  it('is refused for a UK request received before 5 February 2026 even when the clock restarted after it', () => {
    assert.throws(
      () =>
        receivedOn('2026-02-02', 'GB-ENG', {
          identityEvidenceReceivedAt: '2026-02-09T10:00:00Z',
          clarificationPauses: [pause('2026-02-10', '2026-02-10')],
        }),
      PauseNotAllowedError,
    );
  });

  it('is refused in EU and EEA jurisdictions with DEADLINE.PAUSE_NOT_ALLOWED', () => {
    for (const jurisdiction of ['DE', 'FR', 'IE', 'NL', 'NO'] as const) {
      assertDeadlineError('DEADLINE.PAUSE_NOT_ALLOWED', () =>
        receivedOn('2026-03-02', jurisdiction, { clarificationPauses: [pause('2026-03-10', '2026-03-12')] }),
      );
    }
  });

  it('an empty list of pauses is no pause, so it is accepted anywhere', () => {
    assert.equal(receivedOn('2024-09-03', 'DE', { clarificationPauses: [] }).legalDueOn, '2024-10-04');
    assert.equal(receivedOn('2024-09-03', 'GB-ENG', { clarificationPauses: [] }).pausedDays, 0);
  });
});

describe('invalid input is refused with a typed error and a stable code', () => {
  it('an unknown jurisdiction gives DEADLINE.UNKNOWN_JURISDICTION', () => {
    for (const code of ['XX', 'GB', 'UK', 'gb-eng', 'US', '']) {
      assert.throws(
        () => dsarDeadline({ receivedAt: '2024-09-03T12:00:00Z', jurisdiction: code as Jurisdiction }),
        (error: unknown) => error instanceof UnknownJurisdictionError && error.code === 'DEADLINE.UNKNOWN_JURISDICTION',
        code,
      );
    }
  });

  it('a receipt time without a UTC offset is refused (it would be read in the server’s zone)', () => {
    assert.throws(() => dsarDeadline({ receivedAt: '2024-09-03T12:00:00', jurisdiction: 'GB-ENG' }), InvalidDateError);
  });

  it('a bare calendar date is refused as a receipt instant', () => {
    assertDeadlineError('DEADLINE.INVALID_DATE', () => dsarDeadline({ receivedAt: '2024-09-03', jurisdiction: 'GB-ENG' }));
  });

  it('an impossible date, an out-of-range time and garbage are refused', () => {
    for (const receivedAt of ['2025-02-29T12:00:00Z', '2024-09-03T24:00:00Z', '2024-09-03T12:60:00Z', 'yesterday', '']) {
      assertDeadlineError('DEADLINE.INVALID_DATE', () => dsarDeadline({ receivedAt, jurisdiction: 'GB-ENG' }));
    }
  });

  it('an invalid Date object is refused', () => {
    assertDeadlineError('DEADLINE.INVALID_DATE', () =>
      dsarDeadline({ receivedAt: new Date('not a date'), jurisdiction: 'GB-ENG' }),
    );
  });

  it('an invalid restart instant is refused', () => {
    assertDeadlineError('DEADLINE.INVALID_DATE', () =>
      receivedOn('2024-09-03', 'GB-ENG', { identityEvidenceReceivedAt: '2024-09-10' }),
    );
  });

  it('domain errors are Errors with a name, a message and a code', () => {
    try {
      dsarDeadline({ receivedAt: '2024-09-03T12:00:00Z', jurisdiction: 'XX' as Jurisdiction });
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'UnknownJurisdictionError');
      assert.match(error.message, /XX/);
    }
  });
});

describe('the explanation spells out each step', () => {
  it('the ICO Christmas example names the receipt date, the corresponding date and each skipped holiday', () => {
    const { explanation } = receivedOn('2024-11-25', 'GB-ENG');
    const text = explanation.join('\n');
    assert.match(text, /2024-11-25 \(Monday\) in England \(Europe\/London\)/);
    assert.match(text, /corresponding date, 2024-12-25/);
    assert.match(text, /2024-12-25 \(public holiday: Christmas Day\)/);
    assert.match(text, /2024-12-26 \(public holiday: Boxing Day\)/);
    assert.match(text, /next working day, 2024-12-27 \(Friday\)/);
  });

  it('the month-end clamp, a restart, a pause and an extension each get their own line', () => {
    const { explanation } = receivedOn('2026-03-02', 'GB-ENG', {
      identityEvidenceReceivedAt: '2026-03-31T10:00:00Z',
      clarificationPauses: [{ from: '2026-04-07', to: '2026-04-08' }],
      extended: true,
    });
    const text = explanation.join('\n');
    assert.match(text, /identity evidence received .*2026-03-31/);
    assert.match(text, /2026-04 has no day 31, so the period ends on its last day, 2026-04-30/);
    assert.match(text, /Clarification pause 2026-04-07 to 2026-04-08: 2 days do not count/);
    assert.match(text, /three months from the start/);
  });
});
