import { DEFAULT_CONFIDENCE, minQueriesForPercentile } from '../harness/load/percentile-sample-size.ts';
import { bootstrapPercentiles, EXACT_BOOTSTRAP_MAX_QUERIES, percentileOfSorted, type PercentileBootstrapMethod } from './gap-comparison.ts';
import { pairByQuery, type MeasuredQueries } from './run-records.ts';

/**
 * Bootstrap confidence intervals for a run's latency percentiles, per system and for ratios
 * between systems, and the binomial sample-count bound that decides whether a percentile may be
 * stated at all.
 *
 * - Percentiles are linear-interpolated over the measured queries' latencies from the scheduled
 *   send time (as reports/gap-comparison.ts); lost queries count as infinitely slow, so a
 *   percentile that falls on a lost query is infinite ("lost"), never a small number.
 * - Intervals are percentile-bootstrap 95% intervals (seeded, so a report is reproducible). Up
 *   to EXACT_BOOTSTRAP_MAX_QUERIES queries a sample every resample is drawn in full; above it
 *   the same multinomial resamples are drawn through only the order statistics the percentiles
 *   need (reports/order-statistic-bootstrap.ts: the same bootstrap distribution, in time that
 *   does not grow with the run), and bootstrap.method says so.
 * - Ratios between two systems are paired by query: every system of a run replays the same
 *   seeded arrivals and samples, so query i of one is resampled together with query i of the
 *   other. That keeps what the schedule does to both (a contention window hits the same queries)
 *   out of the ratio's interval.
 * - A percentile needs at least as many queries as MLPerf LoadGen's binomial rule asks with none
 *   over the bound (harness/load/percentile-sample-size.ts: 459 for p99, 4,603 for p99.9 at 99%
 *   confidence); with fewer it is reported as insufficient, with its value shown only as an
 *   indication.
 */

export const REPORTED_PERCENTILES: readonly number[] = [50, 99, 99.9];
export const DEFAULT_RESAMPLES = 1000;

export interface IntervalOptions {
  readonly resamples?: number;
  readonly seed?: number;
  /** Default 'auto': in full up to EXACT_BOOTSTRAP_MAX_QUERIES queries a sample, by order statistics above. */
  readonly method?: PercentileBootstrapMethod | 'auto';
}

/** A finite value, or null for an infinite or undefined one (lost queries). */
export type MaybeMs = number | null;

export interface PercentileEstimate {
  readonly percentile: number;
  /** The percentile over all measured queries, ms; null when it falls on a lost query. */
  readonly valueMs: MaybeMs;
  readonly ci95Ms: readonly [MaybeMs, MaybeMs];
  /** Queries the binomial rule asks for before this percentile may be stated. */
  readonly required: number;
  /** measured >= required. */
  readonly sufficient: boolean;
}

export interface SystemPercentiles {
  readonly system: string;
  readonly measured: number;
  readonly lost: number;
  readonly estimates: readonly PercentileEstimate[];
}

export interface PairedRatio {
  readonly system: string;
  readonly against: string;
  readonly percentile: number;
  /** Queries measured in both systems (the pairs). */
  readonly pairs: number;
  /** percentile(system) / percentile(against) over the pairs; null when undefined (lost queries). */
  readonly ratio: MaybeMs;
  readonly ci95: readonly [MaybeMs, MaybeMs];
  readonly sufficient: boolean;
}

export interface IntervalsReport {
  readonly percentiles: readonly number[];
  readonly confidence: number;
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly paired: boolean; readonly method: string };
  readonly systems: readonly SystemPercentiles[];
  readonly ratios: readonly PairedRatio[];
}

const finite = (x: number): MaybeMs => (Number.isFinite(x) ? round(x) : null);

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** Queries needed before the p-th percentile may be stated (binomial rule, none over the bound). */
export function requiredQueries(percentile: number, confidence = DEFAULT_CONFIDENCE): number {
  return minQueriesForPercentile(percentile, 0, confidence);
}

function interval(distribution: Float64Array): [MaybeMs, MaybeMs] {
  // NaN (Infinity / Infinity) sorts last in a Float64Array: it counts as unknown, i.e. unbounded above.
  return [finite(percentileOfSorted(distribution, 2.5)), finite(percentileOfSorted(distribution, 97.5))];
}

