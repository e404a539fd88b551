// Who may do what: one permission matrix for every route. A tenant.admin acts only on its own
// tenant; vendor roles act on any tenant but only within their role, and every such access is
// audited in the tenant's log. Support staff have no standing access to a tenant's data: they read
// it only through a grant the tenant approved (the lockbox, shared/support-access), which the
// endpoint attaches to the principal for one request.
import { ForbiddenError } from '../errors.js';
import type { Principal, Role } from './principal.js';

export type Permission =
  | 'tenants.provision'
  | 'tenants.list'
  | 'tenants.read'
  | 'tenants.configure'
  | 'personalData.read'
  | 'personalData.write'
  | 'audit.read'
  | 'termination.manage'
  | 'exports.manage'
  | 'dsars.manage'
  | 'dsars.recordReceivedByVendor'
  | 'breaches.manage'
  | 'breachNotices.read'
  | 'breachNotices.acknowledge'
  | 'securityLog.read'
  | 'subProcessors.manage'
  | 'subProcessorChanges.object'
  | 'processingRecords.read'
  | 'evidencePacks.manage'
  | 'auditRequests.submit'
  | 'auditRequests.justify'
  | 'supportAccess.request'
  | 'supportAccess.read'
  | 'supportAccess.decide'
  | 'supportAccess.revoke'
  | 'erasures.replay'
  | 'workflows.read';

/** Permissions of each role. Tenant-scoped permissions of tenant.admin apply to its own tenant only. */
const MATRIX: Record<Role, readonly Permission[]> = {
  'tenant.admin': [
    'tenants.read',
    'tenants.configure',
    'personalData.read',
    'personalData.write',
    'audit.read',
    'termination.manage',
    'exports.manage',
    'dsars.manage',
    'breachNotices.read',
    'breachNotices.acknowledge',
    'subProcessorChanges.object',
    'processingRecords.read',
    'evidencePacks.manage',
    'auditRequests.submit',
    'supportAccess.read',
    'supportAccess.decide',
    'supportAccess.revoke',
  ],
  'ops.platform': [
    'tenants.provision',
    'tenants.list',
    'tenants.read',
    'tenants.configure',
    'termination.manage',
    'dsars.recordReceivedByVendor',
    'audit.read',
    'securityLog.read',
    'subProcessors.manage',
    'processingRecords.read',
    'auditRequests.submit',
    'auditRequests.justify',
    'erasures.replay',
    'workflows.read',
  ],
  'ops.breach': ['tenants.list', 'breaches.manage'],
  // Nothing of a tenant's data: only asking for a grant, seeing and giving up their own grants.
  support: ['tenants.list', 'supportAccess.request', 'supportAccess.read', 'supportAccess.revoke'],
};

/** What a support grant can cover: each read-only route of a tenant names the scope it belongs to. DSARs are in none. */
export const GRANT_SCOPES = ['users:read', 'records:read', 'audit:read', 'config:read'] as const;
export type GrantScope = (typeof GRANT_SCOPES)[number];

export function can(principal: Principal, permission: Permission, tenantId?: string): boolean {
  return principal.roles.some((role) => {
    if (role === 'support' && grantCovers(principal, permission, tenantId)) return principal.tenantId === undefined;
    if (!MATRIX[role].includes(permission)) return false;
    if (role === 'tenant.admin') return tenantId !== undefined && principal.tenantId === tenantId;
    // Vendor roles come from the vendor's own directory: a token that also names a customer tenant is not vendor staff.
    return principal.tenantId === undefined;
  });
}

/** An active grant, checked by the endpoint for this request, lends its route's permissions on its tenant only. */
function grantCovers(principal: Principal, permission: Permission, tenantId: string | undefined): boolean {
  const grant = principal.supportGrant;
  return grant !== undefined && tenantId !== undefined && grant.tenantId === tenantId && grant.permissions.includes(permission);
}

export function authorize(principal: Principal, permission: Permission, tenantId?: string): void {
  if (can(principal, permission, tenantId)) return;
  const scope = tenantId ? ` on tenant ${tenantId}` : '';
  throw new ForbiddenError('AUTH.FORBIDDEN', `Your roles (${principal.roles.join(', ') || 'none'}) do not allow ${permission}${scope}.`);
}
