import { DEFAULT_CONFIDENCE, minQueriesForPercentile } from '../harness/load/percentile-sample-size.ts';
import { bootstrapDistributions, percentileOfSorted } from './gap-comparison.ts';
import { pairByQuery, type MeasuredQueries } from './run-records.ts';

/**
 * Bootstrap confidence intervals for a run's latency percentiles, per system and for ratios
 * between systems, and the binomial sample-count bound that decides whether a percentile may be
 * stated at all.
 *
 * - Percentiles are linear-interpolated over the measured queries' latencies from the scheduled
 *   send time (as reports/gap-comparison.ts); lost queries count as infinitely slow, so a
 *   percentile that falls on a lost query is infinite ("lost"), never a small number.
 * - Intervals are percentile-bootstrap 95% intervals (seeded, so a report is reproducible).
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

export function systemPercentiles(system: string, queries: MeasuredQueries, options: IntervalOptions = {}): SystemPercentiles {
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
  const distributions = bootstrapDistributions([queries.latencyMs], ([r]) => REPORTED_PERCENTILES.map((p) => percentileOfSorted(r, p)), { resamples, seed });
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

/** Ratios of `system` to `against` at each reported percentile, paired by query, with bootstrap intervals. */
export function pairedRatios(system: string, a: MeasuredQueries, against: string, b: MeasuredQueries, options: IntervalOptions = {}): PairedRatio[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const pairs = pairByQuery(a, b);
  const n = pairs.a.length;
  if (n === 0) {
    return REPORTED_PERCENTILES.map((p) => ({ system, against, percentile: p, pairs: 0, ratio: null, ci95: [null, null], sufficient: false }));
  }
  const sa = Float64Array.from(pairs.a).sort();
  const sb = Float64Array.from(pairs.b).sort();
  const distributions = bootstrapDistributions(
    [pairs.a, pairs.b],
    ([ra, rb]) => REPORTED_PERCENTILES.map((p) => percentileOfSorted(ra, p) / percentileOfSorted(rb, p)),
    { resamples, seed, paired: true },
  );
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

/**
 * Intervals for every system, and ratios of the reference system (ParM when measured, else the
 * first) to every other one.
 */
export function runIntervals(systems: readonly { system: string; queries: MeasuredQueries }[], options: IntervalOptions = {}): IntervalsReport {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? 1;
  const reference = systems.find((s) => s.system === 'parm') ?? systems[0];
  return {
    percentiles: REPORTED_PERCENTILES,
    confidence: DEFAULT_CONFIDENCE,
    bootstrap: {
      resamples,
      seed,
      paired: true,
      method: 'percentile bootstrap, 95%; ratios resample query indices shared by both systems (same seeded schedule)',
    },
    systems: systems.map((s) => systemPercentiles(s.system, s.queries, { resamples, seed })),
    ratios: reference
      ? systems.filter((s) => s !== reference).flatMap((s) => pairedRatios(reference.system, reference.queries, s.system, s.queries, { resamples, seed }))
      : [],
  };
}
