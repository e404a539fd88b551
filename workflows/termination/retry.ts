// How the termination workflow retries its activities: transient faults (throttling, timeouts, a
// vault or mail service hiccup) with capped exponential backoff, six tries in all.
import { retryPolicy } from '../kit/index.js';

export const TERMINATION_RETRY = retryPolicy({ maxAttempts: 6 });
