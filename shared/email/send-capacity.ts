// How fast a fan-out of emails can go out under the subscription's sending quota (per minute and per
// hour, shared by both regions): when its last message can be sent, and what quota would be needed
// to finish by a deadline. Pure: the breach flow uses it to escalate at once when the quota cannot
// deliver every notice in time.
import type { EmailQuota } from '../config.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The earliest instant message `index` (0-based) of a fan-out starting at `start` can be sent, sending
 * as fast as the quota allows: each hour from `start` takes its share, front-loaded minute by minute.
 * Every 60-minute window then holds at most `perHour` messages and every minute at most `perMinute`,
 * however the service counts its windows (fixed or sliding).
 */
export function sendSlot(index: number, quota: EmailQuota, start: Date): Date {
  if (!Number.isInteger(index) || index < 0) throw new RangeError('index must be a whole number from 0');
  assertQuota(quota);
  const perHour = Math.min(quota.perHour, quota.perMinute * 60);
  const hour = Math.floor(index / perHour);
  const minute = Math.floor((index % perHour) / quota.perMinute);
  return new Date(start.getTime() + hour * HOUR_MS + minute * MINUTE_MS);
}

/** When the last of `count` messages can go out; the start itself for none. */
export function lastSendAt(count: number, quota: EmailQuota, start: Date): Date {
  return count <= 0 ? new Date(start) : sendSlot(count - 1, quota, start);
}

/**
 * The smallest quota (per hour first, then per minute, never below the current one) that sends `count`
 * messages from `start` by `deadline`; undefined when the deadline is not after the start.
 */
export function quotaNeeded(count: number, start: Date, deadline: Date, current: EmailQuota): EmailQuota | undefined {
  assertQuota(current);
  if (deadline.getTime() <= start.getTime()) return undefined;
  const fits = (quota: EmailQuota) => lastSendAt(count, quota, start).getTime() <= deadline.getTime();
  if (fits(current)) return current;
  const withHourly = (perHour: number): EmailQuota => ({ perHour, perMinute: Math.max(current.perMinute, Math.ceil(perHour / 60)) });
  // More per hour never makes the last send later, so the smallest that fits is found by bisection.
  const smallest = (low: number, high: number, fitsAt: (n: number) => boolean): number => {
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (fitsAt(mid)) high = mid;
      else low = mid + 1;
    }
    return low;
  };
  const everythingInAnHour = Math.max(count, current.perHour);
  if (fits(withHourly(everythingInAnHour))) return withHourly(smallest(current.perHour, everythingInAnHour, (q) => fits(withHourly(q))));
  // Not even everything in the first hour is enough: the deadline is less than an hour away.
  const perMinute = smallest(current.perMinute, Math.max(count, current.perMinute), (m) => fits({ perHour: everythingInAnHour, perMinute: m }));
  return { perHour: everythingInAnHour, perMinute };
}

function assertQuota(quota: EmailQuota): void {
  if (!(Number.isInteger(quota.perMinute) && quota.perMinute > 0 && Number.isInteger(quota.perHour) && quota.perHour > 0))
    throw new RangeError('a quota is a positive whole number per minute and per hour');
}
