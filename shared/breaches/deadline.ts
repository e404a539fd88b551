// The 72-hour promise of the privacy notice: affected customers' nominated contacts are notified
// within 72 hours of elapsed time after the vendor became aware (Art 33(1)-(2)). Pure: instants in,
// instants out, no clock and no time zones, so daylight saving can never move the deadline.
import { parseInstant } from '../deadlines/index.js';

export const NOTIFY_WITHIN_MS = 72 * 3600_000;

/**
 * `awareAt` + 72 hours, as a UTC instant (`…Z`). `awareAt` must carry an offset (`Z` or `±hh:mm`):
 * a local time without one is ambiguous, so it is refused (throws `InvalidDateError`).
 */
export function notifyBy(awareAt: string): string {
  return new Date(parseInstant(awareAt).getTime() + NOTIFY_WITHIN_MS).toISOString();
}

/** The awareness instant normalised to UTC (`…Z`), as it is stored. */
export function utcInstant(instant: string): string {
  return parseInstant(instant).toISOString();
}

/** A notice sent at `at` is late when `at` is after `notifyBy` (at `notifyBy` exactly it is on time). */
export function isLate(at: Date, notifyByInstant: string): boolean {
  return at.getTime() > Date.parse(notifyByInstant);
}
