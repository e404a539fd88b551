// The breach clock's heartbeat, read by Azure Monitor (infra/modules/alerts.bicep): on the schedule
// BREACH_CLOCK_HEARTBEAT_SCHEDULE (hourly in Azure) the register's open breaches are held against
// their workflows and one line is logged, "breach clock heartbeat: N open, M stopped". Two hours
// without that line means timers have stopped and the 72-hour reminders may not fire; a stopped
// clock (a breach whose workflow is not running) fails the run, which the function-exceptions alert
// reports. Ids and counts only: no personal data.
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getServices } from '../shared/composition.js';
import { BreachStore } from '../shared/breaches/breach-store.js';

const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

export async function breachClockHeartbeat(_timer: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const open = (await (await BreachStore.open(services)).all()).filter((b) => !b.closed);
  const durable = df.getClient(context);
  const stopped: string[] = [];
  for (const breach of open) {
    const status = await durable.getStatus(breach.instanceId).catch(() => undefined);
    if (!status?.runtimeStatus || !RUNNING.has(status.runtimeStatus)) stopped.push(breach.breachId);
  }
  context.info(`breach clock heartbeat: ${open.length} open, ${stopped.length} stopped`);
  if (stopped.length > 0) throw new Error(`breach clock stopped for ${stopped.join(', ')}: their workflows are not running`);
}

// The schedule is an app setting, resolved by the Functions host (%NAME%), because a virtual clock
// moved by years locally would otherwise run an hourly heartbeat tens of thousands of times.
app.timer('breachClockHeartbeat', { schedule: '%BREACH_CLOCK_HEARTBEAT_SCHEDULE%', extraInputs: [df.input.durableClient()], handler: breachClockHeartbeat });
