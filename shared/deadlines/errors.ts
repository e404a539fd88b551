// Domain errors of the deadline module. Every failure here is caused by the caller's input (a user
// error, never a 500); each carries a stable `code` that the HTTP error mapper and clients can rely on.

export type DeadlineErrorCode =
  | 'DEADLINE.INVALID_DATE'
  | 'DEADLINE.UNKNOWN_JURISDICTION'
  | 'DEADLINE.PAUSE_NOT_ALLOWED'
  | 'DEADLINE.INVALID_PAUSE';

export abstract class DeadlineError extends Error {
  abstract readonly code: DeadlineErrorCode;
}

/** A calendar date or an instant that is malformed, impossible (2025-02-29) or lacks a UTC offset. */
export class InvalidDateError extends DeadlineError {
  readonly code = 'DEADLINE.INVALID_DATE' as const;
  override readonly name = 'InvalidDateError';
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`Invalid date ${JSON.stringify(input)}: ${reason}`);
  }
}

export class UnknownJurisdictionError extends DeadlineError {
  readonly code = 'DEADLINE.UNKNOWN_JURISDICTION' as const;
  override readonly name = 'UnknownJurisdictionError';
  constructor(readonly jurisdiction: string) {
    super(
      `Unknown jurisdiction ${JSON.stringify(jurisdiction)}: use GB-ENG, GB-WLS, GB-SCT, GB-NIR ` +
        `or an EU/EEA member state code such as DE, FR or IE`,
    );
  }
}

/**
 * A clarification pause was given where the law allows none: outside the UK, or for a UK request
 * received before the Data (Use and Access) Act 2025 pause took effect (5 February 2026).
 */
export class PauseNotAllowedError extends DeadlineError {
  readonly code = 'DEADLINE.PAUSE_NOT_ALLOWED' as const;
  override readonly name = 'PauseNotAllowedError';
}

/** A clarification pause that is malformed (ends before it starts) or starts after the period ended. */
export class InvalidPauseError extends DeadlineError {
  readonly code = 'DEADLINE.INVALID_PAUSE' as const;
  override readonly name = 'InvalidPauseError';
}
