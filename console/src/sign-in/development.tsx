// Development sign-in (local only; not in the production bundle): pick a role and a tenant and get a
// token from the local host's development issuer, the one `npm run token` uses.
import { useState } from 'preact/hooks';
import { Field, Problem, Select } from '../ui.js';
import type { SignIn } from '../session.js';

const ROLE_CHOICES: [string, string][] = [
  ['ops', 'Vendor ops on call (ops.breach + ops.platform)'],
  ['ops.breach', 'Vendor breach team (ops.breach)'],
  ['tenant.admin', "Customer administrator / DPO (tenant.admin)"],
];

async function mint(roles: string[], tenant: string | undefined): Promise<string> {
  const response = await fetch('/runtime/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roles, sub: `console-${roles[0]}`, ...(tenant ? { tenant } : {}) }),
  });
  if (!response.ok) throw new Error(`the development issuer answered ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export const developmentSignIn: SignIn = {
  kind: 'development',
  restore() {
    const saved = sessionStorage.getItem('dev-sign-in');
    if (!saved) return undefined;
    const { roles, tenant } = JSON.parse(saved) as { roles: string[]; tenant?: string };
    return tokenSource(roles, tenant);
  },
  signOut() {
    sessionStorage.removeItem('dev-sign-in');
  },
  Form({ onSignedIn }) {
    const [choice, setChoice] = useState('ops');
    const [tenant, setTenant] = useState('');
    const [error, setError] = useState<unknown>();
    return (
      <form
        class="card sign-in"
        aria-labelledby="sign-in-h"
        onSubmit={(e) => {
          e.preventDefault();
          const roles = choice === 'ops' ? ['ops.breach', 'ops.platform'] : [choice];
          const t = choice === 'tenant.admin' ? tenant.trim() : undefined;
          if (choice === 'tenant.admin' && !t) {
            setError(new Error('a tenant id is needed for tenant.admin'));
            return;
          }
          const source = tokenSource(roles, t);
          source(true)
            .then(() => {
              sessionStorage.setItem('dev-sign-in', JSON.stringify({ roles, tenant: t }));
              onSignedIn(source);
            })
            .catch(setError);
        }}
      >
        <h1 id="sign-in-h">Sign in (development issuer)</h1>
        <p>Local development only: the token comes from this host's development issuer, as with <code>npm run token</code>.</p>
        <Problem error={error} />
        <Select label="Role" value={choice} onChange={setChoice} options={ROLE_CHOICES} />
        {choice === 'tenant.admin' ? <Field label="Tenant id" hint="t-uks-… or t-eu-…" value={tenant} onInput={setTenant} /> : null}
        <button type="submit" class="btn primary">Sign in</button>
      </form>
    );
  },
};

function tokenSource(roles: string[], tenant: string | undefined): (fresh: boolean) => Promise<string> {
  let token: Promise<string> | undefined;
  return (fresh) => {
    if (fresh || !token) token = mint(roles, tenant);
    return token;
  };
}
