// The retention sweep: enforces the rows of the retention schedule that nothing else enforces, at
// the instant the schedule says, and records each run (counts and ids only) in the control
// container, where ops read it at GET /api/retention-sweeps.
//  - exports and packages: deleted once 7 days old (in Azure the lifecycle rule also does it);
//  - a terminated tenant's orchestration instances: purged by id once its termination completed;
//  - other task-hub history: purged 90 days after the instance was created, once it has ended;
//  - former contacts' details in each tenant's configuration history: removed a year after they left.
import type { Container } from '@azure/cosmos';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { EXPORT_CONTAINERS } from '../blob/regional-blob-storage.js';
import { REGIONS, type Region } from '../config.js';
import { CONTAINERS, CONTROL_REGION } from '../store/cosmos-stores.js';
import { OpenFlowIndex } from '../flows/open-flow-index.js';
import { removeFormerContacts } from '../tenants/former-contacts.js';
import { tenantRecords } from '../tenants/partitions.js';
import { listTenantIds } from '../tenants/tenant-service.js';
import { instanceIndexDocId, type InstanceIndexDoc } from '../termination/instance-index.js';
import { findTermination } from '../termination/termination-store.js';
import { RETENTION_DAYS } from './schedule.js';

const DAY_MS = 24 * 3600_000;

/** The task hub, as the sweep needs it (the Durable client in functions/). */
export interface TaskHubPurger {
  /** Purges one ended instance's history; `running` leaves it for a later sweep. */
  purge(instanceId: string): Promise<'purged' | 'absent' | 'running'>;
  /** Purges every ended instance created before `before`. */
  purgeEndedCreatedBefore(before: Date): Promise<number>;
}

// A sweep's record (documented in the OpenAPI document; the type is derived from it).
export const sweepReportSchema = z.object({
  at: z.iso.datetime(),
  filesDeleted: z.record(z.enum(REGIONS), z.int()),
  terminatedTenants: z.array(z.object({ tenantId: z.string(), terminationId: z.string(), instancesPurged: z.int() })),
  historyPurged: z.int(),
  formerContactsRemoved: z
    .array(z.object({ tenantId: z.string(), changes: z.int() }))
    .meta({ description: "tenants whose configuration history had former contacts' details removed, with the number of entries changed" }),
});
export type SweepReport = z.infer<typeof sweepReportSchema>;
export const sweepListSchema = z.object({ sweeps: z.array(sweepReportSchema) }).meta({ id: 'RetentionSweeps' });

interface SweepDoc extends SweepReport {
  id: string;
  pk: string;
  type: 'retentionSweep';
}

export const sweepLogPartition = (day: string): string => `retention-sweeps:${day}`;

export async function runRetentionSweep(services: Services, taskHub: TaskHubPurger, now: Date): Promise<SweepReport> {
  const filesDeleted = {} as Record<Region, number>;
  const fileCutoff = new Date(now.getTime() - RETENTION_DAYS.exportsAndPackages * DAY_MS);
  for (const region of REGIONS) {
    filesDeleted[region] = 0;
    for (const container of EXPORT_CONTAINERS) filesDeleted[region] += await services.blobs.deleteCreatedBefore(region, container, fileCutoff);
  }
  const terminatedTenants = [];
  for (const region of REGIONS) terminatedTenants.push(...(await purgeTerminatedTenants(services, taskHub, region, now)));
  const historyPurged = await taskHub.purgeEndedCreatedBefore(new Date(now.getTime() - RETENTION_DAYS.taskHubHistory * DAY_MS));
  const formerContactsRemoved = [];
  for (const tenantId of await listTenantIds(services)) {
    const changes = await removeFormerContacts(services, tenantId, now);
    if (changes > 0) formerContactsRemoved.push({ tenantId, changes });
  }
  const report: SweepReport = { at: now.toISOString(), filesDeleted, terminatedTenants, historyPurged, formerContactsRemoved };
  await recordSweep(services, report);
  return report;
}

/** Purges, by id, every instance of each tenant whose termination has completed. */
async function purgeTerminatedTenants(services: Services, taskHub: TaskHubPurger, region: Region, now: Date): Promise<SweepReport['terminatedTenants']> {
  const container = await services.stores.container(region, CONTAINERS.certificates);
  const { resources: pending } = await container.items
    .query<InstanceIndexDoc>("SELECT * FROM c WHERE c.type = 'instanceIndex' AND NOT IS_DEFINED(c.purgedAt)")
    .fetchAll();
  const openFlows = await OpenFlowIndex.open(services);
  const purged = [];
  for (const index of pending) {
    const records = await tenantRecords(services, index.tenantId);
    const termination = await findTermination(records, index.terminationId);
    if (termination?.phase !== 'completed') continue;
    let instancesPurged = 0;
    let stillRunning = false;
    for (const instanceId of index.instanceIds) {
      // The flow owes nothing more: out of the open-flow index first, or the reconciler would start it again once purged.
      await openFlows.remove(instanceId);
      const outcome = await taskHub.purge(instanceId);
      if (outcome === 'purged') instancesPurged++;
      if (outcome === 'running') stillRunning = true;
    }
    // The termination's own workflow ends a moment after it marks the termination completed.
    if (stillRunning) continue;
    const fresh = await records.read<InstanceIndexDoc>(instanceIndexDocId(index.terminationId));
    if (fresh) await records.commit([{ kind: 'replace', doc: { ...fresh, purgedAt: now.toISOString() }, ifMatch: fresh._etag! }]);
    purged.push({ tenantId: index.tenantId, terminationId: index.terminationId, instancesPurged });
  }
  return purged;
}

async function controlContainer(services: Services): Promise<Container> {
  return services.stores.container(CONTROL_REGION, CONTAINERS.control);
}

async function recordSweep(services: Services, report: SweepReport): Promise<void> {
  const doc: SweepDoc = { id: `retention-sweep:${report.at}`, pk: sweepLogPartition(report.at.slice(0, 10)), type: 'retentionSweep', ...report };
  await (await controlContainer(services)).items.upsert(doc);
}

/** One UTC day of sweep runs, oldest first. */
export async function sweepsOfDay(services: Services, day: string): Promise<SweepReport[]> {
  const { resources } = await (
    await controlContainer(services)
  ).items
    .query<SweepDoc>(
      {
        query: "SELECT * FROM c WHERE c.pk = @pk AND c.type = 'retentionSweep' ORDER BY c.at ASC",
        parameters: [{ name: '@pk', value: sweepLogPartition(day) }],
      },
      { partitionKey: sweepLogPartition(day) },
    )
    .fetchAll();
  // Runs recorded before former contacts were swept name none.
  return resources.map(({ at, filesDeleted, terminatedTenants, historyPurged, formerContactsRemoved }) => ({
    at,
    filesDeleted,
    terminatedTenants,
    historyPurged,
    formerContactsRemoved: formerContactsRemoved ?? [],
  }));
}
