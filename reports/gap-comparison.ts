import { textLines } from '../harness/load/text-lines.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { interpolateAtRank, orderStatisticBootstrap, percentileRank } from './order-statistic-bootstrap.ts';

/**
 * The paper's headline comparison between two systems of one run (e.g. ParM against
 * Equal-Resources): the ratio of their medians and of their tail gaps (p99.9 - p50), each with a
 * percentile-bootstrap 95% confidence interval over the measured queries of both systems.
 * Percentiles are linear-interpolated, as in the paper. Lost queries count as infinitely slow
 * (a system that loses queries cannot look better for it).
 */
export interface GapComparison {
  readonly system: string;
  readonly against: string;
  readonly queries: { readonly system: number; readonly against: number };
  readonly medianMs: { readonly system: number; readonly against: number };
  readonly gapMs: { readonly system: number; readonly against: number };
  /** system / against. */
  readonly medianRatio: number;
  readonly medianRatioCi95: readonly [number, number];
  readonly gapRatio: number;
  readonly gapRatioCi95: readonly [number, number];
  /**
   * paired: every resample draws the same queries from both systems (one schedule, aligned by
   * query id). method: how the resamples were drawn (PercentileBootstrapMethod): 'resample' (in
   * full) up to EXACT_BOOTSTRAP_MAX_QUERIES queries a system, 'order-statistics' above.
   */
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly paired: boolean; readonly method: PercentileBootstrapMethod };
}

/**
 * Latencies (ms) of the measured queries in a records file, in query-id order (records are
 * written in completion order); lost queries as Infinity. Two systems driven by one schedule give
 * aligned arrays: element i is the same query for both.
 */
export function measuredLatencies(recordsPath: string): Float64Array {
  let values = new Float64Array(1024);
  let ids = new Float64Array(1024);
  let n = 0;
  let ordered = true;
  for (const line of textLines(recordsPath)) {
    if (line.length === 0) continue;
    const r = JSON.parse(line) as { id?: number; warmup?: boolean; outcome?: string; latencyUs?: number };
    if (r.warmup) continue;
    if (n === values.length) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      values = grown;
      const grownIds = new Float64Array(ids.length * 2);
      grownIds.set(ids);
      ids = grownIds;
    }
    ids[n] = typeof r.id === 'number' ? r.id : n;
    if (n > 0 && ids[n] < ids[n - 1]) ordered = false;
    values[n++] = r.outcome === 'answer' && typeof r.latencyUs === 'number' ? r.latencyUs / 1000 : Infinity;
  }
  if (ordered) return values.slice(0, n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => ids[x] - ids[y]);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = values[order[i]];
  return out;
}

/** Linear-interpolated percentile of sorted values. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = percentileRank(sorted.length, p);
  return interpolateAtRank(sorted[Math.floor(rank)], sorted[Math.ceil(rank)], rank);
}

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /**
   * Paired: every resample draws the same query indices from every sample (the samples must be
   * aligned, e.g. two runs of one schedule ordered by query id). Default: each sample is drawn
   * independently.
   */
  readonly paired?: boolean;
  /** Hand the statistics sorted resamples (default true); false when they do not need order. */
  readonly sorted?: boolean;
}

/**
 * Percentile bootstrap over one or more samples: each resample draws every sample with
 * replacement (seeded; independently, or with shared indices when paired), sorts it, and hands
 * the resamples to `statistics`, which returns one value per statistic. Returns, per statistic,
 * the sorted values over all resamples (read intervals off them with percentileOfSorted).
 */
export function bootstrapDistributions(
  samples: readonly Float64Array[],
  statistics: (resamples: readonly Float64Array[]) => readonly number[],
  options: BootstrapOptions,
): Float64Array[] {
  if (samples.some((s) => s.length === 0)) throw new Error('bootstrap: every sample needs at least one value');
  if (options.paired && samples.some((s) => s.length !== samples[0].length)) throw new Error('bootstrap: paired samples must have the same length');
  const random = new SeededRandom(options.seed);
  const sorted = options.sorted !== false;
  const buffers = samples.map((s) => new Float64Array(s.length));
  const out: Float64Array[] = [];
  // A sorted resample is built without sorting: count how often each original value is drawn,
  // then walk the values in their sorted order (computed once), writing each as often as drawn.
  // The same draws as drawing and sorting, in O(n) per resample instead of O(n log n).
  const orders = sorted ? samples.map(sortedOrder) : [];
  const counts = sorted ? samples.map((s) => new Uint32Array(s.length)) : [];
  const indices = options.paired ? new Uint32Array(samples[0].length) : undefined;
  const fillSorted = (k: number): void => {
    const s = samples[k];
    const order = orders[k];
    const c = counts[k];
    const r = buffers[k];
    let pos = 0;
    for (let i = 0; i < order.length; i++) {
      const j = order[i];
      for (let m = c[j]; m > 0; m--) r[pos++] = s[j];
    }
  };
  for (let i = 0; i < options.resamples; i++) {
    if (indices) {
      for (let j = 0; j < indices.length; j++) indices[j] = random.nextInt(indices.length);
      samples.forEach((s, k) => {
        if (sorted) {
          const c = counts[k];
          c.fill(0);
          for (let j = 0; j < indices.length; j++) c[indices[j]]++;
          fillSorted(k);
        } else {
          const r = buffers[k];
          for (let j = 0; j < indices.length; j++) r[j] = s[indices[j]];
        }
      });
    } else {
      samples.forEach((s, k) => {
        if (sorted) {
          const c = counts[k];
          c.fill(0);
          for (let j = 0; j < s.length; j++) c[random.nextInt(s.length)]++;
          fillSorted(k);
        } else {
          const r = buffers[k];
          for (let j = 0; j < s.length; j++) r[j] = s[random.nextInt(s.length)];
        }
      });
    }
    const values = statistics(buffers);
    if (i === 0) for (let k = 0; k < values.length; k++) out.push(new Float64Array(options.resamples));
    for (let k = 0; k < values.length; k++) out[k][i] = values[k];
  }
  for (const d of out) d.sort();
  return out;
}

