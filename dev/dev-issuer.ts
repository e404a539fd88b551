// The development token issuer: an ES256 key pair kept in the local state folder, whose public
// half the local host serves as a JWKS. It stands in for Entra ID, which issues the real tokens.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export const DEV_ISSUER = 'https://dev-issuer.privacy-ops.local/';
export const DEV_AUDIENCE = 'api://privacy-ops';
export const DEV_ISSUER_JWKS_PATH = '/runtime/dev/issuer/jwks.json';

interface IssuerKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** Newest key first: it signs; older keys stay in the JWKS so tokens they signed still verify. */
interface IssuerKeyFile {
  keys: IssuerKey[];
}

export interface TokenClaims {
  sub: string;
  roles: string[];
  tid?: string;
  name?: string;
  /** Where the caller signed in from (Entra ID's optional `ctry` claim). */
  ctry?: string;
}

export class DevIssuer {
  private constructor(
    private readonly path: string,
    private file: IssuerKeyFile,
  ) {}

  /** Loads the issuer keys from `stateDir`, creating the first one on first use. */
  static async open(stateDir: string): Promise<DevIssuer> {
    const path = join(stateDir, 'dev-issuer-key.json');
    if (existsSync(path)) return new DevIssuer(path, JSON.parse(readFileSync(path, 'utf8')) as IssuerKeyFile);
    const issuer = new DevIssuer(path, { keys: [] });
    await issuer.rotate();
    return issuer;
  }

  /** Adds a new signing key; the previous ones stay published. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `dev-${Date.now().toString(36)}-${this.file.keys.length + 1}`;
    const key: IssuerKey = {
      kid,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' },
    };
    this.file = { keys: [key, ...this.file.keys] };
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, JSON.stringify(this.file, null, 2), { mode: 0o600 });
    return kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.file.keys.map((k) => k.publicJwk) };
  }

  /** Signs a token valid for `lifetimeSeconds` from `now` (the host clock, which may be virtual). */
  async sign(claims: TokenClaims, options: { now?: Date; lifetimeSeconds?: number; audience?: string; issuer?: string } = {}): Promise<string> {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const current = this.file.keys[0]!;
    const privateKey = await importJWK(current.privateJwk, 'ES256');
    const payload: Record<string, unknown> = { roles: claims.roles };
    if (claims.tid) payload['tid'] = claims.tid;
    if (claims.name) payload['name'] = claims.name;
    if (claims.ctry) payload['ctry'] = claims.ctry;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: current.kid, typ: 'JWT' })
      .setSubject(claims.sub)
      .setIssuer(options.issuer ?? DEV_ISSUER)
      .setAudience(options.audience ?? DEV_AUDIENCE)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + (options.lifetimeSeconds ?? 3600))
      .sign(privateKey);
  }
}
