// What a deletion certificate says about every store, each claim limited to what was checked when
// it was issued: documents and files counted in each store of the tenant's region, what stays and
// why (legal retention, the proof of deletion itself, the breach register), and the copies kept by
// sub-processors under their own retention, which this system does not check.
import type { Services } from '../composition.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { tenantRecords, tenantRef } from '../tenants/partitions.js';
import { RETENTION_DAYS } from '../retention/schedule.js';
import { remainingDocuments, TENANT_DATA_STORE } from './data-deletion.js';
import { instanceIndexDocId, type InstanceIndexDoc } from './instance-index.js';
import type { TerminationDoc } from './termination.js';

export interface StoreStatement {
  store: string;
  /** Items this termination deleted there (null where it deletes nothing). */
  deleted: number | null;
  /** How many items were found there when the certificate was issued (null: not counted by the workflow). */
  remaining: number | null;
  remains: string;
  why: string;
}

export interface SubProcessorStatement {
  name: string;
  holds: string;
  retentionDays: number;
  note: string;
}

export interface Inventory {
  checkedAt: string;
  stores: StoreStatement[];
  subProcessors: SubProcessorStatement[];
}

const deletedIn = (termination: TerminationDoc, store: string): number => termination.deletion?.stores.find((s) => s.store === store)?.items ?? 0;

/** Counts what is left in every store the app can see, as the certificate being issued will say. */
export async function takeInventory(
  services: Services,
  termination: TerminationDoc,
  issuing: { kind: string; evidencePending: boolean },
  now: Date,
): Promise<Inventory> {
  const { region } = tenantRef(termination.tenantId);
  const tenantId = termination.tenantId;
  const records = await tenantRecords(services, tenantId);
  const kept = await records.queryAll<StoredDoc>('true', [], { fields: ['type', 'kind'] });
  const byType: Record<string, number> = {};
  // The contacts' addresses kept to send the final certificate are deleted once it is sent.
  for (const doc of kept) if (!(issuing.kind === 'final' && doc.type === 'certificateRecipients')) byType[doc.type] = (byType[doc.type] ?? 0) + 1;
  // The certificate being issued is stored right after it is signed.
  if (!kept.some((d) => d.type === 'deletionCertificate' && d['kind'] === issuing.kind))
    byType['deletionCertificate'] = (byType['deletionCertificate'] ?? 0) + 1;
  const index = await records.read<InstanceIndexDoc>(instanceIndexDocId(termination.terminationId));
  const files = async (container: 'exports' | 'packages' | 'evidence'): Promise<number> =>
    services.blobs.countPrefix(region, container, `${tenantId}/`);
  const stores: StoreStatement[] = [
    {
      store: TENANT_DATA_STORE,
      deleted: deletedIn(termination, TENANT_DATA_STORE),
      remaining: await remainingDocuments(services, tenantId),
      remains: 'nothing',
      why: 'every document of the tenant was deleted by id, in logged batches',
    },
    {
      store: 'blob:exports',
      deleted: deletedIn(termination, 'blob:exports'),
      remaining: await files('exports'),
      remains: 'nothing',
      why: 'every export file under the tenant prefix was deleted',
    },
    {
      store: 'blob:packages',
      deleted: deletedIn(termination, 'blob:packages'),
      remaining: await files('packages'),
      remains: 'nothing',
      why: 'every access and returned-data package under the tenant prefix was deleted',
    },
    {
      store: 'cosmos:certificates',
      deleted: null,
      remaining: Object.values(byType).reduce((a, b) => a + b, 0),
      remains: Object.entries(byType)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, n]) => `${n} ${type}`)
        .join(', '),
      why: `the termination record, the deletion log (ids of deleted documents only), the certificates, the workflow index and signed audit-log heads: proof of deletion (DPA §9), kept ${RETENTION_DAYS.certificates} days${issuing.kind === 'final' ? "; the contacts' addresses kept to send this certificate are deleted once it is sent" : "; the contacts' addresses (certificateRecipients) are kept, encrypted, until the final certificate is sent"}`,
    },
    {
      store: 'blob:evidence',
      deleted: null,
      remaining: (await files('evidence')) + (issuing.evidencePending ? 1 : 0),
      remains: 'write-once copies of the certificates and of signed audit-log heads',
      why: `immutable evidence of deletion, kept ${RETENTION_DAYS.certificates} days`,
    },
    {
      store: 'task hub (Durable Functions)',
      deleted: null,
      remaining: null,
      remains: `the histories of ${index?.instanceIds.length ?? 0} workflow instances of the tenant (ids and instants only)`,
      why: 'purged by id by the retention sweep once this termination has completed (an instance cannot purge itself)',
    },
    {
      store: 'blob:erasure-ledger',
      deleted: null,
      remaining: null,
      remains: 'one entry: the tenant id, the termination id and the instant deletion began',
      why: `re-applies this deletion if the region's database is restored to an earlier point; kept ${RETENTION_DAYS.erasureLedger} days`,
    },
    {
      store: 'cosmos:control breach register (UK South)',
      deleted: null,
      remaining: null,
      remains: 'for each breach that concerned the tenant: the tenant id and when its notices were sent and acknowledged (no personal data)',
      why: 'Art 33(5): documentation of every personal data breach',
    },
  ];
  return {
    checkedAt: now.toISOString(),
    stores,
    subProcessors: [
      {
        name: 'Azure Communication Services (email)',
        holds: "delivery logs of the notices sent to the tenant's contacts",
        retentionDays: RETENTION_DAYS.emailServiceLogs,
        note: 'not checked by this workflow: deleted by the sub-processor on its own schedule',
      },
      {
        name: 'Sentry (error reports)',
        holds: 'error events scrubbed of personal data',
        retentionDays: RETENTION_DAYS.errorReports,
        note: 'not checked by this workflow: deleted by the sub-processor on its own schedule',
      },
      {
        name: 'Application Insights (telemetry)',
        holds: 'request telemetry without personal data',
        retentionDays: services.config.retention.telemetryDays,
        note: 'not checked by this workflow: deleted by the workspace retention',
      },
    ],
  };
}
