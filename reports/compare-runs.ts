import { join } from 'node:path';
import { checkSampleSize } from '../harness/load/run-validity.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import {
  bootstrapDistributions,
  bootstrapPercentiles,
  EXACT_BOOTSTRAP_MAX_QUERIES,
  percentileBootstrapMethod,
  percentileOfSorted,
  type PercentileBootstrapMethod,
} from './gap-comparison.ts';
import { METRICS, ratioOf, type BootstrapDependence, type MetricDefinition, type MetricName } from './compare-metrics.ts';
import { binomialVariate } from './random-variates.ts';
import { readQuerySamples, sameQueries, type QuerySamples } from './compare-query-samples.ts';
import { CompareInputError, configurationDifferences, type BenchRunDirectory, type SweepRunDirectory } from './compare-run-directory.ts';
import { judgeChange, verdictRuleText, type Verdict, type VerdictRule } from './compare-verdict.ts';

/**
 * Run B against run A (e.g. a change against its base): for each system measured in both and
 * each figure of compare-metrics.ts, B's value against A's (ratio B/A, or difference for the share
 * of lost queries) with a percentile-bootstrap confidence interval over the two runs' per-query
 * records, and a verdict by the rule of compare-verdict.ts. The two runs are resampled
 * independently, unless they have the same configuration (workload, seeds, settings) and the same
 * measured queries: then they ran the identical schedule and are resampled in pairs by query id.
 *
 * Up to EXACT_BOOTSTRAP_MAX_QUERIES measured queries in each run (method 'resample') every
 * resample is drawn in full, as it always was. Above it (method 'order-statistics'; an hour-long
 * simulated run has 1.4 million queries a system, where drawing every resample took many
 * minutes) each resample is still the same multinomial draw of n queries (jointly for both runs
 * when paired), but drawn only as far as each figure needs, so the bootstrap distribution is the
 * same one (largeSampleDistributions): the latency percentiles and the gap through their order
 * statistics (reports/order-statistic-bootstrap.ts), the shares of lost queries and the accuracy
 * through the resample's counts of each kind of query ('category-counts'). The mean needs every
 * value, and drawing them costs what the whole bootstrap cost: its draws in the tails (lowest
 * and highest 1% of each run's answered queries) and of lost queries are drawn exactly, the sum
 * of the others through its normal limit with their exact mean and covariance ('normal-bulk',
 * finiteSumsBootstrap; the one approximation, far below the Monte Carlo error of the intervals).
 * Each figure says how (MetricComparison.bootstrap).
 */
export const RUN_COMPARISON_SCHEMA = 'parm-bench/run-comparison@1';

export interface CompareOptions extends VerdictRule {
  readonly resamples: number;
  readonly seed: number;
  /**
   * The bootstrap of the latency percentiles (PercentileBootstrapMethod); default 'auto':
   * 'resample' when both runs have at most EXACT_BOOTSTRAP_MAX_QUERIES measured queries of the
   * system, 'order-statistics' above. The other figures follow it (see above).
   */
  readonly method?: PercentileBootstrapMethod | 'auto';
}

/**
 * How a figure's resamples were drawn: 'resample', in full; 'order-statistics', only the order
 * statistics its percentiles need; 'category-counts', only how many queries of each kind
 * (lost or not; right, wrong or unlabelled) the resample holds. These three draw the same
 * multinomial resample of the queries (the same bootstrap distribution). 'normal-bulk' (the
 * mean of a large sample): the same multinomial counts per cell and exact draws in the tails,
 * the sum of the draws in the bulk through its normal limit (finiteSumsBootstrap).
 */
export type FigureBootstrapMethod = PercentileBootstrapMethod | 'category-counts' | 'normal-bulk';
export const FIGURE_BOOTSTRAP_METHODS: readonly FigureBootstrapMethod[] = ['resample', 'order-statistics', 'category-counts', 'normal-bulk'];

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { confidence: 0.95, minEffect: 0.05, resamples: 1000, seed: 1 };

