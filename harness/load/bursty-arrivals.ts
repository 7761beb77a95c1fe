import { SeededRandom } from '../seeded-random.ts';
import { meanGapMs, type ArrivalProcess } from './arrival-process.ts';

export interface BurstyArrivalsOptions {
  /** Rate during a burst, queries per second (> 0). */
  readonly burstRate: number;
  /** Rate between bursts (0: on/off arrivals). */
  readonly baseRate: number;
  /** Mean length of a burst and of the time between bursts, ms (both exponential). */
  readonly burstMs: number;
  readonly baseMs: number;
}

/**
 * Bursty arrivals: a two-state Markov-modulated Poisson process (MMPP-2). The process alternates
 * between a burst state and a base state whose lengths are exponential with the given means; in
 * each state arrivals are Poisson at that state's rate (with baseRate 0 this is an on/off
 * process). The first state is drawn from the stationary distribution, so the mean rate holds
 * from the start: (burstRate x burstMs + baseRate x baseMs) / (burstMs + baseMs). Because
 * exponential gaps are memoryless, a gap cut by a state change is simply redrawn at the new rate.
 */
export class BurstyArrivals implements ArrivalProcess {
  readonly kind = 'bursty';
  readonly meanRatePerS: number;
  readonly finite = false;
  readonly description: Readonly<Record<string, unknown>>;

  constructor(
    readonly options: BurstyArrivalsOptions,
    readonly seed: number,
  ) {
    const { burstRate, baseRate, burstMs, baseMs } = options;
    if (!(burstRate > 0) || !(baseRate >= 0) || !(burstMs > 0) || !(baseMs > 0) || ![burstRate, baseRate, burstMs, baseMs].every(Number.isFinite)) {
      throw new RangeError(`bursty arrivals need burstRate > 0, baseRate >= 0, burstMs > 0 and baseMs > 0, got ${JSON.stringify(options)}`);
    }
    this.meanRatePerS = (burstRate * burstMs + baseRate * baseMs) / (burstMs + baseMs);
    this.description = { kind: this.kind, burstRate, baseRate, burstMs, baseMs, seed };
  }

  *times(): Generator<number, undefined> {
    const { burstRate, baseRate, burstMs, baseMs } = this.options;
    const random = new SeededRandom(this.seed);
    let inBurst = random.next() < burstMs / (burstMs + baseMs);
    let t = 0;
    let stateEnd = random.nextExponential(inBurst ? burstMs : baseMs);
    for (;;) {
      const rate = inBurst ? burstRate : baseRate;
      const next = rate > 0 ? t + random.nextExponential(meanGapMs(rate)) : Infinity;
      if (next < stateEnd) {
        t = next;
        yield t;
      } else {
        t = stateEnd;
        inBurst = !inBurst;
        stateEnd = t + random.nextExponential(inBurst ? burstMs : baseMs);
      }
    }
  }
}
