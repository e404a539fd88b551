// Where the sub-processor list and its changes are kept: the control container in UK South (vendor
// records, no customer personal data). The list is one document holding every published version; each
// change is its own partition, holding the change, one line per tenant told of it (times only) and
// one objection per objecting tenant. Changes are read-modify-write with the document's ETag.
import type { Container, ItemDefinition } from '@azure/cosmos';
import type { Services } from '../composition.js';
import { azureStatusOf } from '../azure/rest-error.js';
import { ConflictError } from '../errors.js';
import { storeFailure } from '../store/store-failure.js';
import { CONTAINERS, CONTROL_REGION } from '../store/cosmos-stores.js';
import { retryLostRaces } from '../store/optimistic.js';
import type { ChangeNoticeDoc, ObjectionDoc, SubProcessorChangeDoc, SubProcessorListDoc } from './change.js';
import { systemSubProcessors } from './registry.js';

export const LIST_DOC_ID = 'sub-processor-list';

interface ControlDoc {
  id: string;
  pk: string;
  type: string;
  _etag?: string;
}

const MAX_ATTEMPTS = 8;

export class SubProcessorStore {
  constructor(
    private readonly container: Container,
    private readonly services: Pick<Services, 'config'>,
  ) {}

  static async open(services: Services): Promise<SubProcessorStore> {
    return new SubProcessorStore(await services.stores.container(CONTROL_REGION, CONTAINERS.control), services);
  }

