/**
 * An arrival process: when the load driver sends each query. Scheduled send times are in
 * milliseconds from the start of the run, non-decreasing, and produced lazily (an hour at 400 q/s
 * is 1.44 million arrivals: nothing is materialised). Every call of `times()` starts the same
 * sequence again from the process's seed, so a schedule can be replayed identically against every
 * system.
 */
export interface ArrivalProcess {
  /** The spec kind, e.g. "poisson". */
  readonly kind: string;
  /** What the process was made from, JSON-serialisable, for the run's record. */
  readonly description: Readonly<Record<string, unknown>>;
  /** Long-run mean rate in queries per second (for a trace: its count over its span). */
  readonly meanRatePerS: number;
  /** True when the sequence ends by itself (a trace; steps whose last rate is 0): a run may then need no other bound. */
  readonly finite: boolean;
  /** A fresh lazy sequence of scheduled send times (ms from the run start). Finite only for a trace or a rate that drops to 0. */
  times(): Iterator<number, undefined>;
}

/** An arrival spec or trace file that cannot be used. The message names the field (or file and line) and what was expected. */
export class ArrivalConfigError extends Error {
  override readonly name = 'ArrivalConfigError';
}

/** Milliseconds between arrivals for a rate in queries per second. */
export function meanGapMs(ratePerS: number): number {
  return 1000 / ratePerS;
}
