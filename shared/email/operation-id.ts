// The Operation-Id of an email send, derived from the caller's idempotency key, so a re-run of the
// same send (activity retried, host restarted mid-send) reaches the service as the same operation.
import { createHash } from 'node:crypto';

/** This app's namespace for name-based email operation ids (fixed forever: changing it would resend). */
export const EMAIL_OPERATION_NAMESPACE = 'a2f262cd-9117-49d2-9480-8ef128caa403';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A name-based UUID, version 5 of RFC 9562: SHA-1 over the namespace's 16 bytes and the name in UTF-8,
 * the first 16 bytes kept, version nibble 5, variant bits 10. SHA-1 is what the RFC specifies for v5;
 * nothing here relies on it resisting collisions chosen by an attacker (keys are ours, not users').
 */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID.test(namespace)) throw new TypeError('namespace must be a UUID');
  const digest = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Operation-Id sent to Communication Services for the send identified by `idempotencyKey`. */
export function emailOperationId(idempotencyKey: string): string {
  return uuidV5(idempotencyKey, EMAIL_OPERATION_NAMESPACE);
}
