// The extension's half of the out-of-process replay protocol. The JS library returns the list of
// every action it has awaited since the start; the extension replays that list against history,
// awaiting each action in turn, and so assigns task ids exactly in the order the library does:
// one id per activity, sub-orchestration and timer, plus the ids the extension itself consumes for
// retry timers, retry attempts and the slices of long timers. Ids in history that the replay does
// not reproduce (or reproduces with another name) mean the orchestrator is non-deterministic.
import { EventType, historyEvent, SCHEDULING_EVENT_TYPES, eventTypeName, type HistoryEvent } from './history.js';

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

export interface ReplayOptions {
  instanceId: string;
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
  nonDeterminism?: string;
  unsupported?: string;
  /** Notes for the host log, e.g. a retry policy that gave up. */
  warnings: string[];
}

type Schedule =
  | { kind: 'activity'; name: string; input: unknown }
  | { kind: 'subOrchestration'; name: string; input: unknown; instanceId?: string }
  | { kind: 'timer'; fireAt: Date; purpose: string };

abstract class TaskNode {
  done = false;
  failed = false;
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
  onChildDone(child: TaskNode, replay: Replayer): void {
    if (this.done) return;
    // Like the JS library: the first failure fails the whole group at once.
    if (child.failed) replay.finish(this, true);
    else if (this.children.every((c) => c.done && !c.failed)) replay.finish(this, false);
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
  constructor(
    readonly schedule: Schedule,
    readonly policy: RetryPolicy,
    readonly firstAttemptAt: Date,
  ) {
    super();
  }
  onChildDone(child: TaskNode, replay: Replayer): void {
    if (this.done) return;
    if (this.waitingOnTimer) {
      this.waitingOnTimer = false;
      if (this.attempt > this.policy.maxNumberOfAttempts) replay.finish(this, true);
      else this.adopt(replay.scheduleLeaf(this.schedule));
      return;
    }
    if (!child.failed) {
      replay.finish(this, false);
      return;
    }
    const delay = retryDelayMs(this.policy, this.attempt - 1, this.firstAttemptAt, replay.now);
    this.attempt++;
    if (delay === undefined) {
      // The extension stops retrying without creating a timer, and the JS library then waits
      // forever (azure-functions-durable-js#629). Reproduce it, loudly.
      replay.warnings.push(
        `retry timeout exceeded for ${describe(this.schedule)}: the real extension stops here and the orchestration never resumes (durable-js #629)`,
      );
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

/** .NET RetryOptions semantics: delay = first * coefficient^attempt, capped; none once the retry timeout has passed. */
export function retryDelayMs(policy: RetryPolicy, attemptIndex: number, firstAttemptAt: Date, now: Date): number | undefined {
  const timeout = policy.retryTimeoutInMilliseconds;
  if (timeout !== undefined && timeout > 0 && now.getTime() >= firstAttemptAt.getTime() + timeout) return undefined;
  const delay = policy.firstRetryIntervalInMilliseconds * Math.pow(policy.backoffCoefficient ?? 1, attemptIndex);
  const cap = policy.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 && delay > cap ? cap : delay;
}

function describe(schedule: Schedule): string {
  return schedule.kind === 'timer' ? `timer (${schedule.purpose})` : `${schedule.kind} "${schedule.name}"`;
}

class Replayer {
  now: Date;
  readonly warnings: string[] = [];
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
      warnings: this.warnings,
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
        this.#complete(event.TaskScheduledId, true);
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

  #complete(id: number | undefined, failed: boolean): void {
    if (id === undefined) return;
    const leaf = this.#open.get(id);
    // A completion for a task the replay has not (yet) scheduled is ignored, as DTFx does for
    // results that arrive after the orchestration moved on.
    if (!leaf) return;
    this.#open.delete(id);
    this.finish(leaf, failed);
  }

  #raise(name: string): void {
    const waiters = this.#eventWaiters.get(name);
    const waiter = waiters?.pop(); // the JS library hands the event to the most recent waiter
    if (waiter) {
      this.finish(waiter, false);
      return;
    }
    this.#bufferedEvents.set(name, (this.#bufferedEvents.get(name) ?? 0) + 1);
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
        return this.scheduleLeaf({ kind: 'activity', name: action.functionName ?? '', input: action.input });
      case ActionType.CallSubOrchestrator:
        return this.scheduleLeaf(subOrchestration(action));
      case ActionType.CallActivityWithRetry:
      case ActionType.CallSubOrchestratorWithRetry: {
        const schedule: Schedule =
          action.actionType === ActionType.CallActivityWithRetry
            ? { kind: 'activity', name: action.functionName ?? '', input: action.input }
            : subOrchestration(action);
        const node = new RetryNode(schedule, action.retryOptions ?? { firstRetryIntervalInMilliseconds: 1000, maxNumberOfAttempts: 1 }, this.now);
        node.adopt(this.scheduleLeaf(schedule));
        return node;
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
        const name = action.externalEventName ?? '';
        const leaf = new LeafNode('event', undefined);
        const buffered = this.#bufferedEvents.get(name) ?? 0;
        if (buffered > 0) {
          this.#bufferedEvents.set(name, buffered - 1);
          leaf.done = true;
        } else {
          this.#eventWaiters.set(name, [...(this.#eventWaiters.get(name) ?? []), leaf]);
        }
        return leaf;
      }
      case ActionType.WhenAll:
      case ActionType.WhenAny: {
        const node = action.actionType === ActionType.WhenAll ? new WhenAllNode() : new WhenAnyNode();
        for (const childAction of action.compoundActions ?? []) node.adopt(this.#build(childAction));
        const doneChild = node.children.find((c) => c.done);
        if (doneChild) node.onChildDone(doneChild, this);
        return node;
      }
      default:
        this.#unsupported = `action type ${action.actionType} (${Object.entries(ActionType).find(([, v]) => v === action.actionType)?.[0] ?? 'unknown'}) is not supported by the local host`;
        return new LeafNode('event', undefined);
    }
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
          InstanceId: schedule.instanceId ?? `${this.options.instanceId}:${id.toString().padStart(4, '0')}`,
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

function subOrchestration(action: OrchestratorAction): Schedule {
  return {
    kind: 'subOrchestration',
    name: action.functionName ?? '',
    input: action.input,
    ...(action.instanceId ? { instanceId: action.instanceId } : {}),
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
