// Public keys that verify deletion certificates and other signed records (no authentication:
// anyone holding a certificate must be able to check it).
import { app, type HttpResponseInit } from '@azure/functions';
import { getServices } from '../shared/composition.js';
import { certificateJwks } from '../shared/crypto/signed-records.js';

export async function jwks(): Promise<HttpResponseInit> {
  const { vaults, stores } = getServices();
  return {
    status: 200,
    headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' },
    body: JSON.stringify(await certificateJwks(vaults, stores)),
  };
}

app.http('jwks', { route: '.well-known/jwks.json', methods: ['GET'], authLevel: 'anonymous', handler: jwks });
