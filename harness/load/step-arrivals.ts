import { SeededRandom } from '../seeded-random.ts';
import { meanGapMs, type ArrivalProcess } from './arrival-process.ts';

export interface RateStep {
  /** When this rate starts, ms from the run start. */
  readonly atMs: number;
  /** Queries per second from then on (0: no arrivals). */
  readonly rate: number;
}

/**
 * Poisson arrivals whose rate changes in steps: each step's rate holds from its atMs until the
 * next step, and the last one for ever (if the last rate is 0 the sequence ends). Steps are given
 * in time order, the first at 0. Gaps are exponential at the current rate; a gap cut by a step is
 * redrawn at the new rate from the step (exact for a Poisson process, which is memoryless).
 */
export class StepArrivals implements ArrivalProcess {
  readonly kind = 'steps';
  readonly meanRatePerS: number;
  readonly finite: boolean;
  readonly description: Readonly<Record<string, unknown>>;

  constructor(
    readonly steps: readonly RateStep[],
    readonly seed: number,
  ) {
    if (steps.length === 0 || steps[0].atMs !== 0) throw new RangeError('step arrivals need at least one step, the first at atMs 0');
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i];
      if (!(s.rate >= 0) || !Number.isFinite(s.rate) || !Number.isFinite(s.atMs) || (i > 0 && !(s.atMs > steps[i - 1].atMs))) {
        throw new RangeError(`step ${i}: rates must be >= 0 and atMs increasing, got ${JSON.stringify(s)}`);
      }
    }
    // The long-run rate is the last step's, which holds for ever; when it is 0 the sequence ends at the
    // last step, and the mean is the time-weighted mean of the steps before it.
    const last = steps[steps.length - 1];
    this.finite = last.rate === 0;
    let weighted = 0;
    for (let i = 0; i + 1 < steps.length; i++) weighted += steps[i].rate * (steps[i + 1].atMs - steps[i].atMs);
    this.meanRatePerS = this.finite ? (last.atMs > 0 ? weighted / last.atMs : 0) : last.rate;
    this.description = { kind: this.kind, steps: steps.map((s) => ({ atMs: s.atMs, rate: s.rate })), seed };
  }

  /** The rate in force at time t (ms). */
  rateAt(t: number): number {
    let rate = this.steps[0].rate;
    for (const s of this.steps) if (s.atMs <= t) rate = s.rate;
    return rate;
  }

  *times(): Generator<number, undefined> {
    const random = new SeededRandom(this.seed);
    let t = 0;
    for (let i = 0; i < this.steps.length; i++) {
      const { rate } = this.steps[i];
      const end = i + 1 < this.steps.length ? this.steps[i + 1].atMs : Infinity;
      if (rate === 0) {
        t = end;
        continue;
      }
      const mean = meanGapMs(rate);
      for (;;) {
        const next = t + random.nextExponential(mean);
        if (next >= end) break;
        t = next;
        yield t;
      }
      t = end;
    }
    return undefined;
  }
}
