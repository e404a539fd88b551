// Durable Task Framework history events as the Durable extension sends them to out-of-process
// orchestrators: PascalCase fields, integer EventType, JSON text for inputs and results.

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;
export type EventTypeCode = (typeof EventType)[keyof typeof EventType];

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable?: boolean;
  Properties?: Record<string, unknown>;
}

export interface HistoryEvent {
  EventType: EventTypeCode;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string | null;
  Result?: string | null;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; OrchestrationInstance: { InstanceId: string; ExecutionId: string }; TaskScheduleId: number };
}

export function historyEvent(type: EventTypeCode, timestamp: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: timestamp.toISOString(), ...fields };
}

/** JSON text as the extension stores it: `undefined` becomes `null`, never the string "undefined". */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value) ?? 'null';
}

export const SCHEDULING_EVENT_TYPES: ReadonlySet<number> = new Set([
  EventType.TaskScheduled,
  EventType.TimerCreated,
  EventType.SubOrchestrationInstanceCreated,
]);

export const eventTypeName = (type: number): string =>
  Object.entries(EventType).find(([, code]) => code === type)?.[0] ?? `EventType${type}`;
