// Instants a caller reports (when a request was received, when we became aware of a breach) must
// be plausible: not ahead of our clock beyond skew, and not before the GDPR applied. A typo such as
// 1900 would otherwise start a clock that is already decades overdue and mail "overdue" at once.
import { ValidationError } from '../errors.js';

/** Clock skew tolerated between the caller and us. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** Nothing this service records happened before 2018 (the GDPR applies from 25 May 2018). */
export const EARLIEST_PLAUSIBLE = new Date('2018-01-01T00:00:00Z');

export function requirePlausibleInstant(at: Date, now: Date, path: string): Date {
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) throw new ValidationError([{ path, message: 'must not be in the future' }]);
  if (at.getTime() < EARLIEST_PLAUSIBLE.getTime())
    throw new ValidationError([{ path, message: `must not be before ${EARLIEST_PLAUSIBLE.toISOString().slice(0, 10)}` }]);
  return at;
}