export interface MetricComparison {
  readonly system: string;
  readonly metric: MetricName;
  readonly label: string;
  readonly unit: 'ms' | 'fraction';
  readonly change: 'ratio' | 'difference';
  readonly a: number | null;
  readonly b: number | null;
  /** B/A or B - A; null when it cannot be computed. */
  readonly value: number | null;
  readonly ci: readonly [number, number] | null;
  readonly verdict: Verdict;
  readonly note: string | null;
  /** How the interval's resamples were drawn; null when there is no interval. */
  readonly bootstrap: FigureBootstrapMethod | null;
}

export interface RunSide {
  readonly dir: string;
  readonly workload: string;
  readonly createdAt: string;
  readonly configHash: string | null;
  readonly gitSha: string | null;
  readonly partial: boolean;
}

export interface SystemPairing {
  readonly system: string;
  readonly paired: boolean;
  readonly queries: { readonly a: number; readonly b: number };
  /**
   * The bootstrap of the latency percentiles: 'resample' (in full) up to
   * EXACT_BOOTSTRAP_MAX_QUERIES measured queries in each run, 'order-statistics' above (the
   * other figures then as MetricComparison.bootstrap says).
   */
  readonly method: PercentileBootstrapMethod;
}

export interface PointComparison {
  /** The sweep point ("rate = 270"), or null for a single run. */
  readonly point: string | null;
  readonly a: RunSide;
  readonly b: RunSide;
  readonly sameConfiguration: boolean;
  readonly pairing: readonly SystemPairing[];
  readonly warnings: readonly string[];
  readonly metrics: readonly MetricComparison[];
}

export interface RunComparison {
  readonly schema: typeof RUN_COMPARISON_SCHEMA;
  readonly a: string;
  readonly b: string;
  readonly rule: CompareOptions & { readonly text: string; readonly interval: string };
  readonly points: readonly PointComparison[];
  readonly warnings: readonly string[];
  readonly regressions: number;
  readonly improvements: number;
}

function side(run: BenchRunDirectory): RunSide {
  return {
    dir: run.dir,
    workload: run.results.workload,
    createdAt: run.results.createdAt,
    configHash: run.configHash,
    gitSha: run.git?.sha ?? null,
    partial: run.results.partial,
  };
}

function interval(sorted: Float64Array, confidence: number): [number, number] {
  return [round(percentileOfSorted(sorted, (100 * (1 - confidence)) / 2)), round(percentileOfSorted(sorted, (100 * (1 + confidence)) / 2))];
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? round(x) : null;
}

/** Sorted copy. */
function sortedCopy(v: Float64Array): Float64Array {
  return Float64Array.from(v).sort();
}

function change(metric: MetricDefinition, b: number, a: number): number {
  return metric.change === 'ratio' ? ratioOf(b, a) : b - a;
}

/** A figure's bootstrap distribution (sorted) and how its resamples were drawn. */
export interface FigureDistribution {
  readonly distribution: Float64Array;
  readonly method: FigureBootstrapMethod;
}

export interface FigureBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  readonly paired: boolean;
  /** 'resample': every resample in full (exactly the numbers of before); 'order-statistics': largeSampleDistributions. */
  readonly method: PercentileBootstrapMethod;
}

/**
 * Bootstrap distributions of figures over one sample (nightly: the figure itself) or two (compare:
 * B against A, paired or not): `samplesOf` gives the samples a figure is computed from (latencies
 * or correctness, one per run), `figure` turns the statistic's value on each (re)sample into the
 * figure. With method 'resample' every resample is drawn in full (sorted for latency figures),
 * as `compare` and `nightly` always did: for samples up to EXACT_BOOTSTRAP_MAX_QUERIES queries
 * the numbers are exactly those of before. With 'order-statistics', largeSampleDistributions.
 */
export function figureDistributions(
  metrics: readonly MetricDefinition[],
  samplesOf: (of: MetricDefinition['of']) => readonly Float64Array[],
  figure: (m: MetricDefinition, values: readonly number[]) => number,
  options: FigureBootstrapOptions,
): Map<MetricDefinition, FigureDistribution> {
  if (options.method === 'order-statistics') return largeSampleDistributions(metrics, samplesOf, figure, options);
  const out = new Map<MetricDefinition, FigureDistribution>();
  for (const of of ['latency', 'correctness'] as const) {
    const group = metrics.filter((m) => m.of === of);
    if (group.length === 0) continue;
    // The draws do not depend on the statistics: one bootstrap for the group gives each figure
    // the distribution a bootstrap of its own would.
    const distributions = bootstrapDistributions(samplesOf(of), (rs) => group.map((m) => figure(m, rs.map((r) => m.statistic(r)))), {
      resamples: options.resamples,
      seed: options.seed,
      paired: options.paired,
      sorted: of === 'latency',
    });
    group.forEach((m, i) => out.set(m, { distribution: distributions[i], method: 'resample' }));
  }
  return out;
}

