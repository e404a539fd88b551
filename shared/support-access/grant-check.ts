// The lockbox at the door: a support engineer reaches a tenant's data only under an active grant
// of that tenant whose scopes include the route's, checked against the clock on every request
// (never trusting that a timer has already ended it), and from the origin the grant was given for.
import type { Services } from '../composition.js';
import type { Principal } from '../auth/principal.js';
import { ForbiddenError } from '../errors.js';
import type { RouteAuth } from '../http/route-auth.js';
import { routePermissions } from '../http/route-auth.js';
import { parseTenantId } from '../tenancy/tenant-id.js';
import { tenantData } from '../tenants/partitions.js';
import { appendAccess } from './access-log.js';
import { isActiveAt, type GrantDoc } from './grant.js';
import { transferLabel } from './transfer.js';

/** One request under a grant, as its access-log entry will record it. */
export interface AccessUnderGrant {
  tenantId: string;
  grant: Pick<GrantDoc, 'grantId' | 'origin' | 'transfer'>;
  scope: GrantDoc['scopes'][number] | null;
}

/** A support engineer refused while holding an active grant: the refusal goes into the grant's log. */
export class GrantRefusal extends ForbiddenError {
  constructor(
    code: string,
    message: string,
    readonly access: AccessUnderGrant,
  ) {
    super(code, message);
  }
}

/** True when a refusal of this caller on this route is for the lockbox to decide. */
export function lockboxApplies(principal: Principal, auth: RouteAuth, tenantId: string | undefined): boolean {
  return 'tenant' in auth && tenantId !== undefined && principal.tenantId === undefined && principal.roles.includes('support');
}

/**
 * The principal with the grant that lets it call this route now, or a 403: SUPPORT.NO_GRANT
 * without an active grant, SUPPORT.OUT_OF_SCOPE or SUPPORT.ORIGIN_CHANGED with one.
 */
export async function principalUnderGrant(
  services: Services,
  principal: Principal,
  auth: RouteAuth,
  rawTenantId: string,
  now: Date,
): Promise<{ principal: Principal; access: AccessUnderGrant }> {
  const noGrant = new ForbiddenError(
    'SUPPORT.NO_GRANT',
    `Support staff reach a tenant's data only under an active grant the tenant approved: POST /api/tenants/${rawTenantId}/support-access.`,
  );
  const parsed = parseTenantId(rawTenantId);
  if (!parsed || !('tenant' in auth)) throw noGrant;
  const partition = await tenantData(services, parsed);
  const grants = (
    await partition.queryAll<GrantDoc>(
      "c.type = 'supportGrant' AND c.engineer = @sub AND c.status = 'active'",
      [{ name: '@sub', value: principal.sub }],
      { orderBy: 'c.requestedAt ASC' },
    )
  ).filter((grant) => isActiveAt(grant, now));
  if (grants.length === 0) throw noGrant;
  const scope = auth.grantScope;
  const grant = scope ? grants.find((g) => g.scopes.includes(scope)) : undefined;
  if (!scope || !grant) {
    throw new GrantRefusal(
      'SUPPORT.OUT_OF_SCOPE',
      `Your active grant${grants.length > 1 ? 's do' : ' does'} not cover this route${scope ? ` (scope ${scope})` : ''}.`,
      { tenantId: parsed.tenantId, grant: grants[0]!, scope: null },
    );
  }
  const access: AccessUnderGrant = { tenantId: parsed.tenantId, grant, scope };
  if (principal.country && principal.country !== grant.origin.country) {
    throw new GrantRefusal(
      'SUPPORT.ORIGIN_CHANGED',
      `Grant ${grant.grantId} was given for access from ${grant.origin.country}; your token says ${principal.country}. Ask for a new grant.`,
      access,
    );
  }
  return {
    principal: {
      ...principal,
      supportGrant: {
        tenantId: parsed.tenantId,
        grantId: grant.grantId,
        scope,
        permissions: routePermissions(auth),
        origin: grant.origin.country,
        originSource: grant.origin.source,
        ...(grant.transfer ? { transferBasis: transferLabel(grant.transfer) } : {}),
      },
    },
    access,
  };
}

/** Writes the access-log entry of one request made under a grant (served, refused or failed). */
export async function recordAccess(
  services: Services,
  access: AccessUnderGrant,
  request: { at: Date; method: string; route: string; status: number; code?: string; requestId: string },
): Promise<void> {
  await appendAccess(await tenantData(services, access.tenantId), {
    grantId: access.grant.grantId,
    at: request.at.toISOString(),
    method: request.method,
    route: request.route,
    status: request.status,
    outcome: request.status < 400 ? 'served' : request.status < 500 ? 'refused' : 'failed',
    ...(request.code ? { code: request.code } : {}),
    scope: access.scope,
    origin: access.grant.origin.country,
    originSource: access.grant.origin.source,
    transfer: access.grant.transfer,
    requestId: request.requestId,
  });
}
