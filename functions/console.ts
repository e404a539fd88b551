// The console's static files (a single-page app, see console/README.md): the one anonymous route
// family besides health, the JWKS and the OpenAPI document. The files hold no data; every call the
// page makes goes to the documented API with the signed-in user's bearer token. Served by this app
// rather than a separate Static Web App so the page and the API share one origin (no CORS, one
// deployment, one address), and the sign-in settings below come from the app's own settings.
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { existsSync, readFileSync } from 'node:fs';
import { extname, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { publicRoute } from '../shared/http/api-routes.js';

/** dist/console/<bundle>/: `dev` (with the development sign-in) exists only in a local build; a package holds `prod` alone. */
const bundlesRoot = fileURLToPath(new URL('../console/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** The page's content security: scripts and styles from this origin only; API calls to it and, in Azure, to Entra ID. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https://login.microsoftonline.com",
  "frame-src 'self' https://login.microsoftonline.com",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function bundleDir(): string {
  const wantsDev = process.env['LOCAL_DEVELOPMENT'] === 'true' && existsSync(`${bundlesRoot}dev`);
  return `${bundlesRoot}${wantsDev ? 'dev' : 'prod'}`;
}

/**
 * How the page signs in, from the app settings (public values only, no secret): in Azure, Entra ID
 * through MSAL with the app registration's client id, the authority and the API scope; locally, the
 * development issuer.
 */
export function consoleConfig(env: Record<string, string | undefined> = process.env): Record<string, string> {
  if (env['LOCAL_DEVELOPMENT'] === 'true' && existsSync(`${bundlesRoot}dev`)) return { signIn: 'development' };
  return {
    signIn: 'entra',
    clientId: env['CONSOLE_ENTRA_CLIENT_ID'] ?? '',
    authority: env['CONSOLE_ENTRA_AUTHORITY'] ?? '',
    apiScope: env['CONSOLE_API_SCOPE'] ?? '',
  };
}

export function serveConsole(request: HttpRequest): HttpResponseInit {
  const url = new URL(request.url);
  const path = request.params['path'] ?? '';
  // `/api/console` without the slash: relative asset paths need the folder form.
  if (!url.pathname.endsWith('/') && path === '') return { status: 308, headers: { location: `${url.pathname}/` } };
  const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
  if (path === 'config.json') {
    return { status: 200, headers: { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(consoleConfig()) };
  }
  const dir = bundleDir();
  const file = normalize(`${dir}/${path === '' ? 'index.html' : path}`);
  const type = CONTENT_TYPES[extname(file)];
  if (!file.startsWith(`${dir}${sep}`) || !type || !existsSync(file)) {
    return { status: 404, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
  }
  return { status: 200, headers: { ...headers, 'content-type': type, 'cache-control': 'no-cache' }, body: readFileSync(file) };
}

publicRoute(
  'console',
  {
    route: 'console/{*path}',
    method: 'GET',
    summary: "The console's static files (a single-page app; every call it makes carries the user's token)",
    tag: 'Platform',
    why: 'the page has to load before anyone can sign in; it holds no data',
    responses: { 200: { contentType: 'text/html', schema: z.string().meta({ id: 'ConsoleFile' }) } },
  },
  serveConsole,
);