  async #read<T extends ControlDoc>(pk: string, id: string, type: T['type']): Promise<T | undefined> {
    try {
      const { resource } = await this.container.item(id, pk).read<T & ItemDefinition>();
      return resource && resource.type === type ? resource : undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw storeFailure(error);
    }
  }

  /** Creates `doc`; false when one with its id exists already (a retry, or a concurrent twin). */
  async #create(doc: ControlDoc): Promise<boolean> {
    try {
      await this.container.items.create(strip(doc));
      return true;
    } catch (error) {
      if (azureStatusOf(error) === 409) return false;
      throw storeFailure(error);
    }
  }

  /** Applies `change` to the current document unless someone wrote in between (then again). `undefined` keeps it. */
  async #update<T extends ControlDoc>(pk: string, id: string, type: T['type'], change: (doc: T) => T | undefined): Promise<T> {
    return retryLostRaces(
      async () => {
        const current = await this.#read<T>(pk, id, type);
        if (!current) throw new Error(`no ${type} ${id}`);
        const next = change(current);
        if (next === undefined) return current;
        try {
          const { resource } = await this.container
            .item(id, pk)
            .replace<T & ItemDefinition>(strip(next) as T & ItemDefinition, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
          return resource ?? next;
        } catch (error) {
          throw storeFailure(error);
        }
      },
      {
        attempts: MAX_ATTEMPTS,
        lostRace: (error) => azureStatusOf(error) === 412,
        exhausted: () => new ConflictError('SUBPROCESSORS.BUSY', 'The record is being changed by others; retry shortly.'),
      },
    );
  }

  /** The list, created as version 1 from the running configuration the first time it is asked for. */
  async list(now: Date): Promise<SubProcessorListDoc> {
    const existing = await this.#read<SubProcessorListDoc>(LIST_DOC_ID, LIST_DOC_ID, 'subProcessorList');
    if (existing) return existing;
    const effectiveFrom = now.toISOString();
    const first: SubProcessorListDoc = {
      id: LIST_DOC_ID,
      pk: LIST_DOC_ID,
      type: 'subProcessorList',
      versions: [{ version: 1, effectiveFrom, subProcessors: systemSubProcessors(this.services.config, effectiveFrom) }],
      appliedChanges: [],
    };
    await this.#create(first);
    return (await this.#read<SubProcessorListDoc>(LIST_DOC_ID, LIST_DOC_ID, 'subProcessorList')) ?? first;
  }

  async updateList(now: Date, change: (doc: SubProcessorListDoc) => SubProcessorListDoc | undefined): Promise<SubProcessorListDoc> {
    await this.list(now);
    return this.#update<SubProcessorListDoc>(LIST_DOC_ID, LIST_DOC_ID, 'subProcessorList', change);
  }

  readChange(changeId: string): Promise<SubProcessorChangeDoc | undefined> {
    return this.#read<SubProcessorChangeDoc>(changeId, changeId, 'subProcessorChange');
  }

  createChange(doc: SubProcessorChangeDoc): Promise<boolean> {
    return this.#create(doc);
  }

  updateChange(changeId: string, change: (doc: SubProcessorChangeDoc) => SubProcessorChangeDoc | undefined): Promise<SubProcessorChangeDoc> {
    return this.#update<SubProcessorChangeDoc>(changeId, changeId, 'subProcessorChange', change);
  }

  /** Every change, newest first. */
  async changes(): Promise<SubProcessorChangeDoc[]> {
    const docs = await this.#query<SubProcessorChangeDoc>("SELECT * FROM c WHERE c.type = 'subProcessorChange'");
    return docs.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt) || a.changeId.localeCompare(b.changeId));
  }

  readNotice(changeId: string, tenantId: string): Promise<ChangeNoticeDoc | undefined> {
    return this.#read<ChangeNoticeDoc>(changeId, noticeDocId(tenantId), 'subProcessorChangeNotice');
  }

  /** Records what happened to one tenant's notice (times only); `change` gets the current line or a fresh one. */
  async recordNotice(changeId: string, tenantId: string, change: (doc: ChangeNoticeDoc) => ChangeNoticeDoc | undefined): Promise<void> {
    const fresh: ChangeNoticeDoc = { id: noticeDocId(tenantId), pk: changeId, type: 'subProcessorChangeNotice', changeId, tenantId };
    if (!(await this.readNotice(changeId, tenantId))) {
      const first = change(fresh);
      if (first && (await this.#create(first))) return;
    }
    await this.#update<ChangeNoticeDoc>(changeId, noticeDocId(tenantId), 'subProcessorChangeNotice', change);
  }

  notices(changeId: string): Promise<ChangeNoticeDoc[]> {
    return this.#query<ChangeNoticeDoc>("SELECT * FROM c WHERE c.pk = @pk AND c.type = 'subProcessorChangeNotice'", changeId);
  }

  readObjection(changeId: string, tenantId: string): Promise<ObjectionDoc | undefined> {
    return this.#read<ObjectionDoc>(changeId, objectionDocId(tenantId), 'subProcessorObjection');
  }

  createObjection(doc: ObjectionDoc): Promise<boolean> {
    return this.#create(doc);
  }

  updateObjection(changeId: string, tenantId: string, change: (doc: ObjectionDoc) => ObjectionDoc | undefined): Promise<ObjectionDoc> {
    return this.#update<ObjectionDoc>(changeId, objectionDocId(tenantId), 'subProcessorObjection', change);
  }

  objections(changeId: string): Promise<ObjectionDoc[]> {
    return this.#query<ObjectionDoc>("SELECT * FROM c WHERE c.pk = @pk AND c.type = 'subProcessorObjection'", changeId);
  }

  async #query<T extends ControlDoc>(query: string, pk?: string): Promise<T[]> {
    try {
      const { resources } = await this.container.items
        .query<T>({ query, parameters: pk ? [{ name: '@pk', value: pk }] : [] }, pk ? { partitionKey: pk } : {})
        .fetchAll();
      // The stand-in does not scope a query to its partition key: filter here too.
      return pk ? resources.filter((r) => r.pk === pk) : resources;
    } catch (error) {
      throw storeFailure(error);
    }
  }
}

export const noticeDocId = (tenantId: string): string => `notice:${tenantId}`;
export const objectionDocId = (tenantId: string): string => `objection:${tenantId}`;

function strip<T extends ControlDoc>(doc: T): T & ItemDefinition {
  const { _etag: _ignored, ...rest } = doc;
  return JSON.parse(JSON.stringify(rest)) as T & ItemDefinition;
}
