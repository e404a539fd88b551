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
}

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  roles: z.union([z.array(z.string()), z.string()]).optional(),
  tid: z.string().min(1).max(64).optional(),
});

/** Builds a principal from verified claims; unknown roles are ignored, never trusted. */
export function principalFromClaims(claims: unknown): Principal | undefined {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) return undefined;
  const raw = parsed.data.roles === undefined ? [] : Array.isArray(parsed.data.roles) ? parsed.data.roles : parsed.data.roles.split(' ');
  const roles = ROLES.filter((role) => raw.includes(role));
  return { sub: parsed.data.sub, roles, ...(parsed.data.tid ? { tenantId: parsed.data.tid } : {}) };
}

export function isVendorStaff(principal: Principal): boolean {
  return principal.tenantId === undefined;
}
