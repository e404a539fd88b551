// The wire format of the Key Vault keys REST API: request bodies as zod schemas (snake_case, bytes
// as base64url, times as unix seconds) and the key bundles and items the service answers with.
import { z } from 'zod';
import { publicJwkFields } from './algorithms.js';
import { badParameter } from './errors.js';
import { latestVersion, type KeyEntry, type KeyVersion } from './store.js';

const base64url = z.string().regex(/^[A-Za-z0-9_-]*={0,2}$/, 'expected a base64url string');
const tags = z.record(z.string(), z.string());
const keyOps = z.array(z.string());

const attributes = z.object({
  enabled: z.boolean().nullish(),
  nbf: z.number().int().nullish(),
  exp: z.number().int().nullish(),
  exportable: z.boolean().nullish(),
});
export type AttributesInput = z.infer<typeof attributes>;

export const createKeyBody = z.object({
  kty: z.string(),
  key_size: z.number().int().nullish(),
  public_exponent: z.number().int().nullish(),
  crv: z.string().nullish(),
  key_ops: keyOps.nullish(),
  attributes: attributes.nullish(),
  tags: tags.nullish(),
});

const jwkField = base64url.nullish();
export const importKeyBody = z.object({
  key: z.object({
    kty: z.string(),
    key_ops: keyOps.nullish(),
    crv: z.string().nullish(),
    n: jwkField,
    e: jwkField,
    d: jwkField,
    p: jwkField,
    q: jwkField,
    dp: jwkField,
    dq: jwkField,
    qi: jwkField,
    x: jwkField,
    y: jwkField,
  }),
  Hsm: z.boolean().nullish(),
  attributes: attributes.nullish(),
  tags: tags.nullish(),
});

export const updateKeyBody = z.object({
  key_ops: keyOps.nullish(),
  attributes: attributes.nullish(),
  tags: tags.nullish(),
});

export const keyOperationBody = z.object({ alg: z.string(), value: base64url });
export const verifyBody = z.object({ alg: z.string(), digest: base64url, value: base64url });
export const restoreBody = z.object({ value: base64url });
export const randomBytesBody = z.object({ count: z.number().int().min(1).max(128) });

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `'${issue.path.join('.')}': ` : '';
    throw badParameter(`Invalid request body: ${where}${issue?.message ?? 'malformed'}`);
  }
  return result.data;
}

export function bytes(value: string): Buffer {
  return Buffer.from(value, 'base64url');
}

// ---- responses ----------------------------------------------------------------------------

export interface Rendering {
  /** Origin of the vault as the client addressed it, e.g. http://127.0.0.1:4711 */
  base: string;
  retentionDays: number;
  purgeProtection: boolean;
}

function attributesJson(key: KeyVersion, r: Rendering) {
  return {
    enabled: key.enabled,
    ...(key.notBefore !== undefined ? { nbf: key.notBefore } : {}),
    ...(key.expires !== undefined ? { exp: key.expires } : {}),
    created: key.created,
    updated: key.updated,
    recoveryLevel: `${r.retentionDays === 90 ? 'Recoverable' : 'CustomizedRecoverable'}${r.purgeProtection ? '' : '+Purgeable'}`,
    recoverableDays: r.retentionDays,
    exportable: false,
  };
}

function tagsJson(key: KeyVersion) {
  return key.tags ? { tags: key.tags } : {};
}

function versionId(r: Rendering, entry: KeyEntry, key: KeyVersion): string {
  return `${r.base}/keys/${entry.name}/${key.version}`;
}

export function keyBundle(r: Rendering, entry: KeyEntry, key: KeyVersion) {
  return {
    key: {
      kid: versionId(r, entry, key),
      kty: key.kty,
      key_ops: key.keyOps,
      ...publicJwkFields(key.material),
    },
    attributes: attributesJson(key, r),
    ...tagsJson(key),
  };
}

function deletionJson(r: Rendering, entry: KeyEntry) {
  return {
    recoveryId: `${r.base}/deletedkeys/${entry.name}`,
    deletedDate: entry.deletion?.deletedDate,
    scheduledPurgeDate: entry.deletion?.scheduledPurgeDate,
  };
}

export function deletedKeyBundle(r: Rendering, entry: KeyEntry) {
  return { ...keyBundle(r, entry, latestVersion(entry)), ...deletionJson(r, entry) };
}

/** List entry for a key: its unversioned id and the current version's attributes. */
export function keyItem(r: Rendering, entry: KeyEntry) {
  const latest = latestVersion(entry);
  return { kid: `${r.base}/keys/${entry.name}`, attributes: attributesJson(latest, r), ...tagsJson(latest) };
}

export function keyVersionItem(r: Rendering, entry: KeyEntry, key: KeyVersion) {
  return { kid: versionId(r, entry, key), attributes: attributesJson(key, r), ...tagsJson(key) };
}

export function deletedKeyItem(r: Rendering, entry: KeyEntry) {
  return { ...keyItem(r, entry), ...deletionJson(r, entry) };
}

export function operationResult(r: Rendering, entry: KeyEntry, key: KeyVersion, value: Uint8Array) {
  return { kid: versionId(r, entry, key), value: Buffer.from(value).toString('base64url') };
}
