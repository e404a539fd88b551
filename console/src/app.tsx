// The console's shell: sign-in, then the views the token's roles allow, one per hash route
// (#/ops/board, #/tenant/dsars, ...), with a navigation reachable by keyboard.
import './app.css';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, identityOf, type Identity, type TokenSource } from './api.js';
import { Attention, BreachBoard, OpenBreach } from './ops.js';
import type { SignIn } from './session.js';
import { Dsars, Exports, Notices, SupportAccess, TerminationView } from './tenant.js';
import { Progress } from './ui.js';

const OPS_VIEWS = [
  ['ops/board', 'Breach board'],
  ['ops/open', 'Open a breach'],
  ['ops/attention', 'Workflows and grace'],
] as const;
const TENANT_VIEWS = [
  ['tenant/dsars', 'Requests'],
  ['tenant/notices', 'Breach notices'],
  ['tenant/exports', 'Exports'],
  ['tenant/termination', 'Termination'],
  ['tenant/support', 'Support access'],
] as const;

function useHash(): [string, (next: string) => void] {
  const [hash, setHash] = useState(location.hash.replace(/^#\/?/, ''));
  useEffect(() => {
    const onChange = () => setHash(location.hash.replace(/^#\/?/, ''));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return [hash, (next) => (location.hash = `#/${next}`)];
}

function Console(props: { signIn: SignIn; source: TokenSource; identity: Identity; onSignOut: () => void }) {
  const { identity } = props;
  const api = useMemo(() => new Api(props.source), [props.source]);
  const [hash, go] = useHash();
  const isOps = identity.roles.some((r) => r.startsWith('ops.'));
  const isAdmin = identity.roles.includes('tenant.admin') && identity.tenantId !== undefined;
  const views = [...(isOps ? OPS_VIEWS : []), ...(isAdmin ? TENANT_VIEWS : [])];
  const current = views.find(([path]) => path === hash)?.[0] ?? views[0]?.[0];
  const title = views.find(([path]) => path === current)?.[1] ?? 'Console';
  useEffect(() => {
    document.title = `${title} · Privacy operations console`;
  }, [title]);
  const tenantId = identity.tenantId ?? '';
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <p class="brand">Privacy operations console</p>
        <p class="who">
          {identity.roles.join(', ')}
          {identity.tenantId ? ` · ${identity.tenantId}` : ''}
          {props.signIn.kind === 'development' ? ' · development sign-in' : ''}
        </p>
        <button type="button" class="btn" onClick={props.onSignOut}>Sign out</button>
      </header>
      <nav aria-label="Views">
        <ul>
          {views.map(([path, label]) => (
            <li key={path}>
              <a href={`#/${path}`} aria-current={path === current ? 'page' : undefined}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <h1>{title}</h1>
        {views.length === 0 ? <p>Your roles ({identity.roles.join(', ') || 'none'}) have no view in this console.</p> : null}
        {current === 'ops/board' ? <BreachBoard key="board" api={api} /> : null}
        {current === 'ops/open' ? <OpenBreach api={api} onOpened={() => go('ops/board')} /> : null}
        {current === 'ops/attention' ? <Attention api={api} /> : null}
        {current === 'tenant/dsars' ? <Dsars api={api} tenantId={tenantId} /> : null}
        {current === 'tenant/notices' ? <Notices api={api} tenantId={tenantId} /> : null}
        {current === 'tenant/exports' ? <Exports api={api} tenantId={tenantId} /> : null}
        {current === 'tenant/termination' ? <TerminationView api={api} tenantId={tenantId} /> : null}
        {current === 'tenant/support' ? <SupportAccess api={api} tenantId={tenantId} /> : null}
      </main>
    </>
  );
}

function App(props: { signIn: SignIn }) {
  const { signIn } = props;
  const [state, setState] = useState<{ phase: 'restoring' } | { phase: 'out'; error?: unknown } | { phase: 'in'; source: TokenSource; identity: Identity }>({ phase: 'restoring' });
  const enter = async (source: TokenSource): Promise<void> => setState({ phase: 'in', source, identity: identityOf(await source(false)) });
  useEffect(() => {
    Promise.resolve(signIn.restore())
      .then((source) => (source ? enter(source) : setState({ phase: 'out' })))
      .catch((error: unknown) => setState({ phase: 'out', error }));
  }, []);
  if (state.phase === 'restoring') return <main id="main"><Progress text="Signing in…" /></main>;
  if (state.phase === 'out') {
    return (
      <main id="main">
        {state.error ? <p role="alert" class="problem">{String(state.error)}</p> : null}
        <signIn.Form onSignedIn={(source) => void enter(source)} />
      </main>
    );
  }
  return (
    <Console
      signIn={signIn}
      source={state.source}
      identity={state.identity}
      onSignOut={() => {
        signIn.signOut();
        location.hash = '';
        setState({ phase: 'out' });
      }}
    />
  );
}

export function start(signIn: SignIn): void {
  render(<App signIn={signIn} />, document.getElementById('app')!);
}
