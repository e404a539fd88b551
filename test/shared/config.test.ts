// Settings are validated once at start-up; every problem names the setting at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, SETTING_NAMES } from '../../shared/config.js';

function exampleSettings(): Record<string, string> {
  return (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
}

function problemsOf(env: Record<string, string | undefined>): { setting: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected the settings to be refused');
}

test('local.settings.example.json is a complete, valid set of settings', () => {
  const config = loadConfig(exampleSettings());
  assert.equal(config.localDevelopment, true);
  assert.equal(config.regions.eu.keyVaultUrl, 'http://127.0.0.1:8202/');
  assert.equal(config.retention.backupDays, 30);
  for (const name of SETTING_NAMES) assert.ok(name in exampleSettings(), `${name} is listed in local.settings.example.json`);
});

test('a missing setting is reported by name as required', () => {
  const env = { ...exampleSettings() };
  delete env['AUTH_JWKS_URL'];
  assert.deepEqual(problemsOf(env), [{ setting: 'AUTH_JWKS_URL', message: 'is required' }]);
});

test('an empty setting counts as missing, as in Azure app settings', () => {
  assert.deepEqual(problemsOf({ ...exampleSettings(), KEYVAULT_URL_EU: '  ' }), [{ setting: 'KEYVAULT_URL_EU', message: 'is required' }]);
});

test('malformed settings are each named with what is wrong', () => {
  const problems = problemsOf({ ...exampleSettings(), COSMOS_ENDPOINT_EU: 'not a url', EMAIL_SENDER_ADDRESS_EU: 'nobody', BACKUP_RETENTION_DAYS: '-3' });
  assert.deepEqual(problems.map((p) => p.setting).sort(), ['BACKUP_RETENTION_DAYS', 'COSMOS_ENDPOINT_EU', 'EMAIL_SENDER_ADDRESS_EU']);
  assert.match(problems.find((p) => p.setting === 'COSMOS_ENDPOINT_EU')!.message, /URL/);
});

test('optional settings take documented defaults and local-only secrets may be absent', () => {
  const env = { ...exampleSettings() };
  for (const name of [
    'COSMOS_KEY_UKSOUTH',
    'COSMOS_KEY_EU',
    'STORAGE_ACCOUNT_KEY_UKSOUTH',
    'STORAGE_ACCOUNT_KEY_EU',
    'EMAIL_ACCESS_KEY',
    'LOCAL_DEVELOPMENT',
    'KEY_SOFT_DELETE_RETENTION_DAYS',
    'COSMOS_DATABASE',
  ])
    delete env[name];
  const config = loadConfig(env);
  assert.equal(config.localDevelopment, false);
  assert.equal(config.regions.uksouth.cosmos.key, undefined);
  assert.equal(config.retention.keySoftDeleteDays, 7);
  assert.equal(config.cosmosDatabase, 'privacy-ops');
});

test('breach notification settings: the ops and escalation mailboxes and the DPO contact point are required and must be addresses', () => {
  const config = loadConfig(exampleSettings());
  assert.equal(config.breach.opsEmail, 'breach-team@ops.notifications.local');
  assert.equal(config.breach.escalationEmail, 'breach-escalation@ops.notifications.local');
  assert.deepEqual(config.breach.dpo, { name: 'Data Protection Officer', email: 'dpo@vendor.notifications.local' });
  const env: Record<string, string> = { ...exampleSettings(), OPS_ESCALATION_EMAIL: 'on-call' };
  delete env['OPS_BREACH_EMAIL'];
  assert.deepEqual(
    problemsOf(env).sort((a, b) => a.setting.localeCompare(b.setting)),
    [
      { setting: 'OPS_BREACH_EMAIL', message: 'is required' },
      { setting: 'OPS_ESCALATION_EMAIL', message: 'must be an email address' },
    ],
  );
});

test('the breach notification target is an ISO duration of 1 to 72 hours, 24 hours by default', () => {
  const { BREACH_NOTIFY_TARGET: _unset, ...rest } = exampleSettings();
  assert.equal(loadConfig(rest).breach.notifyTargetMs, 24 * 3600_000);
  assert.equal(loadConfig({ ...rest, BREACH_NOTIFY_TARGET: 'PT12H30M' }).breach.notifyTargetMs, 12.5 * 3600_000);
  for (const bad of ['PT73H', 'PT0H', '24h', 'P1D'])
    assert.deepEqual(
      problemsOf({ ...rest, BREACH_NOTIFY_TARGET: bad }).map((p) => p.setting),
      ['BREACH_NOTIFY_TARGET'],
      bad,
    );
});

test('the period a DSAR may wait on the person is whole months or days, one month by default', () => {
  const { DSAR_UNVERIFIED_CLOSE_AFTER: _unset, ...rest } = exampleSettings();
  assert.deepEqual(loadConfig(rest).dsar.unverifiedCloseAfter, { months: 1 });
  assert.deepEqual(loadConfig({ ...rest, DSAR_UNVERIFIED_CLOSE_AFTER: 'P30D' }).dsar.unverifiedCloseAfter, { days: 30 });
  for (const bad of ['P0M', 'P1Y', '30', 'P1M2D'])
    assert.deepEqual(
      problemsOf({ ...rest, DSAR_UNVERIFIED_CLOSE_AFTER: bad }).map((p) => p.setting),
      ['DSAR_UNVERIFIED_CLOSE_AFTER'],
      bad,
    );
});

test('support transfer safeguards: the TIA per destination is parsed, a malformed pair is named, and none configured means none', () => {
  const config = loadConfig(exampleSettings());
  assert.deepEqual(config.supportTransfers, {
    ukIdta: 'IDTA-2026-001',
    euSccs: 'SCC-2021/914-M3-2026-001',
    tias: { US: 'TIA-US-2026-01', IN: 'TIA-IN-2026-01' },
  });
  assert.deepEqual(problemsOf({ ...exampleSettings(), SUPPORT_TRANSFER_TIAS: 'US=TIA-1,usa=TIA-2' }), [
    { setting: 'SUPPORT_TRANSFER_TIAS', message: 'usa=TIA-2 is not COUNTRY=REFERENCE (an ISO 3166-1 alpha-2 code, then the TIA reference)' },
  ]);
  const none = loadConfig({ ...exampleSettings(), SUPPORT_TRANSFER_UK_IDTA: '', SUPPORT_TRANSFER_EU_SCCS: '', SUPPORT_TRANSFER_TIAS: '' });
  assert.deepEqual(none.supportTransfers, { tias: {} });
});
