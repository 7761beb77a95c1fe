import { join } from 'node:path';
import { checkSampleSize } from '../harness/load/run-validity.ts';
import { bootstrapDistributions, percentileOfSorted } from './gap-comparison.ts';
import { METRICS, ratioOf, type MetricDefinition, type MetricName } from './compare-metrics.ts';
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
 */
export const RUN_COMPARISON_SCHEMA = 'parm-bench/run-comparison@1';

export interface CompareOptions extends VerdictRule {
  readonly resamples: number;
  readonly seed: number;
}

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

/** One system: every metric with its interval and verdict. */
export function compareSystemSamples(system: string, a: QuerySamples, b: QuerySamples, paired: boolean, options: CompareOptions, metrics: readonly MetricDefinition[] = METRICS): MetricComparison[] {
  const out: MetricComparison[] = [];
  const latencyMetrics = metrics.filter((m) => m.of === 'latency');
  const correctnessMetrics = metrics.filter((m) => m.of === 'correctness');
  const empty = a.latencyMs.length === 0 || b.latencyMs.length === 0;
  const boot = { resamples: options.resamples, seed: options.seed, paired };

  const sa = sortedCopy(a.latencyMs);
  const sb = sortedCopy(b.latencyMs);
  const latencyDistributions = empty
    ? []
    : bootstrapDistributions([a.latencyMs, b.latencyMs], ([ra, rb]) => latencyMetrics.map((m) => change(m, m.statistic(rb), m.statistic(ra))), boot);
  latencyMetrics.forEach((m, i) => {
    if (empty) {
      out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: null, b: null, value: null, ci: null, verdict: 'n/a', note: 'no measured queries in one of the runs' });
      return;
    }
    const va = m.statistic(sa);
    const vb = m.statistic(sb);
    const ci = interval(latencyDistributions[i], options.confidence);
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
    out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: finiteOrNull(va), b: finiteOrNull(vb), value: round(change(m, vb, va)), ci, verdict, note });
  });

  for (const m of correctnessMetrics) {
    const va = m.statistic(a.correct);
    const vb = m.statistic(b.correct);
    if (empty || Number.isNaN(va) || Number.isNaN(vb)) {
      out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: finiteOrNull(va), b: finiteOrNull(vb), value: null, ci: null, verdict: 'n/a', note: 'no labelled answers in one of the runs' });
      continue;
    }
    const [dist] = bootstrapDistributions([a.correct, b.correct], ([ra, rb]) => [change(m, m.statistic(rb), m.statistic(ra))], { ...boot, sorted: false });
    const ci = interval(dist, options.confidence);
    out.push({ system, metric: m.name, label: m.label, unit: m.unit, change: m.change, a: round(va), b: round(vb), value: round(change(m, vb, va)), ci, verdict: judgeChange(m, ci, options), note: null });
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
    pairing.push({ system: ra.system, paired, queries: { a: qa.ids.length, b: qb.ids.length } });
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
    rule: { ...options, text: verdictRuleText(options), interval: `${options.confidence * 100}% percentile bootstrap, ${options.resamples} resamples, seed ${options.seed}` },
    points,
    warnings,
    regressions: all.filter((m) => m.verdict === 'regression').length,
    improvements: all.filter((m) => m.verdict === 'improvement').length,
  };
}

export function checkOptions(o: CompareOptions): void {
  if (!(o.confidence > 0 && o.confidence < 1)) throw new CompareInputError(`--confidence: expected a level between 0 and 1 such as 0.95 or 0.9, got ${o.confidence}`);
  if (!(o.minEffect >= 0 && o.minEffect < 1)) throw new CompareInputError(`--min-effect: expected a relative change from 0 to 1 such as 0.05 (5%), got ${o.minEffect}`);
  if (!(Number.isInteger(o.resamples) && o.resamples >= 100)) throw new CompareInputError(`--resamples: expected an integer of at least 100, got ${o.resamples}`);
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new CompareInputError(`--seed: expected an integer from 0 to 4294967295, got ${o.seed}`);
}
