// The Durable extension's runtime, locally: creates instances, runs orchestrator episodes with the
// real replay protocol, dispatches activities (at least once), delivers timers, events and
// sub-orchestration results, and recovers every instance after a restart.
import { randomUUID } from 'node:crypto';
import type { HostClock } from '../clock.js';
import type { Scheduler } from '../scheduler.js';
import type { WorkTracker } from '../work-tracker.js';
import { FunctionInvocationError, fromTypedData } from '../worker/invoker.js';
import type { RpcInvocationResponse, RpcTypedData } from '../worker/rpc-types.js';
import { EventType, historyEvent, toJsonText, type FailureDetails, type HistoryEvent } from './history.js';
import { replayActions, type FunctionCatalog, type OrchestratorAction } from './replay.js';
import { TERMINAL_STATUSES, type InstanceRecord, type TaskHubStore } from './task-hub-store.js';

export interface DurableEngineOptions {
  maximumShortTimerMs: number;
  longTimerIntervalMs: number;
  maxConcurrentActivities: number;
}

export const DEFAULT_ENGINE_OPTIONS: DurableEngineOptions = {
  maximumShortTimerMs: 6 * 24 * 3600_000,
  longTimerIntervalMs: 3 * 24 * 3600_000,
  maxConcurrentActivities: 10,
};

export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

interface OrchestratorState {
  isDone?: boolean;
  actions?: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  failureDetails?: FailureDetails;
}

/** What the engine needs from the worker: which functions are registered, and a way to invoke them. */
export interface FunctionRunner {
  hasTrigger(functionName: string, triggerType: string): boolean;
  invoke(functionName: string, triggerData: RpcTypedData): Promise<RpcInvocationResponse>;
}

/** An instance with that id exists and has not finished (the extension's OrchestrationAlreadyExistsException). */
export class InstanceExistsError extends Error {}

/** A start the extension refuses as a bad argument (unknown orchestrator, invalid instance id): HTTP 400. */
export class StartRefusedError extends Error {}

/** The extension's limit on instance ids (DurableClient.MaxInstanceIdLength). */
const MAX_INSTANCE_ID_LENGTH = 256;

export class DurableEngine {
  readonly #store: TaskHubStore;
  readonly #invoker: FunctionRunner;
  readonly #catalog: FunctionCatalog;
  /** Notes already logged, so what replay meets again is reported once per execution. */
  readonly #logged = new Set<string>();
  readonly #scheduler: Scheduler;
  readonly #tracker: WorkTracker;
  readonly #clock: HostClock;
  readonly #log: Logger;
  readonly #options: DurableEngineOptions;
  readonly #episodeRunning = new Set<string>();
  readonly #episodeAgain = new Set<string>();
  readonly #activityQueue: (() => Promise<void>)[] = [];
  #activitiesRunning = 0;
  /** Waiters of waitForFinish, woken whenever an instance finishes. */
  readonly #finishWaiters = new Set<() => void>();
  /** Activities dispatched in this process, so recovery never starts the same one twice. */
  readonly #activitiesInFlight = new Set<string>();

