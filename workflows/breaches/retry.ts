// How the breach workflows retry their activities: transient faults (throttling, a store or mail
// service hiccup) with capped exponential backoff, eight tries in all.
import { retryPolicy } from '../kit/index.js';

export const BREACH_RETRY = retryPolicy({ maxAttempts: 8 });
