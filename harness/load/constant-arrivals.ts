import { meanGapMs, type ArrivalProcess } from './arrival-process.ts';

/**
 * Arrivals at a constant rate (wrk2's schedule): query i is sent at i x 1000 / rate ms, the first
 * at the run start. Each time is computed from i, so no rounding accumulates over long runs.
 */
export class ConstantArrivals implements ArrivalProcess {
  readonly kind = 'constant';
  readonly meanRatePerS: number;
  readonly finite = false;
  readonly description: Readonly<Record<string, unknown>>;

  constructor(readonly ratePerS: number) {
    if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new RangeError(`constant arrivals need a positive rate, got ${ratePerS}`);
    this.meanRatePerS = ratePerS;
    this.description = { kind: this.kind, rate: ratePerS };
  }

  *times(): Generator<number, undefined> {
    const gap = meanGapMs(this.ratePerS);
    for (let i = 0; ; i++) yield i * gap;
  }
}
