// The keys REST operations the stand-in serves, routed by method and path as the real service
// routes them. Each handler validates its input, applies it to the store and renders the answer.
import { randomBytes } from 'node:crypto';
import {
  decrypt,
  encrypt,
  generateKeyMaterial,
  importKeyMaterial,
  isCurveName,
  RSA_KEY_SIZES,
  signDigest,
  verifyDigest,
  type KeyFamily,
  type KeyMaterial,
} from './algorithms.js';
import { badParameter, forbidden, KeyVaultError } from './errors.js';
import {
  bytes,
  createKeyBody,
  deletedKeyBundle,
  deletedKeyItem,
  importKeyBody,
  keyBundle,
  keyItem,
  keyOperationBody,
  keyVersionItem,
  operationResult,
  parseBody,
  randomBytesBody,
  restoreBody,
  updateKeyBody,
  verifyBody,
  type AttributesInput,
  type Rendering,
} from './protocol.js';
import { KEY_TYPES, latestVersion, nowSeconds, parseKeyEntry, type KeyStore, type KeyType, type KeyVersion } from './store.js';

export interface Request {
  method: string;
  /** Decoded path segments: `/keys/k1//sign` is ['keys', 'k1', '', 'sign']. */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  apiVersion: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

const KNOWN_KEY_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey', 'import', 'export'];
const DEFAULT_KEY_OPS: Record<KeyFamily, string[]> = {
  RSA: ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'],
  EC: ['sign', 'verify'],
};
// URL operation name -> the key_ops entry that permits it.
const CRYPTO_OPERATIONS: Record<string, string> = {
  sign: 'sign',
  verify: 'verify',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  wrapkey: 'wrapKey',
  unwrapkey: 'unwrapKey',
};
const NOT_IMPLEMENTED = new Set(['rotationpolicy', 'release', 'attestation']);
const MAX_PAGE_SIZE = 25;
const BACKUP_PREFIX = 'keyvault-standin-backup/1:';

export function route(store: KeyStore, r: Rendering, req: Request): Reply {
  const { method, segments } = req;
  const [collection, name, third, fourth] = segments;
  const depth = segments.length;

  if (collection === 'keys') {
    if (depth === 1 && method === 'GET') return listKeys(store, r, req);
    if (name === undefined) return noRoute(req);
    if (depth === 2 && name === 'restore' && method === 'POST') return restoreKey(store, r, req);
    if (depth === 2) {
      if (method === 'GET') return ok(keyBundleFor(store, r, name, ''));
      if (method === 'PUT') return importKey(store, r, name, req);
      if (method === 'PATCH') return updateKey(store, r, name, '', req);
      if (method === 'DELETE') return ok(deletedKeyBundle(r, store.softDelete(name)));
      return noRoute(req);
    }
    if (third === undefined) return noRoute(req);
    if (NOT_IMPLEMENTED.has(third.toLowerCase()) || NOT_IMPLEMENTED.has((fourth ?? '').toLowerCase())) {
      throw new KeyVaultError(501, 'NotImplemented', `The Key Vault stand-in does not implement ${method} /${segments.join('/')}.`);
    }
    if (depth === 3) {
      if (method === 'POST' && third === 'create') return createKey(store, r, name, req);
      if (method === 'POST' && third === 'rotate') return rotateKey(store, r, name);
      if (method === 'POST' && third === 'backup') return backupKey(store, name);
      if (method === 'GET' && third === 'versions') return listVersions(store, r, name, req);
      if (method === 'POST' && Object.hasOwn(CRYPTO_OPERATIONS, third.toLowerCase())) return cryptoOperation(store, r, name, '', third, req);
      if (method === 'GET') return ok(keyBundleFor(store, r, name, third));
      if (method === 'PATCH') return updateKey(store, r, name, third, req);
      return noRoute(req);
    }
    if (depth === 4 && method === 'POST' && fourth !== undefined && Object.hasOwn(CRYPTO_OPERATIONS, fourth.toLowerCase())) {
      return cryptoOperation(store, r, name, third, fourth, req);
    }
    return noRoute(req);
  }

  if (collection === 'deletedkeys') {
    if (depth === 1 && method === 'GET') return listDeletedKeys(store, r, req);
    if (depth === 2 && name !== undefined) {
      if (method === 'GET') return ok(deletedKeyBundle(r, store.deletedKey(name)));
      if (method === 'DELETE') {
        if (r.purgeProtection) {
          store.deletedKey(name);
          throw forbidden(
            `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
          );
        }
        store.purge(name);
        return { status: 204 };
      }
    }
    if (depth === 3 && name !== undefined && third === 'recover' && method === 'POST') {
      const entry = store.recover(name);
      return ok(keyBundle(r, entry, latestVersion(entry)));
    }
    return noRoute(req);
  }

  if (collection === 'rng' && depth === 1 && method === 'POST') {
    const { count } = parseBody(randomBytesBody, req.body);
    return ok({ value: randomBytes(count).toString('base64url') });
  }
  return noRoute(req);
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function noRoute(req: Request): never {
  throw new KeyVaultError(404, 'NotFound', `No operation ${req.method} /${req.segments.join('/')} in the keys API.`);
}

function keyBundleFor(store: KeyStore, r: Rendering, name: string, version: string) {
  const { entry, key } = store.keyVersion(name, version);
  return keyBundle(r, entry, key);
}

// ---- create, import, rotate, update --------------------------------------------------------

function validName(name: string): string {
  if (!/^[0-9a-zA-Z-]{1,127}$/.test(name)) {
    throw badParameter(`The key name '${name}' is invalid: use 1-127 letters, digits and dashes.`);
  }
  return name;
}

function keyType(kty: string): { kty: KeyType; family: KeyFamily } {
  const found = KEY_TYPES.find((t) => t === kty);
  if (!found) throw badParameter(`Unsupported key type '${kty}': this vault holds ${KEY_TYPES.join(', ')} keys.`);
  return { kty: found, family: found.startsWith('EC') ? 'EC' : 'RSA' };
}

function keyOperations(family: KeyFamily, requested: string[] | null | undefined): string[] {
  if (!requested) return DEFAULT_KEY_OPS[family];
  for (const op of requested) {
    if (!KNOWN_KEY_OPS.includes(op)) throw badParameter(`Unknown key operation '${op}'.`);
  }
  return [...new Set(requested)];
}

function attributeFields(attributes: AttributesInput | null | undefined): Partial<Pick<KeyVersion, 'enabled' | 'notBefore' | 'expires'>> {
  const fields: Partial<Pick<KeyVersion, 'enabled' | 'notBefore' | 'expires'>> = {};
  if (attributes?.enabled !== undefined && attributes.enabled !== null) fields.enabled = attributes.enabled;
  if (attributes?.nbf !== undefined && attributes.nbf !== null) fields.notBefore = attributes.nbf;
  if (attributes?.exp !== undefined && attributes.exp !== null) fields.expires = attributes.exp;
  if (attributes?.exportable) throw badParameter('Exportable keys need a release policy, which this stand-in does not implement.');
  return fields;
}

function createKey(store: KeyStore, r: Rendering, name: string, req: Request): Reply {
  const body = parseBody(createKeyBody, req.body);
  const { kty, family } = keyType(body.kty);
  let material: KeyMaterial;
  if (family === 'RSA') {
    const keySize = body.key_size ?? 2048;
    if (!RSA_KEY_SIZES.some((size) => size === keySize)) {
      throw badParameter(`Unsupported RSA key size ${keySize}: use ${RSA_KEY_SIZES.join(', ')}.`);
    }
    const publicExponent = body.public_exponent ?? 65537;
    if (publicExponent !== 65537) throw badParameter('Only the public exponent 65537 is supported.');
    material = generateKeyMaterial({ family, keySize, publicExponent });
  } else {
    const crv = body.crv ?? 'P-256';
    if (!isCurveName(crv)) throw badParameter(`Unsupported curve '${crv}'.`);
    material = generateKeyMaterial({ family, crv });
  }
  const { entry, key } = store.addVersion(validName(name), {
    kty,
    material,
    keyOps: keyOperations(family, body.key_ops),
    enabled: true,
    ...attributeFields(body.attributes),
    ...(body.tags ? { tags: body.tags } : {}),
  });
  return ok(keyBundle(r, entry, key));
}

function importKey(store: KeyStore, r: Rendering, name: string, req: Request): Reply {
  const body = parseBody(importKeyBody, req.body);
  const { family } = keyType(body.key.kty);
  const { kty: _kty, key_ops, ...fields } = body.key;
  const material = importKeyMaterial(
    family,
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v ?? undefined])),
  );
  const { entry, key } = store.addVersion(validName(name), {
    kty: body.Hsm ? (`${family}-HSM` as const) : family,
    material,
    keyOps: keyOperations(family, key_ops),
    enabled: true,
    ...attributeFields(body.attributes),
    ...(body.tags ? { tags: body.tags } : {}),
  });
  return ok(keyBundle(r, entry, key));
}

// A new version with fresh material of the same type, operations and tags as the current one.
function rotateKey(store: KeyStore, r: Rendering, name: string): Reply {
  const current = latestVersion(store.activeKey(name));
  const { material } = current;
  const fresh =
    material.family === 'RSA'
      ? generateKeyMaterial({
          family: 'RSA',
          keySize: Buffer.from(material.jwk.n ?? '', 'base64url').length * 8,
          publicExponent: 65537,
        })
      : generateKeyMaterial({ family: 'EC', crv: material.crv ?? 'P-256' });
  const { entry, key } = store.addVersion(name, {
    kty: current.kty,
    material: fresh,
    keyOps: current.keyOps,
    enabled: true,
    ...(current.tags ? { tags: current.tags } : {}),
  });
  return ok(keyBundle(r, entry, key));
}

function updateKey(store: KeyStore, r: Rendering, name: string, version: string, req: Request): Reply {
  const body = parseBody(updateKeyBody, req.body);
  const family = store.keyVersion(name, version).key.material.family;
  const ops = body.key_ops ? keyOperations(family, body.key_ops) : undefined;
  const attributes = attributeFields(body.attributes);
  const { entry, key } = store.updateVersion(name, version, (key) => {
    Object.assign(key, attributes);
    if (ops) key.keyOps = ops;
    if (body.tags) key.tags = body.tags;
  });
  return ok(keyBundle(r, entry, key));
}

// ---- backup and restore ------------------------------------------------------------------

// The blob is opaque to clients, as Key Vault's is, but here it is only the key's JSON: a
// stand-in backup carries private keys in the clear.
function backupKey(store: KeyStore, name: string): Reply {
  const entry = store.activeKey(name);
  const blob = BACKUP_PREFIX + JSON.stringify({ name: entry.name, versions: entry.versions });
  return ok({ value: Buffer.from(blob).toString('base64url') });
}

function restoreKey(store: KeyStore, r: Rendering, req: Request): Reply {
  const blob = bytes(parseBody(restoreBody, req.body).value).toString('utf8');
  if (!blob.startsWith(BACKUP_PREFIX)) throw badParameter('The backup blob was not produced by this vault.');
  let entry;
  try {
    entry = parseKeyEntry(JSON.parse(blob.slice(BACKUP_PREFIX.length)));
  } catch {
    throw badParameter('The backup blob is corrupt.');
  }
  const restored = store.restore(entry);
  return ok(keyBundle(r, restored, latestVersion(restored)));
}

// ---- cryptographic operations ------------------------------------------------------------

function usableKey(store: KeyStore, name: string, version: string, operation: string) {
  const found = store.keyVersion(name, version);
  const { key } = found;
  const now = nowSeconds();
  if (!key.enabled) throw forbidden(`Operation ${operation} is not allowed on a disabled key.`);
  if (key.expires !== undefined && now >= key.expires) throw forbidden(`Operation ${operation} is not allowed on an expired key.`);
  if (key.notBefore !== undefined && now < key.notBefore) {
    throw forbidden(`Operation ${operation} is not allowed on a key that is not yet valid.`);
  }
  if (!key.keyOps.includes(operation)) throw forbidden(`Operation ${operation} is not permitted on this key.`);
  return found;
}

function cryptoOperation(store: KeyStore, r: Rendering, name: string, version: string, urlOperation: string, req: Request): Reply {
  const operation = CRYPTO_OPERATIONS[urlOperation.toLowerCase()] ?? urlOperation;
  const { entry, key } = usableKey(store, name, version, operation);
  if (operation === 'verify') {
    const body = parseBody(verifyBody, req.body);
    return ok({ value: verifyDigest(key.material, body.alg, bytes(body.digest), bytes(body.value)) });
  }
  const body = parseBody(keyOperationBody, req.body);
  const input = bytes(body.value);
  switch (operation) {
    case 'sign':
      return ok(operationResult(r, entry, key, signDigest(key.material, body.alg, input)));
    case 'encrypt':
    case 'wrapKey':
      return ok(operationResult(r, entry, key, encrypt(key.material, body.alg, input)));
    default:
      return ok(operationResult(r, entry, key, decrypt(key.material, body.alg, input)));
  }
}

// ---- listing -------------------------------------------------------------------------------

// Pages hold at most `maxresults` (default and limit 25) items; `nextLink` carries an opaque
// skip token and is null on the last page, as the service sends it.
function page<T>(r: Rendering, req: Request, items: T[]): Reply {
  const requested = req.query.get('maxresults');
  const size = requested === null || requested === '' ? MAX_PAGE_SIZE : Number(requested);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badParameter(`maxresults must be an integer between 1 and ${MAX_PAGE_SIZE}.`);
  }
  const token = req.query.get('$skiptoken');
  const offset = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw badParameter('Invalid $skiptoken.');
  const end = offset + size;
  let nextLink: string | null = null;
  if (end < items.length) {
    const next = new URLSearchParams({
      'api-version': req.apiVersion,
      $skiptoken: Buffer.from(String(end)).toString('base64url'),
      maxresults: String(size),
    });
    nextLink = `${r.base}/${req.segments.join('/')}?${next.toString()}`;
  }
  return ok({ value: items.slice(offset, end), nextLink });
}

function listKeys(store: KeyStore, r: Rendering, req: Request): Reply {
  return page(r, req, store.activeKeys().map((entry) => keyItem(r, entry)));
}

function listVersions(store: KeyStore, r: Rendering, name: string, req: Request): Reply {
  const entry = store.activeKey(name);
  return page(r, req, entry.versions.map((key) => keyVersionItem(r, entry, key)));
}

function listDeletedKeys(store: KeyStore, r: Rendering, req: Request): Reply {
  return page(r, req, store.deletedKeys().map((entry) => deletedKeyItem(r, entry)));
}
