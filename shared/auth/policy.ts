// Who may do what: one permission matrix for every route. A tenant.admin acts only on its own
// tenant; vendor roles act on any tenant but only within their role, and every such access is
// audited in the tenant's log.
import { ForbiddenError } from '../errors.js';
import type { Principal, Role } from './principal.js';

export type Permission =
  | 'tenants.provision'
  | 'tenants.list'
  | 'tenants.read'
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
  | 'workflows.read';

/** Permissions of each role. Tenant-scoped permissions of tenant.admin apply to its own tenant only. */
const MATRIX: Record<Role, readonly Permission[]> = {
  'tenant.admin': [
    'tenants.read',
    'personalData.read',
    'personalData.write',
    'audit.read',
    'termination.manage',
    'exports.manage',
    'dsars.manage',
    'breachNotices.read',
    'breachNotices.acknowledge',
  ],
  'ops.platform': ['tenants.provision', 'tenants.list', 'tenants.read', 'termination.manage', 'dsars.recordReceivedByVendor', 'audit.read', 'securityLog.read', 'workflows.read'],
  'ops.breach': ['tenants.list', 'breaches.manage'],
  support: ['tenants.list', 'tenants.read', 'personalData.read', 'audit.read'],
};

export function can(principal: Principal, permission: Permission, tenantId?: string): boolean {
  return principal.roles.some((role) => {
    if (!MATRIX[role].includes(permission)) return false;
    if (role === 'tenant.admin') return tenantId !== undefined && principal.tenantId === tenantId;
    // Vendor roles come from the vendor's own directory: a token that also names a customer tenant is not vendor staff.
    return principal.tenantId === undefined;
  });
}

export function authorize(principal: Principal, permission: Permission, tenantId?: string): void {
  if (can(principal, permission, tenantId)) return;
  const scope = tenantId ? ` on tenant ${tenantId}` : '';
  throw new ForbiddenError('AUTH.FORBIDDEN', `Your roles (${principal.roles.join(', ') || 'none'}) do not allow ${permission}${scope}.`);
}
