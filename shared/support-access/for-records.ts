// Support access as a tenant's records report it (record of processing, evidence pack): how
// support access works, every grant, and every grant whose access was a transfer, with its basis.
// The shape is the `SupportAccessSection` the records of processing expect.
import type { Services } from '../composition.js';
import type { TenantKey } from '../tenants/partitions.js';
import type { GrantView } from './grant.js';
import { listTenantGrants } from './grant-service.js';
import type { Transfer } from './transfer.js';

export interface SupportAccessForRecords {
  grantsAvailable: true;
  statement: string;
  grants: GrantView[];
  /** Grants that were active (so access was possible) from outside the region's geography. */
  transfers: (Transfer & { grantId: string; status: GrantView['status']; activatedAt: string; expiresAt?: string })[];
}

export const SUPPORT_ACCESS_STATEMENT =
  "Vendor support staff (role \"support\") have no standing access to this tenant's data. They read it only under a grant the tenant's administrator approved, or break-glass access of at most one hour that the tenant reviews afterwards; each grant is limited to named read scopes and to at most eight hours, and every access under it is logged with the grant, the scope and the engineer's origin. Access from outside the region's geography is recorded on its grant as a transfer with its basis: an adequacy decision, or the UK IDTA or EU SCCs with the transfer impact assessment for the destination.";

export async function supportAccessForRecords(services: Services, tenant: TenantKey, now: Date = services.clock.now()): Promise<SupportAccessForRecords> {
  const grants = await listTenantGrants(services, tenant, now);
  const transfers = grants.flatMap((grant) =>
    grant.transfer && grant.activatedAt
      ? [
          {
            grantId: grant.grantId,
            status: grant.status,
            activatedAt: grant.activatedAt,
            ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
            ...grant.transfer,
          },
        ]
      : [],
  );
  return { grantsAvailable: true, statement: SUPPORT_ACCESS_STATEMENT, grants, transfers };
}