/** Indices of the values in ascending order (NaN last, as Float64Array.prototype.sort puts them). */
function sortedOrder(values: Float64Array): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((x, y) => {
    const a = values[x];
    const b = values[y];
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Samples up to this many values keep the exact resampling bootstrap (bootstrapDistributions). */
export const EXACT_BOOTSTRAP_MAX_QUERIES = 100_000;

/**
 * How a percentile bootstrap resamples: 'resample' draws every resample in full
 * (bootstrapDistributions, O(n) a resample); 'order-statistics' draws the same multinomial
 * resample but only the order statistics the percentiles need (reports/order-statistic-bootstrap.ts,
 * independent of n). 'auto' (the default) takes 'resample' when every sample has at most
 * EXACT_BOOTSTRAP_MAX_QUERIES values, so that runs of that size give the numbers they always
 * gave, and 'order-statistics' above it, where 'resample' took minutes (1,000 resamples of two
 * systems of 1.4 million queries: about 9 minutes a statistic).
 */
export type PercentileBootstrapMethod = 'resample' | 'order-statistics';

export function percentileBootstrapMethod(sampleSizes: readonly number[], requested: PercentileBootstrapMethod | 'auto' = 'auto'): PercentileBootstrapMethod {
  if (requested !== 'auto') return requested;
  return sampleSizes.some((n) => n > EXACT_BOOTSTRAP_MAX_QUERIES) ? 'order-statistics' : 'resample';
}

export interface PercentileBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  readonly paired?: boolean;
  readonly method?: PercentileBootstrapMethod | 'auto';
}

/**
 * Percentile bootstrap of statistics that depend on the samples only through their percentiles
 * `percentiles` (linear-interpolated, percentileOfSorted): `statistics` receives, per sample, its
 * resample's percentiles in that order. Returns the method used and, per statistic, its sorted
 * values over all resamples. With 'resample' the numbers are exactly those of
 * bootstrapDistributions with percentileOfSorted on each sorted resample.
 */
export function bootstrapPercentiles(
  samples: readonly Float64Array[],
  percentiles: readonly number[],
  statistics: (percentiles: readonly Float64Array[]) => readonly number[],
  options: PercentileBootstrapOptions,
): { method: PercentileBootstrapMethod; distributions: Float64Array[] } {
  const method = percentileBootstrapMethod(
    samples.map((s) => s.length),
    options.method,
  );
  const { resamples, seed, paired } = options;
  if (method === 'order-statistics') return { method, distributions: orderStatisticBootstrap(samples, percentiles, statistics, { resamples, seed, paired }) };
  const at = (r: Float64Array): Float64Array => Float64Array.from(percentiles, (p) => percentileOfSorted(r, p));
  return { method, distributions: bootstrapDistributions(samples, (rs) => statistics(rs.map(at)), { resamples, seed, paired }) };
}

function medianAndGap(sorted: Float64Array): [number, number] {
  const p50 = percentileOfSorted(sorted, 50);
  return [p50, percentileOfSorted(sorted, 99.9) - p50];
}

export function compareGaps(
  system: string,
  a: Float64Array,
  against: string,
  b: Float64Array,
  options: { resamples?: number; seed?: number; paired?: boolean; method?: PercentileBootstrapMethod | 'auto' } = {},
): GapComparison {
  if (options.paired && a.length !== b.length) throw new Error(`gap comparison: paired needs aligned samples, got ${a.length} and ${b.length} queries`);
  const paired = options.paired ?? false;
  if (a.length === 0 || b.length === 0) throw new Error(`gap comparison: ${a.length === 0 ? system : against} has no measured queries`);
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 1;
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const [ma, ga] = medianAndGap(sa);
  const [mb, gb] = medianAndGap(sb);
  // Per resample: [p50, p99.9] of each system; the gap is p99.9 - p50 (medianAndGap's arithmetic).
  const {
    method,
    distributions: [medianRatios, gapRatios],
  } = bootstrapPercentiles([a, b], [50, 99.9], ([ra, rb]) => [ra[0] / rb[0], (ra[1] - ra[0]) / (rb[1] - rb[0])], { resamples, seed, paired, method: options.method });
  const ci = (v: Float64Array): [number, number] => [round(percentileOfSorted(v, 2.5)), round(percentileOfSorted(v, 97.5))];
  return {
    system,
    against,
    queries: { system: a.length, against: b.length },
    medianMs: { system: round(ma), against: round(mb) },
    gapMs: { system: round(ga), against: round(gb) },
    medianRatio: round(ma / mb),
    medianRatioCi95: ci(medianRatios),
    gapRatio: round(ga / gb),
    gapRatioCi95: ci(gapRatios),
    bootstrap: { resamples, seed, paired, method },
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : x;
}
