// Task hub state on disk: one JSON file per orchestration instance, replaced atomically (write a
// temporary file, then rename) so a host killed at any moment restarts from a consistent state.
// In-process tests use the same store without a folder (memory only).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { HistoryEvent } from './history.js';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated']);

export interface ArmedTimer {
  id: number;
  fireAt: string;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text of the input of the current execution. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: { instanceId: string; executionId: string; taskScheduledId: number };
  history: HistoryEvent[];
  /** Events that arrived and are not yet seen by the orchestrator. */
  inbox: HistoryEvent[];
  /** Timers that will deliver TimerFired when due (cancelled timers are not armed). */
  armedTimers: ArmedTimer[];
  /** The most history events any execution of this instance replayed (benchmarks watch it). */
  largestHistory?: number;
}

export class TaskHubStore {
  readonly #dir: string | undefined;
  readonly #instances = new Map<string, InstanceRecord>();

  /** The task hub kept under `stateDir` (loaded from it), or in memory only when `stateDir` is undefined. */
  constructor(stateDir: string | undefined, readonly taskHubName: string) {
    this.#dir = stateDir === undefined ? undefined : join(stateDir, 'taskhub', taskHubName, 'instances');
    if (!this.#dir) return;
    mkdirSync(this.#dir, { recursive: true });
    for (const file of readdirSync(this.#dir)) {
      if (!file.endsWith('.json')) continue;
      const record = JSON.parse(readFileSync(join(this.#dir, file), 'utf8')) as InstanceRecord;
      this.#instances.set(record.instanceId, record);
    }
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.#instances.get(instanceId);
  }

  all(): InstanceRecord[] {
    return [...this.#instances.values()];
  }

  save(record: InstanceRecord): void {
    this.#instances.set(record.instanceId, record);
    if (!this.#dir) return;
    const path = this.#pathFor(record.instanceId);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record));
    renameSync(temp, path);
  }

  delete(instanceId: string): boolean {
    const existed = this.#instances.delete(instanceId);
    if (this.#dir) rmSync(this.#pathFor(instanceId), { force: true });
    return existed;
  }

  #pathFor(instanceId: string): string {
    return join(this.#dir!, `${createHash('sha256').update(instanceId).digest('hex').slice(0, 40)}.json`);
  }
}
