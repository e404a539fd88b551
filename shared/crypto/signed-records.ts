// Signed records (deletion certificates): compact JWS (ES256) whose signature is made inside the
// region's Key Vault, so the private key never leaves it. Anyone can verify them with the public
// keys at /api/.well-known/jwks.json, with any JOSE library or plain crypto.
//
// A signed record must stay verifiable for as long as it is kept (certificates for years), also
// after the signing key is rotated or disabled; Key Vault refuses to read a disabled version. So the
// public JWK of each key version is archived when it first signs, in the region's `certificates`
// container (which tenant deletion never touches), and the JWKS publishes the archive too.
import { createHash } from 'node:crypto';
import type { JsonWebKey as VaultJsonWebKey, KeyVaultKey } from '@azure/keyvault-keys';
import { azureStatusOf } from '../azure/rest-error.js';
import { REGIONS, type Region } from '../config.js';
import { CONTAINERS, type CosmosStores } from '../store/cosmos-stores.js';
import { storeFailure } from '../store/store-failure.js';
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

/** The archive's partition in each region's `certificates` container. */
const ARCHIVE_PARTITION = '_signing-keys';

interface ArchivedKeyDoc {
  id: string;
  tenantId: typeof ARCHIVE_PARTITION;
  type: 'signingPublicKey';
  jwk: PublicJwk;
}

function publicJwkOf(region: Region, key: KeyVaultKey): PublicJwk | undefined {
  const jwk = key.key as VaultJsonWebKey | undefined;
  if (!jwk?.x || !jwk.y || !key.properties.version) return undefined;
  return { kty: 'EC', crv: 'P-256', x: b64u(jwk.x), y: b64u(jwk.y), kid: kidOf(region, key.properties.version), alg: 'ES256', use: 'sig' };
}

/** Archives the public half of a key version before it signs anything (once; a re-run finds it there). */
async function archivePublicJwk(stores: CosmosStores, region: Region, jwk: PublicJwk): Promise<void> {
  const doc: ArchivedKeyDoc = { id: `signing-key:${jwk.kid}`, tenantId: ARCHIVE_PARTITION, type: 'signingPublicKey', jwk };
  try {
    await (await stores.container(region, CONTAINERS.certificates)).items.create(doc);
  } catch (error) {
    if (azureStatusOf(error) !== 409) throw storeFailure(error);
  }
}

export async function signCompactJws(vault: RegionalKeyVault, stores: CosmosStores, region: Region, claims: object): Promise<string> {
  const key = await vault.ensureSigningKey(CERTIFICATE_SIGNING_KEY);
  const jwk = publicJwkOf(region, key);
  if (!jwk) throw new Error('the signing key has no public EC key');
  await archivePublicJwk(stores, region, jwk);
  const header = { alg: 'ES256', typ: 'JWT', kid: jwk.kid };
  const signingInput = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const digest = createHash('sha256').update(signingInput).digest();
  const signature = await vault.signDigest(key.id!, digest);
  return `${signingInput}.${b64u(signature)}`;
}

/**
 * The public halves of every signing key version in every region: the enabled ones in the vaults,
 * and every version that ever signed (archived), disabled or rotated away since.
 */
export async function certificateJwks(vaults: Record<Region, RegionalKeyVault>, stores: CosmosStores): Promise<{ keys: PublicJwk[] }> {
  const keys = new Map<string, PublicJwk>();
  for (const region of REGIONS) {
    for (const version of await vaults[region].keyVersions(CERTIFICATE_SIGNING_KEY)) {
      const jwk = publicJwkOf(region, version);
      if (jwk) keys.set(jwk.kid, jwk);
    }
    const archive = await stores.container(region, CONTAINERS.certificates);
    const { resources } = await archive.items
      .query<ArchivedKeyDoc>(
        { query: "SELECT * FROM c WHERE c.tenantId = @p AND c.type = 'signingPublicKey'", parameters: [{ name: '@p', value: ARCHIVE_PARTITION }] },
        { partitionKey: ARCHIVE_PARTITION },
      )
      .fetchAll();
    for (const doc of resources) if (!keys.has(doc.jwk.kid)) keys.set(doc.jwk.kid, doc.jwk);
  }
  return { keys: [...keys.values()] };
}
