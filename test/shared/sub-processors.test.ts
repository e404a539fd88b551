// The sub-processor list's pure rules: what the system runs on (Sentry only when configured, each
// region's Azure location), how a change applies, which changes do not fit, where the documents
// disagree, and the settings that shape it (notice period, data locations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../shared/config.js';
import {
  applyChange,
  changeProblem,
  documentDiscrepancies,
  entryKey,
  systemSubProcessors,
  type SubProcessorInput,
} from '../../shared/sub-processors/registry.js';
import { changeMilestones, earliestEffectiveAt } from '../../shared/sub-processors/change.js';

const settings = (): Record<string, string> => (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
const SINCE = '2026-12-01T00:00:00.000Z';
const DAY = 24 * 3600_000;

const entry = (name: string, service: string): SubProcessorInput => ({
  name,
  service,
  purpose: 'p',
  dataCategories: ['d'],
  locations: ['Germany'],
  transferMechanism: 'none',
});

test('the system list names Azure per service in each region and Sentry only when a DSN is set', () => {
  const config = loadConfig({ ...settings(), DATA_LOCATION_EU: 'francecentral' });
  const list = systemSubProcessors(config, SINCE);
  assert.ok(list.every((e) => e.since === SINCE));
  assert.deepEqual(list.find((e) => e.service === 'Azure Cosmos DB')?.locations, ['uksouth', 'francecentral']);
  assert.ok(!list.some((e) => e.name === 'Sentry'));
  const withSentry = systemSubProcessors(loadConfig({ ...settings(), SENTRY_DSN: 'https://key@sentry.example.com/1' }), SINCE);
  assert.equal(withSentry.filter((e) => e.name === 'Sentry').length, 1);
});

test('a change adds, replaces or removes the entry of its provider and service, dated from its instant', () => {
  const base = systemSubProcessors(loadConfig(settings()), SINCE);
  const added = applyChange(base, { kind: 'add', subProcessor: entry('Mailgun', 'Email') }, '2027-01-10T00:00:00.000Z');
  assert.equal(added.length, base.length + 1);
  assert.equal(added.find((e) => e.name === 'Mailgun')?.since, '2027-01-10T00:00:00.000Z');
  const modified = applyChange(added, { kind: 'modify', subProcessor: { ...entry('mailgun', 'email'), locations: ['Ireland'] } }, '2027-02-10T00:00:00.000Z');
  assert.equal(modified.length, added.length, 'matched without case');
  assert.deepEqual(modified.find((e) => entryKey(e) === 'mailgun|email')?.locations, ['Ireland']);
  const removed = applyChange(modified, { kind: 'remove', subProcessor: entry('Mailgun', 'Email') }, '2027-03-10T00:00:00.000Z');
  assert.deepEqual(removed.map(entryKey), base.map(entryKey));
});

test('a change that does not fit the list is named: adding what is there, changing or removing what is not', () => {
  const base = systemSubProcessors(loadConfig(settings()), SINCE);
  assert.match(changeProblem(base, { kind: 'add', subProcessor: entry('Microsoft Azure', 'Azure Key Vault') }) ?? '', /already on the list/);
  assert.match(changeProblem(base, { kind: 'remove', subProcessor: entry('Resend', 'Email') }) ?? '', /not on the list/);
  assert.match(changeProblem(base, { kind: 'modify', subProcessor: entry('Resend', 'Email') }) ?? '', /not on the list/);
  assert.equal(changeProblem(base, { kind: 'modify', subProcessor: entry('Microsoft Azure', 'Azure Key Vault') }), undefined);
});

test('the privacy notice (Resend / Brevo, Sentry) and the DPA (AWS) disagree with the system, and the disagreement goes once they match', () => {
  const config = loadConfig(settings());
  const base = systemSubProcessors(config, SINCE);
  const says = documentDiscrepancies(base, config).map((d) => `${d.document}: ${d.says}`);
  assert.ok(says.some((s) => s.startsWith('privacy notice: Resend / Brevo')));
  assert.ok(says.some((s) => s.startsWith('privacy notice: Sentry')));
  assert.ok(says.some((s) => s.startsWith('DPA: §4.1 "AWS infrastructure"')));
  const withBrevo = applyChange(base, { kind: 'add', subProcessor: entry('Brevo', 'Transactional email') }, SINCE);
  assert.ok(!documentDiscrepancies(withBrevo, config).some((d) => d.says.startsWith('Resend / Brevo')));
});

test('the reminders fall 7 days (tenants) and 3 days (ops) before the instant; the earliest instant is the notice period ahead', () => {
  const at = new Date('2027-01-31T12:00:00Z');
  const { tenantReminderAt, opsReminderAt } = changeMilestones(at);
  assert.equal(tenantReminderAt.toISOString(), '2027-01-24T12:00:00.000Z');
  assert.equal(opsReminderAt.toISOString(), '2027-01-28T12:00:00.000Z');
  const config = loadConfig(settings());
  assert.equal(config.subProcessors.noticePeriodMs, 30 * DAY);
  assert.equal(earliestEffectiveAt(at, config.subProcessors.noticePeriodMs).toISOString(), '2027-03-02T12:00:00.000Z');
});

test('SUBPROCESSOR_NOTICE_PERIOD takes weeks, days and hours, and refuses months, years and nonsense by name', () => {
  assert.equal(loadConfig({ ...settings(), SUBPROCESSOR_NOTICE_PERIOD: 'P6W' }).subProcessors.noticePeriodMs, 42 * DAY);
  assert.equal(loadConfig({ ...settings(), SUBPROCESSOR_NOTICE_PERIOD: 'P30DT12H' }).subProcessors.noticePeriodMs, 30.5 * DAY);
  assert.equal(loadConfig({ ...settings(), SUBPROCESSOR_NOTICE_PERIOD: 'P1W2DT3H4M5S' }).subProcessors.noticePeriodMs, ((((9 * 24 + 3) * 60 + 4) * 60 + 5) * 1000));
  assert.equal(loadConfig({ ...settings(), SUBPROCESSOR_NOTICE_PERIOD: 'PT90M' }).subProcessors.noticePeriodMs, 90 * 60_000);
  for (const bad of ['P1M', 'P1Y', '30 days', 'P0D', 'PT', 'PT0S', 'P1DT', 'P-1D', 'P1.5D', 'P99999999999999999D']) {
    assert.throws(
      () => loadConfig({ ...settings(), SUBPROCESSOR_NOTICE_PERIOD: bad }),
      (error: unknown) => error instanceof ConfigError && error.problems.some((p) => p.setting === 'SUBPROCESSOR_NOTICE_PERIOD'),
      bad,
    );
  }
});

test('a data location outside its region\'s geography is refused by name', () => {
  assert.throws(
    () => loadConfig({ ...settings(), DATA_LOCATION_EU: 'uksouth' }),
    (error: unknown) => error instanceof ConfigError && error.problems[0]?.setting === 'DATA_LOCATION_EU',
  );
  assert.throws(
    () => loadConfig({ ...settings(), DATA_LOCATION_UKSOUTH: 'westeurope' }),
    (error: unknown) => error instanceof ConfigError && error.problems[0]?.setting === 'DATA_LOCATION_UKSOUTH',
  );
  assert.equal(loadConfig({ ...settings(), DATA_LOCATION_UKSOUTH: 'ukwest' }).regions.uksouth.location, 'ukwest');
});

test('objections and ops reminders go to OPS_PLATFORM_EMAIL, or to the DPO when it is unset', () => {
  const { OPS_PLATFORM_EMAIL: _unset, ...without } = settings();
  assert.equal(loadConfig(without).subProcessors.opsEmail, settings()['DPO_EMAIL']);
  assert.equal(loadConfig(settings()).subProcessors.opsEmail, 'platform-team@ops.notifications.local');
});
