// The erasure ledger: one per region, kept in the region's blob storage (container `erasure-ledger`),
// outside the Cosmos DB account that a point-in-time restore brings back. Every erasure of a person
// or a record and every tenant deletion appends an entry (ids and instants only), so after a restore
// the erasures made since the restore point can be re-applied (see replay.ts).
//
// Each region's Cosmos account holds an "applied through" mark, moved forward with every append. A
// restore puts that mark back too, so a region whose mark is older than its ledger's newest entry is
// one whose data is older than its erasures: it is refused until the replay has run.
import type { Container } from '@azure/cosmos';
import type { ContainerClient } from '@azure/storage-blob';
import { azureStatusOf } from '../azure/rest-error.js';
import type { RegionalBlobStorage } from '../blob/regional-blob-storage.js';
import type { Clock } from '../clock.js';
import type { Region } from '../config.js';
import { ServiceUnavailableError } from '../errors.js';
import { storeFailure } from '../store/store-failure.js';
import { CONTAINERS, type CosmosStores } from '../store/cosmos-stores.js';
import { retryLostRaces, type OptimisticOptions } from '../store/optimistic.js';
import { tenantRef } from '../tenants/partitions.js';

export type ErasureEntry =
  | { kind: 'subject'; tenantId: string; subjectId: string; at: string }
  | { kind: 'record'; tenantId: string; module: string; recordId: string; at: string }
  | { kind: 'tenant'; tenantId: string; terminationId: string; at: string };

/** Entries are kept this long: longer than any restore point (30-day continuous backup), see infra/. */
export const LEDGER_RETENTION_DAYS = 35;

const HEAD_BLOB = 'head.json';
/** The region's "applied through" mark, in its `certificates` container under a partition of its own. */
const APPLIED_DOC = { id: 'erasure-ledger-applied', tenantId: '_erasure-ledger' } as const;
/** A verdict that the region is in step with its ledger is trusted this long (app clock). */
const FRESH_FOR_MS = 30_000;
/** Raising a mark races other writers raising it: each lost race (412, or 409 on the first write) reads again. */
const RACES: OptimisticOptions = {
  attempts: 8,
  lostRace: (error) => azureStatusOf(error) === 412 || azureStatusOf(error) === 409,
  exhausted: () => new ServiceUnavailableError('ERASURE_LEDGER.BUSY', 'The erasure ledger is being written by many others at once; retry shortly.'),
};

function entryKey(entry: ErasureEntry): string {
  switch (entry.kind) {
    case 'subject':
      return entry.subjectId;
    case 'record':
      return `${entry.module}:${entry.recordId}`;
    case 'tenant':
      return entry.terminationId;
  }
}

/** Day folders keep a replay's listing to the days since the restore point. */
const entryName = (entry: ErasureEntry): string => `entries/${entry.at.slice(0, 10)}/${entry.at}/${entry.kind}/${entry.tenantId}/${entryKey(entry)}.json`;

export class ErasureLedger {
  readonly #fresh = new Map<Region, number>();

