// The lockbox's pure rules: which accesses are transfers and on what basis, durations, and the
// status a grant has by the clock alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessTransfer, isCountryCode } from '../../shared/support-access/transfer.js';
import { durationMs, requestGrantSchema, statusAt } from '../../shared/support-access/grant.js';

const safeguards = { ukIdta: 'IDTA-1', euSccs: 'SCC-1', tias: { US: 'TIA-US', IN: 'TIA-IN' } };

test('access from inside the region geography is no transfer', () => {
  assert.deepEqual(assessTransfer('uksouth', 'GB', safeguards), { transfer: null });
  assert.deepEqual(assessTransfer('eu', 'DE', safeguards), { transfer: null });
  assert.deepEqual(assessTransfer('eu', 'NO', safeguards), { transfer: null });
});

test('UK and EEA rely on adequacy both ways; other adequate countries too', () => {
  assert.deepEqual(assessTransfer('uksouth', 'FR', safeguards), {
    transfer: { from: 'UK', to: 'FR', basis: 'adequacy', instrument: 'UK adequacy regulations (FR)' },
  });
  assert.deepEqual(assessTransfer('eu', 'GB', safeguards), {
    transfer: { from: 'EEA', to: 'GB', basis: 'adequacy', instrument: 'EU adequacy decision, Art 45 GDPR (GB)' },
  });
  assert.equal((assessTransfer('eu', 'JP', safeguards) as { transfer: { basis: string } }).transfer.basis, 'adequacy');
});

test('elsewhere the configured IDTA or SCCs apply with the destination TIA, or the access is refused', () => {
  assert.deepEqual(assessTransfer('uksouth', 'US', safeguards), {
    transfer: { from: 'UK', to: 'US', basis: 'uk-idta', instrument: 'IDTA-1', tiaReference: 'TIA-US' },
  });
  assert.deepEqual(assessTransfer('eu', 'IN', safeguards), {
    transfer: { from: 'EEA', to: 'IN', basis: 'eu-sccs', instrument: 'SCC-1', tiaReference: 'TIA-IN' },
  });
  assert.ok('refused' in assessTransfer('eu', 'BR', safeguards), 'no TIA for BR');
  assert.ok('refused' in assessTransfer('uksouth', 'US', { tias: { US: 'TIA-US' } }), 'no IDTA configured');
});

test('country codes are ISO 3166-1 alpha-2 countries, not groupings', () => {
  assert.equal(isCountryCode('DE'), true);
  for (const code of ['EU', 'UN', 'XX', 'de', 'DEU', '']) assert.equal(isCountryCode(code), false, code);
});

test('durations are hours and minutes, at most 8 hours, at most 1 hour for break-glass', () => {
  assert.equal(durationMs('PT4H'), 4 * 3600_000);
  assert.equal(durationMs('PT1H30M'), 90 * 60_000);
  for (const bad of ['P1D', 'PT', '4H', 'PT4.5H', 'PT4S']) assert.equal(durationMs(bad), undefined, bad);
  const base = { reason: 'Login loop for several users', ticket: 'SUP-1', scope: ['users:read'], origin: 'GB' };
  assert.equal(requestGrantSchema.safeParse({ ...base, duration: 'PT8H' }).success, true);
  const tooLong = requestGrantSchema.safeParse({ ...base, duration: 'PT8H1M' });
  assert.deepEqual(tooLong.error?.issues.map((i) => i.path.join('.')), ['duration']);
  const glass = requestGrantSchema.safeParse({ ...base, duration: 'PT2H', emergency: true });
  assert.deepEqual(glass.error?.issues.map((i) => i.path.join('.')), ['duration']);
});

test('a grant is judged by the clock: expired from its expiresAt on, lapsed from its decision deadline on', () => {
  const active = { status: 'active' as const, expiresAt: '2026-12-01T12:00:00.000Z', decideBy: '2026-12-02T08:00:00.000Z' };
  assert.equal(statusAt(active, new Date('2026-12-01T11:59:59.999Z')), 'active');
  assert.equal(statusAt(active, new Date('2026-12-01T12:00:00.000Z')), 'expired');
  const pending = { status: 'pending' as const, decideBy: '2026-12-02T08:00:00.000Z' };
  assert.equal(statusAt(pending, new Date('2026-12-02T07:59:59.999Z')), 'pending');
  assert.equal(statusAt(pending, new Date('2026-12-02T08:00:00.000Z')), 'expired');
});
