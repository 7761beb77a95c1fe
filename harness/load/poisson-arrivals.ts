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

  times(): Iterator<number, undefined> {
    return new PoissonTimes(new SeededRandom(this.seed), meanGapMs(this.ratePerS));
  }
}

/**
 * What PoissonTimes hands out. A class of its own rather than an object literal: a literal
 * {done, value} shares its hidden shape with every other such literal, such as a finished
 * iterator's {done: true, value: undefined}, and once `value` has held undefined anywhere, every
 * number stored into it is boxed in a new heap object (once per query here).
 */
class TimeResult implements IteratorYieldResult<number> {
  readonly done = false;
  value = 0;
}

/**
 * The endless sequence of Poisson send times. A plain iterator rather than a generator: the driver
 * pulls one time per query, and this gives the same numbers without a generator's resume per call.
 * The result object is reused (read `value` before the next call, as for-of and the driver do).
 */
class PoissonTimes implements Iterator<number, undefined> {
  private t = 0;
  private readonly result = new TimeResult();

  constructor(
    private readonly random: SeededRandom,
    private readonly meanMs: number,
  ) {}

  next(): IteratorResult<number, undefined> {
    this.t += this.random.nextExponential(this.meanMs);
    this.result.value = this.t;
    return this.result;
  }

  return(): IteratorResult<number, undefined> {
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): Iterator<number, undefined> {
    return this;
  }
}
