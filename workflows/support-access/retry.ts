// How a support grant's workflow retries its activities: transient faults with capped exponential
// backoff, six tries in all. The grant itself never depends on it: every request checks the clock.
import { retryPolicy } from '../kit/index.js';

export const SUPPORT_GRANT_RETRY = retryPolicy({ maxAttempts: 6 });
