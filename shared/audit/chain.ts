// The audit log's integrity, as pure functions: each entry commits to its content and to the hash
// of the entry before it, so editing, removing or reordering an entry breaks the chain at that
// point. Personal details in an entry are ciphertext under the data subject's key: erasing the
// subject makes them unreadable while every hash still verifies.
import { createHash } from 'node:crypto';
import type { EncryptedValue } from '../crypto/field-cipher.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditActor {
  sub: string;
  roles: string[];
  /** The customer tenant of the actor; absent for vendor staff and for the system itself. */
  tenantId?: string;
}

export interface AuditEntry {
  tenantId: string;
  seq: number;
  at: string;
  actor: AuditActor;
  action: string;
  target: { type: string; id: string };
  outcome: 'success' | 'denied' | 'failure';
  requestId: string;
  /** Personal details (e.g. what a rectification changed), encrypted; null when there are none. */
  details: EncryptedValue | null;
  prevHash: string;
  hash: string;
}

export type AuditEntryContent = Omit<AuditEntry, 'hash'>;

/** JSON with object keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashEntry(content: AuditEntryContent): string {
  const { tenantId, seq, at, actor, action, target, outcome, requestId, details, prevHash } = content;
  return createHash('sha256')
    .update(canonicalJson({ tenantId, seq, at, actor, action, target, outcome, requestId, details, prevHash }))
    .digest('hex');
}

export function sealEntry(content: AuditEntryContent): AuditEntry {
  return { ...content, hash: hashEntry(content) };
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export type ChainBreak =
  | { seq: number; problem: 'altered'; detail: string }
  | { seq: number; problem: 'missing'; detail: string }
  | { seq: number; problem: 'broken-link'; detail: string }
  | { seq: number; problem: 'head-mismatch'; detail: string }
  | { seq: number; problem: 'anchor-mismatch'; detail: string };

/**
 * Checks entries in ascending sequence order, one at a time, so a log of any length is verified
 * in constant memory. Call `finish` with the recorded head to catch entries cut off the end.
 */
export class ChainVerifier {
  #expectedSeq = 1;
  #prevHash = GENESIS_HASH;
  #firstBreak: ChainBreak | undefined;
  #count = 0;

  constructor(private readonly tenantId: string) {}

  add(entry: AuditEntry): void {
    this.#count++;
    if (this.#firstBreak) return;
    if (entry.seq !== this.#expectedSeq) {
      this.#firstBreak = { seq: this.#expectedSeq, problem: 'missing', detail: `entry ${this.#expectedSeq} is missing (found ${entry.seq} next)` };
      return;
    }
    if (entry.tenantId !== this.tenantId || hashEntry(entry) !== entry.hash) {
      this.#firstBreak = { seq: entry.seq, problem: 'altered', detail: `entry ${entry.seq} does not match its hash` };
      return;
    }
    if (entry.prevHash !== this.#prevHash) {
      this.#firstBreak = { seq: entry.seq, problem: 'broken-link', detail: `entry ${entry.seq} does not link to entry ${entry.seq - 1}` };
      return;
    }
    this.#prevHash = entry.hash;
    this.#expectedSeq++;
  }

  finish(head: ChainHead): { valid: boolean; entries: number; firstBreak?: ChainBreak } {
    if (!this.#firstBreak) {
      if (head.seq !== this.#expectedSeq - 1) {
        this.#firstBreak = { seq: this.#expectedSeq, problem: 'missing', detail: `the head records ${head.seq} entries but the log ends at ${this.#expectedSeq - 1}` };
      } else if (head.hash !== this.#prevHash) {
        this.#firstBreak = { seq: head.seq, problem: 'head-mismatch', detail: `the head does not match entry ${head.seq}` };
      }
    }
    return { valid: !this.#firstBreak, entries: this.#count, ...(this.#firstBreak ? { firstBreak: this.#firstBreak } : {}) };
  }
}
