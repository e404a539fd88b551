// Request rate limits per calling principal and per calling customer tenant, never per target
// tenant: an outsider's requests spend the outsider's allowance, not the victim's. Token buckets
// in this instance's memory (refilled by the app clock); see the README for how they hold across
// scaled-out instances.
import type { Clock } from '../clock.js';
import type { Principal } from '../auth/principal.js';
import { ThrottledError } from '../errors.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Buckets kept at most (least recently used dropped first): a flood of new callers cannot exhaust memory. */
const MAX_BUCKETS = 50_000;

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: { perPrincipalPerMinute: number; perCallerTenantPerMinute: number },
  ) {}

  /** Takes one request from the caller's buckets, or throws 429 with the seconds until one is free. */
  take(principal: Principal): void {
    const now = this.clock.now().getTime();
    const keys: [string, number][] = [[`principal:${principal.sub}`, this.limits.perPrincipalPerMinute]];
    if (principal.tenantId) keys.push([`tenant:${principal.tenantId}`, this.limits.perCallerTenantPerMinute]);
    const buckets = keys.map(([key, perMinute]) => ({ bucket: this.#refilled(key, perMinute, now), perMinute }));
    const empty = buckets.find(({ bucket }) => bucket.tokens < 1);
    if (empty) {
      const waitSeconds = Math.max(1, Math.ceil(((1 - empty.bucket.tokens) * 60) / empty.perMinute));
      throw new ThrottledError('RATE_LIMITED', `Too many requests from this caller; retry in ${waitSeconds} s.`, waitSeconds);
    }
    for (const { bucket } of buckets) bucket.tokens -= 1;
  }

  #refilled(key: string, perMinute: number, nowMs: number): Bucket {
    // A burst of a quarter of a minute's allowance; then the steady rate.
    const capacity = Math.max(1, Math.floor(perMinute / 4));
    let bucket = this.#buckets.get(key);
    if (bucket) this.#buckets.delete(key);
    else bucket = { tokens: capacity, updatedMs: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * perMinute) / 60_000);
    bucket.updatedMs = nowMs;
    this.#buckets.set(key, bucket);
    while (this.#buckets.size > MAX_BUCKETS) this.#buckets.delete(this.#buckets.keys().next().value!);
    return bucket;
  }
}
