// What a sign-in method gives the app: a token source (restored after a reload when possible), a
// form to sign in with, and sign-out. Development and Entra ID sign-in implement it (sign-in/).
import type { FunctionComponent } from 'preact';
import type { TokenSource } from './api.js';

export interface SignIn {
  kind: 'development' | 'entra';
  restore(): TokenSource | undefined | Promise<TokenSource | undefined>;
  signOut(): void;
  Form: FunctionComponent<{ onSignedIn: (source: TokenSource) => void }>;
}
