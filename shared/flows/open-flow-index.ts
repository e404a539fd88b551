// The index of open flows: one small document per flow that still owes something (a DSAR, a
// termination, a breach, an export job, a sub-processor change, an evidence pack job, a support-access
// grant), in the control container under one partition, so the
// reconciler and the ops view read every open flow without a query across tenants' partitions.
// It holds ids, kinds, regions and instants only, never personal data: the flow's own record (in its
// tenant's region) stays the truth; the index only says where to look and what the workflow was told.
//
// Changes are counted: the API bumps `changeSeq` after it committed a change to the record, and
// `deliveredSeq` once the workflow was started or signalled; a gap is a change the workflow may not
// have seen, which the reconciler re-delivers.
import type { Container, ItemDefinition } from '@azure/cosmos';
import { z } from 'zod';
import type { Services } from '../composition.js';
import { azureStatusOf } from '../azure/rest-error.js';
import { REGIONS } from '../config.js';
import { storeFailure } from '../store/store-failure.js';
import { CONTAINERS, CONTROL_REGION } from '../store/cosmos-stores.js';
import { retryLostRaces } from '../store/optimistic.js';

export const FLOW_KINDS = ['dsar', 'termination', 'breach', 'export', 'sub-processor-change', 'evidence-pack', 'support-grant'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** The partition of the control container that holds the index. */
export const OPEN_FLOWS_PK = 'open-flows';

export const signalSchema = z.object({ event: z.string().max(100), data: z.unknown().optional() });

/** What a route knows about a flow when it changes it. */
export const openFlowSchema = z.object({
  kind: z.enum(FLOW_KINDS),
  /** The workflow instance (the index key: one entry per flow). */
  instanceId: z.string().max(200),
  orchestrator: z.string().max(100),
  /** The orchestration's input: ids only. */
  input: z.unknown(),
  tenantId: z.string().max(40).optional(),
  region: z.enum(REGIONS),
  /** The flow's next deadline as its record states it (a date or an instant), for people. Left out: unchanged; null: none. */
  deadline: z.string().max(40).nullable().optional(),
  /** The instant the flow is overdue once passed while still open: the reconciler looks again then. Left out: unchanged; null: none. */
  dueAt: z.iso.datetime().nullable().optional(),
});
export type OpenFlow = z.infer<typeof openFlowSchema>;

export interface OpenFlowDoc extends Omit<OpenFlow, 'deadline' | 'dueAt'> {
  deadline?: string;
  dueAt?: string;
  id: string;
  pk: typeof OPEN_FLOWS_PK;
  type: 'open-flow';
  openedAt: string;
  changeSeq: number;
  changedAt: string;
  deliveredSeq: number;
  /** The signals of the latest change, raised again if it was not delivered. */
  signals: z.infer<typeof signalSchema>[];
  /** How the workflow is brought back: start it when it is missing or ended (false: only signal it). */
  restart: boolean;
  /** The latest change closed the flow: the entry goes once the change reached the workflow. */
  closing: boolean;
  /** Repairs the reconciler made (restarts of a failed or terminated instance), and the last one's reason. */
  repairs: number;
  lastRepair?: { at: string; action: string; status?: string };
  _etag?: string;
}

export const entryId = (instanceId: string): string => `open-flow:${instanceId}`;

// Every lost round means another request's update landed, so n requests racing on one flow end
// within n rounds: enough for a burst of parallel requests (the attack replay sends 20 at once).
const RACE_ATTEMPTS = 32;

export class OpenFlowIndex {
  constructor(readonly container: Container) {}

  static async open(services: Services): Promise<OpenFlowIndex> {
    return new OpenFlowIndex(await services.stores.container(CONTROL_REGION, CONTAINERS.control));
  }

  async read(instanceId: string): Promise<OpenFlowDoc | undefined> {
    try {
      const { resource } = await this.container.item(entryId(instanceId), OPEN_FLOWS_PK).read<OpenFlowDoc & ItemDefinition>();
      return resource && resource.type === 'open-flow' ? resource : undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw storeFailure(error);
    }
  }

  /**
   * A change to the flow's record was committed: count it, with the signals that announce it.
   * Returns the change's number, for `delivered`.
   */
  async changed(flow: OpenFlow, change: { signals: OpenFlowDoc['signals']; restart: boolean; closing: boolean }, now: Date): Promise<number> {
    const { deadline, dueAt, ...identity } = flow;
    return this.#update(flow.instanceId, (current) => {
      const next: OpenFlowDoc = {
        ...(current ?? {
          id: entryId(flow.instanceId),
          pk: OPEN_FLOWS_PK,
          type: 'open-flow' as const,
          openedAt: now.toISOString(),
          changeSeq: 0,
          deliveredSeq: 0,
          repairs: 0,
        }),
        ...identity,
        changeSeq: (current?.changeSeq ?? 0) + 1,
        changedAt: now.toISOString(),
        signals: change.signals,
        restart: change.restart,
        closing: change.closing,
      };
      if (deadline !== undefined) next.deadline = deadline ?? undefined;
      if (dueAt !== undefined) next.dueAt = dueAt ?? undefined;
      return JSON.parse(JSON.stringify(next)) as OpenFlowDoc;
    }).then((doc) => doc?.changeSeq ?? 0);
  }

  /** The workflow was started or signalled with change `seq` (and every change before it). A closing flow leaves the index. */
  async delivered(instanceId: string, seq: number): Promise<void> {
    await this.#update(instanceId, (current) => {
      if (!current || current.deliveredSeq >= seq) return current;
      return current.closing && seq >= current.changeSeq ? null : { ...current, deliveredSeq: seq };
    });
  }

  /** The reconciler restarted or re-signalled the workflow. */
  async repaired(instanceId: string, action: string, status: string | undefined, now: Date): Promise<void> {
    await this.#update(instanceId, (current) =>
      current ? { ...current, repairs: current.repairs + 1, lastRepair: { at: now.toISOString(), action, ...(status ? { status } : {}) } } : current,
    );
  }

  /** The flow owes nothing more (its workflow completed): it leaves the index. */
  async remove(instanceId: string): Promise<void> {
    try {
      await this.container.item(entryId(instanceId), OPEN_FLOWS_PK).delete();
    } catch (error) {
      if (azureStatusOf(error) !== 404) throw storeFailure(error);
    }
  }

  /**
   * The entries that need a look, a page at a time: a change not yet delivered (and older than
   * `settledBefore`, so a route still signalling is not raced), or a flow past its due instant.
   * One single-partition query: its cost follows the entries it returns, not the index's size.
   */
  async *needingAttention(now: Date, settledBefore: Date): AsyncGenerator<OpenFlowDoc[]> {
    yield* this.#query(
      '(c.deliveredSeq < c.changeSeq AND c.changedAt <= @settled) OR (IS_DEFINED(c.dueAt) AND c.dueAt <= @now)',
      [
        { name: '@settled', value: settledBefore.toISOString() },
        { name: '@now', value: now.toISOString() },
      ],
    );
  }

  /** Every entry, a page at a time (the ops view). */
  async *all(): AsyncGenerator<OpenFlowDoc[]> {
    yield* this.#query('true', []);
  }

  async *#query(where: string, parameters: { name: string; value: string }[]): AsyncGenerator<OpenFlowDoc[]> {
    const iterator = this.container.items.query<OpenFlowDoc>(
      { query: `SELECT * FROM c WHERE c.pk = @pk AND c.type = 'open-flow' AND (${where})`, parameters: [{ name: '@pk', value: OPEN_FLOWS_PK }, ...parameters] },
      { partitionKey: OPEN_FLOWS_PK, maxItemCount: 1000 },
    );
    try {
      while (iterator.hasMoreResults()) {
        const { resources } = await iterator.fetchNext();
        if (resources.length > 0) yield resources;
      }
    } catch (error) {
      throw storeFailure(error);
    }
  }

  /** Read, change, write with If-Match (created if missing); `null` deletes, the same object leaves it. */
  async #update(instanceId: string, change: (current: OpenFlowDoc | undefined) => OpenFlowDoc | null | undefined): Promise<OpenFlowDoc | undefined> {
    return retryLostRaces(
      async () => {
        const current = await this.read(instanceId);
        const next = change(current);
        if (next === current) return current;
        const item = this.container.item(entryId(instanceId), OPEN_FLOWS_PK);
        try {
          if (next === null || next === undefined) {
            if (current) await item.delete({ accessCondition: { type: 'IfMatch', condition: current._etag! } });
            return undefined;
          }
          const { _etag: _ignored, ...body } = next;
          if (!current) return (await this.container.items.create<OpenFlowDoc>(body)).resource ?? next;
          return (await item.replace<OpenFlowDoc>(body, { accessCondition: { type: 'IfMatch', condition: current._etag! } })).resource ?? next;
        } catch (error) {
          throw storeFailure(error);
        }
      },
      { attempts: RACE_ATTEMPTS, lostRace: (error) => azureStatusOf(error) === 412 || azureStatusOf(error) === 409 },
    );
  }
}
