// Support access as the record of processing and the evidence pack report it: the seam where the
// lockbox (support-access grants, issue 14) plugs in. Until that capability exists this says so
// truthfully, rather than reporting "no grants" as if grants were being recorded.
import { z } from 'zod';
import type { Services } from '../composition.js';

export const supportAccessSectionSchema = z.object({
  grantsAvailable: z.boolean().meta({ description: 'Whether support access goes through recorded grants in this version' }),
  statement: z.string(),
  grants: z.array(z.unknown()).meta({ description: 'Every grant of the tenant (empty while the capability does not exist)' }),
  transfers: z.array(z.unknown()).meta({ description: "Grants whose access was a transfer outside the tenant's region's geography, with their basis" }),
});
export type SupportAccessSection = z.infer<typeof supportAccessSectionSchema>;

export async function supportAccessSection(_services: Services, _tenantId: string): Promise<SupportAccessSection> {
  return {
    grantsAvailable: false,
    statement:
      'This version has no support-access grant (lockbox) capability, so no grants or transfers are recorded. Vendor support staff (role "support") can read user records, module records and the audit log of a tenant; every such read is recorded in that tenant\'s audit log with the reader\'s id.',
    grants: [],
    transfers: [],
  };
}
