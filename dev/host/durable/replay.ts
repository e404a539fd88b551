// The extension's half of the out-of-process replay protocol. The JS library returns the list of
// every action it has awaited since the start; the extension replays that list against history,
// awaiting each action in turn, and so assigns task ids exactly in the order the library does:
// one id per activity, sub-orchestration and timer, plus the ids the extension itself consumes for
// retry timers, retry attempts and the slices of long timers. Ids in history that the replay does
// not reproduce (or reproduces with another name) mean the orchestrator is non-deterministic.
// Composite tasks follow .NET's Task.WhenAll/WhenAny (the shim builds them from those): a WhenAll
// completes only when every child has, so the next action is not scheduled before that, and an
// orchestrator that returned meanwhile stays Running until the shim reaches the end of its list.
import { EventType, historyEvent, SCHEDULING_EVENT_TYPES, eventTypeName, type HistoryEvent } from './history.js';
import { notImplementedMessage } from '../not-implemented.js';

export interface OrchestratorAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: RetryPolicy;
  compoundActions?: OrchestratorAction[];
}

export interface RetryPolicy {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/** Which functions the app registered, resolved case-insensitively as the Functions host does. */
export interface FunctionCatalog {
  isActivity(name: string): boolean;
  isOrchestrator(name: string): boolean;
}

export interface ReplayOptions {
  instanceId: string;
  /** Execution id of the running generation: the default sub-orchestration id is `{executionId}:{taskId}`. */
  executionId: string;
  parentInstanceId?: string;
  catalog: FunctionCatalog;
  /** `maximumShortTimerDuration` in ms: longer timers are split into slices. */
  maximumShortTimerMs: number;
  /** `longRunningTimerIntervalDuration` in ms: the length of each slice. */
  longTimerIntervalMs: number;
}

export interface PendingTimer {
  id: number;
  fireAt: string;
  cancelled: boolean;
}

export interface ReplayResult {
  /** Scheduling decisions new in this episode (TaskScheduled, TimerCreated, SubOrchestrationInstanceCreated). */
  newEvents: HistoryEvent[];
  /** Every timer created and not yet fired, with whether the orchestrator cancelled it. */
  pendingTimers: PendingTimer[];
  continueAsNew?: { input: unknown };
  /** Every action the orchestrator returned has been awaited and has completed, as the shim requires before it records the result. */
  completed: boolean;
  nonDeterminism?: string;
  unsupported?: string;
  /** Notes for the host log, e.g. a retry policy that gave up. */
  warnings: string[];
  /** Calls the extension refuses inside its shim (an unknown function, say): the task faults there, unseen by the orchestrator. */
  dropped: string[];
}

type Schedule =
  | { kind: 'activity'; name: string; input: unknown }
  | { kind: 'subOrchestration'; name: string; input: unknown; instanceId?: string }
  | { kind: 'timer'; fireAt: Date; purpose: string };

abstract class TaskNode {
  done = false;
  failed = false;
  /** A failure marked non-retriable (FailureDetails.IsNonRetriable): retry policies give up at once. */
  nonRetriable = false;
  parent: CompositeNode | undefined;
}

class LeafNode extends TaskNode {
  constructor(
    readonly kind: 'activity' | 'subOrchestration' | 'timer' | 'event',
    readonly id: number | undefined,
    readonly cancelledBy?: () => boolean,
  ) {
    super();
  }
}

abstract class CompositeNode extends TaskNode {
  children: TaskNode[] = [];
  abstract onChildDone(child: TaskNode, replay: Replayer): void;
  adopt(child: TaskNode): void {
    child.parent = this;
    this.children.push(child);
  }
}

class WhenAllNode extends CompositeNode {
  onChildDone(_child: TaskNode, replay: Replayer): void {
    if (this.done) return;
    // .NET Task.WhenAll: done when every child is done, faulted if any faulted. (The JS library fails
    // its own Task.all at the first failure, so the orchestrator moves on while the shim still waits.)
    if (this.children.every((c) => c.done)) replay.finish(this, this.children.some((c) => c.failed));
  }
}

class WhenAnyNode extends CompositeNode {
  onChildDone(_child: TaskNode, replay: Replayer): void {
    if (!this.done) replay.finish(this, false);
  }
}

class RetryNode extends CompositeNode {
  attempt = 1;
  waitingOnTimer = false;
  lastTimer = false;
  constructor(
    readonly schedule: Schedule,
    readonly policy: RetryPolicy,
    readonly firstAttemptAt: Date,
  ) {
    super();
  }
  /** DTFx RetryInterceptor: a timer after every failed attempt, the one after the last attempt due at once. */
  onChildDone(child: TaskNode, replay: Replayer): void {
    if (this.done) return;
    if (this.waitingOnTimer) {
      this.waitingOnTimer = false;
      if (this.lastTimer) {
        replay.finish(this, true);
        return;
      }
      this.attempt++;
      this.adopt(replay.scheduleLeaf(this.schedule));
      return;
    }
    if (!child.failed) {
      replay.finish(this, false);
      return;
    }
    if (child.nonRetriable) {
      replay.finish(this, true);
      return;
    }
    if (this.attempt >= this.policy.maxNumberOfAttempts) {
      // "Dummy timer for back-compat": the JS library counts attempts by these timers.
      this.waitingOnTimer = true;
      this.lastTimer = true;
      this.adopt(replay.scheduleLeaf({ kind: 'timer', fireAt: replay.now, purpose: 'retry (attempts used up)' }));
      return;
    }
    const delay = retryDelayMs(this.policy, this.attempt - 1, this.firstAttemptAt, replay.now);
    if (delay === undefined) {
      // The interceptor stops without a timer and rethrows; the JS library, waiting for that timer,
      // never resumes (azure-functions-durable-js#629). Reproduce it, loudly.
      replay.warnings.push(
        `retry timeout exceeded for ${describe(this.schedule)}: the real extension stops here and the orchestration never resumes (durable-js #629)`,
      );
      replay.finish(this, true);
      return;
    }
    this.waitingOnTimer = true;
    this.adopt(replay.scheduleLeaf({ kind: 'timer', fireAt: new Date(replay.now.getTime() + delay), purpose: 'retry' }));
  }
}

class LongTimerNode extends CompositeNode {
  constructor(
    readonly finalFireAt: Date,
    readonly action: OrchestratorAction,
  ) {
    super();
  }
  onChildDone(_child: TaskNode, replay: Replayer): void {
    if (this.done) return;
    if (this.finalFireAt.getTime() > replay.now.getTime()) this.adopt(replay.nextTimerSlice(this));
    else replay.finish(this, false);
  }
}

/**
 * DTFx RetryInterceptor.ComputeNextDelay: first * coefficient^attempt, capped by the maximum interval
 * when one is given; none (the retries stop) once the retry timeout has passed or the delay is zero.
 */
export function retryDelayMs(policy: RetryPolicy, attemptIndex: number, firstAttemptAt: Date, now: Date): number | undefined {
  const timeout = policy.retryTimeoutInMilliseconds;
  if (timeout !== undefined && now.getTime() >= firstAttemptAt.getTime() + timeout) return undefined;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(policy.backoffCoefficient ?? 1, attemptIndex);
  const cap = policy.maxRetryIntervalInMilliseconds;
  const capped = cap !== undefined && delay >= cap ? cap : delay;
  return capped > 0 ? capped : undefined;
}

function describe(schedule: Schedule): string {
  return schedule.kind === 'timer' ? `timer (${schedule.purpose})` : `${schedule.kind} "${schedule.name}"`;
}

class Replayer {
  now: Date;
  readonly warnings: string[] = [];
  readonly dropped: string[] = [];
  readonly newEvents: HistoryEvent[] = [];
  #sequence = 0;
  #nonDeterminism: string | undefined;
  #unsupported: string | undefined;
  #continueAsNew: { input: unknown } | undefined;
  readonly #scheduled = new Map<number, HistoryEvent>();
  readonly #matched = new Set<number>();
  readonly #open = new Map<number, LeafNode>();
  readonly #eventWaiters = new Map<string, LeafNode[]>();
  readonly #bufferedEvents = new Map<string, number>();
  readonly #timers = new Map<number, { leaf: LeafNode; fireAt: string }>();
  #actionIndex = 0;
  #current: TaskNode | undefined;

