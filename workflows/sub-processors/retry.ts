// How the sub-processor change workflow retries its activities: transient faults (throttling, a store
// or mail service hiccup) with capped exponential backoff, eight tries in all.
import { retryPolicy } from '../kit/index.js';

export const CHANGE_RETRY = retryPolicy({ maxAttempts: 8 });
