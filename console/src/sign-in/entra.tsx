// Entra ID sign-in (Azure): MSAL's redirect flow for the app registration named in the settings
// (CONSOLE_ENTRA_CLIENT_ID, CONSOLE_ENTRA_AUTHORITY, CONSOLE_API_SCOPE; see console/README.md).
// The access token carries the same roles (app roles) the API checks.
import { PublicClientApplication, InteractionRequiredAuthError, type AccountInfo } from '@azure/msal-browser';
import type { SignIn } from '../session.js';

interface EntraConfig {
  clientId: string;
  authority: string;
  apiScope: string;
}

let msal: PublicClientApplication | undefined;
let config: EntraConfig | undefined;

async function client(): Promise<PublicClientApplication> {
  if (msal) return msal;
  config = (await (await fetch('config.json')).json()) as EntraConfig;
  if (!config.clientId || !config.authority || !config.apiScope) throw new Error('The console is not configured: set CONSOLE_ENTRA_CLIENT_ID, CONSOLE_ENTRA_AUTHORITY and CONSOLE_API_SCOPE.');
  msal = new PublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: `${location.origin}${location.pathname}` },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  const redirect = await msal.handleRedirectPromise();
  if (redirect?.account) msal.setActiveAccount(redirect.account);
  return msal;
}

function tokenSource(app: PublicClientApplication, account: AccountInfo): (fresh: boolean) => Promise<string> {
  return async (fresh) => {
    const request = { scopes: [config!.apiScope], account, forceRefresh: fresh };
    try {
      return (await app.acquireTokenSilent(request)).accessToken;
    } catch (error) {
      if (error instanceof InteractionRequiredAuthError) await app.acquireTokenRedirect(request);
      throw error;
    }
  };
}

export const entraSignIn: SignIn = {
  kind: 'entra',
  async restore() {
    const app = await client();
    const account = app.getActiveAccount() ?? app.getAllAccounts()[0];
    return account ? tokenSource(app, account) : undefined;
  },
  signOut() {
    void client().then((app) => app.logoutRedirect());
  },
  Form() {
    return (
      <div class="card sign-in">
        <h1>Sign in</h1>
        <p>Sign in with your organisation's Microsoft Entra ID account.</p>
        <button type="button" class="btn primary" onClick={() => void client().then((app) => app.loginRedirect({ scopes: [config!.apiScope] }))}>
          Sign in with Entra ID
        </button>
      </div>
    );
  },
};