/** `methodsUsed`, when given, receives the bootstrap method taken (none when there was nothing to resample). */
export function systemPercentiles(system: string, queries: MeasuredQueries, options: IntervalOptions = {}, methodsUsed?: PercentileBootstrapMethod[]): SystemPercentiles {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const measured = queries.latencyMs.length;
  if (measured === 0) {
    return {
      system,
      measured,
      lost: 0,
      estimates: REPORTED_PERCENTILES.map((p) => ({ percentile: p, valueMs: null, ci95Ms: [null, null], required: requiredQueries(p), sufficient: false })),
    };
  }
  const sorted = Float64Array.from(queries.latencyMs).sort();
  const { method, distributions } = bootstrapPercentiles([queries.latencyMs], REPORTED_PERCENTILES, ([r]) => Array.from(r), { resamples, seed, method: options.method });
  methodsUsed?.push(method);
  return {
    system,
    measured,
    lost: queries.lost,
    estimates: REPORTED_PERCENTILES.map((p, i) => {
      const required = requiredQueries(p);
      return { percentile: p, valueMs: finite(percentileOfSorted(sorted, p)), ci95Ms: interval(distributions[i]), required, sufficient: measured >= required };
    }),
  };
}

/**
 * Ratios of `system` to `against` at each reported percentile, paired by query, with bootstrap
 * intervals. `methodsUsed`, when given, receives the bootstrap method taken.
 */
export function pairedRatios(
  system: string,
  a: MeasuredQueries,
  against: string,
  b: MeasuredQueries,
  options: IntervalOptions = {},
  methodsUsed?: PercentileBootstrapMethod[],
): PairedRatio[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const pairs = pairByQuery(a, b);
  const n = pairs.a.length;
  if (n === 0) {
    return REPORTED_PERCENTILES.map((p) => ({ system, against, percentile: p, pairs: 0, ratio: null, ci95: [null, null], sufficient: false }));
  }
  const sa = Float64Array.from(pairs.a).sort();
  const sb = Float64Array.from(pairs.b).sort();
  const { method, distributions } = bootstrapPercentiles([pairs.a, pairs.b], REPORTED_PERCENTILES, ([ra, rb]) => Array.from(ra, (x, j) => x / rb[j]), {
    resamples,
    seed,
    paired: true,
    method: options.method,
  });
  methodsUsed?.push(method);
  return REPORTED_PERCENTILES.map((p, i) => ({
    system,
    against,
    percentile: p,
    pairs: n,
    ratio: finite(percentileOfSorted(sa, p) / percentileOfSorted(sb, p)),
    ci95: interval(distributions[i]),
    sufficient: n >= requiredQueries(p),
  }));
}

const METHOD = 'percentile bootstrap, 95%; ratios resample query indices shared by both systems (same seeded schedule)';

/** What bootstrap.method says: the method, and how samples over EXACT_BOOTSTRAP_MAX_QUERIES were resampled. */
export function intervalsMethod(methods: readonly PercentileBootstrapMethod[]): string {
  if (!methods.includes('order-statistics')) return METHOD;
  const which = methods.every((m) => m === 'order-statistics') ? 'every sample' : `samples of more than ${String(EXACT_BOOTSTRAP_MAX_QUERIES).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} queries`;
  return (
    `${METHOD}; order-statistics method for ${which}: each resample is the same multinomial draw of n queries, ` +
    'drawn as counts per cell of sorted positions with only the cells around the needed order statistics expanded ' +
    '(same bootstrap distribution as drawing every resample in full, other random draws)'
  );
}

/**
 * Intervals for every system, and ratios of the reference system (ParM when measured, else the
 * first) to every other one.
 */
export function runIntervals(systems: readonly { system: string; queries: MeasuredQueries }[], options: IntervalOptions = {}): IntervalsReport {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const method = options.method ?? 'auto';
  const reference = systems.find((s) => s.system === 'parm') ?? systems[0];
  const used: PercentileBootstrapMethod[] = [];
  const perSystem = systems.map((s) => systemPercentiles(s.system, s.queries, { resamples, seed, method }, used));
  const ratios = reference
    ? systems.filter((s) => s !== reference).flatMap((s) => pairedRatios(reference.system, reference.queries, s.system, s.queries, { resamples, seed, method }, used))
    : [];
  return {
    percentiles: REPORTED_PERCENTILES,
    confidence: DEFAULT_CONFIDENCE,
    bootstrap: { resamples, seed, paired: true, method: intervalsMethod(used) },
    systems: perSystem,
    ratios,
  };
}
