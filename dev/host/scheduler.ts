// Things that happen at an instant: durable timers and timer-trigger occurrences. Items fire in
// due order from the host clock; with the virtual clock, advancing fires every item due on the
// way, one instant at a time, waiting for the resulting work to settle before the next.
import type { HostClock, VirtualClock } from './clock.js';
import type { WorkTracker } from './work-tracker.js';

export interface ScheduledItem {
  key: string;
  dueAt: number;
  fire: () => Promise<void>;
}

const MAX_REAL_WAIT_MS = 60_000;

export class Scheduler {
  readonly #items = new Map<string, ScheduledItem>();
  readonly #clock: HostClock;
  readonly #tracker: WorkTracker;
  #realTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(clock: HostClock, tracker: WorkTracker) {
    this.#clock = clock;
    this.#tracker = tracker;
  }

  schedule(item: ScheduledItem): void {
    this.#items.set(item.key, item);
    this.#rearm();
  }

  cancel(key: string): void {
    this.#items.delete(key);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const item of this.#items.values()) if (next === undefined || item.dueAt < next) next = item.dueAt;
    return next;
  }

  /** Fires every item due now, in due order (then key order, for determinism). */
  fireDue(): void {
    const now = this.#clock.now().getTime();
    const due = [...this.#items.values()].filter((i) => i.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.key.localeCompare(b.key));
    for (const item of due) {
      this.#items.delete(item.key);
      this.#tracker.spawn(item.fire);
    }
  }

  /** Virtual clock only: moves to `target`, stopping at each due instant on the way. */
  async advanceTo(clock: VirtualClock, target: Date, onMove: (now: Date) => Promise<void>): Promise<void> {
    await this.#tracker.settled();
    for (;;) {
      const next = this.nextDueAt();
      if (next === undefined || next > target.getTime()) break;
      if (next > clock.nowMs()) {
        clock.set(new Date(next));
        await onMove(clock.now());
      }
      this.fireDue();
      await this.#tracker.settled();
    }
    if (target.getTime() > clock.nowMs()) {
      clock.set(target);
      await onMove(clock.now());
    }
    this.fireDue();
    await this.#tracker.settled();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#realTimer) clearTimeout(this.#realTimer);
  }

  #rearm(): void {
    if (this.#stopped) return;
    if (this.#clock.mode === 'virtual') {
      // Items already due (a timer in the past, a retry with no delay) fire without a clock move.
      const next = this.nextDueAt();
      if (next !== undefined && next <= this.#clock.now().getTime()) this.#tracker.spawn(async () => this.fireDue());
      return;
    }
    if (this.#realTimer) clearTimeout(this.#realTimer);
    const next = this.nextDueAt();
    if (next === undefined) return;
    const wait = Math.min(Math.max(next - Date.now(), 0), MAX_REAL_WAIT_MS);
    this.#realTimer = setTimeout(() => {
      this.fireDue();
      this.#rearm();
    }, wait);
    this.#realTimer.unref();
  }
}