/**
 * The bootstrap of large samples: each resample is the same multinomial draw of n queries as
 * drawing it in full (jointly for all samples when paired), drawn only as far as each figure
 * needs (MetricDefinition.bootstrapBy):
 * - percentiles: through the order statistics they read (bootstrapPercentiles, 'order-statistics');
 * - category-counts: the resample's counts per category (categoryCountsBootstrap);
 * - finite-sums: the tails exactly, the bulk's sum through its normal limit (finiteSumsBootstrap,
 *   'normal-bulk');
 * - figures that do not say: every resample in full and sorted ('resample', O(n) a resample).
 * The first two and the last give the bootstrap distribution of the full resample (the Monte
 * Carlo noise is that of other random draws); finite-sums is the one approximation.
 */
export function largeSampleDistributions(
  metrics: readonly MetricDefinition[],
  samplesOf: (of: MetricDefinition['of']) => readonly Float64Array[],
  figure: (m: MetricDefinition, values: readonly number[]) => number,
  options: Omit<FigureBootstrapOptions, 'method'>,
): Map<MetricDefinition, FigureDistribution> {
  const { resamples, seed, paired } = options;
  const out = new Map<MetricDefinition, FigureDistribution>();
  for (const of of ['latency', 'correctness'] as const) {
    const group = metrics.filter((m) => m.of === of);
    if (group.length === 0) continue;
    const samples = samplesOf(of);
    const byPercentiles = group.filter((m) => m.bootstrapBy?.kind === 'percentiles');
    if (byPercentiles.length > 0) {
      const at = [...new Set(byPercentiles.flatMap((m) => (m.bootstrapBy as PercentilesDependence).at))].sort((x, y) => x - y);
      const picks = byPercentiles.map((m) => (m.bootstrapBy as PercentilesDependence).at.map((p) => at.indexOf(p)));
      const { distributions } = bootstrapPercentiles(
        samples,
        at,
        (ps) => byPercentiles.map((m, i) => figure(m, ps.map((v) => (m.bootstrapBy as PercentilesDependence).from(picks[i].map((j) => v[j]))))),
        { resamples, seed, paired, method: 'order-statistics' },
      );
      byPercentiles.forEach((m, i) => out.set(m, { distribution: distributions[i], method: 'order-statistics' }));
    }
    for (const m of group) {
      const by = m.bootstrapBy;
      if (by?.kind === 'category-counts') {
        const distribution = categoryCountsBootstrap(samples, by, (counts, n) => figure(m, counts.map((c, k) => by.from(c, n[k]))), { resamples, seed, paired });
        out.set(m, { distribution, method: 'category-counts' });
      } else if (by?.kind === 'finite-sums') {
        const distribution = finiteSumsBootstrap(samples, (sums, finite, n) => figure(m, n.map((nk, k) => by.from(sums[k], finite[k], nk))), { resamples, seed, paired });
        out.set(m, { distribution, method: 'normal-bulk' });
      }
    }
    const full = group.filter((m) => m.bootstrapBy === undefined);
    if (full.length > 0) {
      const distributions = bootstrapDistributions(samples, (rs) => full.map((m) => figure(m, rs.map((r) => m.statistic(r)))), { resamples, seed, paired });
      full.forEach((m, i) => out.set(m, { distribution: distributions[i], method: 'resample' }));
    }
  }
  return out;
}

type PercentilesDependence = Extract<BootstrapDependence, { kind: 'percentiles' }>;
type CategoryCountsDependence = Extract<BootstrapDependence, { kind: 'category-counts' }>;

