// Who is calling: the verified claims of the caller's token.
import { z } from 'zod';

export const ROLES = ['tenant.admin', 'ops.breach', 'ops.platform', 'support'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** Actor id (`sub`): a pseudonymous identifier, safe to record in audit entries. */
  sub: string;
  roles: Role[];
  /** The customer tenant the caller belongs to; absent for vendor staff. */
  tenantId?: string;
  /** Where the caller is, as the issuer saw it (Entra ID's optional `ctry` claim, ISO 3166-1 alpha-2). */
  country?: string;
  /**
   * A support grant the endpoint found active for this request (never from the token): it lends
   * the route's permissions on that one tenant, and names the grant in every audit entry.
   */
  supportGrant?: GrantInUse;
}

/** A support grant as one request uses it. */
export interface GrantInUse {
  tenantId: string;
  grantId: string;
  scope: string;
  /** The permissions of the route it was checked for. */
  permissions: readonly string[];
  origin: string;
  originSource: 'token' | 'declared';
  /** The transfer basis when the origin is outside the tenant's region's geography. */
  transferBasis?: string;
}

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  roles: z.union([z.array(z.string()), z.string()]).optional(),
  tid: z.string().min(1).max(64).optional(),
  ctry: z.string().regex(/^[A-Z]{2}$/).optional().catch(undefined),
});

/** Builds a principal from verified claims; unknown roles are ignored, never trusted. */
export function principalFromClaims(claims: unknown): Principal | undefined {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) return undefined;
  const raw = parsed.data.roles === undefined ? [] : Array.isArray(parsed.data.roles) ? parsed.data.roles : parsed.data.roles.split(' ');
  const roles = ROLES.filter((role) => raw.includes(role));
  return { sub: parsed.data.sub, roles, ...(parsed.data.tid ? { tenantId: parsed.data.tid } : {}), ...(parsed.data.ctry ? { country: parsed.data.ctry } : {}) };
}

export function isVendorStaff(principal: Principal): boolean {
  return principal.tenantId === undefined;
}
