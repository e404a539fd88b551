// Deleting a tenant with 100k module records after its grace window: store round trips per 1,000
// documents deleted and the largest orchestration history, each next to its theoretical minimum.
import { performance } from 'node:perf_hooks';
import { LocalSystem } from '../test/support/local-system.js';
import { createUser, provisionTenant } from '../test/support/builders.js';
import { seedItems } from '../dev/standins/cosmos/seed.js';
import type { BenchResult } from './run.js';

const RECORDS = 100_000;
/** One bulk request carries at most 100 operations: 10 requests per 1,000 documents at best. */
const MIN_ROUND_TRIPS_PER_1000 = 10;
/** The smallest history an orchestration that calls one activity can have: started, scheduled, completed, and the episode markers. */
const MIN_HISTORY_EVENTS = 7;

export async function run(): Promise<BenchResult> {
  const system = await LocalSystem.start({ withPlatform: true });
  try {
    const tenant = await provisionTenant(system);
    await createUser(system, tenant);
    // Spread over the 256 record buckets as the app spreads them (a record id's first two hex digits).
    const records = Array.from({ length: RECORDS }, (_, i) => {
      const recordId = `r-${(i % 256).toString(16).padStart(2, '0')}${i.toString(16).padStart(18, '0')}`;
      return { id: `record:shift-logs:${recordId}`, tenantId: tenant.tenantId, pk: `r-${recordId.slice(2, 4)}`, type: 'record', module: 'shift-logs', recordId, status: 'active', peopleUserIds: [] };
    });
    await seedItems(system.cosmosContainer('uksouth', 'tenant-data'), records, (r) => [r.tenantId, r.pk]);

    const requested = await system.post<{ graceEndsAt: string; terminationId: string }>(
      `/api/tenants/${tenant.tenantId}/termination`,
      { disposition: 'delete' },
      tenant.adminToken,
    );
    await system.advanceTo(new Date(Date.parse(requested.body.graceEndsAt) - 1000));
    await system.platformControl('POST', '/cosmos/uksouth/stats/reset');
    const deletedBefore = (await system.platformControl<{ documentsDeleted: number }>('GET', '/cosmos/uksouth/stats'))!.documentsDeleted;
    const started = performance.now();
    await system.advance('PT1S');
    const elapsedMs = performance.now() - started;
    const stats = (await system.platformControl<{ requests: number; documentsDeleted: number; byKind: Record<string, number> }>(
      'GET',
      '/cosmos/uksouth/stats',
    ))!;
    const deleted = stats.documentsDeleted - deletedBefore;
    const left = (await system.allDocuments('uksouth')).filter((d) => d['tenantId'] === tenant.tenantId).length;
    if (left !== 0) throw new Error(`${left} documents of the tenant were not deleted`);

    const instances = (await system.get<{ instanceId: string }[]>('/runtime/webhooks/durabletask/instances?top=1000')).body.filter((i) =>
      i.instanceId.includes(tenant.tenantId),
    );
    let largest = 0;
    for (const instance of instances) {
      const status = await system.get<{ largestHistoryEvents: number }>(
        `/runtime/webhooks/durabletask/instances/${encodeURIComponent(instance.instanceId)}?showHistory=true`,
      );
      largest = Math.max(largest, status.body.largestHistoryEvents);
    }
    const perThousand = stats.requests / (deleted / 1000);
    return {
      'documents deleted': deleted,
      'store round trips per 1,000 documents deleted (all requests after grace end)': perThousand,
      'theoretical minimum round trips per 1,000 (100-operation bulk requests)': MIN_ROUND_TRIPS_PER_1000,
      'round trips / minimum': perThousand / MIN_ROUND_TRIPS_PER_1000,
      'largest orchestration history (events)': largest,
      'theoretical minimum history (one activity per execution)': MIN_HISTORY_EVENTS,
      'largest history / minimum': largest / MIN_HISTORY_EVENTS,
      'deletion, key destruction and interim certificate (s, this machine, for orientation only)': elapsedMs / 1000,
    };
  } finally {
    await system.stop();
  }
}
