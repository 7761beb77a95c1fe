import { logBinomialCdf } from '../load/percentile-sample-size.ts';
import { percentileOfSorted } from '../../reports/gap-comparison.ts';

/**
 * A latency percentile with a distribution-free 95% confidence interval from order statistics:
 * the number of samples below the true p-quantile is Binomial(n, p/100), so the interval runs
 * from the l-th to the u-th smallest sample, with l the largest rank such that
 * P[B <= l - 1] <= 2.5% and u the smallest such that P[B >= u] <= 2.5%. When too few samples
 * leave room in the tail (e.g. p99.9 from under ~3,700 queries), the upper end is Infinity:
 * the data do not bound it. Lost queries (Infinity) count as the slowest.
 */
export interface PercentileWithInterval {
  readonly percentile: number;
  readonly value: number;
  readonly ci95: readonly [number, number];
}

const TAIL = Math.log(0.025);

export function percentileWithInterval(sorted: Float64Array, percentile: number): PercentileWithInterval {
  const n = sorted.length;
  if (n === 0) return { percentile, value: NaN, ci95: [NaN, NaN] };
  const q = percentile / 100;
  const value = percentileOfSorted(sorted, percentile);
  // Lower rank: largest l (1-based) with P[B <= l - 1] <= 0.025. P[B <= j] grows with j: bisect.
  const cdf = (j: number): number => (j < 0 ? -Infinity : logBinomialCdf(j, n, q));
  let lo = 0; // rank 0 = below every sample
  {
    let a = 0;
    let b = n;
    while (a < b) {
      const mid = Math.ceil((a + b) / 2);
      if (cdf(mid - 1) <= TAIL) a = mid;
      else b = mid - 1;
    }
    lo = a;
  }
  // Upper rank: smallest u with P[B >= u] = 1 - P[B <= u - 1] <= 0.025, i.e. P[B <= u - 1] >= 0.975.
  let hi = n + 1; // beyond every sample
  {
    const need = Math.log(0.975);
    let a = 1;
    let b = n + 1;
    while (a < b) {
      const mid = Math.floor((a + b) / 2);
      if (cdf(mid - 1) >= need) b = mid;
      else a = mid + 1;
    }
    hi = a;
  }
  const low = lo >= 1 ? sorted[lo - 1] : -Infinity;
  const high = hi <= n ? sorted[hi - 1] : Infinity;
  return { percentile, value, ci95: [low, high] };
}
