// The reconciler's cost per run with 100k open DSARs in the open-flow index (seeded straight into
// the store), of which a few need attention: store requests and task-hub status queries per run,
// per open flow and per flow needing attention. The baseline is the same run with none needing
// attention: the cost should follow the flows needing attention, not the open flows.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSystem } from '../test/support/local-system.js';
import { seedItems } from '../dev/standins/cosmos/seed.js';
import { entryId, OPEN_FLOWS_PK, OpenFlowIndex, type OpenFlowDoc } from '../shared/flows/open-flow-index.js';
import { reconcile } from '../shared/flows/reconciler.js';
import type { InstanceState, TaskHub } from '../shared/flows/task-hub.js';
import type { BenchResult } from './run.js';

const OPEN = 100_000;
const NEEDING_ATTENTION = 100;
const NOW = new Date('2031-06-02T10:00:00Z');

function entry(i: number, attention: boolean): OpenFlowDoc {
  const instanceId = `dsar-t-uks-benchbenchbenchbench-d-${i.toString(16).padStart(20, '0')}`;
  return {
    id: entryId(instanceId),
    pk: OPEN_FLOWS_PK,
    type: 'open-flow',
    kind: 'dsar',
    instanceId,
    orchestrator: 'dataSubjectRequest',
    input: { tenantId: 't-uks-benchbenchbenchbench', dsarId: `d-${i.toString(16).padStart(20, '0')}` },
    tenantId: 't-uks-benchbenchbenchbench',
    region: 'uksouth',
    deadline: '2031-07-01',
    // Most are due weeks from now; the ones needing attention hold a change their workflow was not told of.
    dueAt: '2031-07-01T23:00:00.000Z',
    openedAt: '2031-06-01T10:00:00.000Z',
    changeSeq: attention ? 2 : 1,
    changedAt: '2031-06-01T10:00:00.000Z',
    deliveredSeq: 1,
    signals: [{ event: 'dsar-changed', data: { change: 'bench' } }],
    restart: false,
    closing: false,
    repairs: 0,
  };
}

/** The task hub of the local host over its management API, counting status queries. */
function countingHub(system: LocalSystem): TaskHub & { queries: number } {
  const hub = {
    queries: 0,
    async state(instanceId: string): Promise<InstanceState> {
      hub.queries++;
      const response = await system.get<{ runtimeStatus: string }>(`/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}`);
      return response.status === 404 ? { status: 'missing' } : { status: response.body.runtimeStatus };
    },
    async failedOrTerminated() {
      hub.queries++;
      const response = await system.get<{ instanceId: string; runtimeStatus: string }[]>(
        '/runtime/webhooks/durabletask/instances?runtimeStatus=Failed,Terminated&top=1000',
      );
      return response.body.map((s) => ({ instanceId: s.instanceId, status: s.runtimeStatus }));
    },
    async start() {},
    async raise() {},
  };
  return hub;
}

export async function run(): Promise<BenchResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'privacy-ops-'));
  writeFileSync(join(stateDir, 'clock.json'), JSON.stringify({ now: NOW.toISOString() }));
  const system = await LocalSystem.start({ withPlatform: true }, stateDir);
  try {
    const database = system.cosmosContainer('uksouth', 'control').database;
    await system.cosmosContainer('uksouth', 'control').database.client.databases.createIfNotExists({ id: database.id });
    const { container } = await database.containers.createIfNotExists({ id: 'control', partitionKey: { paths: ['/pk'] } });
    const docs = Array.from({ length: OPEN }, (_, i) => entry(i, i % (OPEN / NEEDING_ATTENTION) === 0));
    await seedItems(container, docs, (d) => d.pk);
    const index = new OpenFlowIndex(container);

    const measure = async (): Promise<{ requests: number; queries: number; attention: number }> => {
      const hub = countingHub(system);
      await system.platformControl('POST', '/cosmos/uksouth/stats/reset');
      const report = await reconcile(index, hub, NOW, () => undefined);
      const stats = (await system.platformControl<{ requests: number }>('GET', '/cosmos/uksouth/stats'))!;
      return { requests: stats.requests, queries: hub.queries, attention: report.attention };
    };
    // First run: 100 flows need attention (live workflows are missing here, so each entry is removed: read, delete).
    const busy = await measure();
    if (busy.attention !== NEEDING_ATTENTION) throw new Error(`expected ${NEEDING_ATTENTION} flows needing attention, got ${busy.attention}`);
    // Second run: none left.
    const quiet = await measure();
    if (quiet.attention !== 0) throw new Error(`expected no flow needing attention, got ${quiet.attention}`);
    return {
      'open DSARs in the index': OPEN,
      'flows needing attention (first run)': busy.attention,
      'store requests per run, none needing attention (baseline)': quiet.requests,
      'task-hub status queries per run, none needing attention (baseline)': quiet.queries,
      'store requests per run, 100 needing attention': busy.requests,
      'task-hub status queries per run, 100 needing attention': busy.queries,
      'store requests per open flow (100 needing attention)': busy.requests / OPEN,
      'status queries per open flow (100 needing attention)': busy.queries / OPEN,
      'extra store requests per flow needing attention': (busy.requests - quiet.requests) / NEEDING_ATTENTION,
      'extra status queries per flow needing attention': (busy.queries - quiet.queries) / NEEDING_ATTENTION,
    };
  } finally {
    await system.stop();
  }
}
