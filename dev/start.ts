// `npm start`: the whole system on this machine, on embedded defaults. Starts the local Azure
// stand-ins and the Functions host on 127.0.0.1:7071, and prints every address.
// Every stand-in, the task hub and the clock keep their data in the state folder; a plain start
// empties it first, `--keep-state` resumes with what it held when the system stopped or was killed.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { launchHost, launchPlatform } from './launcher.js';

const projectRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env['PORT'] ?? '7071' },
    'virtual-clock': { type: 'boolean', default: false },
    'state-dir': { type: 'string', default: join(projectRoot, '.local') },
    'keep-state': { type: 'boolean', default: false },
  },
});
const stateDir = resolve(values['state-dir']);
const clock = values['virtual-clock'] ? 'virtual' : 'real';

mkdirSync(stateDir, { recursive: true });
if (!values['keep-state']) emptyStateFolder(stateDir);

const platform = await launchPlatform({ stateDir, clock, echo: true, persist: true });
let host;
try {
  host = await launchHost({ stateDir, clock, port: Number(values.port), platformFile: platform.addressesFile, echo: true });
} catch (error) {
  await platform.stop();
  throw error;
}

const a = platform.addresses;
const row = (label: string, value: string): string => `  ${label.padEnd(22)}${value}`;
const lines = [
  '',
  `Privacy operations back end is running locally (${clock} clock).`,
  row('Console', `${host.url}/api/console/   (development sign-in: pick a role and a tenant)`),
  row('Functions host', `${host.url}/api            health: ${host.url}/api/health`),
  row('Durable management', `${host.url}/runtime/webhooks/durabletask/instances`),
  row('Dev clock', `${host.url}/runtime/dev/clock${clock === 'real' ? '  (read-only; start with -- --virtual-clock to move it)' : ''}`),
  row('Dev email outbox', `${host.url}/runtime/dev/outbox`),
  row('Dev token issuer', `npm run token -- --role tenant.admin --tenant <tenantId>   (JWKS ${host.url}/runtime/dev/issuer/jwks.json)`),
  ...Object.entries(a.cosmos).map(([region, c]) => row(`Cosmos DB ${region}`, c.endpoint)),
  ...Object.entries(a.storage).map(([region, s]) => row(`Blob storage ${region}`, s.blobUrl)),
  ...Object.entries(a.keyVault).map(([region, k]) => row(`Key Vault ${region}`, k.url)),
  row('Email (ACS)', a.email.url),
  row('Platform control', a.controlUrl),
  row('State', `${stateDir}${values['keep-state'] ? '  (resumed)' : '  (started empty; -- --keep-state resumes it next time)'}`),
  'Press Ctrl+C to stop.',
  '',
];
process.stdout.write(lines.join('\n'));

let stopping = false;
const stop = async (code: number): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([host.stop(), platform.stop()]);
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
host.child.once('exit', (code) => void stop(code ?? 1));
platform.child.once('exit', (code) => void stop(code ?? 1));

/** A fresh start: everything but the development token key goes (tokens issued earlier stay valid). */
function emptyStateFolder(dir: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry !== 'dev-issuer-key.json') rmSync(join(dir, entry), { recursive: true, force: true });
  }
}
