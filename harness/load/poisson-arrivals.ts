import { SeededRandom } from '../seeded-random.ts';
import { meanGapMs, type ArrivalProcess } from './arrival-process.ts';

/**
 * Poisson arrivals (MLPerf LoadGen's Server scenario): independent exponential gaps with mean
 * 1000 / rate ms, the first one after the run start. Seeded: the same seed gives the same times.
 */
export class PoissonArrivals implements ArrivalProcess {
  readonly kind = 'poisson';
  readonly meanRatePerS: number;
  readonly finite = false;
  readonly description: Readonly<Record<string, unknown>>;

  constructor(
    readonly ratePerS: number,
    readonly seed: number,
  ) {
    if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new RangeError(`Poisson arrivals need a positive rate, got ${ratePerS}`);
    this.meanRatePerS = ratePerS;
    this.description = { kind: this.kind, rate: ratePerS, seed };
  }

  *times(): Generator<number, undefined> {
    const random = new SeededRandom(this.seed);
    const mean = meanGapMs(this.ratePerS);
    let t = 0;
    for (;;) {
      t += random.nextExponential(mean);
      yield t;
    }
  }
}
