// Host overhead per activity round trip: a chain of activities run by the local host (one
// orchestrator episode, one activity invocation and two task-hub writes per step), against the
// same activity body called directly, and against a plain HTTP round trip to the same host.
import { performance } from 'node:perf_hooks';
import { LocalSystem } from '../test/support/local-system.js';
import type { BenchResult } from './run.js';

const CHAIN_LENGTH = 200;

export async function run(): Promise<BenchResult> {
  const addOne = (n: number): number => n + 1;
  const bareStart = performance.now();
  let value = 0;
  for (let i = 0; i < 1_000_000; i++) value = addOne(value);
  const bareCallMs = (performance.now() - bareStart) / 1_000_000;
  if (value !== 1_000_000) throw new Error('baseline loop was optimised away');

  const system = await LocalSystem.start({ appModules: ['dist/test/host/fixtures/sample-app.js'] });
  try {
    // Warm up the code paths once.
    await system.post('/runtime/webhooks/durabletask/orchestrators/chainOfActivities', 5);
    await system.settle();

    const httpStart = performance.now();
    for (let i = 0; i < CHAIN_LENGTH; i++) await system.get('/runtime/dev/clock');
    const httpRoundTripMs = (performance.now() - httpStart) / CHAIN_LENGTH;

    const chainStart = performance.now();
    const started = await system.post<{ id: string }>('/runtime/webhooks/durabletask/orchestrators/chainOfActivities', CHAIN_LENGTH);
    await system.settle();
    const chainMs = performance.now() - chainStart;
    const status = await system.instance(started.body.id);
    if (status.output !== CHAIN_LENGTH) throw new Error(`chain returned ${JSON.stringify(status.output)}`);
    const perActivityMs = chainMs / CHAIN_LENGTH;
    return {
      'activities in the chain': CHAIN_LENGTH,
      'host round trip per activity / bare function call': perActivityMs / bareCallMs,
      'host round trip per activity / HTTP round trip to the host': perActivityMs / httpRoundTripMs,
      'per activity (ms, this machine, for orientation only)': perActivityMs,
    };
  } finally {
    await system.stop();
  }
}
