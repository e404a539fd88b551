// Support access as the record of processing and the evidence pack report it: how the lockbox works,
// every grant of the tenant, and every grant whose access was a transfer, with its basis.
import { z } from 'zod';
import type { Services } from '../composition.js';
import { supportAccessForRecords } from '../support-access/for-records.js';
import { grantViewSchema } from '../support-access/grant.js';
import { transferSchema } from '../support-access/transfer.js';

export const supportAccessSectionSchema = z.object({
  grantsAvailable: z.boolean().meta({ description: 'Whether support access goes through recorded grants (the lockbox)' }),
  statement: z.string(),
  grants: z.array(grantViewSchema).meta({ description: 'Every support-access grant of the tenant' }),
  transfers: z
    .array(transferSchema.extend({ grantId: z.string(), status: grantViewSchema.shape.status, activatedAt: z.string(), expiresAt: z.string().optional() }))
    .meta({ description: "Grants whose access was a transfer outside the tenant's region's geography, with their basis" }),
});
export type SupportAccessSection = z.infer<typeof supportAccessSectionSchema>;

export function supportAccessSection(services: Services, tenantId: string): Promise<SupportAccessSection> {
  return supportAccessForRecords(services, tenantId);
}
