// What an orchestrator learns when an activity fails. The activity side attaches a few facts to the
// failure (a stable code, a Retry-After, whether trying again can help) through durable-functions'
// exception properties provider; the orchestrator side reads them back from the TaskFailedError.
// Facts only: never a message body, an address or any other personal data.
import * as df from 'durable-functions';

/** Refused at the activity boundary: the input does not match the activity's schema (a bug in the caller). */
export class InvalidActivityInputError extends Error {
  readonly code = 'ACTIVITY.INVALID_INPUT';
  readonly retryable = false;
  constructor(activity: string, problems: { path: PropertyKey[]; message: string }[]) {
    super(`${activity}: invalid input (${problems.map((p) => `${p.path.map(String).join('.') || '(input)'}: ${p.message}`).join('; ')})`);
    this.name = 'InvalidActivityInputError';
  }
}

/** The facts an activity's error carries across the Durable boundary. */
export type FailureFacts = {
  code?: string;
  /** The service asked us to wait this long before trying again (a 429's Retry-After). */
  retryAfterMs?: number;
  /** False when the same call cannot succeed later (the error says so itself). */
  retryable?: boolean;
};

const field = (value: object, name: string): unknown => (name in value ? Reflect.get(value, name) : undefined);

/**
 * Reads the facts from whatever an activity threw: its `code`, its `retryable`, and a Retry-After in
 * seconds (`retryAfterSeconds`, as ThrottledError carries it, or `details.retryAfterSeconds`, as
 * EmailDeliveryError does).
 */
export function failureFacts(error: unknown): FailureFacts | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const facts: FailureFacts = {};
  const code = field(error, 'code');
  const retryable = field(error, 'retryable');
  const details = field(error, 'details');
  const retryAfterSeconds =
    field(error, 'retryAfterSeconds') ?? (typeof details === 'object' && details !== null ? field(details, 'retryAfterSeconds') : undefined);
  if (typeof code === 'string') facts.code = code;
  if (typeof retryable === 'boolean') facts.retryable = retryable;
  if (typeof retryAfterSeconds === 'number' && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) facts.retryAfterMs = retryAfterSeconds * 1000;
  return Object.keys(facts).length > 0 ? facts : undefined;
}

// Registered once for the whole app, when the first flow module loads.
df.app.setExceptionPropertiesProvider({ getExceptionProperties: failureFacts });

/** An activity failure as the orchestrator sees it. */
export interface ActivityFailure {
  /** The error's name (`TaskFailedError` details: the activity's error type). */
  type: string;
  message: string;
  code?: string;
  retryAfterMs?: number;
  retryable: boolean;
}

/** What a failed `yield` threw, read in the orchestrator. */
export function activityFailure(error: unknown): ActivityFailure {
  if (error instanceof df.TaskFailedError) {
    const details = error.failureDetails;
    const properties = details.properties ?? {};
    const code = properties['code'];
    const retryAfterMs = properties['retryAfterMs'];
    const retryable = properties['retryable'];
    return {
      type: details.errorType,
      message: details.errorMessage,
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
      retryable: details.isNonRetriable !== true && retryable !== false,
    };
  }
  if (error instanceof Error) return { type: error.name, message: error.message, retryable: true };
  return { type: 'Error', message: String(error), retryable: true };
}
