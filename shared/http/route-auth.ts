// What each route lets through, declared where the route is registered and checked from the route
// and the token alone, before a byte of the body is read. Handlers check again where they open the
// tenant (defence in depth); a refusal here is recorded by the endpoint.
import { can, type GrantScope, type Permission } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { ForbiddenError } from '../errors.js';

export type RouteAuth =
  /**
   * A route under /tenants/{tenantId}: the caller needs one of these permissions on that tenant.
   * `grantScope`: a support engineer may call it under an active grant with this scope (lockbox).
   */
  | { tenant: Permission | readonly Permission[]; grantScope?: GrantScope }
  /** A vendor route (no tenant): the caller needs one of these permissions. */
  | { vendor: Permission | readonly Permission[] }
  /** Any caller with a valid token (documents every customer may read). */
  | { anyAuthenticated: true };

export function routePermissions(auth: RouteAuth): readonly Permission[] {
  if ('anyAuthenticated' in auth) return [];
  const permissions = 'tenant' in auth ? auth.tenant : auth.vendor;
  return typeof permissions === 'string' ? [permissions] : permissions;
}

/** The tenant a route acts on, read from its raw path (validated by the route's schema later). */
export function targetTenantOf(auth: RouteAuth, rawParams: Record<string, string>): string | undefined {
  return 'tenant' in auth ? rawParams['tenantId'] : undefined;
}

export function authorizeRoute(principal: Principal, auth: RouteAuth, tenantId: string | undefined): void {
  if ('anyAuthenticated' in auth) return;
  const permissions = routePermissions(auth);
  if (permissions.some((permission) => can(principal, permission, 'tenant' in auth ? tenantId : undefined))) return;
  const scope = 'tenant' in auth ? ` on tenant ${tenantId ?? '(none)'}` : '';
  throw new ForbiddenError('AUTH.FORBIDDEN', `Your roles (${principal.roles.join(', ') || 'none'}) do not allow ${permissions.join(' or ')}${scope}.`);
}
