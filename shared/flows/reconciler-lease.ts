// Once per deployment at start-up, not once per scaled-out instance: the reconciler's start-up run
// is claimed for a deployment identity (deployment-identity.ts: a hash of the deployed code) in one
// marker document of the control container, written with If-Match (or created, for the first
// deployment), so of all the instances of one deployment starting together exactly one runs it. An
// instance of the same deployment started later (scale-out, a restart) finds the marker and skips;
// the next deployment claims it again. Should the claiming instance die before its run, the
// 10-minute schedule repairs what the start-up run would have.
import type { Container, ItemDefinition } from '@azure/cosmos';
import { azureStatusOf } from '../azure/rest-error.js';

const LEASE_ID = 'flow-reconciler';
const STARTUP_ID = 'flow-reconciler-startup';
const LEASE_PK = 'ops';

interface StartupMarker {
  id: string;
  pk: string;
  type: 'reconciler-startup';
  deployment: string;
  claimedAt: string;
  _etag?: string;
}

export class ReconcilerLease {
  constructor(private readonly container: Container) {}

  /** Claims the start-up run of `deployment`: false when another instance of it has claimed it (before, or at the same moment). */
  async claimStartup(deployment: string, now: Date): Promise<boolean> {
    const current = await this.#read();
    if (current?.deployment === deployment) return false;
    const body: StartupMarker = { id: STARTUP_ID, pk: LEASE_PK, type: 'reconciler-startup', deployment, claimedAt: now.toISOString() };
    try {
      if (current) await this.container.item(STARTUP_ID, LEASE_PK).replace(body, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
      else await this.container.items.create(body);
      return true;
    } catch (error) {
      // Another instance wrote the marker between our read and our write: it runs, we do not.
      if (azureStatusOf(error) === 412 || azureStatusOf(error) === 409) return false;
      throw error;
    }
  }

  /** A run finished (scheduled runs are singletons across instances; no condition needed). */
  async ran(now: Date): Promise<void> {
    await this.container.items.upsert({ id: LEASE_ID, pk: LEASE_PK, type: 'reconciler-lease', lastRunAt: now.toISOString() });
  }

  async #read(): Promise<StartupMarker | undefined> {
    try {
      const { resource } = await this.container.item(STARTUP_ID, LEASE_PK).read<StartupMarker & ItemDefinition>();
      return resource ?? undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
