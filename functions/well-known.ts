// Public keys that verify deletion certificates and other signed records (no authentication:
// anyone holding a certificate must be able to check it).
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { publicRoute } from '../shared/http/api-routes.js';
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

const jwkSetSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.literal('ES256'),
        use: z.literal('sig'),
      }),
    ),
  })
  .meta({ id: 'JwkSet', description: 'The public keys of every region that has signed deletion certificates' });

publicRoute(
  'jwks',
  {
    route: '.well-known/jwks.json',
    method: 'GET',
    summary: 'Public keys that verify deletion certificates',
    tag: 'Platform',
    why: 'anyone holding a certificate must be able to check it',
    responses: { 200: { contentType: 'application/jwk-set+json', schema: jwkSetSchema } },
  },
  jwks,
);
