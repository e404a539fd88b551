// A tenant: one customer (data controller) of the service, pinned to a region at creation, with
// its nominated security and privacy contacts (who receive breach notices and deletion
// certificates) and its place in the lifecycle.
import { z } from 'zod';
import { REGIONS } from '../config.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { displayName } from '../http/text.js';

export const TENANT_STATUSES = ['active', 'terminating', 'in-grace', 'deleted'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const contactSchema = z.strictObject({
  name: displayName(200),
  email: z.email({ message: 'must be an email address' }).max(320),
});
export type Contact = z.infer<typeof contactSchema>;

export const nominatedContactsSchema = z.strictObject({
  security: z.array(contactSchema).min(1, 'name at least one security contact').max(10),
  privacy: z.array(contactSchema).min(1, 'name at least one privacy contact').max(10),
});
export type NominatedContacts = z.infer<typeof nominatedContactsSchema>;

/**
 * Addresses of the tenant's administrators for what needs an administrator's decision (a support
 * engineer's access request, break-glass access): admins sign in as token principals, which carry
 * no address, so the tenant names where to write. Optional; each address once.
 */
export const adminNotificationContactsSchema = z
  .array(z.email({ message: 'must be an email address' }).max(320))
  .max(10)
  .superRefine((emails, ctx) => {
    const seen = new Set<string>();
    emails.forEach((email, index) => {
      if (seen.has(email.toLowerCase())) ctx.addIssue({ code: 'custom', path: [index], message: 'each address once' });
      seen.add(email.toLowerCase());
    });
  });

export const provisionTenantSchema = z.strictObject({
  name: displayName(200),
  region: z.enum(REGIONS, { message: `must be one of ${REGIONS.join(', ')}` }).default('uksouth'),
  contacts: nominatedContactsSchema,
  adminNotificationContacts: adminNotificationContactsSchema.default([]),
});
export type ProvisionTenantRequest = z.infer<typeof provisionTenantSchema>;

// Responses (documented in the OpenAPI document; the view types are derived from them).
const contactView = z.object({ name: z.string(), email: z.string() });
export const tenantSummarySchema = z
  .object({ tenantId: z.string(), name: z.string(), region: z.enum(REGIONS), status: z.enum(TENANT_STATUSES), createdAt: z.iso.datetime() })
  .meta({ id: 'TenantSummary' });
export type TenantSummary = z.infer<typeof tenantSummarySchema>;
export const tenantViewSchema = tenantSummarySchema
  .extend({
    contacts: z.object({ security: z.array(contactView), privacy: z.array(contactView) }),
    adminNotificationContacts: z
      .array(z.string())
      .meta({ description: "Addresses of the tenant's administrators, told of support access requests and break-glass access" }),
    statusChangedAt: z.iso.datetime(),
  })
  .meta({ id: 'Tenant' });
export type TenantView = z.infer<typeof tenantViewSchema>;
export const tenantListSchema = z.object({ tenants: z.array(tenantSummarySchema) }).meta({ id: 'TenantList' });

export const TENANT_DOC_ID = 'tenant';

export interface TenantDoc extends StoredDoc {
  type: 'tenant';
  name: string;
  region: string;
  status: TenantStatus;
  /** Nominated contacts, encrypted under the tenant key (they are personal data). */
  contacts: EncryptedValue;
  /** Administrators' notification addresses (string[]), encrypted under the tenant key; absent = none. */
  adminNotificationContacts?: EncryptedValue;
  createdAt: string;
  createdBy: string;
  statusChangedAt: string;
  version: number;
  /** The termination in progress (scheduled or in its grace window), if any. */
  activeTerminationId?: string;
  /** Hash of the provisioning request, to answer an idempotent retry. */
  provisioningRequestHash?: string;
}

/** What a tenant's status allows: only an active tenant accepts changes; exports work until deletion. */
export function allowsWrites(status: TenantStatus): boolean {
  return status === 'active';
}

export function allowsReads(status: TenantStatus): boolean {
  return status !== 'deleted';
}

export const CONTACTS_AAD = 'tenant|contacts';
export const ADMIN_NOTIFICATION_CONTACTS_AAD = 'tenant|admin-notification-contacts';