/**
 * Percentile bootstrap of a statistic of category counts (a share), without drawing the
 * resamples' queries: a resample of n queries drawn with replacement holds each category
 * Multinomial(n; size / n) times, drawn here as sequential conditional binomials (exact
 * samplers, reports/random-variates.ts): a few draws a resample instead of n. Paired, the
 * categories are those of the query in every sample at once (e.g. lost in A but not in B), so
 * that the joint counts, and not only each sample's, are those of shared query indices; each
 * sample's counts are then sums of them. `statistic` gets, per sample, its counts per category
 * and its size. Returns the statistic's sorted values over all resamples.
 */
export function categoryCountsBootstrap(
  samples: readonly Float64Array[],
  by: CategoryCountsDependence,
  statistic: (counts: readonly Float64Array[], n: readonly number[]) => number,
  options: { readonly resamples: number; readonly seed: number; readonly paired: boolean },
): Float64Array {
  if (samples.some((s) => s.length === 0)) throw new Error('bootstrap: every sample needs at least one value');
  if (options.paired && samples.some((s) => s.length !== samples[0].length)) throw new Error('bootstrap: paired samples must have the same length');
  const k = by.categories;
  const groups = options.paired ? [samples.map((_, d) => d)] : samples.map((_, d) => [d]);
  // Per group: the size of each joint category (mixed radix: the category in sample d is digit d).
  const plans = groups.map((dims) => {
    const sizes = new Float64Array(k ** dims.length);
    const n = samples[dims[0]].length;
    for (let j = 0; j < n; j++) {
      let cell = 0;
      for (let i = dims.length - 1; i >= 0; i--) {
        const c = by.categoryOf(samples[dims[i]][j]);
        if (!(Number.isInteger(c) && c >= 0 && c < k)) throw new Error(`bootstrap: category ${c} of value ${samples[dims[i]][j]} is not one of 0..${k - 1}`);
        cell = cell * k + c;
      }
      sizes[cell]++;
    }
    const cells = Int32Array.from(sizes.keys()).filter((c) => sizes[c] > 0);
    return { dims, n, cells, sizes: Float64Array.from(cells, (c) => sizes[c]) };
  });
  const random = new SeededRandom(options.seed);
  const counts = samples.map(() => new Float64Array(k));
  const n = samples.map((s) => s.length);
  const out = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    for (const c of counts) c.fill(0);
    for (const plan of plans) {
      let draws = plan.n;
      let left = plan.n;
      plan.cells.forEach((cell, i) => {
        const size = plan.sizes[i];
        const drawn = i === plan.cells.length - 1 ? draws : binomialVariate(random, draws, size / left);
        draws -= drawn;
        left -= size;
        for (let d = 0, rest = cell; d < plan.dims.length; d++, rest = Math.floor(rest / k)) counts[plan.dims[d]][rest % k] += drawn;
      });
    }
    out[r] = statistic(counts, n);
  }
  return out.sort();
}

/** Share of each sample's finite values, at each end, whose draws finiteSumsBootstrap draws exactly. */
export const SUM_TAIL_SHARE = 0.01;

/**
 * Bootstrap of a statistic of the sum and the number of the finite values of each resample (a
 * mean of answered queries), for large samples. Drawing a resample's values costs O(n), as
 * drawing it in full does; instead each query is put in a cell by its bucket in every sample
 * (jointly when paired): its value is lost (not finite), in the tails (below the SUM_TAIL_SHARE
 * quantile or above the 1 - SUM_TAIL_SHARE quantile of the sample's finite values) or in the
 * bulk between them. Per resample:
 * - the cells' counts are drawn exactly, as one Multinomial(n; |cell| / n) (sequential
 *   conditional binomials; what drawing n queries gives);
 * - a cell with a value in the tails is expanded exactly (its draws picked uniformly among its
 *   queries: given the counts, what the full resample does), so outliers and the lumpy
 *   distribution they give the mean are kept; lost values add nothing to the sums;
 * - a cell in the bulk (or lost) in every sample, holding k draws, adds its sums as their normal
 *   limit, N(k mean, k covariance) over its queries (the exact mean and covariance of the sum of
 *   k draws). That is the one approximation: a sum of about 0.98 n (more than 98,000) draws of
 *   values confined to the bulk's range, whose skewness (about that of one draw / sqrt(k), a few
 *   thousandths for latencies) moves the 2.5% and 97.5% points of the bootstrap distribution by
 *   far less than the Monte Carlo error of 1,000 resamples (about 0.08 of its standard
 *   deviation). test/compare-verdict.test.ts checks it against the full resample.
 * Cost per resample: a few binomial draws and about 2 SUM_TAIL_SHARE n draws. `statistic` gets,
 * per sample, the resample's sum of finite values, their number and the sample's size. Returns
 * its sorted values over all resamples.
 */
