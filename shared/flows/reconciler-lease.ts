// Once per deployment at start-up, not once per scaled-out instance: the reconciler's start-up run
// is skipped when another instance has reconciled within the last few minutes (a deployment restarts
// every instance together: the first one runs, the others find its mark). The mark is one document in
// the control container, written with If-Match so two instances starting together cannot both run.
import type { Container, ItemDefinition } from '@azure/cosmos';
import { azureStatusOf } from '../azure/rest-error.js';

const LEASE_ID = 'flow-reconciler';
const LEASE_PK = 'ops';
/** A start-up run within this long of another run is a scaled-out instance starting, not a deployment. */
export const STARTUP_QUIET_MS = 5 * 60_000;

interface LeaseDoc {
  id: string;
  pk: string;
  type: 'reconciler-lease';
  lastRunAt: string;
  _etag?: string;
}

export class ReconcilerLease {
  constructor(private readonly container: Container) {}

  /** Claims the start-up run: false when another instance ran recently (or claims it at the same moment). */
  async claimStartup(now: Date): Promise<boolean> {
    const current = await this.#read();
    if (current && now.getTime() - Date.parse(current.lastRunAt) < STARTUP_QUIET_MS) return false;
    const body: LeaseDoc = { id: LEASE_ID, pk: LEASE_PK, type: 'reconciler-lease', lastRunAt: now.toISOString() };
    try {
      if (current) await this.container.item(LEASE_ID, LEASE_PK).replace(body, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
      else await this.container.items.create(body);
      return true;
    } catch (error) {
      if (azureStatusOf(error) === 412 || azureStatusOf(error) === 409) return false;
      throw error;
    }
  }

  /** A run finished (scheduled runs are singletons across instances; no condition needed). */
  async ran(now: Date): Promise<void> {
    await this.container.items.upsert({ id: LEASE_ID, pk: LEASE_PK, type: 'reconciler-lease', lastRunAt: now.toISOString() });
  }

  async #read(): Promise<LeaseDoc | undefined> {
    try {
      const { resource } = await this.container.item(LEASE_ID, LEASE_PK).read<LeaseDoc & ItemDefinition>();
      return resource ?? undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
