import { percentileOfSorted } from './gap-comparison.ts';

/**
 * The figures `compare` and `nightly` follow for each system of a run, computed from the
 * per-query records (so that they can be bootstrapped): latency percentiles linear-interpolated
 * over the measured queries, lost queries counted as infinitely slow.
 */
export type MetricName = 'p50' | 'p99' | 'p99.9' | 'gap' | 'mean' | 'accuracy' | 'lost';

export interface MetricDefinition {
  readonly name: MetricName;
  readonly label: string;
  readonly unit: 'ms' | 'fraction';
  /** Which direction is better. */
  readonly better: 'lower' | 'higher';
  /**
   * How two runs are set against each other: the ratio B/A, or (for figures that are often 0,
   * such as the share of lost queries) the difference B - A.
   */
  readonly change: 'ratio' | 'difference';
  /** The latency percentile whose sample size decides whether the figure may be claimed, if any. */
  readonly claimsPercentile: number | null;
  /** The statistic, from one sorted resample of latencies (ms) or of correctness (1/0/NaN). */
  readonly of: 'latency' | 'correctness';
  readonly statistic: (sorted: Float64Array) => number;
  /**
   * What the statistic depends on, so that the bootstrap of a large sample (more than
   * EXACT_BOOTSTRAP_MAX_QUERIES queries, reports/compare-runs.ts) draws only that much of each
   * resample (the first two with the same distribution as the full resample):
   * - percentiles: it is `from` of the linear-interpolated percentiles `at` (order statistics);
   * - category-counts: it is `from` of how many of the resample's n values fall in each category
   *   (`categoryOf` gives 0 .. categories - 1), e.g. a share;
   * - finite-sums: it is `from` of the sum and the number of the resample's finite values (a
   *   mean). No shortcut keeps that distribution exact; compare-runs.ts (finiteSumsBootstrap)
   *   draws the tails exactly and the bulk's sum through its normal limit.
   * Without it a large sample is resampled in full and sorted, like a small one.
   */
  readonly bootstrapBy?: BootstrapDependence;
}

export type BootstrapDependence =
  | { readonly kind: 'percentiles'; readonly at: readonly number[]; readonly from: (percentiles: ArrayLike<number>) => number }
  | { readonly kind: 'category-counts'; readonly categories: number; readonly categoryOf: (value: number) => number; readonly from: (counts: ArrayLike<number>, n: number) => number }
  | { readonly kind: 'finite-sums'; readonly from: (sum: number, finite: number, n: number) => number };

function meanOfFinite(values: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

function lostShare(sorted: Float64Array): number {
  // Lost queries are Infinity and sort last.
  let lost = 0;
  for (let i = sorted.length - 1; i >= 0 && sorted[i] === Infinity; i--) lost++;
  return sorted.length === 0 ? NaN : lost / sorted.length;
}

/** A percentile, as `statistic` computes it and as `bootstrapBy` reads it (the same arithmetic). */
function percentileMetric(p: number): Pick<MetricDefinition, 'statistic' | 'bootstrapBy'> {
  return { statistic: (s) => percentileOfSorted(s, p), bootstrapBy: { kind: 'percentiles', at: [p], from: (v) => v[0] } };
}

export const METRICS: readonly MetricDefinition[] = [
  { name: 'p50', label: 'p50 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 50, of: 'latency', ...percentileMetric(50) },
  { name: 'p99', label: 'p99 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 99, of: 'latency', ...percentileMetric(99) },
  { name: 'p99.9', label: 'p99.9 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 99.9, of: 'latency', ...percentileMetric(99.9) },
  {
    name: 'gap',
    label: 'gap p99.9 - p50',
    unit: 'ms',
    better: 'lower',
    change: 'ratio',
    claimsPercentile: 99.9,
    of: 'latency',
    statistic: (s) => percentileOfSorted(s, 99.9) - percentileOfSorted(s, 50),
    bootstrapBy: { kind: 'percentiles', at: [99.9, 50], from: (v) => v[0] - v[1] },
  },
  {
    name: 'mean',
    label: 'mean latency (answered)',
    unit: 'ms',
    better: 'lower',
    change: 'ratio',
    claimsPercentile: null,
    of: 'latency',
    statistic: meanOfFinite,
    bootstrapBy: { kind: 'finite-sums', from: (sum, finite) => (finite === 0 ? NaN : sum / finite) },
  },
  {
    name: 'accuracy',
    label: 'accuracy',
    unit: 'fraction',
    better: 'higher',
    change: 'ratio',
    claimsPercentile: null,
    of: 'correctness',
    statistic: meanOfFinite,
    // Correctness is 1, 0 or NaN (no label or no answer): right / (right + wrong), as meanOfFinite sums it.
    bootstrapBy: { kind: 'category-counts', categories: 3, categoryOf: (v) => (v === 1 ? 0 : v === 0 ? 1 : 2), from: (c) => c[0] / (c[0] + c[1]) },
  },
  {
    name: 'lost',
    label: 'lost queries (share)',
    unit: 'fraction',
    better: 'lower',
    change: 'difference',
    claimsPercentile: null,
    of: 'latency',
    statistic: lostShare,
    bootstrapBy: { kind: 'category-counts', categories: 2, categoryOf: (v) => (v === Infinity ? 1 : 0), from: (c, n) => c[1] / n },
  },
];

export const METRIC_NAMES: readonly MetricName[] = METRICS.map((m) => m.name);

export function metricDefinition(name: string): MetricDefinition {
  const m = METRICS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown metric "${name}" (known: ${METRIC_NAMES.join(', ')})`);
  return m;
}

/** B/A, with two equal infinities (both runs infinitely slow there) counted as no change. */
export function ratioOf(b: number, a: number): number {
  if (a === b) return 1;
  return b / a;
}
