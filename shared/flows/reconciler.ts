// The reconciler: the stored records are the truth, and this makes the workflows follow them. Run
// by a timer every 10 minutes (functions/flow-reconciler.ts), it makes sure every open flow in the
// index (./open-flow-index.ts) has a live workflow:
// - a flow whose workflow is missing (a start that failed after the record was stored) is started;
// - one whose workflow Failed or was Terminated gets a new execution (every step is idempotent, so
//   the new run re-reads the record and carries on where the record says);
// - a change the workflow was not told of (a signal that failed after the commit) is raised again;
// - a flow whose workflow completed leaves the index.
// Its cost per run: one query of the index for the entries needing attention and one task-hub query
// for Failed and Terminated instances, then one status query and a few writes per flow needing
// attention. Flows that need nothing cost nothing.
import type { OpenFlowDoc, OpenFlowIndex } from './open-flow-index.js';
import { LIVE_STATUSES, type TaskHub } from './task-hub.js';

/** A change younger than this is left to the route that is still signalling it. */
export const SETTLE_MS = 60_000;

export interface ReconcileReport {
  /** Index entries the attention query returned. */
  attention: number;
  started: number;
  restarted: number;
  resignalled: number;
  removed: number;
  /** Live workflows past their flow's due instant (shown to ops; nothing to repair here). */
  overdue: number;
  /** Task-hub queries made (status of one instance, or the Failed/Terminated listing). */
  statusQueries: number;
  /** Repairs that failed (tried again next run). */
  failed: number;
}

export type ReconcileLog = (line: string) => void;

export async function reconcile(index: OpenFlowIndex, hub: TaskHub, now: Date, log: ReconcileLog): Promise<ReconcileReport> {
  const report: ReconcileReport = { attention: 0, started: 0, restarted: 0, resignalled: 0, removed: 0, overdue: 0, statusQueries: 0, failed: 0 };
  const seen = new Set<string>();
  const repairOne = async (entry: OpenFlowDoc, knownStatus?: string): Promise<void> => {
    seen.add(entry.instanceId);
    try {
      await repair(index, hub, entry, now, report, knownStatus);
    } catch (error) {
      report.failed++;
      // Ids and the error's message only (store and client errors carry no personal data).
      log(`reconciler: could not repair ${entry.kind} ${entry.instanceId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  for await (const page of index.needingAttention(now, new Date(now.getTime() - SETTLE_MS))) {
    for (const entry of page) {
      report.attention++;
      await repairOne(entry);
    }
  }

  report.statusQueries++;
  for (const instance of await hub.failedOrTerminated()) {
    if (seen.has(instance.instanceId)) continue;
    // A failed instance of a flow that is no longer open (or not a flow: a sub-orchestration) is history.
    const entry = await index.read(instance.instanceId);
    if (entry) await repairOne(entry, instance.status);
  }
  log(`reconciler: ${JSON.stringify(report)}`);
  return report;
}

async function repair(index: OpenFlowIndex, hub: TaskHub, entry: OpenFlowDoc, now: Date, report: ReconcileReport, knownStatus?: string): Promise<void> {
  let status = knownStatus;
  if (status === undefined) {
    report.statusQueries++;
    status = (await hub.state(entry.instanceId)).status;
  }
  if (status === 'Completed') {
    // The workflow returns only when its flow owes nothing more.
    await index.remove(entry.instanceId);
    report.removed++;
    return;
  }
  if (!LIVE_STATUSES.has(status)) {
    // Missing, Failed or Terminated.
    if (entry.closing || !entry.restart) {
      await index.remove(entry.instanceId);
      report.removed++;
      return;
    }
    await hub.start(entry.orchestrator, entry.instanceId, entry.input);
    await index.delivered(entry.instanceId, entry.changeSeq);
    await index.repaired(entry.instanceId, status === 'missing' ? 'started' : 'restarted', status, now);
    if (status === 'missing') report.started++;
    else report.restarted++;
    return;
  }
  if (entry.deliveredSeq < entry.changeSeq) {
    for (const signal of entry.signals) await hub.raise(entry.instanceId, signal.event, signal.data ?? null);
    await index.delivered(entry.instanceId, entry.changeSeq);
    await index.repaired(entry.instanceId, 'resignalled', status, now);
    report.resignalled++;
    return;
  }
  if (entry.dueAt && Date.parse(entry.dueAt) <= now.getTime()) report.overdue++;
}
