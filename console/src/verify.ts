// Checks a compact JWS (ES256) in the browser against the published JWKS with WebCrypto: the page
// shows what the signature proves without trusting the server's word for it.

export type VerifyResult = { valid: true; kid: string } | { valid: false; reason: string };

const bytes = (b64url: string): Uint8Array<ArrayBuffer> => {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
};

export async function verifyCompactJws(jws: string, jwks: { keys: JsonWebKey[] }): Promise<VerifyResult> {
  const parts = jws.split('.');
  if (parts.length !== 3) return { valid: false, reason: 'not a compact JWS' };
  const [header64, payload64, signature64] = parts as [string, string, string];
  let header: { alg?: string; kid?: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes(header64))) as { alg?: string; kid?: string };
  } catch {
    return { valid: false, reason: 'unreadable header' };
  }
  if (header.alg !== 'ES256') return { valid: false, reason: `unexpected algorithm ${String(header.alg)}` };
  const jwk = jwks.keys.find((k) => (k as { kid?: string }).kid === header.kid);
  if (!jwk) return { valid: false, reason: `no published key ${String(header.kid)}` };
  const key = await crypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  // A JWS ES256 signature is r||s (64 bytes), the form WebCrypto takes.
  const ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, bytes(signature64), new TextEncoder().encode(`${header64}.${payload64}`));
  return ok ? { valid: true, kid: header.kid ?? '' } : { valid: false, reason: 'the signature does not match the content' };
}
