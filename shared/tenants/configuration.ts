// A tenant's configuration after provisioning: its name and nominated security and privacy contacts
// change (people leave; breach notices, deletion certificates and DSAR reminders must reach who is
// there now), and every change is kept as history (the privacy notice promises it): who, when, why,
// the values before and after. Contacts and reasons are personal data, sealed under the tenant key
// like the contacts themselves, so they go with the tenant's data when it is deleted; a former
// contact's details are removed from the history once the retention schedule says (former-contacts.ts).
import { z } from 'zod';
import type { Services } from '../composition.js';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import { ERASED } from '../crypto/keyring.js';
import { ValidationError } from '../errors.js';
import { displayName, plainText } from '../http/text.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import type { TenantWork } from '../store/unit-of-work.js';
import { etagOf, requireVersion, type Representation } from '../store/versioning.js';
import { openAdminNotificationContacts, openContacts } from './contacts.js';
import { workInTenant, type OpenTenant, type RequestMeta } from './tenant-access.js';
import { tenantView } from './tenant-service.js';
import {
  ADMIN_NOTIFICATION_CONTACTS_AAD,
  adminNotificationContactsSchema,
  CONTACTS_AAD,
  nominatedContactsSchema,
  type Contact,
  type NominatedContacts,
  type TenantDoc,
  type TenantView,
} from './tenant.js';

export const updateTenantSchema = z.strictObject({
  reason: plainText(1000, { required: 'say why the configuration changes' }),
  name: displayName(200).optional(),
  /** Either list, or both: a list given replaces the one nominated. */
  contacts: nominatedContactsSchema.partial().optional(),
  /** Replaces the administrators' notification addresses ([] removes them all). */
  adminNotificationContacts: adminNotificationContactsSchema.optional(),
});
export type UpdateTenantRequest = z.infer<typeof updateTenantSchema>;

export const CONFIG_FIELDS = ['name', 'contacts.security', 'contacts.privacy', 'adminNotificationContacts'] as const;
export type ConfigField = (typeof CONFIG_FIELDS)[number];

/** A contact in the history: null name and address once removed under the retention schedule. */
export type HistoryContact = Contact | { name: null; email: null };
export interface ConfigValues {
  name?: string;
  contacts?: { security?: HistoryContact[]; privacy?: HistoryContact[] };
  /** An address is null once removed under the retention schedule. */
  adminNotificationContacts?: (string | null)[];
}
/** What a history entry keeps under the tenant key. */
export interface SealedConfigChange {
  reason: string;
  before: ConfigValues;
  after: ConfigValues;
}

export interface TenantConfigChangeDoc extends StoredDoc {
  type: 'tenantConfigChange';
  /** The tenant record's version the change produced. */
  version: number;
  at: string;
  by: { sub: string; roles: string[] };
  action: 'tenant.provisioned' | 'tenant.configured';
  fields: ConfigField[];
  /** `{reason, before, after}` under the tenant key. */
  sealed: EncryptedValue;
  /** When former contacts' details were removed from it under the retention schedule. */
  formerContactsRedactedAt?: string;
}

// Responses (documented in the OpenAPI document; the view types are derived from them).
const contactView = z
  .object({ name: z.string().nullable(), email: z.string().nullable() })
  .meta({ description: 'null name and email: a former contact, removed under the retention schedule' });
const configValuesView = z.object({
  name: z.string().optional(),
  contacts: z.object({ security: z.array(contactView).optional(), privacy: z.array(contactView).optional() }).optional(),
  adminNotificationContacts: z.array(z.string().nullable()).optional().meta({ description: 'null: a former address, removed under the retention schedule' }),
});
export const configChangeViewSchema = z
  .object({
    version: z.int(),
    at: z.iso.datetime(),
    by: z.object({ sub: z.string(), roles: z.array(z.string()) }),
    action: z.enum(['tenant.provisioned', 'tenant.configured']),
    fields: z.array(z.enum(CONFIG_FIELDS)),
    reason: z.string().nullable().meta({ description: "null once the tenant's key is destroyed (its data deleted)" }),
    before: configValuesView.nullable(),
    after: configValuesView.nullable(),
    formerContactsRedactedAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: "when former contacts' details were removed from this entry under the retention schedule" }),
  })
  .meta({ id: 'TenantConfigChange' });
export type ConfigChangeView = z.infer<typeof configChangeViewSchema>;
export const configHistorySchema = z.object({ changes: z.array(configChangeViewSchema) }).meta({ id: 'TenantConfigHistory' });

const changeDocId = (version: number): string => `tenantConfig:${String(version).padStart(9, '0')}`;
export const changeAad = (version: number): string => `tenant|config-change|${version}`;

