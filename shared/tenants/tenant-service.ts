// Provisioning and reading tenants. Provisioning creates the tenant's key in its region's Key
// Vault, its wrapped data key and its record, audited, in the tenant's own region.
import type { Services } from '../composition.js';
import { authorize } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { REGIONS, type Region } from '../config.js';
import { ConflictError, UnprocessableError } from '../errors.js';
import { CONTAINERS } from '../store/cosmos-stores.js';
import { retryLostRaces } from '../store/optimistic.js';
import { storeFailure } from '../store/store-failure.js';
import { runTenantWork } from '../store/unit-of-work.js';
import { newTenantId, siblingTenantIds, type TenantId } from '../tenancy/tenant-id.js';
import { actorOf, tenantPartition, type OpenTenant, type RequestMeta } from './tenant-access.js';
import { openAdminNotificationContacts, openContacts } from './contacts.js';
import { recordConfigChange } from './configuration.js';
import { tenantData } from './partitions.js';
import {
  ADMIN_NOTIFICATION_CONTACTS_AAD,
  CONTACTS_AAD,
  TENANT_DOC_ID,
  type NominatedContacts,
  type ProvisionTenantRequest,
  type TenantDoc,
  type TenantStatus,
  type TenantSummary,
  type TenantView,
} from './tenant.js';

export async function provisionTenant(
  services: Services,
  principal: Principal,
  request: ProvisionTenantRequest,
  meta: RequestMeta & { idempotency?: { docId: string; requestHash: string } },
): Promise<{ view: TenantView; created: boolean }> {
  authorize(principal, 'tenants.provision');
  // A retried request with the same Idempotency-Key lands on the same tenant id.
  const tenantId = newTenantId(request.region, meta.idempotency ? meta.idempotency.docId : undefined);
  const partition = await tenantPartition(services, tenantId, request.region);
  const context = { actor: actorOf(principal), requestId: meta.requestId, now: meta.now };
  // Two requests with one key race to commit the tenant: the key document and the tenant document
  // commit together, so the loser finds the winner's tenant on its second look and answers with it.
  const provision = async (): Promise<{ view: TenantView; created: boolean }> => {
    const existing = await partition.read<TenantDoc>(TENANT_DOC_ID);
    if (existing) {
      if (existing.provisioningRequestHash !== meta.idempotency?.requestHash) {
        throw new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
      }
      return { view: await tenantView(services, { partition, tenant: existing, actor: context.actor }), created: false };
    }
    if (meta.idempotency) await refuseKeyUsedInAnotherRegion(services, tenantId);
    const key = await services.keyring.prepareTenantKey(partition, meta.now);
    const tenant = await runTenantWork(services.keyring, partition, context, async (tx) => {
      tx.cipher.usePendingTenantKey(key.dataKey);
      const doc: TenantDoc = {
        id: TENANT_DOC_ID,
        tenantId,
        type: 'tenant',
        name: request.name,
        region: request.region,
        status: 'active',
        contacts: await tx.cipher.seal({ kind: 'tenant' }, request.contacts, CONTACTS_AAD),
        ...(request.adminNotificationContacts.length > 0
          ? { adminNotificationContacts: await tx.cipher.seal({ kind: 'tenant' }, request.adminNotificationContacts, ADMIN_NOTIFICATION_CONTACTS_AAD) }
          : {}),
        createdAt: meta.now.toISOString(),
        createdBy: principal.sub,
        statusChangedAt: meta.now.toISOString(),
        version: 1,
        ...(meta.idempotency ? { provisioningRequestHash: meta.idempotency.requestHash } : {}),
      };
      tx.create(key.doc, () => new ProvisioningRace());
      tx.create(doc, () => new ProvisioningRace());
      tx.audit({ action: 'tenant.provisioned', target: { type: 'tenant', id: tenantId } });
      const admins = request.adminNotificationContacts.length > 0 ? { adminNotificationContacts: request.adminNotificationContacts } : {};
      await recordConfigChange(tx, {
        version: 1,
        action: 'tenant.provisioned',
        fields: ['name', 'contacts.security', 'contacts.privacy', ...(admins.adminNotificationContacts ? (['adminNotificationContacts'] as const) : [])],
        reason: 'provisioned',
        before: {},
        after: { name: request.name, contacts: request.contacts, ...admins },
      });
      tx.afterCommit(() => services.keyring.rememberCommittedTenantKey(tenantId, key.dataKey));
      return doc;
    });
    return { view: await tenantView(services, { partition, tenant, actor: context.actor }), created: true };
  };
  return retryLostRaces(provision, { attempts: 3, lostRace: (error) => error instanceof ProvisioningRace });
}

/** Another request with the same Idempotency-Key committed this tenant first. */
class ProvisioningRace extends ConflictError {
  constructor() {
    super('TENANT.PROVISIONING_RACE', 'The tenant was being provisioned by another request with the same Idempotency-Key; retry to get its answer.');
  }
}

async function refuseKeyUsedInAnotherRegion(services: Services, tenantId: TenantId): Promise<void> {
  for (const sibling of siblingTenantIds(tenantId)) {
    const found = await (await tenantData(services, sibling)).read<TenantDoc>(TENANT_DOC_ID);
    if (found) throw new UnprocessableError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request.');
  }
}

export async function tenantView(services: Services, open: OpenTenant): Promise<TenantView> {
  const cipher = services.keyring.cipherFor(open.partition, services.clock.now());
  const contacts = await openContacts(cipher, open.tenant);
  return {
    tenantId: open.tenant.tenantId,
    name: open.tenant.name,
    region: open.tenant.region as Region,
    status: open.tenant.status,
    contacts,
    adminNotificationContacts: await openAdminNotificationContacts(cipher, open.tenant),
    createdAt: open.tenant.createdAt,
    statusChangedAt: open.tenant.statusChangedAt,
  };
}

/** The ids of every tenant that still has data, in every region (for nightly housekeeping). */
export async function listTenantIds(services: Services): Promise<string[]> {
  const ids: string[] = [];
  for (const region of REGIONS) {
    const container = await services.stores.container(region, CONTAINERS.tenantData);
    const { resources } = await container.items
      .query<{ tenantId: string; status: TenantStatus }>({ query: "SELECT c.tenantId, c.status FROM c WHERE c.type = 'tenant' AND c.id = 'tenant'" })
      .fetchAll()
      .catch((error: unknown) => {
        throw storeFailure(error);
      });
    ids.push(...resources.filter((t) => t.status !== 'deleted').map((t) => t.tenantId));
  }
  return ids.sort();
}

/** Every tenant in every region, without contacts (vendor staff overview). */
export async function listTenants(services: Services, principal: Principal, filter: { region?: Region; status?: TenantStatus }): Promise<TenantSummary[]> {
  authorize(principal, 'tenants.list');
  const regions = filter.region ? [filter.region] : [...REGIONS];
  const summaries: TenantSummary[] = [];
  for (const region of regions) {
    const container = await services.stores.container(region, CONTAINERS.tenantData);
    const { resources } = await container.items
      .query<TenantDoc>({ query: "SELECT * FROM c WHERE c.type = 'tenant' AND c.id = 'tenant'" })
      .fetchAll()
      .catch((error: unknown) => {
        throw storeFailure(error);
      });
    for (const tenant of resources) {
      if (filter.status && tenant.status !== filter.status) continue;
      if (tenant.status === 'deleted') continue;
      summaries.push({ tenantId: tenant.tenantId, name: tenant.name, region, status: tenant.status, createdAt: tenant.createdAt });
    }
  }
  return summaries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.tenantId.localeCompare(b.tenantId));
}
