// The activities of a tenant termination: thin calls into shared/termination. Each is idempotent
// (keyed by the termination and the step), because activities run at least once.
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { getServices } from '../../shared/composition.js';
import { beginDeletion, loadPlan, startGraceWindow, type TerminationPlan } from '../../shared/termination/grace-window.js';
import { deleteNextBatch, deletionLogDigest, TENANT_DATA_STORE, type BatchResult } from '../../shared/termination/data-deletion.js';
import { destroyTenantKey, tenantKeyIsGone } from '../../shared/termination/key-destruction.js';
import { forgetCertificateRecipients, retainCertificateRecipients } from '../../shared/termination/certificate-recipients.js';
import { issueCertificate, type CertificateKind } from '../../shared/termination/deletion-certificate.js';
import { sendTerminationNotice, type TerminationNotice } from '../../shared/termination/notices.js';
import { certificatesPartition, updateTermination } from '../../shared/termination/termination-service.js';
import { parseTenantId } from '../../shared/tenancy/tenant-id.js';
import { returnTenantData } from '../../shared/termination/data-return.js';
import { deleteTenantExports } from '../../shared/exports/tenant-export.js';
import type { StoreDeletion } from '../../shared/termination/termination.js';

export interface TerminationRef {
  tenantId: string;
  terminationId: string;
}

/** Transient faults (throttling, timeouts, a vault or mail service hiccup) are retried with backoff. */
export const ACTIVITY_RETRY = Object.assign(new df.RetryOptions(5_000, 6), { backoffCoefficient: 2, maxRetryIntervalInMilliseconds: 5 * 60_000 });

const requestIdOf = (context: InvocationContext, step: string): string => `${context.invocationId}:${step}`;
const now = (): Date => getServices().clock.now();

async function records(ref: TerminationRef) {
  const parsed = parseTenantId(ref.tenantId)!;
  return certificatesPartition(getServices(), parsed.tenantId, parsed.region);
}

export const loadTerminationPlan = df.app.activity('terminationLoadPlan', {
  handler: (ref: TerminationRef): Promise<TerminationPlan> => loadPlan(getServices(), ref),
});

export const startTerminationGrace = df.app.activity('terminationStartGrace', {
  handler: (ref: TerminationRef, context: InvocationContext) => startGraceWindow(getServices(), ref, now(), requestIdOf(context, 'grace')),
});

export const sendNotice = df.app.activity('terminationSendNotice', {
  handler: (input: TerminationRef & { notice: TerminationNotice }) => sendTerminationNotice(getServices(), input),
});

export const beginTenantDeletion = df.app.activity('terminationBeginDeletion', {
  handler: (ref: TerminationRef, context: InvocationContext) => beginDeletion(getServices(), ref, now(), requestIdOf(context, 'begin-deletion')),
});

export const deleteBatch = df.app.activity('terminationDeleteBatch', {
  handler: (input: TerminationRef & { seq: number; limit: number; final: boolean }): Promise<BatchResult> => deleteNextBatch(getServices(), input, now()),
});

export interface DeletionTotals {
  items: number;
  byType: Record<string, number>;
  batches: number;
}

/** Records progress as a value (not an increment), so a re-run cannot double count. */
export const recordDeletionProgress = df.app.activity('terminationRecordDeletionProgress', {
  handler: async (input: TerminationRef & { totals: DeletionTotals; completed: boolean; otherStores?: StoreDeletion[] }) => {
    const services = getServices();
    const at = now();
    const updated = await updateTermination(services, await records(input), input.terminationId, (t) => ({
      ...t,
      ...(input.completed ? { phase: 'destroying-keys' as const } : {}),
      deletion: {
        startedAt: t.deletion?.startedAt ?? at.toISOString(),
        batches: input.totals.batches,
        stores: [
          { store: TENANT_DATA_STORE, method: 'deletion of every document by id, in logged transactional batches', items: input.totals.items, byType: input.totals.byType },
          ...(input.otherStores ?? []),
        ],
        ...(input.completed ? { completedAt: t.deletion?.completedAt ?? at.toISOString() } : {}),
      },
      ...(input.completed && !t.backups
        ? { backups: { retentionDays: services.config.retention.backupDays, expireAt: new Date(at.getTime() + services.config.retention.backupDays * 24 * 3600_000).toISOString(), status: 'pending' as const } }
        : {}),
    }));
    return { backupsExpireAt: updated.backups?.expireAt ?? null };
  },
});