export function finiteSumsBootstrap(
  samples: readonly Float64Array[],
  statistic: (sums: readonly number[], finite: readonly number[], n: readonly number[]) => number,
  options: { readonly resamples: number; readonly seed: number; readonly paired: boolean },
): Float64Array {
  if (samples.some((s) => s.length === 0)) throw new Error('bootstrap: every sample needs at least one value');
  if (options.paired && samples.some((s) => s.length !== samples[0].length)) throw new Error('bootstrap: paired samples must have the same length');
  const LOST = 0;
  const BULK = 2;
  const groups = options.paired ? [samples.map((_, d) => d)] : samples.map((_, d) => [d]);
  const plans = groups.map((dims) => {
    const n = samples[dims[0]].length;
    const bucketOf = dims.map((d) => {
      const s = samples[d];
      const finite = Float64Array.from(s.filter(Number.isFinite)).sort();
      const tail = Math.floor(SUM_TAIL_SHARE * finite.length);
      const low = finite.length > 0 ? finite[tail] : 0;
      const high = finite.length > 0 ? finite[finite.length - 1 - tail] : 0;
      return (x: number): number => (!Number.isFinite(x) ? LOST : x < low ? 1 : x > high ? 3 : BULK);
    });
    // Cell of each query: its bucket in every sample (mixed radix 4), its queries grouped.
    const cellOf = new Int32Array(n);
    const sizes = new Int32Array(4 ** dims.length);
    for (let j = 0; j < n; j++) {
      let cell = 0;
      for (let i = dims.length - 1; i >= 0; i--) cell = cell * 4 + bucketOf[i](samples[dims[i]][j]);
      cellOf[j] = cell;
      sizes[cell]++;
    }
    const cellStart = new Int32Array(sizes.length + 1);
    for (let c = 0; c < sizes.length; c++) cellStart[c + 1] = cellStart[c] + sizes[c];
    const fill = cellStart.slice(0, sizes.length);
    const members = new Uint32Array(n);
    for (let j = 0; j < n; j++) members[fill[cellOf[j]]++] = j;
    const cells = Array.from(sizes.keys())
      .filter((c) => sizes[c] > 0)
      .map((c) => {
        const buckets = dims.map((_, i) => Math.floor(c / 4 ** i) % 4);
        const finite = buckets.map((b) => b !== LOST);
        const start = cellStart[c];
        const size = sizes[c];
        const normal = buckets.every((b) => b === LOST || b === BULK);
        // The bulk cell's mean and the Cholesky factor of its covariance (divisor: its size).
        const mean = dims.map((d, i) => (finite[i] ? sumOf(samples[d], members, start, size) / size : 0));
        const cholesky = normal ? choleskyOf(dims.map((d1, i) => dims.map((d2, k) => (finite[i] && finite[k] ? covarianceOf(samples[d1], samples[d2], mean[i], mean[k], members, start, size) : 0)))) : [];
        return { start, size, finite, normal, mean, cholesky };
      });
    return { dims, n, cells, members };
  });
  const random = new SeededRandom(options.seed);
  const sums = samples.map(() => 0);
  const finite = samples.map(() => 0);
  const n = samples.map((s) => s.length);
  const z = new Float64Array(samples.length);
  const out = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    sums.fill(0);
    finite.fill(0);
    for (const { dims, n: size, cells, members } of plans) {
      let draws = size;
      let left = size;
      for (let c = 0; c < cells.length; c++) {
        const cell = cells[c];
        const k = c === cells.length - 1 ? draws : binomialVariate(random, draws, cell.size / left);
        draws -= k;
        left -= cell.size;
        if (k === 0) continue;
        for (let i = 0; i < dims.length; i++) if (cell.finite[i]) finite[dims[i]] += k;
        if (cell.normal) {
          if (!cell.finite.some(Boolean)) continue;
          const root = Math.sqrt(k);
          for (let i = 0; i < dims.length; i++) z[i] = random.nextNormal();
          for (let i = 0; i < dims.length; i++) {
            if (!cell.finite[i]) continue;
            let noise = 0;
            for (let j = 0; j <= i; j++) noise += cell.cholesky[i][j] * z[j];
            sums[dims[i]] += k * cell.mean[i] + root * noise;
          }
        } else {
          // Exactly: k queries picked uniformly among the cell's, the same ones for every sample.
          for (let t = 0; t < k; t++) {
            const q = members[cell.start + random.nextInt(cell.size)];
            for (let i = 0; i < dims.length; i++) if (cell.finite[i]) sums[dims[i]] += samples[dims[i]][q];
          }
        }
      }
    }
    out[r] = statistic(sums, finite, n);
  }
  return out.sort();
}

