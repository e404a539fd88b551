// The task hub as the reconciler and the ops view see it (shared/flows/task-hub.ts), over the
// durable-functions client.
import * as df from 'durable-functions';
import type { InstanceState, TaskHub } from '../../shared/flows/task-hub.js';

export function durableTaskHub(client: df.DurableClient): TaskHub {
  return {
    async state(instanceId): Promise<InstanceState> {
      let status;
      try {
        status = await client.getStatus(instanceId, { showInput: false });
      } catch (error) {
        // The client reports an unknown instance as an error naming the 404.
        if (error instanceof Error && /\b404\b/.test(error.message)) return { status: 'missing' };
        throw error;
      }
      if (!status?.runtimeStatus || !status.name) return { status: 'missing' };
      return {
        status: status.runtimeStatus,
        lastUpdatedAt: new Date(status.lastUpdatedTime).toISOString(),
        customStatus: status.customStatus,
        output: status.output,
      };
    },
    async failedOrTerminated() {
      const found = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated] });
      return found.map((s) => ({ instanceId: s.instanceId, status: String(s.runtimeStatus) }));
    },
    async start(orchestrator, instanceId, input) {
      await client.startNew(orchestrator, { instanceId, input });
    },
    async raise(instanceId, event, data) {
      await client.raiseEvent(instanceId, event, data);
    },
  };
}
