// The whole system starts from the compiled app on embedded defaults, and a bad setting stops it
// with a message that names the setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchHost } from '../../dev/launcher.js';

test('npm start brings up every stand-in and the host, prints every address, and answers /api/health', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-start-'));
  const child = spawn(process.execPath, ['dist/dev/start.js', '--port', '0', '--state-dir', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const printed = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`not ready within 60 s:\n${out}`)), 60_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('Press Ctrl+C to stop.')) {
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
    });
    for (const label of [
      'Functions host',
      'Durable management',
      'Dev clock',
      'Dev email outbox',
      'Cosmos DB uksouth',
      'Cosmos DB eu',
      'Blob storage uksouth',
      'Blob storage eu',
      'Key Vault uksouth',
      'Key Vault eu',
      'Email (ACS)',
    ]) {
      assert.match(printed, new RegExp(`${label.replace(/[()]/g, '\\$&')}\\s+http://127\\.0\\.0\\.1:\\d+`), `${label} address printed`);
    }
    const hostUrl = /Functions host\s+(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(printed)![1]!;
    const health = await fetch(`${hostUrl}/api/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
  } finally {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test('a malformed setting stops the app at start-up with a message naming it', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-config-'));
  const settings = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
  try {
    await assert.rejects(
      launchHost({ stateDir, clock: 'virtual', env: { ...settings, COSMOS_ENDPOINT_EU: 'cosmos-in-the-eu' } }),
      /the function app failed to start: Invalid app settings: COSMOS_ENDPOINT_EU must be an http\(s\) URL/,
    );
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
