// The vault's keys and their soft-delete lifecycle (active -> deleted -> recovered or purged),
// with optional persistence to one JSON file rewritten atomically after every mutation.
// Time is read only through Date.now() and a deleted key past its scheduledPurgeDate is dropped
// lazily, the next time the store is consulted, as if the service had purged it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { CURVE_NAMES, type KeyMaterial } from './algorithms.js';
import { deletedKeyNotFound, KeyVaultError, keyNotFound, nameInDeletedState } from './errors.js';

export const KEY_TYPES = ['EC', 'EC-HSM', 'RSA', 'RSA-HSM'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

const versionSchema = z.object({
  version: z.string(),
  kty: z.enum(KEY_TYPES),
  material: z.object({
    family: z.enum(['EC', 'RSA']),
    crv: z.enum(CURVE_NAMES).optional(),
    jwk: z.record(z.string(), z.string()),
  }),
  keyOps: z.array(z.string()),
  enabled: z.boolean(),
  notBefore: z.number().optional(),
  expires: z.number().optional(),
  created: z.number(),
  updated: z.number(),
  tags: z.record(z.string(), z.string()).optional(),
});

export const keyEntrySchema = z.object({
  name: z.string(),
  versions: z.array(versionSchema).min(1),
  deletion: z.object({ deletedDate: z.number(), scheduledPurgeDate: z.number() }).optional(),
});

const stateSchema = z.object({
  format: z.literal('keyvault-standin/1'),
  vault: z.string(),
  keys: z.array(keyEntrySchema),
});

export interface KeyVersion {
  version: string;
  kty: KeyType;
  material: KeyMaterial;
  keyOps: string[];
  enabled: boolean;
  /** Unix seconds, as Key Vault's `nbf` and `exp` attributes. */
  notBefore?: number;
  expires?: number;
  created: number;
  updated: number;
  tags?: Record<string, string>;
}

export interface KeyEntry {
  name: string;
  /** In creation order: the last one is the current version. */
  versions: KeyVersion[];
  deletion?: { deletedDate: number; scheduledPurgeDate: number };
}

export type NewVersion = Omit<KeyVersion, 'version' | 'created' | 'updated'>;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function parseKeyEntry(value: unknown): KeyEntry {
  return keyEntrySchema.parse(value);
}

export function latestVersion(entry: KeyEntry): KeyVersion {
  const latest = entry.versions[entry.versions.length - 1];
  if (!latest) throw new Error(`key ${entry.name} has no versions`);
  return latest;
}

export class KeyStore {
  // Key Vault names are case-insensitive; the entry keeps the spelling it was created with.
  private readonly entries = new Map<string, KeyEntry>();

  constructor(
    private readonly vaultName: string,
    readonly retentionDays: number,
    private readonly stateFile?: string,
  ) {
    if (stateFile) this.load(stateFile);
  }

  /** Purges, as the service would have, every deleted key whose scheduledPurgeDate has passed. */
  expireDeletions(): void {
    const now = nowSeconds();
    let changed = false;
    for (const [id, entry] of this.entries) {
      if (entry.deletion && entry.deletion.scheduledPurgeDate <= now) {
        this.entries.delete(id);
        changed = true;
      }
    }
    if (changed) this.persist();
  }

  activeKey(name: string): KeyEntry {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry || entry.deletion) throw keyNotFound(name);
    return entry;
  }

  /** An empty version means the current one, as in `GET /keys/{name}/`. */
  keyVersion(name: string, version: string): { entry: KeyEntry; key: KeyVersion } {
    const entry = this.activeKey(name);
    const key = version === '' ? latestVersion(entry) : entry.versions.find((v) => v.version === version);
    if (!key) throw keyNotFound(name, version);
    return { entry, key };
  }

  activeKeys(): KeyEntry[] {
    return [...this.entries.values()].filter((e) => !e.deletion).sort(byName);
  }

  deletedKeys(): KeyEntry[] {
    return [...this.entries.values()].filter((e) => e.deletion).sort(byName);
  }

  deletedKey(name: string): KeyEntry {
    const entry = this.entries.get(name.toLowerCase());
    if (!entry?.deletion) throw deletedKeyNotFound(name);
    return entry;
  }

  /** Create, import and rotate all add a version; a soft-deleted name cannot take one. */
  addVersion(name: string, fields: NewVersion): { entry: KeyEntry; key: KeyVersion } {
    const id = name.toLowerCase();
    const existing = this.entries.get(id);
    if (existing?.deletion) throw nameInDeletedState(existing.name);
    const now = nowSeconds();
    const key: KeyVersion = { ...fields, version: randomUUID().replaceAll('-', ''), created: now, updated: now };
    const entry = existing ?? { name, versions: [] };
    entry.versions.push(key);
    this.entries.set(id, entry);
    this.persist();
    return { entry, key };
  }

  updateVersion(
    name: string,
    version: string,
    change: (key: KeyVersion) => void,
  ): { entry: KeyEntry; key: KeyVersion } {
    const found = this.keyVersion(name, version);
    change(found.key);
    found.key.updated = nowSeconds();
    this.persist();
    return found;
  }

  softDelete(name: string): KeyEntry {
    const entry = this.activeKey(name);
    const deletedDate = nowSeconds();
    entry.deletion = { deletedDate, scheduledPurgeDate: deletedDate + this.retentionDays * 86_400 };
    this.persist();
    return entry;
  }

  recover(name: string): KeyEntry {
    const entry = this.deletedKey(name);
    delete entry.deletion;
    this.persist();
    return entry;
  }

  purge(name: string): void {
    const entry = this.deletedKey(name);
    this.entries.delete(entry.name.toLowerCase());
    this.persist();
  }

  /** Restores a backed-up key with all its versions; the name must be free. */
  restore(entry: KeyEntry): KeyEntry {
    const existing = this.entries.get(entry.name.toLowerCase());
    if (existing?.deletion) throw nameInDeletedState(existing.name);
    if (existing) throw new KeyVaultError(409, 'Conflict', `Key ${existing.name} already exists.`);
    const restored: KeyEntry = { name: entry.name, versions: entry.versions };
    this.entries.set(entry.name.toLowerCase(), restored);
    this.persist();
    return restored;
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const state = stateSchema.parse(JSON.parse(text));
    if (state.vault !== this.vaultName) {
      throw new Error(`state file ${file} belongs to vault '${state.vault}', not '${this.vaultName}'`);
    }
    for (const entry of state.keys) this.entries.set(entry.name.toLowerCase(), entry);
  }

  // Write to a sibling temp file and rename over the target: a crash leaves the old or the new
  // state, never half of one. Private keys are included: this is a local development stand-in.
  private persist(): void {
    if (!this.stateFile) return;
    const state = { format: 'keyvault-standin/1', vault: this.vaultName, keys: [...this.entries.values()] };
    mkdirSync(dirname(this.stateFile), { recursive: true });
    const temp = `${this.stateFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
    renameSync(temp, this.stateFile);
  }
}

function byName(a: KeyEntry, b: KeyEntry): number {
  return a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1;
}
