// Key material and the JWA algorithms Key Vault applies to a caller's digest or data key.
// Key Vault signs a digest the caller computed, and node:crypto only signs messages it hashes
// itself, so signatures are built from primitives: PKCS#1 v1.5 and PSS encodings over raw RSA,
// and ECDSA with the curve multiplication done by node's ECDH. ES* signatures are raw r||s.
import {
  constants,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { badParameter } from './errors.js';

export type KeyFamily = 'EC' | 'RSA';
export const CURVE_NAMES = ['P-256', 'P-384', 'P-521', 'P-256K'] as const;
export type CurveName = (typeof CURVE_NAMES)[number];

/** A private key as the vault holds it: the family, the Key Vault curve name and node's JWK. */
export interface KeyMaterial {
  family: KeyFamily;
  crv?: CurveName;
  jwk: JsonWebKey;
}

interface Curve {
  /** Name for node's ECDH, key generation and JWK `crv`. */
  nodeName: string;
  jwkCrv: string;
  order: bigint;
  /** Field element and scalar size in bytes (one half of an r||s signature). */
  size: number;
  signAlgorithm: string;
}

const CURVES: Record<CurveName, Curve> = {
  'P-256': {
    nodeName: 'prime256v1',
    jwkCrv: 'P-256',
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    size: 32,
    signAlgorithm: 'ES256',
  },
  'P-384': {
    nodeName: 'secp384r1',
    jwkCrv: 'P-384',
    order:
      0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    size: 48,
    signAlgorithm: 'ES384',
  },
  'P-521': {
    nodeName: 'secp521r1',
    jwkCrv: 'P-521',
    order:
      0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    size: 66,
    signAlgorithm: 'ES512',
  },
  'P-256K': {
    nodeName: 'secp256k1',
    jwkCrv: 'secp256k1',
    order: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    size: 32,
    signAlgorithm: 'ES256K',
  },
};

type HashName = 'sha256' | 'sha384' | 'sha512';
const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

const SIGNATURE_ALGORITHMS: Record<string, { family: KeyFamily; hash: HashName; scheme: 'pkcs1' | 'pss' | 'ecdsa' }> = {
  RS256: { family: 'RSA', hash: 'sha256', scheme: 'pkcs1' },
  RS384: { family: 'RSA', hash: 'sha384', scheme: 'pkcs1' },
  RS512: { family: 'RSA', hash: 'sha512', scheme: 'pkcs1' },
  PS256: { family: 'RSA', hash: 'sha256', scheme: 'pss' },
  PS384: { family: 'RSA', hash: 'sha384', scheme: 'pss' },
  PS512: { family: 'RSA', hash: 'sha512', scheme: 'pss' },
  ES256: { family: 'EC', hash: 'sha256', scheme: 'ecdsa' },
  ES384: { family: 'EC', hash: 'sha384', scheme: 'ecdsa' },
  ES512: { family: 'EC', hash: 'sha512', scheme: 'ecdsa' },
  ES256K: { family: 'EC', hash: 'sha256', scheme: 'ecdsa' },
};

const ENCRYPTION_ALGORITHMS: Record<string, 'sha1' | 'sha256'> = {
  'RSA-OAEP': 'sha1',
  'RSA-OAEP-256': 'sha256',
};

// DER prefix of DigestInfo for each hash (RFC 8017 section 9.2, note 1).
const DIGEST_INFO: Record<HashName, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export const RSA_KEY_SIZES = [2048, 3072, 4096] as const;

export function isCurveName(value: string): value is CurveName {
  return Object.hasOwn(CURVES, value);
}

export function generateKeyMaterial(
  spec: { family: 'RSA'; keySize: number; publicExponent: number } | { family: 'EC'; crv: CurveName },
): KeyMaterial {
  if (spec.family === 'RSA') {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: spec.keySize,
      publicExponent: spec.publicExponent,
    });
    return { family: 'RSA', jwk: privateKey.export({ format: 'jwk' }) };
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: CURVES[spec.crv].nodeName });
  return { family: 'EC', crv: spec.crv, jwk: privateKey.export({ format: 'jwk' }) };
}

