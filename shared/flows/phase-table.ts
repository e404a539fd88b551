// A long-lived flow's phases as one table: which phase may follow which. The flow's record stores
// its phase and its workflow's custom status shows it, and both take the names from here; every
// change of phase goes through `advance`, so phases are never set by hand in many places. Pure.

/** A phase change the table does not allow: a bug in the caller, not bad input. */
export class PhaseChangeError extends Error {
  constructor(
    readonly flow: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(`a ${flow} in phase ${from} cannot move to ${to}`);
    this.name = 'PhaseChangeError';
  }
}

export interface PhaseTable<P extends string> {
  readonly flow: string;
  /** Every phase, in the order the table lists them. */
  readonly phases: readonly P[];
  /** The phases that may directly follow `phase`. */
  next(phase: P): readonly P[];
  /** A final phase has no successor: the flow is over. */
  isFinal(phase: P): boolean;
  /** True when `later` can be reached from `phase` (in one step or more). */
  leadsTo(phase: P, later: P): boolean;
  /**
   * The phase after asking to move from `from` to `to`: `to` when the table allows the step;
   * `from` when the record is already at `to` or past it (an activity re-run after a crash);
   * otherwise PhaseChangeError.
   */
  advance(from: P, to: P): P;
  /** Whether `advance(from, to)` would move (or keep) the record without an error. */
  allows(from: P, to: P): boolean;
}

export function phaseTable<const T extends { readonly [phase: string]: readonly (keyof T & string)[] }>(
  flow: string,
  transitions: T,
): PhaseTable<keyof T & string> {
  type P = keyof T & string;
  const phases = Object.keys(transitions) as P[];
  const next = (phase: P): readonly P[] => transitions[phase] ?? [];
  const leadsTo = (phase: P, later: P): boolean => {
    const seen = new Set<P>();
    const queue = [...next(phase)];
    while (queue.length > 0) {
      const candidate = queue.shift()!;
      if (candidate === later) return true;
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      queue.push(...next(candidate));
    }
    return false;
  };
  const allows = (from: P, to: P): boolean => from === to || next(from).includes(to) || leadsTo(to, from);
  return {
    flow,
    phases,
    next,
    isFinal: (phase) => next(phase).length === 0,
    leadsTo,
    allows,
    advance(from, to) {
      if (from === to || leadsTo(to, from)) return from;
      if (next(from).includes(to)) return to;
      throw new PhaseChangeError(flow, from, to);
    },
  };
}
