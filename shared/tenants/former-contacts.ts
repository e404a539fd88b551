// Former contacts in the configuration history, under the retention schedule: once a contact (a
// security or privacy contact, or an administrator's notification address) has been out of the
// configuration for RETENTION_DAYS.formerContacts, their name and address are removed from every
// history entry that holds them. What stays is what the history is for: who changed what, when and
// why, and that a contact was replaced (the entry keeps a null in the contact's place). Current
// contacts are never touched. Run by the retention sweep; each entry changed is audited.
import type { Services } from '../composition.js';
import { systemActor } from '../audit/system-actor.js';
import { ERASED, type TenantCipher } from '../crypto/keyring.js';
import { RETENTION_DAYS } from '../retention/schedule.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { changeAad, type ConfigValues, type HistoryContact, type SealedConfigChange, type TenantConfigChangeDoc } from './configuration.js';
import { openAdminNotificationContacts, openContacts } from './contacts.js';
import { tenantData } from './partitions.js';
import { TENANT_DOC_ID, type TenantDoc } from './tenant.js';

const DAY_MS = 24 * 3600_000;
const SWEEP_ACTOR = systemActor('retention-sweep');

/** Every address in a side of a change, lower-cased. */
function addressesOf(values: ConfigValues): Set<string> {
  const found = new Set<string>();
  for (const contact of [...(values.contacts?.security ?? []), ...(values.contacts?.privacy ?? [])]) if (contact.email) found.add(contact.email.toLowerCase());
  for (const email of values.adminNotificationContacts ?? []) if (email) found.add(email.toLowerCase());
  return found;
}

/**
 * When each former contact left the configuration: the last change that had them before and not
 * after. Addresses still nominated (in any role) are never former.
 */
export function formerContactsLeftAt(changes: readonly { at: string; content: SealedConfigChange }[], current: ReadonlySet<string>): Map<string, string> {
  const leftAt = new Map<string, string>();
  for (const { at, content } of changes) {
    const after = addressesOf(content.after);
    for (const email of addressesOf(content.before)) {
      if (current.has(email) || after.has(email)) continue;
      if ((leftAt.get(email) ?? '') < at) leftAt.set(email, at);
    }
  }
  return leftAt;
}

/** `values` with the details of the `expired` addresses replaced by nulls; undefined when none is there. */
export function withoutExpired(values: ConfigValues, expired: ReadonlySet<string>): ConfigValues | undefined {
  let changed = false;
  const redactContact = (contact: HistoryContact): HistoryContact => {
    if (!contact.email || !expired.has(contact.email.toLowerCase())) return contact;
    changed = true;
    return { name: null, email: null };
  };
  const redacted: ConfigValues = { ...values };
  if (values.contacts) {
    redacted.contacts = {
      ...(values.contacts.security ? { security: values.contacts.security.map(redactContact) } : {}),
      ...(values.contacts.privacy ? { privacy: values.contacts.privacy.map(redactContact) } : {}),
    };
  }
  if (values.adminNotificationContacts) {
    redacted.adminNotificationContacts = values.adminNotificationContacts.map((email) => {
      if (!email || !expired.has(email.toLowerCase())) return email;
      changed = true;
      return null;
    });
  }
  return changed ? redacted : undefined;
}

async function currentAddresses(cipher: TenantCipher, tenant: TenantDoc): Promise<Set<string>> {
  const contacts = await openContacts(cipher, tenant);
  const admins = await openAdminNotificationContacts(cipher, tenant);
  return new Set([...contacts.security, ...contacts.privacy].map((c) => c.email.toLowerCase()).concat(admins.map((e) => e.toLowerCase())));
}

/**
 * Removes, from one tenant's configuration history, the details of every contact who left the
 * configuration more than the retention period before `now`. Returns the number of entries changed
 * (0 on a second run: an entry already redacted holds no expired address).
 */
export async function removeFormerContacts(services: Services, tenantId: string, now: Date): Promise<number> {
  const partition = await tenantData(services, tenantId);
  const tenant = await partition.read<TenantDoc>(TENANT_DOC_ID);
  if (!tenant || tenant.status === 'deleted') return 0;
  const cipher = services.keyring.cipherFor(partition, now);
  const docs = await partition.queryAll<TenantConfigChangeDoc>("c.type = 'tenantConfigChange'");
  // Only a tenant whose contacts ever changed has former contacts.
  if (docs.length < 2) return 0;
  const changes: { doc: TenantConfigChangeDoc; at: string; content: SealedConfigChange }[] = [];
  for (const doc of docs.sort((a, b) => a.version - b.version)) {
    const opened = await cipher.open(doc.sealed, changeAad(doc.version));
    if (opened !== ERASED) changes.push({ doc, at: doc.at, content: opened as SealedConfigChange });
  }
  const cutoff = new Date(now.getTime() - RETENTION_DAYS.formerContacts * DAY_MS).toISOString();
  const expired = new Set([...formerContactsLeftAt(changes, await currentAddresses(cipher, tenant))].filter(([, at]) => at <= cutoff).map(([email]) => email));
  if (expired.size === 0) return 0;
  let removed = 0;
  for (const { doc, content } of changes) {
    const before = withoutExpired(content.before, expired);
    const after = withoutExpired(content.after, expired);
    if (!before && !after) continue;
    // One entry per unit of work: a history of any length stays within a transactional batch, and a
    // sweep interrupted half-way finishes the rest on its next run.
    await runTenantWork(services.keyring, partition, { actor: SWEEP_ACTOR, requestId: `retention-sweep:${now.toISOString()}`, now }, async (tx) => {
      const redacted: SealedConfigChange = { reason: content.reason, before: before ?? content.before, after: after ?? content.after };
      const sealed = await tx.cipher.seal({ kind: 'tenant' }, redacted, changeAad(doc.version));
      tx.replace({ ...doc, sealed, formerContactsRedactedAt: now.toISOString() } satisfies TenantConfigChangeDoc, doc._etag!);
      tx.audit({ action: 'tenant.history.former-contacts-removed', target: { type: 'tenantConfigChange', id: String(doc.version) } });
    });
    removed++;
  }
  return removed;
}