  constructor(
    private readonly blobs: RegionalBlobStorage,
    private readonly stores: CosmosStores,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends an entry (a re-run with the same instant writes the same blob). The region's mark moves
   * first, so a reader never sees the ledger ahead of the data it serves.
   */
  async append(entry: ErasureEntry): Promise<void> {
    const region = tenantRef(entry.tenantId).region;
    await this.#raiseApplied(region, entry.at);
    const ledger = await this.blobs.erasureLedger(region);
    const body = JSON.stringify(entry);
    await ledger.getBlockBlobClient(entryName(entry)).upload(body, Buffer.byteLength(body), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    await raiseHead(ledger, entry.at);
  }

  /** Entries newer than `since`, oldest first. */
  async entriesSince(region: Region, since: Date): Promise<ErasureEntry[]> {
    const ledger = await this.blobs.erasureLedger(region);
    const entries: ErasureEntry[] = [];
    const sinceIso = since.toISOString();
    for (
      let day = new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate()));
      day.getTime() <= this.clock.now().getTime();
      day = new Date(day.getTime() + 24 * 3600_000)
    ) {
      for await (const blob of ledger.listBlobsFlat({ prefix: `entries/${day.toISOString().slice(0, 10)}/` })) {
        const at = blob.name.split('/')[2] ?? '';
        if (at <= sinceIso) continue;
        entries.push(JSON.parse((await ledger.getBlobClient(blob.name).downloadToBuffer()).toString('utf8')) as ErasureEntry);
      }
    }
    return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  /** Refuses a region whose data is older than its newest erasure (a restore not yet replayed). */
  async assertServing(region: Region): Promise<void> {
    const now = this.clock.now().getTime();
    if ((this.#fresh.get(region) ?? 0) > now) return;
    const [head, applied] = await Promise.all([this.newestEntry(region), this.#applied(region)]);
    if (head !== undefined && (applied === undefined || applied.appliedThrough < head)) {
      this.#fresh.delete(region);
      throw new ServiceUnavailableError(
        'REGION.ERASURES_NOT_REPLAYED',
        `The data of region ${region} was restored to a point before erasures made up to ${head}; it is served again once ops have replayed the erasure ledger (POST /api/ops/erasures/replay).`,
      );
    }
    this.#fresh.set(region, now + FRESH_FOR_MS);
  }

  /** The instant of the newest entry ever appended in the region (undefined for an empty ledger). */
  async newestEntry(region: Region): Promise<string | undefined> {
    const ledger = await this.blobs.erasureLedger(region);
    return (await readHead(ledger))?.head.latestAt;
  }

  /** After a replay: the region's data is in step with its ledger up to `through`. */
  async markReplayed(region: Region, through: string): Promise<void> {
    await this.#raiseApplied(region, through);
    this.#fresh.delete(region);
  }

  async #appliedContainer(region: Region): Promise<Container> {
    return this.stores.container(region, CONTAINERS.certificates);
  }

  async #applied(region: Region): Promise<{ appliedThrough: string; _etag?: string } | undefined> {
    try {
      const { resource } = await (
        await this.#appliedContainer(region)
      )
        .item(APPLIED_DOC.id, APPLIED_DOC.tenantId)
        .read<{ appliedThrough: string; _etag?: string }>();
      return resource ?? undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw storeFailure(error);
    }
  }

  /** Moves the region's mark forward to `at` (never back), with optimistic concurrency. */
  async #raiseApplied(region: Region, at: string): Promise<void> {
    const container = await this.#appliedContainer(region);
    await retryLostRaces(async () => {
      const current = await this.#applied(region);
      if (current && current.appliedThrough >= at) return;
      const doc = { ...APPLIED_DOC, type: 'erasureLedgerApplied', appliedThrough: at };
      if (current?._etag)
        await container.item(APPLIED_DOC.id, APPLIED_DOC.tenantId).replace(doc, { accessCondition: { type: 'IfMatch', condition: current._etag } });
      else await container.items.create(doc);
    }, RACES);
  }
}

async function readHead(ledger: ContainerClient): Promise<{ head: { latestAt: string }; etag: string } | undefined> {
  try {
    const response = await ledger.getBlobClient(HEAD_BLOB).download();
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody!) chunks.push(Buffer.from(chunk as Buffer));
    return { head: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { latestAt: string }, etag: response.etag! };
  } catch (error) {
    if (azureStatusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Moves the ledger's newest-entry mark forward to `at` (never back), with conditional writes. */
async function raiseHead(ledger: ContainerClient, at: string): Promise<void> {
  await retryLostRaces(async () => {
    const current = await readHead(ledger);
    if (current && current.head.latestAt >= at) return;
    const body = JSON.stringify({ latestAt: at });
    await ledger.getBlockBlobClient(HEAD_BLOB).upload(body, Buffer.byteLength(body), {
      conditions: current ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  }, RACES);
}
