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
}

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

export const METRICS: readonly MetricDefinition[] = [
  { name: 'p50', label: 'p50 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 50, of: 'latency', statistic: (s) => percentileOfSorted(s, 50) },
  { name: 'p99', label: 'p99 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 99, of: 'latency', statistic: (s) => percentileOfSorted(s, 99) },
  { name: 'p99.9', label: 'p99.9 latency', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: 99.9, of: 'latency', statistic: (s) => percentileOfSorted(s, 99.9) },
  {
    name: 'gap',
    label: 'gap p99.9 - p50',
    unit: 'ms',
    better: 'lower',
    change: 'ratio',
    claimsPercentile: 99.9,
    of: 'latency',
    statistic: (s) => percentileOfSorted(s, 99.9) - percentileOfSorted(s, 50),
  },
  { name: 'mean', label: 'mean latency (answered)', unit: 'ms', better: 'lower', change: 'ratio', claimsPercentile: null, of: 'latency', statistic: meanOfFinite },
  { name: 'accuracy', label: 'accuracy', unit: 'fraction', better: 'higher', change: 'ratio', claimsPercentile: null, of: 'correctness', statistic: meanOfFinite },
  { name: 'lost', label: 'lost queries (share)', unit: 'fraction', better: 'lower', change: 'difference', claimsPercentile: null, of: 'latency', statistic: lostShare },
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
