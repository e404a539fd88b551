// This app's local host: the generic host (dev/host) composed with what the privacy-ops app needs
// locally. Same command line as dev/host/main.ts, plus `--platform <file>`: where the platform
// process (dev/platform) reported its stand-ins, whose addresses become the app's settings.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CommandLineError, HOST_OPTIONS, hostCommandLine, runHostProcess, stderrLog } from './host/command-line.js';
import type { HostExtensionFactory } from './host/local-host.js';
import { DevIssuer } from './dev-issuer.js';
import { AppDevRoutes } from './app-dev-routes.js';
import { localAppSettings } from './app-settings.js';
import { corsSettings } from '../shared/config.js';
import type { PlatformAddresses } from './platform/addresses.js';

const projectRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/**
 * The development issuer, the outbox, the app's CORS setting (CORS_ALLOWED_ORIGINS, as the function
 * app's siteConfig.cors in Azure) and, with a platform, its addresses as settings and its clock kept in step.
 */
export function privacyOpsExtension(platform: PlatformAddresses | undefined): HostExtensionFactory {
  return async ({ origin, clock, stateDir }) => {
    const routes = new AppDevRoutes({ clock, issuer: await DevIssuer.open(stateDir), platform });
    return {
      appSettings: () => (platform ? localAppSettings(platform, origin) : {}),
      corsAllowedOrigins: () => corsSettings().allowedOrigins,
      handle: (req, res, url, body) => routes.handle(req, res, url, body),
      onClockMove: (now) => routes.pushClock(now),
      refuseDurableWrite: (req, res) => routes.refuseDurableWrite(req, res),
    };
  };
}

try {
  const { values } = parseArgs({ options: { ...HOST_OPTIONS, platform: { type: 'string' } } });
  const platformFile = values.platform;
  if (platformFile && !existsSync(platformFile)) throw new CommandLineError(`platform addresses file ${platformFile} does not exist`);
  const platform = platformFile ? (JSON.parse(readFileSync(platformFile, 'utf8')) as PlatformAddresses) : undefined;
  await runHostProcess(hostCommandLine({ ...values, root: values.root ?? projectRoot }), [privacyOpsExtension(platform)]);
} catch (error) {
  if (!(error instanceof CommandLineError) && !(error instanceof TypeError)) throw error;
  stderrLog('error', error.message);
  process.exit(2);
}