export const retainRecipients = df.app.activity('terminationRetainRecipients', {
  handler: (ref: TerminationRef) => retainCertificateRecipients(getServices(), ref.tenantId, ref.terminationId),
});

export const destroyKey = df.app.activity('terminationDestroyKey', {
  handler: async (ref: TerminationRef) => {
    const services = getServices();
    const destruction = await destroyTenantKey(services, ref.tenantId, now());
    await updateTermination(services, await records(ref), ref.terminationId, (t) => ({
      ...t,
      // A re-run after the first recorded the steps keeps the first record (the times of the real events).
      keys: t.keys ?? { name: destruction.name, vault: destruction.vault, steps: destruction.steps },
    }));
    return { unrecoverableAt: destruction.unrecoverableAt };
  },
});

export const issueDeletionCertificate = df.app.activity('terminationIssueCertificate', {
  handler: async (input: TerminationRef & { kind: CertificateKind }) => {
    const services = getServices();
    const deletionLog = await deletionLogDigest(services, input.tenantId, input.terminationId);
    if (!deletionLog.valid) throw new Error(`the deletion log of termination ${input.terminationId} does not verify`);
    return issueCertificate(services, { ...input, deletionLog: { entries: deletionLog.entries, sha256: deletionLog.sha256 } }, now());
  },
});

export const confirmKeyGone = df.app.activity('terminationConfirmKeyGone', {
  handler: async (ref: TerminationRef): Promise<boolean> => {
    const services = getServices();
    if (!(await tenantKeyIsGone(services, ref.tenantId))) return false;
    await updateTermination(services, await records(ref), ref.terminationId, (t) => ({
      ...t,
      phase: 'awaiting-backup-expiry',
      ...(t.keys ? { keys: { ...t.keys, steps: t.keys.steps.map((s) => (s.step === 'unrecoverable' ? { ...s, status: 'done' as const } : s)) } } : {}),
    }));
    return true;
  },
});

export const markBackupsExpired = df.app.activity('terminationMarkBackupsExpired', {
  handler: async (ref: TerminationRef) => {
    await updateTermination(getServices(), await records(ref), ref.terminationId, (t) => ({ ...t, ...(t.backups ? { backups: { ...t.backups, status: 'expired' as const } } : {}) }));
  },
});

export const completeTermination = df.app.activity('terminationComplete', {
  handler: async (ref: TerminationRef) => {
    const services = getServices();
    await forgetCertificateRecipients(services, ref.tenantId, ref.terminationId);
    await updateTermination(services, await records(ref), ref.terminationId, (t) => ({ ...t, phase: 'completed' }));
  },
});

export const enterAwaitingKeyPurge = df.app.activity('terminationAwaitKeyPurge', {
  handler: async (ref: TerminationRef) => {
    await updateTermination(getServices(), await records(ref), ref.terminationId, (t) => (t.phase === 'destroying-keys' ? { ...t, phase: 'awaiting-key-purge' } : t));
  },
});

export const returnData = df.app.activity('terminationReturnData', {
  handler: (ref: TerminationRef) => returnTenantData(getServices(), ref, now()),
});

/** Export files and returned-data packages of the tenant, in its region's storage. */
export const deleteFiles = df.app.activity('terminationDeleteFiles', {
  handler: async (ref: TerminationRef): Promise<StoreDeletion[]> => {
    const parsed = parseTenantId(ref.tenantId)!;
    const counts = await deleteTenantExports(getServices().blobs, parsed.tenantId);
    return Object.entries(counts).map(([container, items]) => ({ store: `blob:${container}`, method: 'blob deletion by tenant prefix', items, byType: { file: items } }));
  },
});