function sumOf(values: Float64Array, members: Uint32Array, start: number, size: number): number {
  let s = 0;
  for (let j = start; j < start + size; j++) s += values[members[j]];
  return s;
}

function covarianceOf(x: Float64Array, y: Float64Array, mx: number, my: number, members: Uint32Array, start: number, size: number): number {
  let s = 0;
  for (let j = start; j < start + size; j++) s += (x[members[j]] - mx) * (y[members[j]] - my);
  return s / size;
}

/** Lower-triangular L with L L^T = c, for a positive semi-definite c (a zero pivot: a zero column). */
function choleskyOf(c: number[][]): number[][] {
  const l = c.map(() => c.map(() => 0));
  for (let i = 0; i < c.length; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) l[i][i] = Math.sqrt(Math.max(s, 0));
      else l[i][j] = l[j][j] > 0 ? s / l[j][j] : 0;
    }
  }
  return l;
}

/** One system: every metric with its interval and verdict. */
export function compareSystemSamples(system: string, a: QuerySamples, b: QuerySamples, paired: boolean, options: CompareOptions, metrics: readonly MetricDefinition[] = METRICS): MetricComparison[] {
  const out: MetricComparison[] = [];
  const latencyMetrics = metrics.filter((m) => m.of === 'latency');
  const correctnessMetrics = metrics.filter((m) => m.of === 'correctness');
  const empty = a.latencyMs.length === 0 || b.latencyMs.length === 0;
  const method = percentileBootstrapMethod([a.latencyMs.length, b.latencyMs.length], options.method);

  const sa = sortedCopy(a.latencyMs);
  const sb = sortedCopy(b.latencyMs);
  const correctnessValues = new Map(correctnessMetrics.map((m) => [m, [m.statistic(a.correct), m.statistic(b.correct)] as const]));
  const bootstrapped = empty ? [] : [...latencyMetrics, ...correctnessMetrics.filter((m) => !correctnessValues.get(m)!.some(Number.isNaN))];
  const distributions = figureDistributions(
    bootstrapped,
    (of) => (of === 'latency' ? [a.latencyMs, b.latencyMs] : [a.correct, b.correct]),
    (m, [va, vb]) => change(m, vb, va),
    { resamples: options.resamples, seed: options.seed, paired, method },
  );
  latencyMetrics.forEach((m) => {
    if (empty) {
      out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: null, b: null, value: null, ci: null, verdict: 'n/a', note: 'no measured queries in one of the runs', bootstrap: null });
      return;
    }
    const va = m.statistic(sa);
    const vb = m.statistic(sb);
    const { distribution, method: drawn } = distributions.get(m)!;
    const ci = interval(distribution, options.confidence);
    let verdict = judgeChange(m, ci, options);
    let note: string | null = null;
    if (m.claimsPercentile !== null) {
      const short = [['A', a.latencyMs.length], ['B', b.latencyMs.length]]
        .map(([name, n]) => ({ name, check: checkSampleSize(m.claimsPercentile!, n as number, 0, null) }))
        .filter((x) => !x.check.enough);
      if (short.length > 0) {
        verdict = 'insufficient samples';
        note = `p${m.claimsPercentile} needs at least ${short[0].check.required} measured queries (binomial rule, ${short[0].check.confidence * 100}% confidence); ${short.map((x) => `${x.name} has ${x.check.measured}`).join(', ')}`;
      }
    }
    if (m.unit === 'ms' && (!Number.isFinite(va) || !Number.isFinite(vb))) note = (note ? `${note}; ` : '') + 'lost queries count as infinitely slow';
    out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: finiteOrNull(va), b: finiteOrNull(vb), value: round(change(m, vb, va)), ci, verdict, note, bootstrap: drawn });
  });

  for (const m of correctnessMetrics) {
    const [va, vb] = correctnessValues.get(m)!;
    const d = distributions.get(m);
    if (!d) {
      out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: finiteOrNull(va), b: finiteOrNull(vb), value: null, ci: null, verdict: 'n/a', note: 'no labelled answers in one of the runs', bootstrap: null });
      continue;
    }
    const ci = interval(d.distribution, options.confidence);
    out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: round(va), b: round(vb), value: round(change(m, vb, va)), ci, verdict: judgeChange(m, ci, options), note: null, bootstrap: d.method });
  }
  const order = new Map(metrics.map((m, i) => [m.name, i]));
  return out.sort((x, y) => order.get(x.metric)! - order.get(y.metric)!);
}

