// Entry point of the local host process (see dev/launcher.ts for how it is started).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startLocalHost } from './local-host.js';
import type { PlatformAddresses } from '../platform/addresses.js';

const projectRoot = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '7071' },
    'state-dir': { type: 'string', default: join(projectRoot, '.local') },
    clock: { type: 'string', default: 'real' },
    app: { type: 'string', multiple: true },
    platform: { type: 'string' },
  },
});

const log = (level: 'info' | 'warn' | 'error', message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
};

const stateDir = resolve(values['state-dir']);
const platformFile = values.platform;
const platform = platformFile && existsSync(platformFile) ? (JSON.parse(readFileSync(platformFile, 'utf8')) as PlatformAddresses) : undefined;
if (platformFile && !platform) {
  log('error', `platform addresses file ${platformFile} does not exist`);
  process.exit(2);
}
const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { main: string };

try {
  const host = await startLocalHost({
    port: Number(values.port),
    stateDir,
    clock: values.clock === 'virtual' ? 'virtual' : 'real',
    appModules: values.app && values.app.length > 0 ? values.app : [packageJson.main],
    ...(platform ? { platform } : {}),
    projectRoot,
    log,
  });
  process.stdout.write(`HOST_READY ${JSON.stringify({ url: host.url, functions: host.functionNames })}\n`);
  const stop = (): void => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  log('error', `the function app failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
