// `npm run token -- --role <role> [--role <role>] [--tenant <tenantId>] [--sub <id>] [--country <CC>]`: prints a JWT
// the local host accepts. Asks the running host first, so the token follows its (maybe virtual)
// clock; otherwise signs with the local issuer key directly.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DevIssuer } from './dev-issuer.js';

const ROLES = ['tenant.admin', 'ops.breach', 'ops.platform', 'support'];
const projectRoot = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    tenant: { type: 'string' },
    sub: { type: 'string' },
    /** The `ctry` claim Entra ID adds where configured: where the caller signed in from. */
    country: { type: 'string' },
    host: { type: 'string', default: process.env['HOST_URL'] ?? 'http://127.0.0.1:7071' },
    'state-dir': { type: 'string', default: join(projectRoot, '.local') },
  },
});
const roles = values.role ?? [];
const unknown = roles.filter((r) => !ROLES.includes(r));
if (roles.length === 0 || unknown.length > 0) {
  process.stderr.write(`usage: npm run token -- --role <${ROLES.join('|')}> [--tenant <tenantId>] [--sub <id>] [--country <CC>]\n`);
  process.exit(2);
}
const claims = {
  sub: values.sub ?? `dev-${roles[0]}`,
  roles,
  ...(values.tenant ? { tid: values.tenant } : {}),
  ...(values.country ? { ctry: values.country } : {}),
};

let token: string | undefined;
try {
  const response = await fetch(`${values.host}/runtime/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      roles,
      sub: claims.sub,
      ...(values.tenant ? { tenant: values.tenant } : {}),
      ...(values.country ? { country: values.country } : {}),
    }),
    signal: AbortSignal.timeout(2000),
  });
  if (response.ok) token = ((await response.json()) as { token: string }).token;
} catch {
  // no host running: sign locally
}
token ??= await (await DevIssuer.open(resolve(values['state-dir']))).sign(claims);
process.stdout.write(`${token}\n`);