function runWarnings(name: string, run: BenchRunDirectory): string[] {
  const out: string[] = [];
  if (run.results.partial) out.push(`run ${name} is PARTIAL (${run.results.stoppedBecause ?? 'not every system was measured in full'})`);
  for (const s of run.results.systems) {
    if (!s.summary.validity.valid) out.push(`run ${name}, ${s.system}: INVALID: ${s.summary.validity.reasons.slice(0, 3).join('; ')}`);
  }
  if (!run.config) out.push(`run ${name} has no settings.json: its configuration cannot be checked against the other run's`);
  return out;
}

/** One pair of bench runs (a single run, or one point of two sweeps). */
export function compareBenchRuns(a: BenchRunDirectory, b: BenchRunDirectory, options: CompareOptions, point: string | null = null, onSystem?: (system: string) => void): PointComparison {
  const warnings = [...runWarnings('A', a), ...runWarnings('B', b)];
  const sameConfiguration = a.configHash !== null && a.configHash === b.configHash;
  if (a.config && b.config && !sameConfiguration) {
    warnings.push(`the runs' configurations differ (compared anyway, resampled independently): ${configurationDifferences(a.config, b.config).join('; ')}`);
  }
  const systemsA = a.results.systems.map((s) => s.system);
  const systemsB = b.results.systems.map((s) => s.system);
  const onlyA = systemsA.filter((s) => !systemsB.includes(s));
  const onlyB = systemsB.filter((s) => !systemsA.includes(s));
  if (onlyA.length > 0) warnings.push(`only in A (not compared): ${onlyA.join(', ')}`);
  if (onlyB.length > 0) warnings.push(`only in B (not compared): ${onlyB.join(', ')}`);
  const metrics: MetricComparison[] = [];
  const pairing: SystemPairing[] = [];
  for (const ra of a.results.systems) {
    const rb = b.results.systems.find((s) => s.system === ra.system);
    if (!rb) continue;
    onSystem?.(ra.system);
    const qa = readQuerySamples(join(a.dir, ra.files.records));
    const qb = readQuerySamples(join(b.dir, rb.files.records));
    const paired = sameConfiguration && sameQueries(qa, qb) && qa.ids.length > 0;
    const method = percentileBootstrapMethod([qa.latencyMs.length, qb.latencyMs.length], options.method);
    pairing.push({ system: ra.system, paired, queries: { a: qa.ids.length, b: qb.ids.length }, method });
    metrics.push(...compareSystemSamples(ra.system, qa, qb, paired, options));
  }
  if (pairing.length === 0) warnings.push('no system was measured in both runs: nothing to compare');
  return { point, a: side(a), b: side(b), sameConfiguration, pairing, warnings, metrics };
}

