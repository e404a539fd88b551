// The workflow kit: the one way every flow defines its activities and orchestrations, calls
// activities (a retry loop the orchestrator sees), waits for events, shows its phase, and is
// started or signalled from the API side.
export { defineActivity, NO_OUTPUT, type Activity, type ActivityContext, type ActivityHandler } from './activity.js';
export { caller, crossed, MAX_RETRY_DELAY_MS, retryDelayMs, retryPolicy, type ActivityCall, type FailureStreak, type RetryPolicy } from './call.js';
export { activityFailure, failureFacts, InvalidActivityInputError, type ActivityFailure, type FailureFacts } from './failure.js';
export {
  callOrchestration,
  CONTINUED_AS_NEW,
  defineOrchestration,
  startOrchestration,
  type Orchestration,
  type OrchestrationBody,
  type Self,
} from './orchestration.js';
export { anyBefore, eventBefore, EventWaiter, REPLAN_AFTER_MS, replanAt, waitUntil } from './events.js';
export { showPhase, showStatus, type StatusDetails } from './status.js';
export { startOrSignal, type FlowInstance, type Signal, type StartOrSignalOptions, type StartOrSignalOutcome } from './start-or-signal.js';
export { defineFanOut, fanOutSlices, type FanOutShape } from './fan-out.js';