/** Accepts an imported private JWK (Key Vault field names, base64url values) or refuses it. */
export function importKeyMaterial(family: KeyFamily, fields: Record<string, string | undefined>): KeyMaterial {
  if (!fields.d) throw badParameter('The key to import must contain its private component (d).');
  let crv: CurveName | undefined;
  const jwk: JsonWebKey = { kty: family };
  if (family === 'EC') {
    if (!fields.crv || !isCurveName(fields.crv)) throw badParameter(`Unsupported curve: ${fields.crv ?? '(none)'}`);
    crv = fields.crv;
    Object.assign(jwk, { crv: CURVES[crv].jwkCrv, x: fields.x, y: fields.y, d: fields.d });
  } else {
    for (const part of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
      if (!fields[part]) throw badParameter(`The RSA key to import is missing '${part}'.`);
      jwk[part] = fields[part];
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    throw badParameter(`The key to import is not a valid ${family} key: ${(error as Error).message}`);
  }
  if (family === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw badParameter('RSA keys must be at least 2048 bits.');
  }
  return crv ? { family, crv, jwk: key.export({ format: 'jwk' }) } : { family, jwk: key.export({ format: 'jwk' }) };
}

/** The public half in Key Vault's JWK field names. Never includes private components. */
export function publicJwkFields(material: KeyMaterial): Record<string, string> {
  const { jwk } = material;
  if (material.family === 'RSA') return { n: jwk.n ?? '', e: jwk.e ?? '' };
  return { crv: material.crv ?? 'P-256', x: jwk.x ?? '', y: jwk.y ?? '' };
}

const keyObjects = new WeakMap<JsonWebKey, { priv: KeyObject; pub: KeyObject }>();

function keyObjectsFor(material: KeyMaterial): { priv: KeyObject; pub: KeyObject } {
  let cached = keyObjects.get(material.jwk);
  if (!cached) {
    const priv = createPrivateKey({ key: material.jwk, format: 'jwk' });
    cached = { priv, pub: createPublicKey(priv) };
    keyObjects.set(material.jwk, cached);
  }
  return cached;
}

function signatureAlgorithm(material: KeyMaterial, alg: string, digest: Uint8Array) {
  const spec = Object.hasOwn(SIGNATURE_ALGORITHMS, alg) ? SIGNATURE_ALGORITHMS[alg] : undefined;
  if (!spec || spec.family !== material.family) {
    throw badParameter(`Algorithm ${alg} is not supported for a key of type ${material.family}.`);
  }
  if (spec.scheme === 'ecdsa' && CURVES[material.crv ?? 'P-256'].signAlgorithm !== alg) {
    throw badParameter(`Algorithm ${alg} does not match the key's curve ${material.crv ?? ''}.`);
  }
  if (digest.length !== HASH_LENGTH[spec.hash]) {
    throw badParameter(`Invalid digest length ${digest.length} for algorithm ${alg}; expected ${HASH_LENGTH[spec.hash]}.`);
  }
  return spec;
}

export function signDigest(material: KeyMaterial, alg: string, digest: Uint8Array): Buffer {
  const spec = signatureAlgorithm(material, alg, digest);
  const { priv } = keyObjectsFor(material);
  switch (spec.scheme) {
    case 'pkcs1':
      return privateEncrypt(
        { key: priv, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([DIGEST_INFO[spec.hash], digest]),
      );
    case 'pss': {
      const { modulusBytes, modulusBits } = rsaModulus(material);
      const em = pssEncode(spec.hash, Buffer.from(digest), modulusBits - 1);
      const block = Buffer.concat([Buffer.alloc(modulusBytes - em.length), em]);
      return privateEncrypt({ key: priv, padding: constants.RSA_NO_PADDING }, block);
    }
    case 'ecdsa':
      return ecdsaSign(CURVES[material.crv ?? 'P-256'], privateScalar(material), digest);
  }
}

export function verifyDigest(material: KeyMaterial, alg: string, digest: Uint8Array, signature: Uint8Array): boolean {
  const spec = signatureAlgorithm(material, alg, digest);
  const { pub } = keyObjectsFor(material);
  if (spec.scheme === 'ecdsa') {
    return ecdsaVerify(CURVES[material.crv ?? 'P-256'], privateScalar(material), digest, signature);
  }
  const { modulusBytes, modulusBits } = rsaModulus(material);
  if (signature.length !== modulusBytes) return false;
  if (spec.scheme === 'pkcs1') {
    let recovered: Buffer;
    try {
      recovered = publicDecrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, signature);
    } catch {
      return false;
    }
    const expected = Buffer.concat([DIGEST_INFO[spec.hash], digest]);
    return recovered.length === expected.length && timingSafeEqual(recovered, expected);
  }
  let block: Buffer;
  try {
    block = publicDecrypt({ key: pub, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emLength = Math.ceil((modulusBits - 1) / 8);
  if (block.subarray(0, block.length - emLength).some((byte) => byte !== 0)) return false;
  return pssVerify(spec.hash, Buffer.from(digest), block.subarray(block.length - emLength), modulusBits - 1);
}

function encryptionHash(material: KeyMaterial, alg: string): 'sha1' | 'sha256' {
  const hash = Object.hasOwn(ENCRYPTION_ALGORITHMS, alg) ? ENCRYPTION_ALGORITHMS[alg] : undefined;
  if (material.family !== 'RSA' || !hash) {
    throw badParameter(`Algorithm ${alg} is not supported for a key of type ${material.family}.`);
  }
  return hash;
}

export function encrypt(material: KeyMaterial, alg: string, plaintext: Uint8Array): Buffer {
  const oaepHash = encryptionHash(material, alg);
  try {
    return publicEncrypt(
      { key: keyObjectsFor(material).pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      plaintext,
    );
  } catch (error) {
    throw badParameter(`Encryption failed: ${(error as Error).message}`);
  }
}

export function decrypt(material: KeyMaterial, alg: string, ciphertext: Uint8Array): Buffer {
  const oaepHash = encryptionHash(material, alg);
  try {
    return privateDecrypt(
      { key: keyObjectsFor(material).priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash },
      ciphertext,
    );
  } catch {
    throw badParameter('Decryption failed: the ciphertext was not produced by this key and algorithm.');
  }
}

// ---- RSA helpers -------------------------------------------------------------------------

function rsaModulus(material: KeyMaterial): { modulusBytes: number; modulusBits: number } {
  const n = Buffer.from(material.jwk.n ?? '', 'base64url');
  const start = n.findIndex((byte) => byte !== 0);
  const significant = n.subarray(start < 0 ? n.length : start);
  const top = significant[0] ?? 0;
  return { modulusBytes: significant.length, modulusBits: (significant.length - 1) * 8 + (32 - Math.clz32(top)) };
}

function mgf1(hash: HashName, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_LENGTH[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

// EMSA-PSS with MGF1 over the same hash and a salt as long as the hash, as Key Vault and JOSE use.
function pssEncode(hash: HashName, mHash: Buffer, emBits: number): Buffer {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[db.length - hLen - 1] = 0x01;
  salt.copy(db, db.length - hLen);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

function pssVerify(hash: HashName, mHash: Buffer, em: Buffer, emBits: number): boolean {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  const unusedBits = 8 * emLen - emBits;
  if (em.length !== emLen || emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if (((maskedDb[0] ?? 0) & ~(0xff >> unusedBits) & 0xff) !== 0) return false;
  const mask = mgf1(hash, h, maskedDb.length);
  const db = Buffer.from(maskedDb.map((byte, i) => byte ^ (mask[i] ?? 0)));
  db[0] = (db[0] ?? 0) & (0xff >> unusedBits);
  const separator = db.length - hLen - 1;
  if (db.subarray(0, separator).some((byte) => byte !== 0) || db[separator] !== 0x01) return false;
  const salt = db.subarray(separator + 1);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(h, expected);
}

// ---- ECDSA over a caller's digest ----------------------------------------------------------

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

function mod(value: bigint, m: bigint): bigint {
  const r = value % m;
  return r < 0n ? r + m : r;
}

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** The group order is prime, so Fermat gives the inverse. */
function invert(value: bigint, order: bigint): bigint {
  return modPow(value, order - 2n, order);
}

function digestToInteger(digest: Uint8Array, order: bigint): bigint {
  const excessBits = digest.length * 8 - order.toString(2).length;
  const z = toBigInt(digest);
  return excessBits > 0 ? z >> BigInt(excessBits) : z;
}

/** x coordinate of k·G, computed natively: ECDH derives the public point from a private scalar. */
function baseMultipleX(curve: Curve, k: bigint): bigint {
  const ecdh = createECDH(curve.nodeName);
  ecdh.setPrivateKey(toBytes(k, curve.size));
  return toBigInt(ecdh.getPublicKey().subarray(1, 1 + curve.size));
}

function privateScalar(material: KeyMaterial): bigint {
  return toBigInt(Buffer.from(material.jwk.d ?? '', 'base64url'));
}

function ecdsaSign(curve: Curve, d: bigint, digest: Uint8Array): Buffer {
  const n = curve.order;
  const z = digestToInteger(digest, n);
  for (;;) {
    const k = mod(toBigInt(randomBytes(curve.size + 16)), n - 1n) + 1n;
    const r = mod(baseMultipleX(curve, k), n);
    if (r === 0n) continue;
    const s = mod(invert(k, n) * (z + r * d), n);
    if (s === 0n) continue;
    return Buffer.concat([toBytes(r, curve.size), toBytes(s, curve.size)]);
  }
}

// The vault holds d, so u1·G + u2·Q collapses to (u1 + u2·d)·G: one native multiplication.
function ecdsaVerify(curve: Curve, d: bigint, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 2 * curve.size) return false;
  const n = curve.order;
  const r = toBigInt(signature.subarray(0, curve.size));
  const s = toBigInt(signature.subarray(curve.size));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const w = invert(s, n);
  const scalar = mod(digestToInteger(digest, n) * w + r * w * d, n);
  if (scalar === 0n) return false;
  return mod(baseMultipleX(curve, scalar), n) === r;
}
