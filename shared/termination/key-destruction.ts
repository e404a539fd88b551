// Crypto-shredding: the tenant's key-encryption key is disabled and deleted in its region's Key
// Vault. Every copy of the tenant's data, backups included, was encrypted under data keys that
// only this key can unwrap. With purge protection the vault refuses an early purge, so the key
// becomes unrecoverable when its soft-delete retention ends; that moment is recorded and checked.
import type { Services } from '../composition.js';
import { tenantKeyName } from '../crypto/keyring.js';
import { tenantRef } from '../tenants/partitions.js';
import { changeTermination, inPhase, type TerminationRef } from './termination-store.js';
import type { KeyDestructionStep } from './termination.js';

export interface KeyDestruction {
  name: string;
  vault: string;
  steps: KeyDestructionStep[];
  /** When the key is gone for good: now if purged, else the end of soft-delete retention. */
  unrecoverableAt: string;
}

export async function destroyTenantKey(services: Services, tenantId: string, now: Date): Promise<KeyDestruction> {
  const parsed = tenantRef(tenantId);
  const vault = services.vaults[parsed.region];
  const name = tenantKeyName(tenantId);
  const deletion = await vault.deleteKey(name);
  services.keyring.forgetTenant(tenantId);
  const at = now.toISOString();
  const deletedAt = deletion?.deletedOn ?? at;
  const purge = deletion ? await vault.purgeDeletedKey(name) : 'absent';
  const purged = purge === 'purged' || purge === 'absent';
  const unrecoverableAt = purged
    ? at
    : (deletion?.scheduledPurgeDate ?? new Date(Date.parse(deletedAt) + services.config.retention.keySoftDeleteDays * 24 * 3600_000).toISOString());
  return {
    name,
    vault: vault.vaultUrl,
    unrecoverableAt,
    steps: [
      { step: 'disabled', at: deletedAt, status: 'done' },
      { step: 'deleted', at: deletedAt, status: 'done', note: 'soft-deleted: no key operation is possible' },
      purged
        ? { step: 'purge-requested', at, status: 'done' }
        : { step: 'purge-requested', at, status: 'refused', note: 'purge protection: the vault purges the key itself when retention ends' },
      { step: 'unrecoverable', at: unrecoverableAt, status: purged ? 'done' : 'pending' },
    ],
  };
}

/** True once the key no longer exists in any form (purged, or retention ended). */
export async function tenantKeyIsGone(services: Services, tenantId: string): Promise<boolean> {
  return services.vaults[tenantRef(tenantId).region].isKeyGone(tenantKeyName(tenantId));
}

/**
 * Destroys the termination's tenant key and records the steps on the termination record. A re-run
 * keeps the first record (the times of the real events) and answers with its moment of no return.
 */
export async function destroyTerminatedKey(services: Services, ref: TerminationRef, now: Date): Promise<{ unrecoverableAt: string }> {
  const destruction = await destroyTenantKey(services, ref.tenantId, now);
  const recorded = await changeTermination(services, ref, (t) =>
    t.keys ? t : { ...t, keys: { name: destruction.name, vault: destruction.vault, steps: destruction.steps } },
  );
  return { unrecoverableAt: recorded.keys?.steps.find((s) => s.step === 'unrecoverable')?.at ?? destruction.unrecoverableAt };
}

/** Once the key is gone for good, records it (the last key step done) and moves on to waiting for the backups. */
export async function confirmKeyUnrecoverable(services: Services, ref: TerminationRef): Promise<boolean> {
  if (!(await tenantKeyIsGone(services, ref.tenantId))) return false;
  await changeTermination(services, ref, (t) => ({
    ...inPhase(t, 'awaiting-backup-expiry'),
    ...(t.keys ? { keys: { ...t.keys, steps: t.keys.steps.map((s) => (s.step === 'unrecoverable' ? { ...s, status: 'done' as const } : s)) } } : {}),
  }));
  return true;
}