/** Adds the history entry of a change that produces tenant record `version` (provisioning included). */
export async function recordConfigChange(
  tx: TenantWork,
  change: { version: number; action: TenantConfigChangeDoc['action']; fields: ConfigField[]; reason: string; before: ConfigValues; after: ConfigValues },
): Promise<void> {
  const doc: TenantConfigChangeDoc = {
    id: changeDocId(change.version),
    tenantId: tx.partition.tenantId,
    type: 'tenantConfigChange',
    version: change.version,
    at: tx.now.toISOString(),
    by: { sub: tx.context.actor.sub, roles: [...tx.context.actor.roles] },
    action: change.action,
    fields: change.fields,
    sealed: await tx.cipher.seal(
      { kind: 'tenant' },
      { reason: change.reason, before: change.before, after: change.after } satisfies SealedConfigChange,
      changeAad(change.version),
    ),
  };
  tx.create(doc);
}

const sameContacts = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Changes the name and/or nominated contacts, naming the version read (If-Match) and the reason.
 * Flows already running read the contacts when they send, so the next message goes to the new ones.
 */
export async function updateTenant(
  services: Services,
  open: OpenTenant,
  request: UpdateTenantRequest,
  meta: RequestMeta & { ifMatch: string | undefined },
): Promise<Representation<TenantView>> {
  if (
    request.name === undefined &&
    request.contacts?.security === undefined &&
    request.contacts?.privacy === undefined &&
    request.adminNotificationContacts === undefined
  ) {
    throw new ValidationError([{ path: 'name', message: 'give the name, the contacts or the admin notification contacts to change' }]);
  }
  return workInTenant(services, open, meta, async (tx) => {
    const tenant = (await tx.partition.read<TenantDoc>(open.tenant.id))!;
    requireVersion(meta.ifMatch, tenant.version);
    const current = await openContacts(tx.cipher, tenant);
    const fields: ConfigField[] = [];
    const before: ConfigValues = {};
    const after: ConfigValues = {};
    if (request.name !== undefined && request.name !== tenant.name) {
      fields.push('name');
      before.name = tenant.name;
      after.name = request.name;
    }
    const next: NominatedContacts = { ...current };
    for (const role of ['security', 'privacy'] as const) {
      const wanted = request.contacts?.[role];
      if (wanted === undefined || sameContacts(wanted, current[role])) continue;
      fields.push(`contacts.${role}`);
      (before.contacts ??= {})[role] = current[role];
      (after.contacts ??= {})[role] = wanted;
      next[role] = wanted;
    }
    const currentAdmins = await openAdminNotificationContacts(tx.cipher, tenant);
    const wantedAdmins = request.adminNotificationContacts;
    if (wantedAdmins !== undefined && !sameContacts(wantedAdmins, currentAdmins)) {
      fields.push('adminNotificationContacts');
      before.adminNotificationContacts = currentAdmins;
      after.adminNotificationContacts = wantedAdmins;
    }
    const nextAdmins = wantedAdmins ?? currentAdmins;
    // Nothing differs: answered with the tenant as it is, nothing written.
    if (fields.length === 0) return { view: await tenantView(services, { ...open, tenant }), etag: etagOf(tenant.version) };
    const updated: TenantDoc = {
      ...tenant,
      name: after.name ?? tenant.name,
      ...(after.contacts ? { contacts: await tx.cipher.seal({ kind: 'tenant' }, next, CONTACTS_AAD) } : {}),
      version: tenant.version + 1,
    };
    if (after.adminNotificationContacts) {
      if (nextAdmins.length > 0) updated.adminNotificationContacts = await tx.cipher.seal({ kind: 'tenant' }, nextAdmins, ADMIN_NOTIFICATION_CONTACTS_AAD);
      else delete updated.adminNotificationContacts;
    }
    tx.replace(updated, tenant._etag!);
    await recordConfigChange(tx, { version: updated.version, action: 'tenant.configured', fields, reason: request.reason, before, after });
    tx.audit({ action: 'tenant.configured', target: { type: 'tenant', id: tenant.tenantId } });
    return {
      view: { ...(await tenantView(services, { ...open, tenant })), name: updated.name, contacts: next, adminNotificationContacts: nextAdmins },
      etag: etagOf(updated.version),
    };
  });
}

/** Every configuration change, oldest first; reading it is audited. */
export async function configurationHistory(services: Services, open: OpenTenant, meta: RequestMeta): Promise<ConfigChangeView[]> {
  const docs = await open.partition.queryAll<TenantConfigChangeDoc>("c.type = 'tenantConfigChange'");
  docs.sort((a, b) => a.version - b.version);
  const cipher = services.keyring.cipherFor(open.partition, meta.now);
  const views = await Promise.all(
    docs.map(async (doc): Promise<ConfigChangeView> => {
      const opened = await cipher.open(doc.sealed, changeAad(doc.version));
      const content = opened === ERASED ? null : (opened as SealedConfigChange);
      return {
        version: doc.version,
        at: doc.at,
        by: doc.by,
        action: doc.action,
        fields: doc.fields,
        reason: content?.reason ?? null,
        before: content?.before ?? null,
        after: content?.after ?? null,
        formerContactsRedactedAt: doc.formerContactsRedactedAt ?? null,
      };
    }),
  );
  await workInTenant(services, open, meta, async (tx) => {
    tx.audit({ action: 'tenant.history.read', target: { type: 'tenant', id: open.tenant.tenantId } });
  });
  return views;
}
