// The retention schedule (published to every signed-in caller, as the privacy notice promises), the
// daily retention sweep that enforces it, and the record of the sweeps for ops.
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { apiRoute } from '../shared/http/api-routes.js';
import { getServices } from '../shared/composition.js';
import { RETENTION_SCHEDULE, retentionScheduleSchema } from '../shared/retention/schedule.js';
import { runRetentionSweep, sweepListSchema, sweepsOfDay, type TaskHubPurger } from '../shared/retention/sweeps.js';

apiRoute(
  'getRetentionSchedule',
  {
    route: 'retention-schedule',
    method: 'GET',
    summary: 'The retention schedule: every category of data stored, where, for how long, on which basis, enforced by what',
    responses: { 200: retentionScheduleSchema },
    tag: 'Retention',
  },
  {
    auth: { anyAuthenticated: true },
    handle: async () => ({ status: 200, body: { categories: RETENTION_SCHEDULE } }),
  },
);

apiRoute(
  'listRetentionSweeps',
  {
    route: 'ops/retention-sweeps',
    method: 'GET',
    summary: 'One UTC day of retention sweep runs: what each deleted or purged (counts and ids only)',
    responses: { 200: sweepListSchema },
    tag: 'Operations',
  },
  {
    auth: { vendor: 'securityLog.read' },
    query: z.strictObject({ day: z.iso.date({ message: 'must be a date YYYY-MM-DD' }).optional() }),
    handle: async ({ query, services, now }) => ({
      status: 200,
      body: { sweeps: await sweepsOfDay(services, query.day ?? now.toISOString().slice(0, 10)) },
    }),
  },
);

const ENDED = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

/** The Durable client as the sweep needs it. */
function taskHubOf(client: df.DurableClient): TaskHubPurger {
  return {
    async purge(instanceId) {
      const status = await client.getStatus(instanceId).catch((error: unknown) => {
        if (error instanceof Error && /\b404\b/.test(error.message)) return undefined;
        throw error;
      });
      if (!status?.runtimeStatus) return 'absent';
      if (!ENDED.has(status.runtimeStatus)) return 'running';
      return (await client.purgeInstanceHistory(instanceId)).instancesDeleted > 0 ? 'purged' : 'absent';
    },
    async purgeEndedCreatedBefore(before) {
      const result = await client.purgeInstanceHistoryBy({
        createdTimeFrom: new Date(0),
        createdTimeTo: before,
        runtimeStatus: [df.OrchestrationRuntimeStatus.Completed, df.OrchestrationRuntimeStatus.Failed, df.OrchestrationRuntimeStatus.Terminated],
      });
      return result.instancesDeleted;
    },
  };
}

export async function retentionSweep(_timer: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const report = await runRetentionSweep(services, taskHubOf(df.getClient(context)), services.clock.now());
  const files = Object.values(report.filesDeleted).reduce((a, b) => a + b, 0);
  context.info(
    `retention sweep: ${files} files deleted, ${report.terminatedTenants.length} terminated tenants purged from the task hub, ${report.historyPurged} old instances purged, ${report.formerContactsRemoved.length} tenants' former contacts removed`,
  );
}

// RETENTION_SWEEP_SCHEDULE (daily at 02:15 UTC in Azure, weekly locally so a virtual clock moved by
// years does not run it thousands of times): a file is deleted at the first sweep after it is due.
app.timer('retentionSweep', { schedule: '%RETENTION_SWEEP_SCHEDULE%', extraInputs: [df.input.durableClient()], handler: retentionSweep });
