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

// HdrHistogram's layout for these settings (lowest 1, 3 significant digits): unit resolution up to
// 2 x 10^3 needs 2^11 sub-buckets per bucket; bucket 0 uses all 2048, every further bucket b holds
// values 1024·2^b .. 2048·2^b - 1 in its top 1024 sub-buckets, with a resolution of 2^b.
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_COUNT = 2 * SUB_BUCKET_HALF_COUNT;

function bucketsToCover(value: number): number {
  let smallestUntrackable = SUB_BUCKET_COUNT;
  let buckets = 1;
  while (smallestUntrackable <= value) {
    smallestUntrackable *= 2;
    buckets++;
  }
  return buckets;
}

const COUNTS_LENGTH = (bucketsToCover(LATENCY_HIGHEST_US) + 1) * SUB_BUCKET_HALF_COUNT;

/** Bucket of an integer value 0 <= v < 2^32: floor(log2 v) - 10, at least 0. */
function bucketOf(v: number): number {
  const b = 31 - Math.clz32(v) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
  return b > 0 ? b : 0;
}

/** Index in the counts of an integer value 0 <= v <= LATENCY_HIGHEST_US. */
function indexOf(v: number): number {
  const bucket = bucketOf(v);
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + ((v >>> bucket) - SUB_BUCKET_HALF_COUNT);
}

/** Lowest value counted at an index. */
function valueAtIndex(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
  let subBucket = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    subBucket -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}

/** Width of the range of values counted with value v (all values of one index). */
function rangeSize(v: number): number {
  const bucket = bucketOf(v);
  return 2 ** ((v >>> bucket) >= SUB_BUCKET_COUNT ? bucket + 1 : bucket);
}

function lowestEquivalent(v: number): number {
  const bucket = bucketOf(v);
  return (v >>> bucket) * 2 ** bucket;
}

function highestEquivalent(v: number): number {
  return lowestEquivalent(v) + rangeSize(v) - 1;
}

/** Unit in the last place of x, as HdrHistogram computes it. */
function ulp(x: number): number {
  return 2 ** (Math.floor(Math.log2(x)) - 52);
}

/**
 * Durations in microseconds in a histogram of fixed size (about 170 KB however many values):
 * memory does not grow with the length of a run. Values below 0 are recorded as 0, values above
 * the range as its top (and counted).
 *
 * It is HdrHistogram (1 µs to 10 minutes, 3 significant digits) with its exact bucket layout and
 * its percentile, mean and max definitions (see PERCENTILE_DEFINITION), written out here so that
 * recording a value is a few integer operations: a simulated run records several values per query
 * at hundreds of thousands of queries per second. test/load-histogram.test.ts checks every figure
 * against hdr-histogram-js.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(COUNTS_LENGTH);
  private total = 0;
  private max = 0;
  private clamped = 0;

  recordUs(us: number): void {
    let v = Math.round(us);
    if (!(v >= 0)) v = 0;
    if (v > LATENCY_HIGHEST_US) {
      v = LATENCY_HIGHEST_US;
      this.clamped++;
    }
    this.counts[indexOf(v)]++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  recordMs(ms: number): void {
    this.recordUs(ms * 1000);
  }

  get count(): number {
    return this.total;
  }

  /** The p-th percentile in µs (0 when empty). */
  percentileUs(p: number): number {
    if (this.total === 0) return 0;
    const requested = Math.min(p, 100);
    const fpCount = (requested / 100) * this.total;
    // Rank rounded up, guarding against a count one ulp too high from the floating-point product.
    const rank = Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
    const counts = this.counts;
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        const v = valueAtIndex(i);
        return p === 0 ? lowestEquivalent(v) : highestEquivalent(v);
      }
    }
    return 0;
  }

  /** Mean of the values, each taken as the middle of its index's range (as HdrHistogram). */
  private mean(): number {
    const counts = this.counts;
    let sum = 0;
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      if (c === 0) continue;
      const v = highestEquivalent(valueAtIndex(i));
      sum += (lowestEquivalent(v) + Math.floor(rangeSize(v) / 2)) * c;
    }
    return sum / this.total;
  }

  summary(): LatencySummary {
    if (this.total === 0) {
      return { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p99_5Us: 0, p99_9Us: 0, maxUs: 0, clampedAboveRange: 0 };
    }
    return {
      count: this.total,
      meanUs: Math.round(this.mean()),
      p50Us: this.percentileUs(50),
      p90Us: this.percentileUs(90),
      p99Us: this.percentileUs(99),
      p99_5Us: this.percentileUs(99.5),
      p99_9Us: this.percentileUs(99.9),
      maxUs: this.max,
      clampedAboveRange: this.clamped,
    };
  }
}
