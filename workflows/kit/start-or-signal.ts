// The API side of a flow: after a route has committed a change to the flow's record, the flow's
// workflow instance learns of it. A running instance gets each signal (an external event); an
// instance that does not exist is started, and reads the record itself, so a fresh instance needs
// no signal. The record is always written first: a signal is only a wake-up, never the data.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

export interface FlowInstance {
  /** The orchestrator's registered name. */
  orchestrator: string;
  instanceId: string;
  /** Ids only: the workflow reads everything else from the record. */
  input: unknown;
}

export interface Signal {
  event: string;
  data?: unknown;
}

export interface StartOrSignalOptions {
  /** Raised, in order, on a running instance. */
  signals?: readonly Signal[];
  /**
   * When to start the instance: `if-missing` (never started, or purged), `if-not-running` (also
   * when it ended, e.g. failed, while the record still owes work), or `never` (only signal it).
   */
  start?: 'if-missing' | 'if-not-running' | 'never';
  /**
   * `required`: a failure throws (the route answers 5xx and the caller retries, which is safe as
   * every route here is idempotent). `best-effort`: a failure is logged; the workflow finds the
   * change in the record when it next reads it.
   */
  delivery?: 'required' | 'best-effort';
}

export type StartOrSignalOutcome = 'started' | 'signalled' | 'not-running' | 'not-delivered';

const RUNNING: ReadonlySet<string> = new Set([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
  df.OrchestrationRuntimeStatus.Suspended,
]);

type InstanceState = 'missing' | 'running' | 'ended';

async function stateOf(client: df.DurableClient, instanceId: string): Promise<InstanceState> {
  let status;
  try {
    status = await client.getStatus(instanceId);
  } catch (error) {
    // The client reports an unknown instance as an error naming the 404.
    if (error instanceof Error && /\b404\b/.test(error.message)) return 'missing';
    throw error;
  }
  if (!status || status.runtimeStatus === undefined || !status.name) return 'missing';
  return RUNNING.has(status.runtimeStatus) ? 'running' : 'ended';
}

export async function startOrSignal(invocation: InvocationContext, flow: FlowInstance, options: StartOrSignalOptions = {}): Promise<StartOrSignalOutcome> {
  const start = options.start ?? 'if-missing';
  try {
    const client = df.getClient(invocation);
    const state = await stateOf(client, flow.instanceId);
    const shouldStart = (state === 'missing' && start !== 'never') || (state === 'ended' && start === 'if-not-running');
    if (shouldStart) {
      try {
        await client.startNew(flow.orchestrator, { instanceId: flow.instanceId, input: flow.input });
        return 'started';
      } catch (error) {
        // A concurrent request started it first: that start is as good as ours (it reads the record too).
        if ((await stateOf(client, flow.instanceId)) === 'missing') throw error;
        return 'started';
      }
    }
    if (state !== 'running') return 'not-running';
    for (const signal of options.signals ?? []) await client.raiseEvent(flow.instanceId, signal.event, signal.data ?? null);
    return 'signalled';
  } catch (error) {
    if (options.delivery !== 'best-effort') throw error;
    // Ids and the error's message only (client errors carry no personal data).
    invocation.warn(
      `workflow ${flow.instanceId} not told of ${(options.signals ?? []).map((s) => s.event).join(', ') || 'the change'}: ${error instanceof Error ? error.message : 'unknown error'}`,
    );
    return 'not-delivered';
  }
}