/** Two runs, or two sweeps point by point. Throws CompareInputError when they cannot be set side by side. */
export function compareRuns(
  a: BenchRunDirectory | SweepRunDirectory,
  b: BenchRunDirectory | SweepRunDirectory,
  options: CompareOptions = DEFAULT_COMPARE_OPTIONS,
  onSystem?: (point: string | null, system: string) => void,
): RunComparison {
  checkOptions(options);
  const warnings: string[] = [];
  const points: PointComparison[] = [];
  if (a.kind === 'run' && b.kind === 'run') {
    points.push(compareBenchRuns(a, b, options, null, (s) => onSystem?.(null, s)));
  } else if (a.kind === 'sweep' && b.kind === 'sweep') {
    if (a.parameter !== b.parameter) throw new CompareInputError(`${a.dir} sweeps ${a.parameter} but ${b.dir} sweeps ${b.parameter}: sweeps are compared point by point, over the same parameter`);
    if (a.partial) warnings.push('sweep A is PARTIAL');
    if (b.partial) warnings.push('sweep B is PARTIAL');
    for (const pa of a.points) {
      const pb = b.points.find((p) => p.label === pa.label);
      if (!pb) continue;
      points.push(compareBenchRuns(pa.run, pb.run, options, pa.label, (s) => onSystem?.(pa.label, s)));
    }
    const la = a.points.map((p) => p.label);
    const lb = b.points.map((p) => p.label);
    const unmatched = [...la.filter((v) => !lb.includes(v)).map((v) => `${v} (only A)`), ...lb.filter((v) => !la.includes(v)).map((v) => `${v} (only B)`)];
    if (unmatched.length > 0) warnings.push(`sweep points not in both (not compared): ${unmatched.join('; ')}`);
    if (points.length === 0) throw new CompareInputError(`the sweeps share no point (A: ${la.join('; ')}; B: ${lb.join('; ')})`);
  } else {
    const what = (x: typeof a) => (x.kind === 'sweep' ? `a sweep over ${x.parameter}` : 'a single run');
    throw new CompareInputError(`${a.dir} is ${what(a)} but ${b.dir} is ${what(b)}: compare two single runs, or two sweeps over the same parameter (or one point directory of a sweep, e.g. ${a.kind === 'sweep' ? a.points[0]?.run.dir ?? '<sweep>/<point>' : '<sweep>/<point>'})`);
  }
  const all = points.flatMap((p) => p.metrics);
  return {
    schema: RUN_COMPARISON_SCHEMA,
    a: a.dir,
    b: b.dir,
    rule: { ...options, text: verdictRuleText(options), interval: intervalText(options, points) },
    points,
    warnings,
    regressions: all.filter((m) => m.verdict === 'regression').length,
    improvements: all.filter((m) => m.verdict === 'improvement').length,
  };
}

/**
 * The interval in words (printed with every comparison): the bootstrap, and which systems'
 * resamples were drawn by order statistics (nothing said when none were: every resample in full).
 */
function intervalText(options: CompareOptions, points: readonly PointComparison[]): string {
  const base = `${options.confidence * 100}% percentile bootstrap, ${options.resamples} resamples, seed ${options.seed}`;
  const pairings = points.flatMap((p) => p.pairing.map((x) => ({ ...x, point: p.point })));
  const large = pairings.filter((x) => x.method === 'order-statistics');
  if (large.length === 0) return base;
  const which =
    large.length === pairings.length
      ? 'every system'
      : large.map((x) => (x.point === null ? x.system : `${x.system} at ${x.point}`)).join(', ');
  const limit = String(EXACT_BOOTSTRAP_MAX_QUERIES).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const why = options.method === 'order-statistics' ? 'requested' : `more than ${limit} measured queries`;
  return (
    `${base}; order-statistics method for ${which} (${why}): each resample is the same multinomial draw of the queries, drawn only as far as each figure needs ` +
    '(percentiles and the gap: the order statistics they read; lost queries and accuracy: the counts of each kind of query; ' +
    `the mean: the draws in each run's lowest and highest ${SUM_TAIL_SHARE * 100}% exactly, the others' sum through its normal limit with their exact mean and covariance)`
  );
}

export function checkOptions(o: CompareOptions): void {
  if (!(o.confidence > 0 && o.confidence < 1)) throw new CompareInputError(`--confidence: expected a level between 0 and 1 such as 0.95 or 0.9, got ${o.confidence}`);
  if (!(o.minEffect >= 0 && o.minEffect < 1)) throw new CompareInputError(`--min-effect: expected a relative change from 0 to 1 such as 0.05 (5%), got ${o.minEffect}`);
  if (!(Number.isInteger(o.resamples) && o.resamples >= 100)) throw new CompareInputError(`--resamples: expected an integer of at least 100, got ${o.resamples}`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new CompareInputError(`--seed: expected an integer from 0 to 4294967295, got ${o.seed}`);
}
