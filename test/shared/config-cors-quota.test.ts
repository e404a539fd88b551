// The settings infra/ sets for CORS, the email quota and telemetry retention: parsed once, with the
// same rules the templates apply (no wildcard origin outside local development).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, corsSettings, loadConfig } from '../../shared/config.js';

const example = (): Record<string, string> => (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
const azure = (overrides: Record<string, string>): Record<string, string> => ({ ...example(), LOCAL_DEVELOPMENT: 'false', ...overrides });

function problems(env: Record<string, string>): { setting: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  return assert.fail('expected the settings to be refused');
}

test('allowed origins are a comma-separated list of exact origins', () => {
  const config = loadConfig(azure({ CORS_ALLOWED_ORIGINS: ' https://portal.example.com ,https://admin.example.com:8443,' }));
  assert.deepEqual(config.cors.allowedOrigins, ['https://portal.example.com', 'https://admin.example.com:8443']);
  assert.deepEqual(loadConfig(azure({ CORS_ALLOWED_ORIGINS: '' })).cors.allowedOrigins, [], 'none: browsers on other origins cannot call the API');
});

test('an origin with a path, a trailing slash or another scheme is refused by name', () => {
  for (const value of ['https://portal.example.com/', 'https://portal.example.com/app', 'portal.example.com', 'ftp://portal.example.com']) {
    const found = problems(azure({ CORS_ALLOWED_ORIGINS: value }));
    assert.equal(found[0]?.setting, 'CORS_ALLOWED_ORIGINS', value);
    assert.match(found[0]!.message, /is not an origin/, value);
  }
});

test('a wildcard origin is refused outside local development and allowed on a developer machine', () => {
  assert.deepEqual(problems(azure({ CORS_ALLOWED_ORIGINS: 'https://portal.example.com,*' })).map((p) => p.setting), ['CORS_ALLOWED_ORIGINS']);
  assert.deepEqual(loadConfig({ ...example(), CORS_ALLOWED_ORIGINS: '*' }).cors.allowedOrigins, ['*']);
});

test('the local host reads the same setting with the same rules, without the rest of the settings', () => {
  assert.deepEqual(corsSettings({ CORS_ALLOWED_ORIGINS: 'https://portal.example.com' }).allowedOrigins, ['https://portal.example.com']);
  assert.deepEqual(corsSettings({}).allowedOrigins, []);
  assert.throws(() => corsSettings({ CORS_ALLOWED_ORIGINS: 'https://portal.example.com/' }), ConfigError);
});

test('the email quota defaults to the custom-domain starting limits and is overridable', () => {
  const defaults = loadConfig(azure({ EMAIL_QUOTA_PER_MINUTE: '', EMAIL_QUOTA_PER_HOUR: '' }));
  assert.deepEqual(defaults.email.quota, { perMinute: 30, perHour: 100 });
  assert.deepEqual(loadConfig(azure({ EMAIL_QUOTA_PER_MINUTE: '600', EMAIL_QUOTA_PER_HOUR: '20000' })).email.quota, { perMinute: 600, perHour: 20000 });
  assert.deepEqual(problems(azure({ EMAIL_QUOTA_PER_HOUR: '0' })).map((p) => p.setting), ['EMAIL_QUOTA_PER_HOUR']);
});

test('telemetry retention is stated in days, 30 by default', () => {
  assert.equal(loadConfig(azure({ TELEMETRY_RETENTION_DAYS: '' })).retention.telemetryDays, 30);
  assert.equal(loadConfig(azure({ TELEMETRY_RETENTION_DAYS: '90' })).retention.telemetryDays, 90);
});
