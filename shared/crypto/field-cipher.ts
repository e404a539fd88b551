// Field-level encryption: AES-256-GCM over the JSON of a value, bound by additional data to the
// tenant, document and field it belongs to, so ciphertext cannot be moved to another record.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptedValue {
  $enc: 'v1';
  /** Which key encrypted it: `tenant` or `subject:<subjectId>`. */
  k: string;
  iv: string;
  ct: string;
}

export function isEncryptedValue(value: unknown): value is EncryptedValue {
  return typeof value === 'object' && value !== null && (value as { $enc?: unknown }).$enc === 'v1';
}

export function sealValue(key: Buffer, keyRef: string, value: unknown, aad: string): EncryptedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${keyRef}|${aad}`));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { $enc: 'v1', k: keyRef, iv: iv.toString('base64url'), ct: ciphertext.toString('base64url') };
}

export function openValue(key: Buffer, sealed: EncryptedValue, aad: string): unknown {
  const data = Buffer.from(sealed.ct, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
  decipher.setAAD(Buffer.from(`${sealed.k}|${aad}`));
  decipher.setAuthTag(data.subarray(data.length - 16));
  const plaintext = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
  return JSON.parse(plaintext.toString('utf8')) as unknown;
}

/** Wraps a data key with another key (AES-256-GCM), for subject keys under the tenant key. */
export function wrapLocal(wrappingKey: Buffer, key: Buffer, aad: string): string {
  const sealed = sealValue(wrappingKey, 'wrap', key.toString('base64'), aad);
  return `${sealed.iv}.${sealed.ct}`;
}

export function unwrapLocal(wrappingKey: Buffer, wrapped: string, aad: string): Buffer {
  const [iv, ct] = wrapped.split('.');
  return Buffer.from(openValue(wrappingKey, { $enc: 'v1', k: 'wrap', iv: iv ?? '', ct: ct ?? '' }, aad) as string, 'base64');
}
