// The evidence pack's pure parts: the ustar archive reads back byte for byte (and with the standard
// header checksum), and DSAR statistics judge "on time" in the jurisdiction's calendar against the
// deadline in force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTar, tarArchive } from '../../shared/processing/tar.js';
import { dsarStatistics, type DsarFacts } from '../../shared/processing/dsar-statistics.js';
import type { CalendarDate } from '../../shared/deadlines/index.js';

test('a tar archive holds each file whole, in order, padded to 512-byte blocks with a valid header checksum', () => {
  const files = [
    { name: 'a.json', content: Buffer.from('{"a":1}\n') },
    { name: 'empty.txt', content: Buffer.alloc(0) },
    { name: 'block.bin', content: Buffer.alloc(512, 7) },
    { name: 'b.txt', content: Buffer.from('é'.repeat(300)) },
  ];
  const archive = tarArchive(files, new Date('2026-12-01T00:00:00Z'));
  assert.equal(archive.length % 512, 0);
  assert.deepEqual(readTar(archive).map((f) => [f.name, f.content.toString('hex')]), files.map((f) => [f.name, f.content.toString('hex')]));
  const header = archive.subarray(0, 512);
  const stored = parseInt(header.subarray(148, 156).toString('ascii'), 8);
  const copy = Buffer.from(header);
  copy.fill(0x20, 148, 156);
  assert.equal(stored, copy.reduce((sum, b) => sum + b, 0));
  assert.equal(header.subarray(257, 262).toString('ascii'), 'ustar');
  assert.throws(() => tarArchive([{ name: 'x'.repeat(101), content: Buffer.alloc(1) }], new Date()), /at most 100 bytes/);
});

const facts = (over: Partial<DsarFacts>): DsarFacts => ({
  requestType: 'access',
  status: 'received',
  jurisdiction: 'GB-ENG',
  extended: false,
  dueOn: '2027-01-15' as CalendarDate,
  ...over,
});

test('DSAR statistics count answered on time and late in the jurisdiction calendar, open and overdue, extended and cancelled, per type', () => {
  const now = new Date('2027-01-20T12:00:00Z');
  const stats = dsarStatistics(
    [
      facts({ status: 'completed', closedAt: '2027-01-15T23:30:00Z' }), // 23:30 UTC on the due day in London: on time
      facts({ status: 'completed', closedAt: '2027-01-15T23:30:00Z', jurisdiction: 'DE' }), // 00:30 on the 16th in Berlin: late
      facts({ status: 'refused', closedAt: '2027-01-10T09:00:00Z', requestType: 'erasure' }),
      facts({ status: 'extended', extended: true, dueOn: '2027-03-15' as CalendarDate }),
      facts({ status: 'received' }), // due the 15th, still open on the 20th
      facts({ status: 'cancelled', requestType: 'erasure' }),
    ],
    now,
  );
  assert.deepEqual(stats.total, { received: 6, answeredOnTime: 2, answeredLate: 1, extended: 1, openWithinDeadline: 1, openOverdue: 1, cancelled: 1 });
  assert.deepEqual(stats.byType.erasure, { received: 2, answeredOnTime: 1, answeredLate: 0, extended: 0, openWithinDeadline: 0, openOverdue: 0, cancelled: 1 });
  assert.equal(stats.byType.portability.received, 0);
});
