// notifyBy = awareAt + 72 hours of elapsed time, as a UTC instant: any offset, and daylight saving in
// Europe/London and Europe/Berlin (last Sundays of March and October 2026) never shifts it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isLate, notifyBy, NOTIFY_WITHIN_MS, utcInstant } from '../../shared/breaches/deadline.js';
import { displayInstant } from '../../shared/breaches/notice.js';

const HOUR = 3600_000;

/** The wall-clock time an instant shows in a zone, as `YYYY-MM-DD HH:mm`. */
function wallClock(iso: string, timeZone: string): string {
  return /\((\S+ \S+) /.exec(displayInstant(iso, timeZone))![1]!;
}

describe('notifyBy', () => {
  test('is 72 hours after awareness, returned in UTC with Z', () => {
    assert.equal(notifyBy('2026-06-01T09:00:00Z'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T09:00:00.250Z'), '2026-06-04T09:00:00.250Z');
    assert.equal(notifyBy('2026-12-30T23:30:00Z'), '2027-01-02T23:30:00.000Z', 'across a year end');
    assert.equal(notifyBy('2028-02-27T12:00:00Z'), '2028-03-01T12:00:00.000Z', 'across a leap day');
  });

  test('an offset is honoured exactly, whatever it is', () => {
    assert.equal(notifyBy('2026-06-01T10:00:00+01:00'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T14:30:00+05:30'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T01:00:00-08:00'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T23:00:00+14:00'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-05-31T21:00:00-12:00'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T09:00:00+00:00'), '2026-06-04T09:00:00.000Z');
    assert.equal(notifyBy('2026-06-01T09:00:00.123456+00:00'), '2026-06-04T09:00:00.123Z', 'sub-millisecond digits are dropped, not rounded');
  });

  test('a time without an offset, or an impossible one, is refused', () => {
    for (const bad of ['2026-06-01T09:00:00', '2026-06-01', '2026-02-29T09:00:00Z', '2026-06-01T24:00:00Z', '2026-06-01T09:00:00+25:00', 'yesterday']) {
      assert.throws(() => notifyBy(bad), Error, bad);
    }
  });

  describe('across the start of summer time (Sunday 29 March 2026)', () => {
    test('Europe/London: 09:00 GMT on Saturday is due 09:00 UTC on Tuesday, 10:00 BST (one wall-clock hour later)', () => {
      const due = notifyBy('2026-03-28T09:00:00+00:00');
      assert.equal(due, '2026-03-31T09:00:00.000Z');
      assert.equal(wallClock(due, 'Europe/London'), '2026-03-31 10:00');
    });

    test('Europe/Berlin: 10:00 CET on Saturday is due 09:00 UTC on Tuesday, 11:00 CEST', () => {
      const due = notifyBy('2026-03-28T10:00:00+01:00');
      assert.equal(due, '2026-03-31T09:00:00.000Z');
      assert.equal(wallClock(due, 'Europe/Berlin'), '2026-03-31 11:00');
    });

    test('awareness just before and just after the 01:00 UTC change are 72 hours apart from their deadlines', () => {
      assert.equal(notifyBy('2026-03-29T00:59:59+00:00'), '2026-04-01T00:59:59.000Z');
      assert.equal(notifyBy('2026-03-29T03:00:00+02:00'), '2026-04-01T01:00:00.000Z', '03:00 CEST, the first instant of summer time in Berlin');
      assert.equal(notifyBy('2026-03-29T02:00:00+01:00'), '2026-04-01T01:00:00.000Z', '02:00 BST, the first instant of summer time in London');
    });
  });

  describe('across the end of summer time (Sunday 25 October 2026)', () => {
    test('Europe/London: 09:00 BST on Saturday is due 08:00 UTC on Tuesday, 08:00 GMT (one wall-clock hour earlier)', () => {
      const due = notifyBy('2026-10-24T09:00:00+01:00');
      assert.equal(due, '2026-10-27T08:00:00.000Z');
      assert.equal(wallClock(due, 'Europe/London'), '2026-10-27 08:00');
    });

    test('Europe/Berlin: 12:00 CEST on Saturday is due 10:00 UTC on Tuesday, 11:00 CET', () => {
      const due = notifyBy('2026-10-24T12:00:00+02:00');
      assert.equal(due, '2026-10-27T10:00:00.000Z');
      assert.equal(wallClock(due, 'Europe/Berlin'), '2026-10-27 11:00');
    });

    test('the repeated hour is two different instants, told apart by the offset', () => {
      // 01:30 happens twice in London on 25 October 2026: first in BST (+01:00), then in GMT.
      assert.equal(notifyBy('2026-10-25T01:30:00+01:00'), '2026-10-28T00:30:00.000Z');
      assert.equal(notifyBy('2026-10-25T01:30:00+00:00'), '2026-10-28T01:30:00.000Z');
      // 02:30 happens twice in Berlin: CEST (+02:00), then CET (+01:00).
      assert.equal(notifyBy('2026-10-25T02:30:00+02:00'), '2026-10-28T00:30:00.000Z');
      assert.equal(notifyBy('2026-10-25T02:30:00+01:00'), '2026-10-28T01:30:00.000Z');
    });
  });

  test('every hour of 2026 in London and Berlin offsets: exactly 72 hours of elapsed time, always UTC', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    for (let t = start; t < Date.parse('2027-01-01T00:00:00Z'); t += HOUR + 17 * 60_000) {
      for (const offsetMinutes of [0, 60, 120, -300, 330]) {
        const local = new Date(t + offsetMinutes * 60_000).toISOString().slice(0, 19);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(offsetMinutes);
        const given = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const due = notifyBy(given);
        assert.match(due, /Z$/);
        assert.equal(Date.parse(due) - Date.parse(utcInstant(given)), NOTIFY_WITHIN_MS, given);
        assert.equal(Date.parse(utcInstant(given)), Math.floor(t / 1000) * 1000, given);
      }
    }
  });
});

describe('lateness', () => {
  test('a notice at notifyBy exactly is on time; a millisecond later it is late', () => {
    const due = notifyBy('2026-03-28T09:00:00Z');
    assert.equal(isLate(new Date(due), due), false);
    assert.equal(isLate(new Date(Date.parse(due) + 1), due), true);
    assert.equal(isLate(new Date(Date.parse(due) - HOUR), due), false);
  });
});

describe('displayInstant', () => {
  test('gives UTC and the local time with its offset in the zone', () => {
    assert.equal(displayInstant('2026-03-31T09:00:00.000Z', 'Europe/London'), '2026-03-31T09:00:00.000Z (2026-03-31 10:00 Europe/London, UTC+01:00)');
    assert.equal(displayInstant('2026-01-15T09:00:00.000Z', 'Europe/London'), '2026-01-15T09:00:00.000Z (2026-01-15 09:00 Europe/London, UTC+00:00)');
    assert.equal(displayInstant('2026-10-25T00:30:00.000Z', 'Europe/Berlin'), '2026-10-25T00:30:00.000Z (2026-10-25 02:30 Europe/Berlin, UTC+02:00)');
    assert.equal(displayInstant('2026-10-25T01:30:00.000Z', 'Europe/Berlin'), '2026-10-25T01:30:00.000Z (2026-10-25 02:30 Europe/Berlin, UTC+01:00)');
  });
});
