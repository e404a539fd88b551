// Tenant ids carry their region (`t-uks-…`, `t-eu-…`), so every read and write can pick the
// region's stores from the id alone, and the region of a tenant can never change.
import { createHash, randomBytes } from 'node:crypto';
import type { Region } from '../config.js';

const REGION_CODES: Record<Region, string> = { uksouth: 'uks', eu: 'eu' };
const CODE_TO_REGION = new Map(Object.entries(REGION_CODES).map(([region, code]) => [code, region as Region]));
const TENANT_ID = /^t-(uks|eu)-([a-z2-7]{20})$/;

declare const tenantIdBrand: unique symbol;
export type TenantId = string & { readonly [tenantIdBrand]: true };

export function parseTenantId(value: string): { tenantId: TenantId; region: Region } | undefined {
  const match = TENANT_ID.exec(value);
  if (!match) return undefined;
  return { tenantId: value as TenantId, region: CODE_TO_REGION.get(match[1]!)! };
}

/** The region of a tenant id already checked (a route parameter, a stored reference). */
export function regionOf(tenantId: string): Region {
  const parsed = parseTenantId(tenantId);
  if (!parsed) throw new Error(`not a tenant id: ${tenantId}`);
  return parsed.region;
}

/**
 * A new tenant id in `region`. With an idempotency seed (caller + Idempotency-Key) the id is
 * derived from it, so a retried provisioning request lands on the same tenant.
 */
export function newTenantId(region: Region, idempotencySeed?: string): TenantId {
  const bytes = idempotencySeed ? createHash('sha256').update(idempotencySeed).digest().subarray(0, 13) : randomBytes(13);
  return `t-${REGION_CODES[region]}-${base32(bytes).slice(0, 20)}` as TenantId;
}

/** The same tenant id in the other regions (to detect an idempotency key reused with another region). */
export function siblingTenantIds(tenantId: TenantId): TenantId[] {
  const suffix = tenantId.slice(tenantId.lastIndexOf('-') + 1);
  return Object.values(REGION_CODES)
    .map((code) => `t-${code}-${suffix}` as TenantId)
    .filter((id) => id !== tenantId);
}

function base32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
