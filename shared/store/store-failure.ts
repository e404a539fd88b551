// The one translation of a Cosmos DB failure that is the store's condition, not the request's: busy
// (429 once the SDK's own retries are spent) or not answering (503, a gateway error, a timeout, a
// refused or dropped connection). Every door to a Cosmos container passes its errors through
// `storeFailure`, so an API caller gets 429 STORE.THROTTLED or 503 STORE.UNAVAILABLE (both with
// Retry-After) instead of a 500, and a workflow's retry loop sees a stable code. Anything else (404,
// 409, 412...) is returned unchanged for the caller to interpret.
import { azureStatusOf } from '../azure/rest-error.js';
import { ServiceUnavailableError, ThrottledError, UNAVAILABLE_RETRY_AFTER_SECONDS } from '../errors.js';

/** Statuses that say the store (or the gateway in front of it) did not answer the request. */
const UNAVAILABLE_STATUSES = new Set([408, 502, 503, 504]);

/**
 * Network failures: the Cosmos SDK's own timeout (`TimeoutError`), the HTTP pipeline's failure to
 * send (`REQUEST_SEND_ERROR`) and the socket errors it passes on.
 */
const UNAVAILABLE_CODES = new Set(['TimeoutError', 'REQUEST_SEND_ERROR', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN']);

export function storeFailure(error: unknown): unknown {
  if (error instanceof ThrottledError || error instanceof ServiceUnavailableError) return error;
  const status = azureStatusOf(error);
  if (status === 429) return new ThrottledError('STORE.THROTTLED', 'The data store is busy; retry shortly.', 1);
  const unavailable = unavailability(error, status);
  if (unavailable) {
    return new ServiceUnavailableError('STORE.UNAVAILABLE', 'The data store is unavailable; retry shortly.', UNAVAILABLE_RETRY_AFTER_SECONDS, unavailable);
  }
  return error;
}

/** `status 503`, `TimeoutError`, `ECONNREFUSED`...: how the store failed to answer, or undefined if it answered. */
function unavailability(error: unknown, status: number | undefined): string | undefined {
  if (status !== undefined) return UNAVAILABLE_STATUSES.has(status) ? `status ${status}` : undefined;
  for (let cause = error, depth = 0; typeof cause === 'object' && cause !== null && depth < 3; cause = (cause as { cause?: unknown }).cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return code;
  }
  return undefined;
}
