// What the reconciler and the ops view need of the Durable task hub, behind a small port so the
// repairs can be tested on their own and counted (status queries per run, for the bench).
export type InstanceState = { status: 'missing' } | { status: string; lastUpdatedAt?: string; customStatus?: unknown; output?: unknown };

export interface TaskHub {
  /** One instance's runtime status (`missing` when it was never started or was purged). */
  state(instanceId: string): Promise<InstanceState>;
  /** Every Failed or Terminated instance: one query, paged by the client, whatever the number of open flows. */
  failedOrTerminated(): Promise<{ instanceId: string; status: string }[]>;
  /** Starts the instance (a new execution over an ended one): it reads its record and carries on. */
  start(orchestrator: string, instanceId: string, input: unknown): Promise<void>;
  raise(instanceId: string, event: string, data: unknown): Promise<void>;
}

/** Statuses of an instance that is still going (it can be signalled). */
export const LIVE_STATUSES: ReadonlySet<string> = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);
