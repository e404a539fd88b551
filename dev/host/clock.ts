// One clock for the whole local host. In real mode it is the wall clock. In virtual mode time
// stands still until moved through the dev clock route, and the process-wide `Date` reads it, so
// the app, the SDKs and the in-process stand-ins all agree on "now" (as Temporal's time-skipping
// test server does for workflows). The value is persisted so a restarted host resumes at the same
// instant.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface HostClock {
  readonly mode: 'real' | 'virtual';
  now(): Date;
}

export class RealClock implements HostClock {
  readonly mode = 'real' as const;
  now(): Date {
    return new Date();
  }
}

const RealDate = Date;

export class VirtualClock implements HostClock {
  readonly mode = 'virtual' as const;
  #nowMs: number;
  readonly #stateFile: string | undefined;
  readonly #listeners: ((now: Date) => void)[] = [];

  constructor(options: { stateFile?: string; start?: Date }) {
    this.#stateFile = options.stateFile;
    const saved = this.#stateFile && existsSync(this.#stateFile) ? (JSON.parse(readFileSync(this.#stateFile, 'utf8')) as { now: string }) : undefined;
    this.#nowMs = saved ? RealDate.parse(saved.now) : (options.start?.getTime() ?? RealDate.now());
    this.#persist();
  }

  now(): Date {
    return new RealDate(this.#nowMs);
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Moves time forward (never back: durable timers and audit chains rely on it). */
  set(to: Date): void {
    if (to.getTime() < this.#nowMs) throw new RangeError(`the virtual clock only moves forward (now ${this.now().toISOString()})`);
    if (to.getTime() === this.#nowMs) return;
    this.#nowMs = to.getTime();
    this.#persist();
    for (const listener of this.#listeners) listener(this.now());
  }

  onChange(listener: (now: Date) => void): void {
    this.#listeners.push(listener);
  }

  #persist(): void {
    if (!this.#stateFile) return;
    const temp = `${this.#stateFile}.tmp`;
    writeFileSync(temp, JSON.stringify({ now: new RealDate(this.#nowMs).toISOString() }));
    renameSync(temp, this.#stateFile);
  }
}

/**
 * Replaces the global `Date` so `new Date()` and `Date.now()` read `nowMs`. Everything else
 * (parsing, arithmetic, `instanceof Date`) is the real Date, because the proxy keeps its target.
 */
export function installVirtualDate(nowMs: () => number): void {
  const VirtualDate = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget) {
      return args.length === 0 ? Reflect.construct(target, [nowMs()], newTarget) : Reflect.construct(target, args, newTarget);
    },
    apply() {
      return new RealDate(nowMs()).toString();
    },
    get(target, property, receiver) {
      if (property === 'now') return () => nowMs();
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
  globalThis.Date = VirtualDate;
}
