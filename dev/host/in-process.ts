// The Durable engine of the local host driven in this process, for tests of an orchestrator's
// decisions: the app's real orchestrators (replayed by the real durable-functions library under the
// same replay and scheduling rules as the host) with its activities replaced by test doubles keyed by
// activity name, on a virtual clock that only moves when told, with the task hub in memory.
// Import this module before anything that registers functions: it installs the worker's core API.
import { pathToFileURL } from 'node:url';
import { CoreApi, installCoreApi } from './worker/core-api.js';
import { FunctionInvocationError, FunctionInvoker } from './worker/invoker.js';
import type { RpcInvocationResponse, RpcTypedData } from './worker/rpc-types.js';
import { VirtualClock } from './clock.js';
import { Scheduler } from './scheduler.js';
import { WorkTracker } from './work-tracker.js';
import { TaskHubStore, type InstanceRecord } from './durable/task-hub-store.js';
import { DurableEngine, type FunctionRunner } from './durable/engine.js';
import { addIsoDuration } from './iso-duration.js';

/**
 * A stand-in for one activity: gets the activity's JSON input and which call of it with that input
 * this is (1, 2, ... across retries); returns its JSON result or throws. (Typed `never` so a double
 * may declare the input type it expects.)
 */
export type ActivityDouble = (input: never, call: { attempt: number }) => unknown;

export interface ActivityCall {
  activity: string;
  input: unknown;
  at: Date;
  outcome: 'returned' | 'threw';
}

export interface InstanceView {
  name: string;
  runtimeStatus: InstanceRecord['runtimeStatus'];
  input: unknown;
  output: unknown;
  customStatus: unknown;
}

const core = new CoreApi(() => undefined);
installCoreApi(core);
const loaded = new Set<string>();

/** Loads the app's modules (once per process), so their orchestrators and activities are registered. */
export async function loadApp(modules: string[]): Promise<void> {
  for (const module of modules) {
    const href = module.startsWith('file:') ? module : pathToFileURL(module).href;
    if (loaded.has(href)) continue;
    await import(href);
    loaded.add(href);
  }
}

export class InProcessDurableHost {
  readonly clock: VirtualClock;
  readonly calls: ActivityCall[] = [];
  readonly logs: string[] = [];
  readonly #tracker = new WorkTracker();
  readonly #scheduler: Scheduler;
  readonly #engine: DurableEngine;
  readonly #invoker = new FunctionInvoker(core, {});
  readonly #doubles: Map<string, ActivityDouble>;
  readonly #attempts = new Map<string, number>();

  constructor(options: { start: Date; activities: Record<string, ActivityDouble> }) {
    this.clock = new VirtualClock({ start: options.start });
    this.#scheduler = new Scheduler(this.clock, this.#tracker);
    this.#doubles = new Map();
    for (const [name, double] of Object.entries(options.activities)) {
      const registered = this.#invoker.find(name);
      if (!registered || !this.#invoker.hasTrigger(name, 'activityTrigger')) throw new Error(`the app registers no activity named "${name}"`);
      this.#doubles.set(registered.metadata.name, double);
    }
    this.#engine = new DurableEngine({
      store: new TaskHubStore(undefined, 'InProcessHub'),
      invoker: this.#runner(),
      scheduler: this.#scheduler,
      tracker: this.#tracker,
      clock: this.clock,
      log: (level, message) => this.logs.push(`${level} ${message}`),
    });
  }

  /** Starts an orchestration and lets it run until it waits (for a timer, an event, a double that never returns). */
  async start(name: string, input: unknown, instanceId?: string): Promise<string> {
    const record = this.#engine.startNew(name, instanceId, input === undefined ? null : JSON.stringify(input));
    await this.settle();
    return record.instanceId;
  }

  async raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<void> {
    this.#engine.raiseEvent(instanceId, eventName, JSON.stringify(data ?? null));
    await this.settle();
  }

  /** Moves the clock by an ISO 8601 duration (or to an instant), firing every timer due on the way in order. */
  async advance(by: string | Date): Promise<Date> {
    const target = typeof by === 'string' ? addIsoDuration(this.clock.now(), by) : by;
    await this.#scheduler.advanceTo(this.clock, target, async () => undefined);
    return this.clock.now();
  }

  settle(): Promise<void> {
    return this.#tracker.settled();
  }

  status(instanceId: string): InstanceView {
    const record = this.#engine.store.get(instanceId);
    if (!record) throw new Error(`no instance ${instanceId}`);
    const parse = (text: string | null): unknown => (text === null ? null : (JSON.parse(text) as unknown));
    return {
      name: record.name,
      runtimeStatus: record.runtimeStatus,
      input: parse(record.input),
      output: parse(record.output),
      customStatus: parse(record.customStatus),
    };
  }

  /** Every instance in the task hub (sub-orchestrations included). */
  instances(): InstanceView[] {
    return this.#engine.store.all().map((r) => this.status(r.instanceId));
  }

  /** The most history events each instance has held in any generation, for checks that no history grows with the work. */
  historySizes(): Map<string, number> {
    return new Map(this.#engine.store.all().map((r) => [r.instanceId, Math.max(r.largestHistory ?? 0, r.history.length)]));
  }

  /** Inputs of every call of `activity`, in order. */
  inputsOf(activity: string): unknown[] {
    return this.calls.filter((c) => c.activity === activity).map((c) => c.input);
  }

  /** Orchestrators run for real; activities run their doubles, and one without a double fails loudly. */
  #runner(): FunctionRunner {
    const invoker = this.#invoker;
    return {
      hasTrigger: (name, type) => invoker.hasTrigger(name, type),
      invoke: async (name, triggerData): Promise<RpcInvocationResponse> => {
        if (!invoker.hasTrigger(name, 'activityTrigger')) return invoker.invoke(name, triggerData);
        const activity = invoker.get(name).metadata.name;
        const double = this.#doubles.get(activity);
        const input = decodeInput(triggerData);
        const key = `${activity}|${JSON.stringify(input)}`;
        const attempt = (this.#attempts.get(key) ?? 0) + 1;
        this.#attempts.set(key, attempt);
        const at = this.clock.now();
        try {
          if (!double) throw new Error(`no test double for activity "${activity}"`);
          const result = await double(input as never, { attempt });
          this.calls.push({ activity, input, at, outcome: 'returned' });
          return { returnValue: { json: JSON.stringify(result ?? null) } };
        } catch (error) {
          this.calls.push({ activity, input, at, outcome: 'threw' });
          throw new FunctionInvocationError(activity, error);
        }
      },
    };
  }
}

/** What the worker would hand the activity: a string is JSON text when it parses as JSON. */
function decodeInput(data: RpcTypedData): unknown {
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (typeof data.string === 'string') {
    try {
      return JSON.parse(data.string) as unknown;
    } catch {
      return data.string;
    }
  }
  return undefined;
}
