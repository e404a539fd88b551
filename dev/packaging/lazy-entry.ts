// The production build's entry (package.json `main` in the deployment package). A cold start runs
// this alone: it validates the settings, as the app does when it loads, and registers every
// function and hook with the Functions worker from the manifest the build recorded
// (registrations.json, written by bundle-app.ts from the app chunk itself). The app chunk
// (lazy-app.ts: every module, handler and schema) then loads in the background, once; each handler
// waits for it and calls the handler the app registered under that name. A first invocation that
// arrives before it has loaded pays the rest; `npm run bench -- startup` reports both.
import { readFileSync } from 'node:fs';
import { app } from '@azure/functions';
import { loadConfig } from '../../shared/config.js';
import { loadOnce } from '../../shared/azure/load-once.js';
import { APP_CHUNK, MANIFEST_FILE } from './lazy-entry-files.js';
import type { recorded as Recorded, Registration } from './recorded-registrations.js';

loadConfig();

const manifest = JSON.parse(readFileSync(new URL(`./${MANIFEST_FILE}`, import.meta.url), 'utf8')) as Registration[];

type Handler = (...args: unknown[]) => unknown;

/**
 * Loads the app chunk once and checks it registers exactly what the manifest says (a manifest from
 * another build, or registrations that depend on settings, would not).
 */
const loadApp = loadOnce(async (): Promise<typeof Recorded> => {
  const { recorded } = (await import(new URL(`./${APP_CHUNK}`, import.meta.url).href)) as { recorded: typeof Recorded };
  if (JSON.stringify(recorded.registrations) !== JSON.stringify(manifest)) {
    throw new Error(`${APP_CHUNK} registers other functions than ${MANIFEST_FILE} lists: the deployment package is inconsistent; rebuild it`);
  }
  return recorded;
});

const lazyHandler =
  (name: string): Handler =>
  async (...args) =>
    (await loadApp()).handlers.get(name)!(...args);

const lazyHook =
  (index: number): Handler =>
  async (...args) =>
    (await loadApp()).hooks[index]!(...args);

const register = app as unknown as Record<string, (name: string, options: Record<string, unknown>) => void>;
const hooks = app.hook as unknown as Record<string, (handler: Handler) => void>;

for (const registration of manifest) {
  if (registration.kind === 'setup') app.setup(registration.options);
  else if (registration.kind === 'hook') hooks[registration.hook]!(lazyHook(registration.index));
  else register[registration.method]!(registration.name, { ...registration.options, handler: lazyHandler(registration.name) });
}

// The worker has every registration once this module has run. The app chunk then loads in the
// background: the first invocation finds it loaded or loading (or tries again if this failed), and
// a chunk that cannot load is in the start-up logs, not only in the first request's failure.
loadApp().catch((error: unknown) => {
  console.error(`The app chunk (${APP_CHUNK}) failed to load; each invocation tries again and fails while it cannot: ${error instanceof Error ? error.message : String(error)}`);
});
