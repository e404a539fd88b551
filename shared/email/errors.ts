// Why an email was not sent, and whether trying again can help. Messages carry codes, statuses and
// field names only: never an address, a name or any part of a message body.

export type EmailDeliveryErrorCode =
  /** 429 from the service: retry later (a `retryAfterSeconds` hint may be given). */
  | 'EMAIL.THROTTLED'
  /** 5xx, 408, a transport failure or a send that did not complete in time: retry. */
  | 'EMAIL.UNAVAILABLE'
  /** The service refused our credentials (401/403): a configuration problem, retrying will not help. */
  | 'EMAIL.NOT_AUTHORISED'
  /** The service refused the message (4xx): the message must change before it can be sent. */
  | 'EMAIL.REJECTED'
  /** The service accepted the message, then reported the send as failed or cancelled. */
  | 'EMAIL.SEND_FAILED'
  /** Refused before reaching the service (no recipient, no idempotency key, ...). */
  | 'EMAIL.INVALID_MESSAGE'
  /** Anything else (credential acquisition, an unexpected SDK error); treated as transient. */
  | 'EMAIL.UNEXPECTED';

export class EmailDeliveryError extends Error {
  override readonly name = 'EmailDeliveryError';

  constructor(
    readonly code: EmailDeliveryErrorCode,
    /** True when the same send may succeed later; callers run sends in Durable activities with a retry policy. */
    readonly retryable: boolean,
    message: string,
    readonly details: {
      /** HTTP status from the email service, when it answered. */
      status?: number;
      /** The service's own error code (e.g. `BadRequest`), when it is a plain token. */
      serviceCode?: string;
      /** From the service's Retry-After header on a 429. */
      retryAfterSeconds?: number;
    } = {},
  ) {
    // The stable code leads the message: across the Durable activity boundary only the message survives.
    super(`${code}: ${message}`);
  }
}
