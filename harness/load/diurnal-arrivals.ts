import { SeededRandom } from '../seeded-random.ts';
import { meanGapMs, type ArrivalProcess } from './arrival-process.ts';

export interface DiurnalArrivalsOptions {
  /** Lowest and highest rate, queries per second (0 <= minRate <= maxRate, maxRate > 0). */
  readonly minRate: number;
  readonly maxRate: number;
  /** Length of one cycle, ms. */
  readonly periodMs: number;
}

/**
 * Poisson arrivals whose rate follows a sinusoid between minRate and maxRate over periodMs,
 * starting at the minimum: rate(t) = min + (max - min) (1 - cos(2 pi t / period)) / 2. Times are
 * drawn by thinning (Lewis and Shedler): candidates at maxRate, each kept with probability
 * rate(t) / maxRate. The mean rate over whole periods is (min + max) / 2.
 */
export class DiurnalArrivals implements ArrivalProcess {
  readonly kind = 'diurnal';
  readonly meanRatePerS: number;
  readonly finite = false;
  readonly description: Readonly<Record<string, unknown>>;

  constructor(
    readonly options: DiurnalArrivalsOptions,
    readonly seed: number,
  ) {
    const { minRate, maxRate, periodMs } = options;
    if (!(minRate >= 0) || !(maxRate > 0) || !(maxRate >= minRate) || !(periodMs > 0) || ![minRate, maxRate, periodMs].every(Number.isFinite)) {
      throw new RangeError(`diurnal arrivals need 0 <= minRate <= maxRate, maxRate > 0 and periodMs > 0, got ${JSON.stringify(options)}`);
    }
    this.meanRatePerS = (minRate + maxRate) / 2;
    this.description = { kind: this.kind, minRate, maxRate, periodMs, seed };
  }

  /** The rate at time t (ms), queries per second. */
  rateAt(t: number): number {
    const { minRate, maxRate, periodMs } = this.options;
    return minRate + ((maxRate - minRate) * (1 - Math.cos((2 * Math.PI * t) / periodMs))) / 2;
  }

  *times(): Generator<number, undefined> {
    const random = new SeededRandom(this.seed);
    const { maxRate } = this.options;
    const mean = meanGapMs(maxRate);
    let t = 0;
    for (;;) {
      t += random.nextExponential(mean);
      if (random.next() * maxRate < this.rateAt(t)) yield t;
    }
  }
}
