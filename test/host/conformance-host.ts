// The conformance sample app (test/host/fixtures/conformance) on the generic local host, started by
// the host's documented command line (dev/README.md), plus the few calls the conformance tests share.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { LocalSystem } from '../support/local-system.js';

export const CONFORMANCE_APP = {
  /** The app's folder (its host.json), in the sources: host.json is not compiled. */
  appRoot: fileURLToPath(new URL('../../../test/host/fixtures/conformance/', import.meta.url)),
  appModules: [fileURLToPath(new URL('./fixtures/conformance/app.js', import.meta.url))],
};
export const CONFORMANCE_HUB = 'ConformanceHub';
export const MANAGEMENT = '/runtime/webhooks/durabletask';

export function startConformanceHost(stateDir?: string): Promise<LocalSystem> {
  return LocalSystem.start(CONFORMANCE_APP, stateDir);
}

export interface Status {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: { EventType: string; FunctionName?: string; TaskScheduledId?: number; FireAt?: string; Timestamp: string }[];
}

/** Starts `name` through the app's HTTP starter (as the samples do) and waits until the host is idle. */
export async function startOrchestration(system: LocalSystem, name: string, input?: unknown, options: { settle?: boolean } = {}): Promise<string> {
  const started = await system.post<{ id: string }>(`/api/orchestrators/${name}`, input);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  if (options.settle !== false) await system.settle();
  return started.body.id;
}

export async function statusOf(system: LocalSystem, instanceId: string, query = ''): Promise<Status> {
  const response = await system.get<Status>(`${MANAGEMENT}/instances/${encodeURIComponent(instanceId)}${query}`);
  assert.ok(response.status !== 404, `no instance ${instanceId}`);
  return response.body;
}

/**
 * Waits for a state that work still in flight (an activity held at its gate) cannot report
 * through settle(): bounded, not a sleep.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

export interface ActivityLogEntry {
  activity: string;
  phase: 'start' | 'end';
  input: { gate?: string; fail?: boolean; reason?: string };
}

export async function activityLog(system: LocalSystem): Promise<ActivityLogEntry[]> {
  return (await system.get<ActivityLogEntry[]>('/api/test/log')).body;
}
