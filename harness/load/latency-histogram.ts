import { build, type Histogram } from 'hdr-histogram-js';

/** Range of every latency histogram of a load run: 1 µs to 10 minutes, 3 significant digits (0.1%). */
export const LATENCY_LOWEST_US = 1;
export const LATENCY_HIGHEST_US = 600_000_000;
export const LATENCY_SIGNIFICANT_DIGITS = 3;

/** How the percentiles are defined (recorded in every run summary). */
export const PERCENTILE_DEFINITION =
  'HdrHistogram nearest rank: the p-th percentile is the smallest recorded value v such that at least p% of all values are <= v ' +
  '(rank ceil(p/100 x count)), reported as the highest value of v\'s histogram bucket (values are kept to 3 significant digits, 0.1%); ' +
  'max is the highest recorded value, to the same precision.';

/** Percentiles of a set of durations, in microseconds (integers). */
export interface LatencySummary {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
  readonly p99_5Us: number;
  readonly p99_9Us: number;
  readonly maxUs: number;
  /** Values above 10 minutes, recorded as 10 minutes. */
  readonly clampedAboveRange: number;
}

/**
 * Durations in microseconds in an HdrHistogram of fixed size (about 100 KB however many values):
 * memory does not grow with the length of a run. Values below 0 are recorded as 0, values above
 * the range as its top (and counted).
 */
export class LatencyHistogram {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: LATENCY_LOWEST_US,
    highestTrackableValue: LATENCY_HIGHEST_US,
    numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS,
    autoResize: false,
  });
  private clamped = 0;

  recordUs(us: number): void {
    let v = Math.round(us);
    if (!(v >= 0)) v = 0;
    if (v > LATENCY_HIGHEST_US) {
      v = LATENCY_HIGHEST_US;
      this.clamped++;
    }
    this.histogram.recordValue(v);
  }

  recordMs(ms: number): void {
    this.recordUs(ms * 1000);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The p-th percentile in µs (0 when empty). */
  percentileUs(p: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(p);
  }

  summary(): LatencySummary {
    const h = this.histogram;
    if (h.totalCount === 0) {
      return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p99_5Us: 0, p99_9Us: 0, maxUs: 0, clampedAboveRange: 0 };
    }
    return {
      count: h.totalCount,
      meanUs: Math.round(h.mean),
      p50Us: h.getValueAtPercentile(50),
      p90Us: h.getValueAtPercentile(90),
      p99Us: h.getValueAtPercentile(99),
      p99_5Us: h.getValueAtPercentile(99.5),
      p99_9Us: h.getValueAtPercentile(99.9),
      maxUs: h.maxValue,
      clampedAboveRange: this.clamped,
    };
  }
}
