// Support access as the record of processing and the evidence pack report it: the seam where the
// lockbox (support-access grants, issue 14) plugs in. Until that capability exists this says so
// truthfully, rather than reporting "no grants" as if grants were being recorded.
import type { Services } from '../composition.js';

export interface SupportAccessSection {
  /** Whether support access goes through recorded grants in this version. */
  grantsAvailable: boolean;
  statement: string;
  /** Every grant of the tenant (empty while the capability does not exist). */
  grants: unknown[];
  /** Grants whose access was a transfer outside the tenant's region's geography, with their basis. */
  transfers: unknown[];
}

export async function supportAccessSection(_services: Services, _tenantId: string): Promise<SupportAccessSection> {
  return {
    grantsAvailable: false,
    statement:
      'This version has no support-access grant (lockbox) capability, so no grants or transfers are recorded. Vendor support staff (role "support") can read user records, module records and the audit log of a tenant; every such read is recorded in that tenant\'s audit log with the reader\'s id.',
    grants: [],
    transfers: [],
  };
}
