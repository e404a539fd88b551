// The API side of "commit first, then signal": a route has committed a change to a flow's record;
// the open-flow index counts the change, then the workflow is started or signalled. A signal that
// fails is logged, not fatal: the change is stored, the index shows it undelivered, and the
// reconciler raises it again within one interval. If the index itself cannot be written, the route
// fails (5xx) after still trying the signal, and the caller's retry (idempotent) writes it.
import type { InvocationContext } from '@azure/functions';
import type { Services } from '../../shared/composition.js';
import { OpenFlowIndex, type OpenFlow } from '../../shared/flows/open-flow-index.js';
import { startOrSignal, type Signal, type StartOrSignalOutcome } from '../kit/index.js';

export interface ChangeAnnouncement {
  /** Raised, in order, on a running workflow. */
  signals?: readonly Signal[];
  /** When the workflow may be started (see startOrSignal); `never` for a change only a running workflow cares about. */
  start?: 'if-missing' | 'if-not-running' | 'never';
  /** The change closed the flow: it leaves the index once the workflow has been told. */
  closing?: boolean;
}

export async function announceChange(
  invocation: InvocationContext,
  services: Services,
  flow: OpenFlow,
  change: ChangeAnnouncement = {},
): Promise<StartOrSignalOutcome> {
  const signals = [...(change.signals ?? [])];
  const start = change.start ?? 'if-missing';
  const index = await OpenFlowIndex.open(services);
  let seq: number;
  try {
    seq = await index.changed(flow, { signals, restart: start !== 'never', closing: change.closing ?? false }, services.clock.now());
  } catch (error) {
    await startOrSignal(invocation, flow, { signals, start, delivery: 'best-effort' });
    throw error;
  }
  const outcome = await startOrSignal(invocation, flow, { signals, start, delivery: 'best-effort' });
  // Nothing to tell when the workflow has ended and may not be started: the change is delivered as far as it can be.
  const delivered = outcome === 'started' || outcome === 'signalled' || (outcome === 'not-running' && (start === 'never' || change.closing === true));
  if (delivered) {
    try {
      await index.delivered(flow.instanceId, seq);
    } catch (error) {
      // The reconciler sees the change as undelivered and raises it again: a duplicate wake-up, harmless.
      invocation.warn(`open-flow index not updated for ${flow.instanceId}: ${error instanceof Error ? error.message : 'unknown error'}`);
    }
  }
  return outcome;
}
