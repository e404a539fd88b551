// How a data-subject request's workflow retries its activities: transient faults with capped
// exponential backoff, six tries in all.
import { retryPolicy } from '../kit/index.js';

export const DSAR_RETRY = retryPolicy({ maxAttempts: 6 });