  constructor(deps: {
    store: TaskHubStore;
    invoker: FunctionRunner;
    scheduler: Scheduler;
    tracker: WorkTracker;
    clock: HostClock;
    log: Logger;
    options?: Partial<DurableEngineOptions>;
  }) {
    this.#store = deps.store;
    this.#invoker = deps.invoker;
    this.#catalog = {
      isActivity: (name) => deps.invoker.hasTrigger(name, 'activityTrigger'),
      isOrchestrator: (name) => deps.invoker.hasTrigger(name, 'orchestrationTrigger'),
    };
    this.#scheduler = deps.scheduler;
    this.#tracker = deps.tracker;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#options = { ...DEFAULT_ENGINE_OPTIONS, ...deps.options };
  }

  get taskHubName(): string {
    return this.#store.taskHubName;
  }

  get store(): TaskHubStore {
    return this.#store;
  }

  now(): Date {
    return this.#clock.now();
  }

  /**
   * Resolves with the instance once it has finished, or with undefined after `timeoutSeconds` of real
   * time (WaitForCompletionOrCreateCheckStatusResponse; the extension polls, this is told).
   */
  async waitForFinish(instanceId: string, timeoutSeconds: number): Promise<InstanceRecord | undefined> {
    const deadline = performance.now() + Math.max(0, timeoutSeconds) * 1000;
    for (;;) {
      const record = this.#store.get(instanceId);
      if (record && TERMINAL_STATUSES.has(record.runtimeStatus)) return record;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return undefined;
      // Woken when any instance finishes, or at the deadline.
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.#finishWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.#finishWaiters.add(wake);
      });
    }
  }

  // ---- client operations ----------------------------------------------------------------

  /**
   * Starts an orchestration, refusing what the extension's DurableClient.StartNewAsync refuses: an
   * orchestrator that is not registered, an instance id that starts with "@", holds /, \\, #, ? or a
   * control character, or is longer than 256 characters; and an id whose instance has not finished.
   */
  startNew(name: string, instanceId: string | undefined, inputJson: string | null): InstanceRecord {
    if (!this.#catalog.isOrchestrator(name)) {
      throw new StartRefusedError(`The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`);
    }
    const id = instanceId && instanceId !== '' ? instanceId : randomUUID().replaceAll('-', '');
    if (id.startsWith('@')) throw new StartRefusedError('Orchestration instance ids must not start with @.');
    if (/[/\\#?\u0000-\u001f\u007f-\u009f]/.test(id))
      throw new StartRefusedError('Orchestration instance ids must not contain /, \\, #, ?, or control characters.');
    if (id.length > MAX_INSTANCE_ID_LENGTH) throw new StartRefusedError(`Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`);
    const existing = this.#store.get(id);
    if (existing && !TERMINAL_STATUSES.has(existing.runtimeStatus)) {
      throw new InstanceExistsError(`An orchestration with instance ID '${id}' already exists and is ${existing.runtimeStatus}.`);
    }
    if (existing) this.#disarmTimers(existing);
    const record = this.#newRecord(name, id, inputJson, undefined);
    this.#store.save(record);
    this.#scheduleEpisode(id);
    return record;
  }

  /**
   * DurableClient.RestartAsync: a new instance of the same orchestrator with the input its status
   * shows (the current generation's, after a ContinueAsNew), under a new id or the same one.
   */
  restart(instanceId: string, withNewInstanceId: boolean): InstanceRecord {
    const original = this.#store.get(instanceId);
    if (!original) throw new StartRefusedError(`An orchestration with the instanceId ${instanceId} was not found.`);
    return this.startNew(original.name, withNewInstanceId ? undefined : original.instanceId, original.input);
  }

  raiseEvent(instanceId: string, eventName: string, dataJson: string | null): 'accepted' | 'gone' | 'not-found' {
    const record = this.#store.get(instanceId);
    if (!record) return 'not-found';
    if (TERMINAL_STATUSES.has(record.runtimeStatus)) return 'gone';
    record.inbox.push(historyEvent(EventType.EventRaised, this.#clock.now(), { Name: eventName, Input: dataJson }));
    this.#touch(record);
    this.#store.save(record);
    this.#scheduleEpisode(instanceId);
    return 'accepted';
  }

  terminate(instanceId: string, reason: string): 'accepted' | 'gone' | 'not-found' {
    const record = this.#store.get(instanceId);
    if (!record) return 'not-found';
    if (TERMINAL_STATUSES.has(record.runtimeStatus)) return 'gone';
    record.history.push(historyEvent(EventType.ExecutionTerminated, this.#clock.now(), { Input: toJsonText(reason) }));
    this.#finishInstance(record, 'Terminated', toJsonText(reason));
    return 'accepted';
  }

  suspend(instanceId: string, reason: string): 'accepted' | 'gone' | 'not-found' {
    const record = this.#store.get(instanceId);
    if (!record) return 'not-found';
    if (TERMINAL_STATUSES.has(record.runtimeStatus)) return 'gone';
    if (record.runtimeStatus === 'Suspended') return 'accepted';
    record.runtimeStatus = 'Suspended';
    record.history.push(historyEvent(EventType.ExecutionSuspended, this.#clock.now(), { Input: toJsonText(reason) }));
    this.#touch(record);
    this.#store.save(record);
    return 'accepted';
  }

  resume(instanceId: string, reason: string): 'accepted' | 'gone' | 'not-found' {
    const record = this.#store.get(instanceId);
    if (!record) return 'not-found';
    if (TERMINAL_STATUSES.has(record.runtimeStatus)) return 'gone';
    if (record.runtimeStatus !== 'Suspended') return 'accepted';
    record.runtimeStatus = 'Running';
    record.history.push(historyEvent(EventType.ExecutionResumed, this.#clock.now(), { Input: toJsonText(reason) }));
    this.#touch(record);
    this.#store.save(record);
    this.#scheduleEpisode(instanceId);
    return 'accepted';
  }

  /**
   * Deletes an instance and its history, whatever its status, as the Azure Storage provider's purge
   * by id does; results still on their way to it are dropped.
   */
  purge(instanceId: string): 'purged' | 'not-found' {
    const record = this.#store.get(instanceId);
    if (!record) return 'not-found';
    this.#disarmTimers(record);
    this.#store.delete(instanceId);
    return 'purged';
  }

  // ---- recovery --------------------------------------------------------------------------

  /** After a restart: re-arm timers, re-run unfinished activities and episodes, re-deliver results. */
  recover(): void {
    for (const record of this.#store.all()) {
      if (TERMINAL_STATUSES.has(record.runtimeStatus)) {
        if (record.parent) this.#notifyParent(record);
        continue;
      }
      for (const timer of record.armedTimers) this.#armTimer(record, timer.id, timer.fireAt);
      for (const scheduled of this.#unfinishedActivities(record)) this.#dispatchActivity(record, scheduled);
      for (const created of this.#unfinishedSubOrchestrations(record)) this.#ensureChild(record, created);
      if (record.inbox.length > 0 && record.runtimeStatus !== 'Suspended') this.#scheduleEpisode(record.instanceId);
    }
  }

  // ---- episodes --------------------------------------------------------------------------

  #scheduleEpisode(instanceId: string): void {
    if (this.#episodeRunning.has(instanceId)) {
      this.#episodeAgain.add(instanceId);
      return;
    }
    this.#episodeRunning.add(instanceId);
    this.#tracker.spawn(async () => {
      try {
        do {
          this.#episodeAgain.delete(instanceId);
          await this.#runEpisode(instanceId);
        } while (this.#episodeAgain.has(instanceId));
      } finally {
        this.#episodeRunning.delete(instanceId);
      }
    });
  }

  async #runEpisode(instanceId: string): Promise<void> {
    const record = this.#store.get(instanceId);
    if (!record || TERMINAL_STATUSES.has(record.runtimeStatus) || record.runtimeStatus === 'Suspended') return;
    if (record.inbox.length === 0) return;

    const now = this.#clock.now();
    const past = record.history.map((e) => ({ ...e, IsPlayed: true }));
    const arriving = [historyEvent(EventType.OrchestratorStarted, now), ...record.inbox];
    const history = [...past, ...arriving];
    const payload = {
      history,
      input: record.input === null ? undefined : (JSON.parse(record.input) as unknown),
      instanceId: record.instanceId,
      isReplaying: past.length > 0,
      parentInstanceId: record.parent?.instanceId ?? '',
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: toTimeSpan(this.#options.longTimerIntervalMs),
      maximumShortTimerDuration: toTimeSpan(this.#options.maximumShortTimerMs),
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };

    const state = await this.#invokeOrchestrator(record.name, payload);
    record.history = history;
    record.inbox = [];
    record.largestHistory = Math.max(record.largestHistory ?? 0, history.length);
    if (state.customStatus !== undefined) record.customStatus = toJsonText(state.customStatus);
    if (record.runtimeStatus === 'Pending') record.runtimeStatus = 'Running';

    const actions = (state.actions ?? []).flat();
    const replay = replayActions(history, actions, {
      instanceId: record.instanceId,
      executionId: record.executionId,
      ...(record.parent ? { parentInstanceId: record.parent.instanceId } : {}),
      catalog: this.#catalog,
      maximumShortTimerMs: this.#options.maximumShortTimerMs,
      longTimerIntervalMs: this.#options.longTimerIntervalMs,
    });
    for (const warning of replay.warnings) this.#logOnce(record, 'warn', warning);
    for (const dropped of replay.dropped) {
      this.#logOnce(
        record,
        'error',
        `the Durable extension refuses ${dropped} The task fails inside the extension, the orchestrator is never told, and the instance waits for it forever (as in Azure: azure-functions-durable-js#197).`,
      );
    }
    const refusal = replay.nonDeterminism ?? replay.unsupported;
    if (refusal) {
      history.push(historyEvent(EventType.OrchestratorCompleted, now));
      this.#failInstance(record, refusal, {
        ErrorType: replay.nonDeterminism ? 'NonDeterministicOrchestrationException' : 'NotSupportedException',
        ErrorMessage: refusal,
      });
      return;
    }

    history.push(...replay.newEvents, historyEvent(EventType.OrchestratorCompleted, now));
    const keep = replay.pendingTimers.filter((t) => !t.cancelled);
    for (const cancelled of replay.pendingTimers.filter((t) => t.cancelled)) {
      this.#scheduler.cancel(timerKey(record, cancelled.id));
    }
    record.armedTimers = keep.map((t) => ({ id: t.id, fireAt: t.fireAt }));

    const returned = state.isDone === true || state.error !== undefined;
    if (returned && !replay.completed) {
      // The shim records the outcome only after awaiting every action the orchestrator returned
      // (a Task.all waits for all of its tasks): until then the instance stays Running.
      this.#logOnce(
        record,
        'info',
        'the orchestrator returned while tasks it started are still running; like the extension, the instance completes once they finish',
      );
    } else if (state.error !== undefined) {
      const failure = state.failureDetails ?? { ErrorType: 'Error', ErrorMessage: state.error };
      this.#failInstance(record, `Orchestrator function '${record.name}' failed: ${state.error}`, failure);
      return;
    } else if (state.isDone && replay.continueAsNew) {
      this.#continueAsNew(record, replay.continueAsNew.input);
      return;
    } else if (state.isDone && keep.length === 0) {
      this.#finishInstance(record, 'Completed', toJsonText(state.output));
      return;
    } else if (state.isDone) {
      // DTFx does not complete an orchestration while a durable timer it created is still pending:
      // cancel the losing timer of a race, or the instance stays Running until the timer fires.
      this.#logOnce(record, 'warn', `returned with ${keep.length} uncancelled timer(s); it stays Running until they fire`);
    }
    this.#touch(record);
    this.#store.save(record);

    for (const event of replay.newEvents) {
      if (event.EventType === EventType.TaskScheduled) this.#dispatchActivity(record, event);
      if (event.EventType === EventType.SubOrchestrationInstanceCreated) this.#ensureChild(record, event);
    }
    for (const timer of keep) this.#armTimer(record, timer.id, timer.fireAt);
  }

  /** Logs `message` for this execution once, however often replay meets its cause again. */
  #logOnce(record: InstanceRecord, level: 'info' | 'warn' | 'error', message: string): void {
    const key = `${record.instanceId}|${record.executionId}|${message}`;
    if (this.#logged.has(key)) return;
    this.#logged.add(key);
    this.#log(level, `[${record.name} ${record.instanceId}] ${message}`);
  }

  async #invokeOrchestrator(name: string, payload: object): Promise<OrchestratorState> {
    if (!this.#catalog.isOrchestrator(name)) {
      return { error: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.` };
    }
    try {
      const response = await this.#invoker.invoke(name, { string: JSON.stringify(payload) });
      const value = fromTypedData(response.returnValue);
      return (typeof value === 'string' ? JSON.parse(value) : value) as OrchestratorState;
    } catch (error) {
      const message = error instanceof FunctionInvocationError ? error.message : String(error);
      const marker = message.indexOf('$OutOfProcData$:');
      if (marker >= 0) {
        const state = JSON.parse(message.slice(marker + '$OutOfProcData$:'.length)) as OrchestratorState;
        return { ...state, error: state.error ?? message.slice(0, marker).trim() };
      }
      return { error: message };
    }
  }

  #continueAsNew(record: InstanceRecord, input: unknown): void {
    this.#disarmTimers(record);
    const inputJson = toJsonText(input);
    record.executionId = randomUUID().replaceAll('-', '');
    record.input = inputJson;
    record.history = [];
    record.armedTimers = [];
    record.runtimeStatus = 'Running';
    record.inbox = [this.#executionStarted(record, inputJson)];
    this.#touch(record);
    this.#store.save(record);
    this.#scheduleEpisode(record.instanceId);
  }

  #failInstance(record: InstanceRecord, message: string, failure: FailureDetails): void {
    this.#log('error', `[${record.name} ${record.instanceId}] failed: ${message}`);
    record.history.push(historyEvent(EventType.ExecutionFailed, this.#clock.now(), { Reason: message, FailureDetails: failure }));
    this.#finishInstance(record, 'Failed', toJsonText(message));
  }

  #finishInstance(record: InstanceRecord, status: 'Completed' | 'Failed' | 'Terminated', outputJson: string): void {
    this.#disarmTimers(record);
    record.runtimeStatus = status;
    record.output = outputJson;
    record.armedTimers = [];
    record.inbox = [];
    if (status === 'Completed') record.history.push(historyEvent(EventType.ExecutionCompleted, this.#clock.now(), { Result: outputJson }));
    this.#touch(record);
    this.#store.save(record);
    if (record.parent) this.#notifyParent(record);
    const waiters = [...this.#finishWaiters];
    this.#finishWaiters.clear();
    for (const wake of waiters) wake();
  }

  // ---- activities ------------------------------------------------------------------------

  #unfinishedActivities(record: InstanceRecord): HistoryEvent[] {
    const finished = new Set(
      [...record.history, ...record.inbox]
        .filter((e) => e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed)
        .map((e) => e.TaskScheduledId),
    );
    return record.history.filter((e) => e.EventType === EventType.TaskScheduled && !finished.has(e.EventId));
  }

  #dispatchActivity(record: InstanceRecord, scheduled: HistoryEvent): void {
    const key = `${record.instanceId}|${record.executionId}|${scheduled.EventId}`;
    if (this.#activitiesInFlight.has(key)) return;
    this.#activitiesInFlight.add(key);
    const target = { instanceId: record.instanceId, executionId: record.executionId };
    const name = scheduled.Name ?? '';
    const taskId = scheduled.EventId;
    const inputJson = scheduled.Input ?? 'null';
    this.#tracker.spawn(
      () =>
        new Promise<void>((resolve) => {
          this.#activityQueue.push(async () => {
            try {
              const completion = await this.#runActivity(name, taskId, inputJson);
              this.#deliver(target.instanceId, target.executionId, completion);
            } finally {
              this.#activitiesInFlight.delete(key);
              resolve();
            }
          });
          this.#pumpActivities();
        }),
    );
  }

  #pumpActivities(): void {
    while (this.#activitiesRunning < this.#options.maxConcurrentActivities && this.#activityQueue.length > 0) {
      const job = this.#activityQueue.shift()!;
      this.#activitiesRunning++;
      void job().finally(() => {
        this.#activitiesRunning--;
        this.#pumpActivities();
      });
    }
  }

  async #runActivity(name: string, taskId: number, inputJson: string): Promise<HistoryEvent> {
    const now = (): Date => this.#clock.now();
    // Only reachable for history recorded before the function was removed: the replay never schedules an unknown activity.
    if (!this.#catalog.isActivity(name)) {
      const message = `The activity function '${name}' doesn't exist, is disabled, or is not an activity function.`;
      return historyEvent(EventType.TaskFailed, now(), {
        TaskScheduledId: taskId,
        Reason: message,
        Details: '',
        FailureDetails: { ErrorType: 'FunctionFailedException', ErrorMessage: message },
      });
    }
    try {
      const response = await this.#invoker.invoke(name, activityInput(inputJson));
      const value = fromTypedData(response.returnValue);
      return historyEvent(EventType.TaskCompleted, now(), {
        TaskScheduledId: taskId,
        Result: toJsonText(Buffer.isBuffer(value) ? value.toString('base64') : value),
      });
    } catch (error) {
      const cause = error instanceof FunctionInvocationError ? error.cause : error;
      const failure = toFailureDetails(cause);
      return historyEvent(EventType.TaskFailed, now(), {
        TaskScheduledId: taskId,
        Reason: `Activity function '${name}' failed: ${failure.ErrorMessage}`,
        Details: failure.StackTrace ?? '',
        FailureDetails: failure,
      });
    }
  }

  // ---- timers, events, children -----------------------------------------------------------

  #armTimer(record: InstanceRecord, timerId: number, fireAt: string): void {
    const target = { instanceId: record.instanceId, executionId: record.executionId };
    this.#scheduler.schedule({
      key: timerKey(record, timerId),
      dueAt: Date.parse(fireAt),
      fire: async () => {
        const current = this.#store.get(target.instanceId);
        if (!current || current.executionId !== target.executionId) return;
        current.armedTimers = current.armedTimers.filter((t) => t.id !== timerId);
        this.#deliver(target.instanceId, target.executionId, historyEvent(EventType.TimerFired, this.#clock.now(), { TimerId: timerId, FireAt: fireAt }));
      },
    });
  }

  #disarmTimers(record: InstanceRecord): void {
    for (const timer of record.armedTimers) this.#scheduler.cancel(timerKey(record, timer.id));
  }

  /** Appends a completion to the inbox of the execution that asked for it, and wakes it. */
  #deliver(instanceId: string, executionId: string, event: HistoryEvent): void {
    const record = this.#store.get(instanceId);
    if (!record || record.executionId !== executionId || TERMINAL_STATUSES.has(record.runtimeStatus)) return;
    record.inbox.push(event);
    this.#touch(record);
    this.#store.save(record);
    this.#scheduleEpisode(instanceId);
  }

  #unfinishedSubOrchestrations(record: InstanceRecord): HistoryEvent[] {
    const finished = new Set(
      [...record.history, ...record.inbox]
        .filter((e) => e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.SubOrchestrationInstanceFailed)
        .map((e) => e.TaskScheduledId),
    );
    return record.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated && !finished.has(e.EventId));
  }

  #ensureChild(parent: InstanceRecord, created: HistoryEvent): void {
    const childId = created.InstanceId ?? '';
    const existing = this.#store.get(childId);
    const link = { instanceId: parent.instanceId, executionId: parent.executionId, taskScheduledId: created.EventId };
    if (
      existing &&
      existing.parent?.instanceId === parent.instanceId &&
      existing.parent.taskScheduledId === created.EventId &&
      existing.parent.executionId === parent.executionId
    ) {
      if (TERMINAL_STATUSES.has(existing.runtimeStatus)) this.#notifyParent(existing);
      return;
    }
    if (existing && !TERMINAL_STATUSES.has(existing.runtimeStatus)) {
      const message = `An orchestration with instance ID '${childId}' already exists and is ${existing.runtimeStatus}.`;
      this.#deliver(parent.instanceId, parent.executionId, historyEvent(EventType.SubOrchestrationInstanceFailed, this.#clock.now(), {
        TaskScheduledId: created.EventId,
        Reason: message,
        Details: '',
        FailureDetails: { ErrorType: 'OrchestrationAlreadyExistsException', ErrorMessage: message },
      }));
      return;
    }
    if (existing) this.#disarmTimers(existing);
    const child = this.#newRecord(created.Name ?? '', childId, created.Input ?? null, link);
    this.#store.save(child);
    this.#scheduleEpisode(childId);
  }

  #notifyParent(child: InstanceRecord): void {
    const link = child.parent;
    if (!link) return;
    const parent = this.#store.get(link.instanceId);
    if (!parent || parent.executionId !== link.executionId || TERMINAL_STATUSES.has(parent.runtimeStatus)) return;
    const already = [...parent.history, ...parent.inbox].some(
      (e) =>
        (e.EventType === EventType.SubOrchestrationInstanceCompleted || e.EventType === EventType.SubOrchestrationInstanceFailed) &&
        e.TaskScheduledId === link.taskScheduledId,
    );
    if (already) return;
    const now = this.#clock.now();
    if (child.runtimeStatus === 'Completed') {
      this.#deliver(
        link.instanceId,
        link.executionId,
        historyEvent(EventType.SubOrchestrationInstanceCompleted, now, { TaskScheduledId: link.taskScheduledId, Result: child.output }),
      );
      return;
    }
    const failed = [...child.history].reverse().find((e) => e.EventType === EventType.ExecutionFailed);
    const message =
      child.runtimeStatus === 'Terminated'
        ? `Sub-orchestration '${child.name}' was terminated: ${child.output}`
        : (failed?.Reason ?? `Sub-orchestration '${child.name}' failed`);
    this.#deliver(link.instanceId, link.executionId, historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
      TaskScheduledId: link.taskScheduledId,
      Reason: message,
      Details: '',
      FailureDetails: failed?.FailureDetails ?? { ErrorType: 'SubOrchestrationFailedException', ErrorMessage: message },
    }));
  }

  // ---- records -----------------------------------------------------------------------------

  #newRecord(name: string, instanceId: string, inputJson: string | null, parent: InstanceRecord['parent']): InstanceRecord {
    const now = this.#clock.now().toISOString();
    const record: InstanceRecord = {
      instanceId,
      name,
      executionId: randomUUID().replaceAll('-', ''),
      runtimeStatus: 'Pending',
      input: inputJson,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      ...(parent ? { parent } : {}),
      history: [],
      inbox: [],
      armedTimers: [],
    };
    record.inbox.push(this.#executionStarted(record, inputJson));
    return record;
  }

  #executionStarted(record: InstanceRecord, inputJson: string | null): HistoryEvent {
    return historyEvent(EventType.ExecutionStarted, this.#clock.now(), {
      Name: record.name,
      Input: inputJson,
      OrchestrationInstance: { InstanceId: record.instanceId, ExecutionId: record.executionId },
      ...(record.parent
        ? {
            ParentInstance: {
              Name: '',
              OrchestrationInstance: { InstanceId: record.parent.instanceId, ExecutionId: record.parent.executionId },
              TaskScheduleId: record.parent.taskScheduledId,
            },
          }
        : {}),
    });
  }

  #touch(record: InstanceRecord): void {
    record.lastUpdatedTime = this.#clock.now().toISOString();
  }
}

