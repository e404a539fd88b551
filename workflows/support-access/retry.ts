// How a support grant's workflow retries its activities: transient faults (throttling, a store or
// mail service outage) with capped exponential backoff, for as long as a day, because telling the
// contacts of a request or of break-glass access is an obligation; giving up after minutes would
// leave them untold. The grant itself never depends on it: every request checks the clock.
import { retryPolicy, type RetryPolicy } from '../kit/index.js';

export const SUPPORT_GRANT_RETRY: RetryPolicy = retryPolicy({ keepTryingForMs: 24 * 3600_000 });
