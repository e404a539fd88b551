// In-process runs of this app's orchestrators for branch tests: the local host's engine with the
// product's real orchestrators and every activity replaced by a double keyed by its registered name
// (so the tests hold whatever shape the workflow code takes inside). Import it first in a test file:
// it installs the worker's core API before the workflows register.
import { fileURLToPath } from 'node:url';
import { InProcessDurableHost, loadApp, type ActivityDouble } from '../../dev/host/in-process.js';

export { InProcessDurableHost, type ActivityDouble };

const WORKFLOWS = fileURLToPath(new URL('../../workflows/index.js', import.meta.url));

/** A host running the app's workflows from `start`, with `activities` standing in for the real ones. */
export async function workflowHost(activities: Record<string, ActivityDouble>, start = new Date('2026-03-02T09:00:00Z')): Promise<InProcessDurableHost> {
  await loadApp([WORKFLOWS]);
  return new InProcessDurableHost({ start, activities });
}

/** An activity double that fails every call (an outage that outlasts every retry). */
export const alwaysFails =
  (message = 'dependency unavailable'): ActivityDouble =>
  () => {
    throw new Error(message);
  };

/**
 * An activity's error with the facts it carries across the Durable boundary (a code, whether retrying
 * can help), serialised as durable-functions serialises a thrown error with its exception properties.
 */
export function activityError(message: string, facts: { code?: string; retryable?: boolean } = {}): Error {
  return new Error(JSON.stringify({ errorType: 'Error', errorMessage: message, properties: facts }));
}

/** An activity double that fails every call with an error that says retrying cannot help (a bug, a refused input). */
export const alwaysRefuses =
  (message = 'refused', code = 'TEST.REFUSED'): ActivityDouble =>
  () => {
    throw activityError(message, { code, retryable: false });
  };

/** Ids in the shapes the workflows' input schemas check (region-bound tenant ids, hex record ids). */
export const IDS = {
  ukTenant: 't-uks-aaaaaaaaaaaaaaaaaaaa',
  euTenant: 't-eu-bbbbbbbbbbbbbbbbbbbb',
  breach: 'b-0123456789abcdef0123',
  termination: '0123456789abcdef',
  dsar: 'd-0123456789abcdef0123',
  exportJob: 'fedcba9876543210',
} as const;

/** The phase (or step) a workflow shows in its custom status. */
export const phaseOf = (host: InProcessDurableHost, instanceId: string): unknown => {
  const status = host.status(instanceId).customStatus as { phase?: unknown; step?: unknown } | null;
  return status?.phase ?? status?.step;
};

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;
export const at = (start: Date, ms: number): Date => new Date(start.getTime() + ms);
