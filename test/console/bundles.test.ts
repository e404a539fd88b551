// The console's two builds: the development sign-in (the local token endpoint) is only in the dev
// bundle; the production bundle signs in with Entra ID (MSAL) alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const bundle = (name: string): string => readFileSync(new URL(`../../console/${name}/app.js`, import.meta.url), 'utf8');

test('the production bundle has no development sign-in; the dev bundle has no MSAL', () => {
  const prod = bundle('prod');
  const dev = bundle('dev');
  assert.doesNotMatch(prod, /runtime\/dev\/token/);
  assert.doesNotMatch(prod, /development issuer/);
  assert.match(prod, /acquireTokenSilent/);
  assert.match(dev, /runtime\/dev\/token/);
  assert.doesNotMatch(dev, /acquireTokenSilent/);
});
