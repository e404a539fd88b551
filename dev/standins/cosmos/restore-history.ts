// Point-in-time restore for the Cosmos DB stand-in: each container keeps an undo log of its item
// changes for a bounded window (35 days, more than Azure's 30-day continuous backup tier), so an
// account can be put back to its state at any instant within the window. Azure restores into a new
// account that is then put in service; here the account is put back in place, which is what the
// app observes after the switch (same data as at the instant, erasures since then undone).
import type { Account } from './internals.js';
import type { StoredDoc } from './internals.js';

export const RESTORE_WINDOW_MS = 35 * 24 * 3600_000;

interface Change {
  /** Date.now() when the change happened (the platform's virtual clock in tests). */
  at: number;
  id: string;
  partition: unknown;
  /** The item as it was before the change; undefined when the change created it. */
  before: StoredDoc | undefined;
}

export class RestoreWindowError extends Error {}

/** The undo log of one container. */
export class RestoreHistory {
  #changes: Change[] = [];
  #suspended = false;

  /**
   * Records that (id, partition) is about to change from `before` (nothing while a restore replays the
   * log); `at` is now, or the instant of a change replayed from the stand-in's journal at start-up.
   */
  record(id: string, partition: unknown, before: StoredDoc | undefined, at = Date.now()): void {
    if (this.#suspended) return;
    this.#changes.push({ at, id, partition, before });
    // Forget what is older than the window, in chunks so the array is not shifted on every write.
    const first = this.#changes[0];
    if (first && first.at < at - RESTORE_WINDOW_MS - 24 * 3600_000) {
      const keepFrom = this.#changes.findIndex((c) => c.at >= at - RESTORE_WINDOW_MS);
      this.#changes = keepFrom < 0 ? [] : this.#changes.slice(keepFrom);
    }
  }

  /**
   * Undoes every change made after `instant`, newest first, through `put` (which writes an item back
   * exactly as it was, or removes it); returns how many changes were undone.
   */
  undoAfter(instant: number, put: (id: string, partition: unknown, data: StoredDoc | undefined) => void): number {
    this.#suspended = true;
    let undone = 0;
    try {
      while (this.#changes.length > 0 && this.#changes[this.#changes.length - 1]!.at > instant) {
        const change = this.#changes.pop()!;
        put(change.id, change.partition, change.before);
        undone++;
      }
    } finally {
      this.#suspended = false;
    }
    return undone;
  }
}

interface RestorableDocuments {
  restoreTo(instant: number): number;
}

function hasRestore(value: unknown): value is RestorableDocuments {
  return typeof (value as { restoreTo?: unknown } | null)?.restoreTo === 'function';
}

/** Puts every container of the account back to its state at `instant`; returns the item changes undone. */
export function restoreAccount(account: Account, instant: Date): { changesUndone: number; containers: number } {
  const at = instant.getTime();
  if (Number.isNaN(at)) throw new RestoreWindowError('the restore point is not an instant');
  if (at > Date.now()) throw new RestoreWindowError('the restore point is in the future');
  if (at < Date.now() - RESTORE_WINDOW_MS)
    throw new RestoreWindowError(`the restore point is older than the ${RESTORE_WINDOW_MS / (24 * 3600_000)}-day restore window`);
  let changesUndone = 0;
  let containers = 0;
  for (const database of account.databases._data.values()) {
    const collections = (database as unknown as { collections: { _data: Map<string, { documents: unknown }> } }).collections;
    for (const collection of collections._data.values()) {
      if (!hasRestore(collection.documents)) continue;
      changesUndone += collection.documents.restoreTo(at);
      containers++;
    }
  }
  return { changesUndone, containers };
}
