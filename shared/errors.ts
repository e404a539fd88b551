// Expected failures, each with a stable code and the HTTP status it maps to. Expected failures
// are thrown as these and turned into problem+json by shared/http; anything else is a bug (500).

export interface FieldError {
  /** Where the problem is: a body field as a dotted path (`contacts.security.0.email`), or `header:If-Match`, `query:cursor`, `path:tenantId`. */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(
    readonly code: string,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = new.target.name;
  }
  /** Short human title for the problem document. */
  abstract readonly title: string;
  /** Extension members of the problem document (RFC 9457 §3.2), e.g. the date a refused request becomes allowed. */
  readonly extensions?: Record<string, string | number | boolean>;
}

export class ValidationError extends DomainError {
  readonly status = 400;
  readonly title = 'The request is not valid';
  constructor(errors: FieldError[], message = 'The request has invalid fields; see errors.') {
    super('REQUEST.INVALID', message, errors);
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly title = 'Unsupported media type';
}

export class AuthenticationError extends DomainError {
  readonly status = 401;
  readonly title = 'Authentication required';
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  readonly title = 'Not allowed';
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly title = 'Not found';
}

export class ConflictError extends DomainError {
  readonly status = 409;
  readonly title = 'Conflict with the current state';
}

export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  readonly title = 'Precondition failed';
}

export class UnprocessableError extends DomainError {
  readonly status = 422;
  readonly title = 'The request cannot be carried out in the current state';
}

/** A route that existed and was retired on purpose: the problem says what replaced it. */
export class GoneError extends DomainError {
  readonly status = 410;
  readonly title = 'This route was retired';
}

export class PreconditionRequiredError extends DomainError {
  readonly status = 428;
  readonly title = 'Precondition required';
}

export class ThrottledError extends DomainError {
  readonly status = 429;
  readonly title = 'Too many requests';
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(code, message);
  }
}

/** How long a caller is told to wait (Retry-After) when a dependency of ours does not answer. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * The service cannot answer for now: a dependency (the data store, the key vault) does not answer,
 * or a restored region waits for its erasures to be replayed. The caller may retry after Retry-After.
 */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  readonly title = 'Service unavailable';
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number = UNAVAILABLE_RETRY_AFTER_SECONDS,
    /** What the dependency answered, for ops: a status or a network error code, never its message. */
    readonly dependencyFailure?: string,
  ) {
    super(code, message);
  }
}

/** A condition of ours or of a dependency that passes (busy, unavailable): the same call may succeed later. */
export function isTransient(error: unknown): error is ThrottledError | ServiceUnavailableError {
  return error instanceof ThrottledError || error instanceof ServiceUnavailableError;
}
