// The breach register's storage: one document per breach in the control container (UK South,
// partition key /pk = the breach id). Changes are read-modify-write with the document's ETag, so two
// writers (ops adding an update while the workflow records an alert) never lose each other's change.
// Nothing here deletes: register entries are kept for good (Art 33(5)).
import type { Container, ItemDefinition } from '@azure/cosmos';
import type { Services } from '../composition.js';
import { azureStatusOf } from '../azure/rest-error.js';
import { ConflictError } from '../errors.js';
import { storeFailure } from '../store/store-failure.js';
import { CONTAINERS, CONTROL_REGION } from '../store/cosmos-stores.js';
import { retryLostRaces } from '../store/optimistic.js';
import type { BreachDoc } from './breach.js';
import type { NoticeStatus } from './notice.js';

/**
 * The register's line for one tenant and one notice: times and counts only (no address, no name, no
 * actor), kept beside the breach so the register outlives the tenant's own notice record, which is
 * deleted with the tenant's data when the tenant is terminated.
 */
export interface NoticeStatusDoc {
  id: string;
  pk: string;
  type: 'noticeStatus';
  breachId: string;
  tenantId: string;
  /** The version of the tenant's notice record this was taken from: an older one never overwrites a newer one. */
  sourceVersion: number;
  status: NoticeStatus;
  _etag?: string;
}

const MAX_ATTEMPTS = 8;

export class BreachStore {
  constructor(private readonly container: Container) {}

  static async open(services: Services): Promise<BreachStore> {
    return new BreachStore(await services.stores.container(CONTROL_REGION, CONTAINERS.control));
  }

  async read(breachId: string): Promise<BreachDoc | undefined> {
    try {
      const { resource } = await this.container.item(breachId, breachId).read<BreachDoc & ItemDefinition>();
      return resource && resource.type === 'breach' ? resource : undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw storeFailure(error);
    }
  }

  /** Creates the record; false if one with this id already exists. */
  async create(doc: BreachDoc): Promise<boolean> {
    try {
      await this.container.items.create(strip(doc));
      return true;
    } catch (error) {
      if (azureStatusOf(error) === 409) return false;
      throw storeFailure(error);
    }
  }

  /**
   * Applies `change` to the current record and writes it if nobody changed it meanwhile (retrying on
   * a concurrent change). `change` returns the new record, or `undefined` to leave it as it is.
   */
  async update(breachId: string, change: (doc: BreachDoc) => BreachDoc | undefined): Promise<BreachDoc> {
    return retryLostRaces(
      async () => {
        const current = await this.read(breachId);
        if (!current) throw new Error(`no breach ${breachId}`);
        const next = change(current);
        if (next === undefined) return current;
        const written = { ...next, version: current.version + 1 };
        try {
          const { resource } = await this.container
            .item(breachId, breachId)
            .replace<BreachDoc & ItemDefinition>(strip(written), { accessCondition: { type: 'IfMatch', condition: current._etag! } });
          return resource ?? written;
        } catch (error) {
          throw storeFailure(error);
        }
      },
      {
        attempts: MAX_ATTEMPTS,
        lostRace: (error) => azureStatusOf(error) === 412,
        exhausted: () => new ConflictError('BREACH.BUSY', 'The breach record is being changed by others; retry shortly.'),
      },
    );
  }

  /** Records a notice's status unless a newer one is already recorded. */
  async recordNoticeStatus(breachId: string, tenantId: string, status: NoticeStatus, sourceVersion: number): Promise<void> {
    const id = `notice:${tenantId}:${status.seq}`;
    const doc: NoticeStatusDoc = { id, pk: breachId, type: 'noticeStatus', breachId, tenantId, sourceVersion, status };
    await retryLostRaces(
      async () => {
        try {
          const current = await this.#readStatus(breachId, id);
          if (current && current.sourceVersion >= sourceVersion) return;
          if (current) await this.container.item(id, breachId).replace(doc, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
          else await this.container.items.create(doc);
        } catch (error) {
          throw storeFailure(error);
        }
      },
      // A concurrent writer replaced (412) or created (409) it first: read again, keep the newer.
      { attempts: MAX_ATTEMPTS, lostRace: (error) => azureStatusOf(error) === 412 || azureStatusOf(error) === 409 },
    );
  }

  async #readStatus(breachId: string, id: string): Promise<NoticeStatusDoc | undefined> {
    try {
      const { resource } = await this.container.item(id, breachId).read<NoticeStatusDoc & ItemDefinition>();
      return resource && resource.type === 'noticeStatus' ? resource : undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The register lines of one breach (one partition). */
  async noticeStatuses(breachId: string): Promise<NoticeStatusDoc[]> {
    try {
      const { resources } = await this.container.items
        .query<NoticeStatusDoc>(
          { query: "SELECT * FROM c WHERE c.pk = @breachId AND c.type = 'noticeStatus'", parameters: [{ name: '@breachId', value: breachId }] },
          { partitionKey: breachId },
        )
        .fetchAll();
      return resources.filter((r) => r.pk === breachId);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /** Every breach, newest first (the register). */
  async all(): Promise<BreachDoc[]> {
    try {
      const { resources } = await this.container.items
        .query<BreachDoc>({ query: "SELECT * FROM c WHERE c.type = 'breach'" })
        .fetchAll();
      return resources.sort((a, b) => b.openedAt.localeCompare(a.openedAt) || a.breachId.localeCompare(b.breachId));
    } catch (error) {
      throw storeFailure(error);
    }
  }
}

function strip(doc: BreachDoc): BreachDoc & ItemDefinition {
  const { _etag: _ignored, ...rest } = doc;
  return JSON.parse(JSON.stringify(rest)) as BreachDoc & ItemDefinition;
}
