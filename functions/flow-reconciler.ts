// The reconciler's timer (shared/flows/reconciler.ts): every 10 minutes in Azure
// (FLOW_RECONCILER_SCHEDULE), and once at start-up per deployment (runOnStartup; of the instances of one
// deployment, identified by its code, exactly one runs it: shared/flows/reconciler-lease.ts). It logs one line per run with its
// counts ("reconciler: {...}"); ids and counts only, no personal data. A run with repairs that failed
// throws, so the function-exceptions alert reports it; the next run tries again. Each run first
// enters in the erasure ledger the committed erasures a crash kept out of it (shared/erasure/pending.ts).
import { fileURLToPath } from 'node:url';
import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { getServices } from '../shared/composition.js';
import { OpenFlowIndex } from '../shared/flows/open-flow-index.js';
import { reconcile } from '../shared/flows/reconciler.js';
import { ReconcilerLease } from '../shared/flows/reconciler-lease.js';
import { deploymentIdentity } from '../shared/flows/deployment-identity.js';
import { CONTAINERS, CONTROL_REGION } from '../shared/store/cosmos-stores.js';
import { durableTaskHub } from '../workflows/reliability/durable-task-hub.js';
import { completePendingErasures } from '../shared/erasure/pending.js';

/** The first invocation in this process is the start-up run (runOnStartup). */
let startupRun = true;

export async function flowReconciler(_timer: unknown, context: InvocationContext): Promise<void> {
  const services = getServices();
  const lease = new ReconcilerLease(await services.stores.container(CONTROL_REGION, CONTAINERS.control));
  const atStartup = startupRun;
  startupRun = false;
  // Erasures whose ledger entry a crash or an outage cut short, first and on every instance's start
  // (safe to repeat): the ledger must not wait for the request to be retried.
  const erasures = await completePendingErasures(services, services.clock.now(), context.invocationId);
  if (erasures.completed + erasures.failed > 0) context.info(`reconciler: erasures entered in the ledger ${JSON.stringify(erasures)}`);
  if (atStartup && !(await lease.claimStartup(deploymentIdentity(fileURLToPath(new URL('..', import.meta.url))), services.clock.now()))) {
    context.info('reconciler: start-up run skipped, another instance of this deployment ran it');
    return;
  }
  const report = await reconcile(await OpenFlowIndex.open(services), durableTaskHub(df.getClient(context)), services.clock.now(), (line) => context.info(line));
  await lease.ran(services.clock.now());
  if (report.failed > 0) throw new Error(`reconciler: ${report.failed} repairs failed; the next run tries again`);
  if (erasures.failed > 0) throw new Error(`reconciler: ${erasures.failed} erasures could not be entered in the ledger yet; the next run tries again`);
}

app.timer('flowReconciler', {
  schedule: '%FLOW_RECONCILER_SCHEDULE%',
  runOnStartup: true,
  extraInputs: [df.input.durableClient()],
  handler: flowReconciler,
});