function timerKey(record: InstanceRecord, timerId: number): string {
  return `timer|${record.instanceId}|${record.executionId}|${timerId}`;
}

/**
 * The activity's input as the extension hands it to the worker. The JS library JSON-encodes a
 * string input before sending it (Utils.processInput), and the extension passes that string on as
 * the serialized value (DurableActivityContext.GetInput), so the worker decodes it exactly once:
 * `callActivity(name, "Tokyo")` arrives as `Tokyo`. Anything else travels as JSON.
 */
function activityInput(inputJson: string): RpcTypedData {
  const value = JSON.parse(inputJson) as unknown;
  return typeof value === 'string' ? { string: value } : { json: inputJson };
}

/** `d.hh:mm:ss`, the .NET TimeSpan text the extension sends. */
function toTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const hh = Math.floor((totalSeconds % 86400) / 3600);
  const mm = Math.floor((totalSeconds % 3600) / 60);
  const ss = totalSeconds % 60;
  const pad = (n: number): string => n.toString().padStart(2, '0');
  return `${days}.${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

/** Failure details for a thrown activity error; the JS library may have serialised them into the message. */
function toFailureDetails(error: unknown): FailureDetails {
  const err = error instanceof Error ? error : new Error(String(error));
  try {
    const parsed = JSON.parse(err.message) as {
      errorType?: string;
      errorMessage?: string;
      stackTrace?: string;
      properties?: Record<string, unknown>;
      isNonRetriable?: boolean;
    };
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      return {
        ErrorType: parsed.errorType ?? err.name,
        ErrorMessage: parsed.errorMessage,
        ...(parsed.stackTrace ? { StackTrace: parsed.stackTrace } : {}),
        ...(parsed.properties ? { Properties: parsed.properties } : {}),
        IsNonRetriable: parsed.isNonRetriable ?? false,
      };
    }
  } catch {
    // a plain message
  }
  return { ErrorType: err.name, ErrorMessage: err.message, ...(err.stack ? { StackTrace: err.stack } : {}) };
}