  constructor(
    private readonly history: HistoryEvent[],
    private readonly actions: OrchestratorAction[],
    private readonly options: ReplayOptions,
  ) {
    const started = history.find((e) => e.EventType === EventType.OrchestratorStarted);
    this.now = new Date(started?.Timestamp ?? 0);
    for (const event of history) {
      if (SCHEDULING_EVENT_TYPES.has(event.EventType)) this.#scheduled.set(event.EventId, event);
    }
  }

  run(): ReplayResult {
    for (const event of this.history) {
      if (this.#nonDeterminism || this.#unsupported) break;
      this.#process(event);
    }
    if (!this.#nonDeterminism) this.#checkEveryScheduledEventReplayed();
    const pendingTimers = [...this.#timers.entries()]
      .filter(([, t]) => !t.leaf.done)
      .map(([id, t]) => ({ id, fireAt: t.fireAt, cancelled: t.leaf.cancelledBy?.() ?? false }));
    return {
      newEvents: this.newEvents,
      pendingTimers,
      completed: this.#actionIndex >= this.actions.length && (this.#current === undefined || this.#current.done),
      warnings: this.warnings,
      dropped: this.dropped,
      ...(this.#continueAsNew ? { continueAsNew: this.#continueAsNew } : {}),
      ...(this.#nonDeterminism ? { nonDeterminism: this.#nonDeterminism } : {}),
      ...(this.#unsupported ? { unsupported: this.#unsupported } : {}),
    };
  }

  #process(event: HistoryEvent): void {
    switch (event.EventType) {
      case EventType.OrchestratorStarted:
        if (new Date(event.Timestamp).getTime() > this.now.getTime()) this.now = new Date(event.Timestamp);
        return;
      case EventType.ExecutionStarted:
        this.#startNextActions();
        return;
      case EventType.TaskCompleted:
      case EventType.SubOrchestrationInstanceCompleted:
        this.#complete(event.TaskScheduledId, false);
        return;
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed:
        this.#complete(event.TaskScheduledId, true, event.FailureDetails?.IsNonRetriable === true);
        return;
      case EventType.TimerFired:
        this.#complete(event.TimerId, false);
        return;
      case EventType.EventRaised:
        this.#raise(event.Name ?? '');
        return;
      default:
        return;
    }
  }

  #complete(id: number | undefined, failed: boolean, nonRetriable = false): void {
    if (id === undefined) return;
    const leaf = this.#open.get(id);
    // A completion for a task the replay has not (yet) scheduled is ignored, as DTFx does for
    // results that arrive after the orchestration moved on.
    if (!leaf) return;
    this.#open.delete(id);
    leaf.nonRetriable = failed && nonRetriable;
    this.finish(leaf, failed);
  }

  #raise(name: string): void {
    // The extension keeps one stack of waiters per event name, compared case-insensitively; the most
    // recent waiter takes the event, and an event nobody waits for is buffered.
    const key = eventKey(name);
    const waiter = this.#eventWaiters.get(key)?.pop();
    if (waiter) {
      this.finish(waiter, false);
      return;
    }
    this.#bufferedEvents.set(key, (this.#bufferedEvents.get(key) ?? 0) + 1);
  }

  finish(node: TaskNode, failed: boolean): void {
    if (node.done) return;
    node.done = true;
    node.failed = failed;
    if (node.parent) node.parent.onChildDone(node, this);
    else if (node === this.#current) this.#startNextActions();
  }

  /** Awaits the orchestrator's actions one after another, as the extension's shim does. */
  #startNextActions(): void {
    while ((!this.#current || this.#current.done) && this.#actionIndex < this.actions.length) {
      if (this.#nonDeterminism || this.#unsupported) return;
      const action = this.actions[this.#actionIndex++]!;
      if (action.actionType === ActionType.ContinueAsNew) {
        this.#continueAsNew = { input: action.input };
        continue;
      }
      this.#current = this.#build(action);
    }
  }

  #build(action: OrchestratorAction): TaskNode {
    switch (action.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        const schedule: Schedule = { kind: 'activity', name: action.functionName ?? '', input: action.input };
        const refused = this.#refusal(schedule);
        if (refused) return refused;
        if (action.actionType === ActionType.CallActivity) return this.scheduleLeaf(schedule);
        return this.#withRetry(schedule, action);
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const schedule = subOrchestration(action);
        const refused = this.#refusal(schedule);
        if (refused) return refused;
        if (action.actionType === ActionType.CallSubOrchestrator) return this.scheduleLeaf(schedule);
        return this.#withRetry(schedule, action);
      }
      case ActionType.CreateTimer: {
        const fireAt = new Date(action.fireAt ?? 0);
        if (fireAt.getTime() - this.now.getTime() > this.options.maximumShortTimerMs) {
          const node = new LongTimerNode(fireAt, action);
          node.adopt(this.nextTimerSlice(node));
          return node;
        }
        return this.scheduleLeaf({ kind: 'timer', fireAt, purpose: 'timer' }, () => action.isCanceled === true);
      }
      case ActionType.WaitForExternalEvent: {
        const key = eventKey(action.externalEventName ?? '');
        const leaf = new LeafNode('event', undefined);
        const buffered = this.#bufferedEvents.get(key) ?? 0;
        if (buffered > 0) {
          this.#bufferedEvents.set(key, buffered - 1);
          leaf.done = true;
        } else {
          this.#eventWaiters.set(key, [...(this.#eventWaiters.get(key) ?? []), leaf]);
        }
        return leaf;
      }
      case ActionType.WhenAll:
      case ActionType.WhenAny: {
        const node = action.actionType === ActionType.WhenAll ? new WhenAllNode() : new WhenAnyNode();
        for (const childAction of action.compoundActions ?? []) node.adopt(this.#build(childAction));
        const doneChild = node.children.find((c) => c.done);
        if (doneChild) node.onChildDone(doneChild, this);
        else if (node.children.length === 0) this.finish(node, false);
        return node;
      }
      case ActionType.CallHttp:
        this.#unsupported = notImplementedMessage('callHttp');
        return new LeafNode('event', undefined);
      case ActionType.CallEntity:
      case ActionType.SignalEntity:
      case ActionType.LockEntities:
      case ActionType.ReleaseEntities:
        this.#unsupported = notImplementedMessage('entities');
        return new LeafNode('event', undefined);
      default:
        this.#unsupported = `action type ${action.actionType} (${Object.entries(ActionType).find(([, v]) => v === action.actionType)?.[0] ?? 'unknown'}) is not supported by the local host`;
        return new LeafNode('event', undefined);
    }
  }

  #withRetry(schedule: Schedule, action: OrchestratorAction): RetryNode {
    const node = new RetryNode(schedule, action.retryOptions ?? { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 1 }, this.now);
    node.adopt(this.scheduleLeaf(schedule));
    return node;
  }

  /**
   * What the extension's DurableOrchestrationContext refuses before scheduling anything: a function
   * that is not registered, a sub-orchestration id starting with "@" or equal to this instance's or
   * its parent's. The refusal faults the shim's task (no task id is used) and the shim swallows it,
   * so the orchestrator never hears of it and waits for a result that never comes.
   */
  #refusal(schedule: Schedule): LeafNode | undefined {
    let reason: string | undefined;
    if (schedule.kind === 'activity' && !this.options.catalog.isActivity(schedule.name)) {
      reason = `The function '${schedule.name}' doesn't exist, is disabled, or is not an activity function.`;
    } else if (schedule.kind === 'subOrchestration') {
      const id = schedule.instanceId?.toLowerCase();
      if (!this.options.catalog.isOrchestrator(schedule.name)) {
        reason = `The function '${schedule.name}' doesn't exist, is disabled, or is not an orchestrator function.`;
      } else if (id !== undefined && (id === this.options.instanceId.toLowerCase() || id === this.options.parentInstanceId?.toLowerCase())) {
        reason = 'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.';
      } else if (id?.startsWith('@')) {
        reason = 'Orchestration instance ids must not start with @.';
      }
    }
    if (!reason) return undefined;
    this.dropped.push(`${describe(schedule)}: ${reason}`);
    const faulted = new LeafNode(schedule.kind, undefined);
    faulted.done = true;
    faulted.failed = true;
    return faulted;
  }

  nextTimerSlice(node: LongTimerNode): LeafNode {
    const remaining = node.finalFireAt.getTime() - this.now.getTime();
    const fireAt =
      remaining > this.options.maximumShortTimerMs ? new Date(this.now.getTime() + this.options.longTimerIntervalMs) : node.finalFireAt;
    return this.scheduleLeaf({ kind: 'timer', fireAt, purpose: 'long timer slice' }, () => node.action.isCanceled === true);
  }

  /** Takes the next task id for `schedule`, checking it against history or recording a new decision. */
  scheduleLeaf(schedule: Schedule, cancelledBy?: () => boolean): LeafNode {
    const id = this.#sequence++;
    const recorded = this.#scheduled.get(id);
    if (recorded) {
      this.#matched.add(id);
      const mismatch = compareWithHistory(schedule, recorded);
      if (mismatch && !this.#nonDeterminism) {
        this.#nonDeterminism = `Non-deterministic workflow detected: task ${id} was ${mismatch}. The orchestrator code changed while instance "${this.options.instanceId}" was in flight, or it depends on non-deterministic input (time, random values, I/O).`;
      }
    } else {
      this.newEvents.push(this.#decision(id, schedule));
    }
    const leaf = new LeafNode(schedule.kind, id, cancelledBy);
    this.#open.set(id, leaf);
    if (schedule.kind === 'timer') {
      const fireAt = recorded?.FireAt ?? schedule.fireAt.toISOString();
      this.#timers.set(id, { leaf, fireAt });
    }
    return leaf;
  }

  #decision(id: number, schedule: Schedule): HistoryEvent {
    switch (schedule.kind) {
      case 'activity':
        return historyEvent(EventType.TaskScheduled, this.now, { EventId: id, Name: schedule.name, Input: jsonInput(schedule.input) });
      case 'subOrchestration':
        return historyEvent(EventType.SubOrchestrationInstanceCreated, this.now, {
          EventId: id,
          Name: schedule.name,
          // DTFx's default for a sub-orchestration without an id.
          InstanceId: schedule.instanceId ?? `${this.options.executionId}:${id}`,
          Input: jsonInput(schedule.input),
        });
      case 'timer':
        return historyEvent(EventType.TimerCreated, this.now, { EventId: id, FireAt: schedule.fireAt.toISOString() });
    }
  }

  #checkEveryScheduledEventReplayed(): void {
    const firstNew = this.newEvents[0]?.EventId;
    for (const [id, event] of this.#scheduled) {
      if (this.#matched.has(id)) continue;
      this.#nonDeterminism = `Non-deterministic workflow detected: history has ${eventTypeName(event.EventType)} ${id}${event.Name ? ` "${event.Name}"` : ''} but the orchestrator no longer schedules it.`;
      return;
    }
    if (firstNew !== undefined && [...this.#scheduled.keys()].some((id) => id > firstNew)) {
      this.#nonDeterminism = `Non-deterministic workflow detected: task ${firstNew} is scheduled for the first time although later tasks already ran.`;
    }
  }
}

/** Event names match case-insensitively in the extension (StringComparer.OrdinalIgnoreCase). */
function eventKey(name: string): string {
  return name.toLowerCase();
}

function subOrchestration(action: OrchestratorAction): Schedule {
  return {
    kind: 'subOrchestration',
    name: action.functionName ?? '',
    input: action.input,
    ...(action.instanceId && action.instanceId.trim() !== '' ? { instanceId: action.instanceId } : {}),
  };
}

function jsonInput(input: unknown): string | null {
  return input === undefined ? null : JSON.stringify(input);
}

function compareWithHistory(schedule: Schedule, recorded: HistoryEvent): string | undefined {
  const expected = {
    activity: EventType.TaskScheduled,
    subOrchestration: EventType.SubOrchestrationInstanceCreated,
    timer: EventType.TimerCreated,
  }[schedule.kind];
  if (recorded.EventType !== expected) {
    return `${eventTypeName(recorded.EventType)}${recorded.Name ? ` "${recorded.Name}"` : ''} in history but the orchestrator now schedules ${describe(schedule)}`;
  }
  if (schedule.kind !== 'timer' && recorded.Name !== schedule.name) {
    return `"${recorded.Name}" in history but the orchestrator now schedules "${schedule.name}"`;
  }
  return undefined;
}

export function replayActions(history: HistoryEvent[], actions: OrchestratorAction[], options: ReplayOptions): ReplayResult {
  return new Replayer(history, actions, options).run();
}
