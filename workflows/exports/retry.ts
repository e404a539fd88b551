// How an export job retries its activities: transient faults with capped exponential backoff, six
// tries in all; then the job is recorded as failed.
import { retryPolicy } from '../kit/index.js';

export const EXPORT_RETRY = retryPolicy({ maxAttempts: 6 });
