// Persistence of a Cosmos DB stand-in account across restarts (`npm start -- --keep-state`, crash
// drills): every change to a database, container or item is appended to a log (../persistence/
// append-log.ts) as the stored JSON, system properties included, and flushed before the request is
// answered. At start-up the log is replayed into a fresh account: same items, same _rid/_etag/_ts,
// the same resource-id counters (so new items never reuse an _rid) and the same point-in-time
// restore history (each change keeps the instant it was made).
import { AppendLog } from '../persistence/append-log.js';
import type { Account, StoredDoc } from './internals.js';

export type CosmosLogEntry =
  | { k: 'db'; data: StoredDoc; n: number }
  | { k: 'db-'; id: string }
  | { k: 'coll'; db: string; data: StoredDoc; n: number }
  | { k: 'coll-replace'; db: string; data: StoredDoc }
  | { k: 'coll-'; db: string; id: string }
  | { k: 'doc'; db: string; coll: string; data: StoredDoc; n: number; at: number }
  | { k: 'doc-'; db: string; coll: string; id: string; p?: unknown; at: number };

/** What the stand-in's stores (documents.ts) implement so a logged change can be applied again. */
export interface ReplayTarget {
  applyDatabase(entry: Extract<CosmosLogEntry, { k: 'db' | 'db-' }>): void;
  applyCollection(entry: Extract<CosmosLogEntry, { k: 'coll' | 'coll-replace' | 'coll-' }>): void;
  applyDocument(entry: Extract<CosmosLogEntry, { k: 'doc' | 'doc-' }>): void;
}

export class CosmosJournal {
  readonly #log: AppendLog<CosmosLogEntry>;
  #replaying = false;

  constructor(file: string) {
    this.#log = new AppendLog<CosmosLogEntry>(file);
  }

  record(entry: CosmosLogEntry): void {
    if (!this.#replaying) this.#log.append(entry);
  }

  /** Puts the changes of the request just handled on disk (call before answering it). */
  flush(): void {
    this.#log.flush();
  }

  /** Applies every logged change to `account` (created empty, store installed); returns how many. */
  replay(account: Account, target: (account: Account) => ReplayTarget): number {
    const entries = this.#log.load();
    const apply = target(account);
    this.#replaying = true;
    try {
      for (const entry of entries) {
        if (entry.k === 'db' || entry.k === 'db-') apply.applyDatabase(entry);
        else if (entry.k === 'doc' || entry.k === 'doc-') apply.applyDocument(entry);
        else apply.applyCollection(entry);
      }
    } finally {
      this.#replaying = false;
    }
    return entries.length;
  }
}
