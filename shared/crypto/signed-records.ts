// Signed records (deletion certificates): compact JWS (ES256) whose signature is made inside the
// region's Key Vault, so the private key never leaves it. Anyone can verify them with the public
// keys at /api/.well-known/jwks.json, with any JOSE library or plain crypto.
import { createHash } from 'node:crypto';
import type { JsonWebKey as VaultJsonWebKey } from '@azure/keyvault-keys';
import { REGIONS, type Region } from '../config.js';
import type { RegionalKeyVault } from './key-vault.js';

export const CERTIFICATE_SIGNING_KEY = 'deletion-certificate-signing';

export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

const b64u = (data: Buffer | Uint8Array | string): string => Buffer.from(data).toString('base64url');

/** Key ids name the region and the vault key version, so a verifier can tell which vault signed. */
const kidOf = (region: Region, version: string): string => `${region}.${version}`;

export async function signCompactJws(vault: RegionalKeyVault, region: Region, claims: object): Promise<string> {
  const key = await vault.ensureSigningKey(CERTIFICATE_SIGNING_KEY);
  const header = { alg: 'ES256', typ: 'JWT', kid: kidOf(region, key.properties.version ?? '') };
  const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const digest = createHash('sha256').update(signingInput).digest();
  const signature = await vault.signDigest(key.id!, digest);
  return `${signingInput}.${b64u(signature)}`;
}

/** The public halves of every enabled signing key version in every region. */
export async function certificateJwks(vaults: Record<Region, RegionalKeyVault>): Promise<{ keys: PublicJwk[] }> {
  const keys: PublicJwk[] = [];
  for (const region of REGIONS) {
    for (const version of await vaults[region].keyVersions(CERTIFICATE_SIGNING_KEY)) {
      const jwk = version.key as VaultJsonWebKey | undefined;
      if (!jwk?.x || !jwk.y || !version.properties.version) continue;
      keys.push({ kty: 'EC', crv: 'P-256', x: b64u(jwk.x), y: b64u(jwk.y), kid: kidOf(region, version.properties.version), alg: 'ES256', use: 'sig' });
    }
  }
  return { keys };
}
