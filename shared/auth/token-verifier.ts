// Verifies bearer tokens with jose: signature against the issuer's JWKS (fetched, cached and
// refreshed when an unknown key id appears, so key rotation just works), issuer, audience,
// expiry and an algorithm allow-list.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from '../errors.js';
import { principalFromClaims, type Principal } from './principal.js';
import type { Clock } from '../clock.js';

export const ALLOWED_ALGORITHMS = ['RS256', 'PS256', 'ES256'];

export interface TokenVerifierSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Longest lifetime (exp minus iat) a token may claim: a stolen token is useful for at most this long. */
  maxLifetimeSeconds: number;
}

/** Clock skew tolerated between the issuer and us, in seconds. */
const CLOCK_TOLERANCE_SECONDS = 60;

export class TokenVerifier {
  #jwks: JWTVerifyGetKey | undefined;
  constructor(
    private readonly settings: TokenVerifierSettings,
    private readonly clock: Clock,
  ) {}

  /** Made on the first token, not at start-up: making it loads Node's fetch (undici), a cold-start cost. */
  get #keys(): JWTVerifyGetKey {
    this.#jwks ??= createRemoteJWKSet(new URL(this.settings.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    return this.#jwks;
  }

  async verify(authorization: string | null): Promise<Principal> {
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization?.trim() ?? '');
    if (!match) throw new AuthenticationError('AUTH.MISSING_TOKEN', 'Send a bearer token in the Authorization header.');
    try {
      const { payload } = await jwtVerify(match[1]!, this.#keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALLOWED_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: this.clock.now(),
      });
      const nowSeconds = this.clock.now().getTime() / 1000;
      if (typeof payload.iat !== 'number' || payload.iat > nowSeconds + CLOCK_TOLERANCE_SECONDS) {
        throw new AuthenticationError('AUTH.INVALID_TOKEN', 'The token was issued in the future.');
      }
      if (typeof payload.exp !== 'number' || payload.exp - payload.iat > this.settings.maxLifetimeSeconds) {
        throw new AuthenticationError(
          'AUTH.TOKEN_LIFETIME',
          `The token lives longer than ${this.settings.maxLifetimeSeconds} seconds; ask the issuer for a shorter-lived one.`,
        );
      }
      const principal = principalFromClaims(payload);
      if (!principal) throw new AuthenticationError('AUTH.INVALID_TOKEN', 'The token lacks a subject.');
      return principal;
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      // The issuer's keys could not be fetched: our fault, not the caller's.
      if (error instanceof joseErrors.JWKSTimeout) throw error;
      if (error instanceof joseErrors.JWTExpired) throw new AuthenticationError('AUTH.TOKEN_EXPIRED', 'The token has expired.');
      if (error instanceof joseErrors.JOSEError) throw new AuthenticationError('AUTH.INVALID_TOKEN', 'The token is not valid for this API.');
      throw error;
    }
  }
}
