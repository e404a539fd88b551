// How the sub-processor change workflow retries its activities: transient faults (throttling, a store
// or mail service outage) with capped exponential backoff, for as long as a day, because the notice is
// an obligation with a date: giving up after a few minutes would leave tenants untold.
import { retryPolicy, type RetryPolicy } from '../kit/index.js';

export const CHANGE_RETRY: RetryPolicy = retryPolicy({ keepTryingForMs: 24 * 3600_000 });
