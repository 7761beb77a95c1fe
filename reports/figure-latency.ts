import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ComparisonPoint } from '../harness/reproduce/claims.ts';
import { percentileWithInterval } from '../harness/reproduce/percentile-interval.ts';
import type { BenchResults } from './bench-report.ts';
import type { ChartPoint, ChartSpec } from './charts/chart-spec.ts';
import { measuredLatencies } from './gap-comparison.ts';

/**
 * The data of one latency figure of `npm run reproduce`: per point (rate, k, shuffles, batch
 * size) and system, the median and p99.9 latency (linear-interpolated, from the per-query
 * records, lost queries as the slowest) with distribution-free 95% intervals, and ParM's ratios
 * against each compared system with the bench's bootstrap intervals. Non-finite values (a bound
 * the data cannot give, a lost query in the tail) are null in the JSON and empty in the CSV.
 */
export const LATENCY_FIGURE_SCHEMA = 'parm-bench/figure-latency@1';

export interface LatencyFigurePoint {
  readonly x: number;
  readonly system: string;
  readonly queries: number;
  readonly valid: boolean;
  readonly partial: boolean;
  readonly reasons: readonly string[];
  readonly p50Ms: number | null;
  readonly p50Ci95: readonly [number | null, number | null];
  readonly p99_9Ms: number | null;
  readonly p99_9Ci95: readonly [number | null, number | null];
  readonly gapMs: number | null;
}

export interface LatencyFigureData {
  readonly schema: typeof LATENCY_FIGURE_SCHEMA;
  readonly figure: string;
  readonly title: string;
  readonly paper: string;
  readonly parameter: string;
  readonly xLabel: string;
  readonly quick: boolean;
  readonly partial: boolean;
  /** Values planned but not measured (stopped early). */
  readonly missing: readonly number[];
  readonly workloadFile: string;
  readonly changes: readonly string[];
  readonly points: readonly LatencyFigurePoint[];
  readonly comparisons: readonly ComparisonPoint[];
}

/** One measured point of a figure: its x value, its bench run directory and results. */
export interface MeasuredPoint {
  readonly x: number;
  readonly dir: string;
  readonly results: BenchResults;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

export function latencyFigureData(input: {
  figure: string;
  title: string;
  paper: string;
  parameter: string;
  xLabel: string;
  quick: boolean;
  planned: readonly number[];
  workloadFile: string;
  changes: readonly string[];
  points: readonly MeasuredPoint[];
  against: readonly string[];
}): LatencyFigureData {
  const points: LatencyFigurePoint[] = [];
  const comparisons: ComparisonPoint[] = [];
  for (const p of input.points) {
    for (const r of p.results.systems) {
      const latencies = measuredLatencies(join(p.dir, r.files.records)).sort();
      const p50 = percentileWithInterval(latencies, 50);
      const p999 = percentileWithInterval(latencies, 99.9);
      points.push({
        x: p.x,
        system: r.system,
        queries: latencies.length,
        valid: r.summary.validity.valid && !r.summary.partial,
        partial: r.summary.partial,
        reasons: r.summary.validity.reasons,
        p50Ms: finite(p50.value),
        p50Ci95: [finite(p50.ci95[0]), finite(p50.ci95[1])],
        p99_9Ms: finite(p999.value),
        p99_9Ci95: [finite(p999.ci95[0]), finite(p999.ci95[1])],
        gapMs: finite(p999.value - p50.value),
      });
    }
    for (const c of p.results.comparisons) {
      if (c.system !== 'parm' || !input.against.includes(c.against)) continue;
      const systems = p.results.systems.filter((r) => r.system === 'parm' || r.system === c.against);
      const reasons = systems.flatMap((r) => (r.summary.validity.valid && !r.summary.partial ? [] : [`${r.system}: ${r.summary.validity.reasons.join('; ') || 'partial'}`]));
      comparisons.push({
        x: p.x,
        against: c.against,
        medianRatio: c.medianRatio,
        medianRatioCi95: c.medianRatioCi95,
        gapRatio: c.gapRatio,
        gapRatioCi95: c.gapRatioCi95,
        valid: systems.length === 2 && reasons.length === 0 && !p.results.partial,
        invalidReasons: reasons,
      });
    }
  }
  const measured = new Set(input.points.map((p) => p.x));
  const missing = input.planned.filter((x) => !measured.has(x));
  return {
    schema: LATENCY_FIGURE_SCHEMA,
    figure: input.figure,
    title: input.title,
    paper: input.paper,
    parameter: input.parameter,
    xLabel: input.xLabel,
    quick: input.quick,
    partial: missing.length > 0 || input.points.some((p) => p.results.partial),
    missing,
    workloadFile: input.workloadFile,
    changes: input.changes,
    points,
    comparisons,
  };
}

/** figure.csv: one row per point and system, ParM's ratios against that system on its row. */
export function latencyFigureCsv(data: LatencyFigureData): string {
  const rows = data.points.map((p) => {
    const c = data.comparisons.find((x) => x.x === p.x && x.against === p.system);
    return [
      p.x, p.system, p.queries, p.valid ? 'valid' : 'INVALID',
      p.p50Ms, p.p50Ci95[0], p.p50Ci95[1], p.p99_9Ms, p.p99_9Ci95[0], p.p99_9Ci95[1], p.gapMs,
      c?.medianRatio, c?.medianRatioCi95[0], c?.medianRatioCi95[1], c?.gapRatio, c?.gapRatioCi95[0], c?.gapRatioCi95[1],
    ].map((v) => (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : v));
  });
  return stringify(rows, {
    header: true,
    columns: [
      data.parameter, 'system', 'queries', 'verdict',
      'p50_ms', 'p50_ci_low', 'p50_ci_high', 'p99_9_ms', 'p99_9_ci_low', 'p99_9_ci_high', 'gap_ms',
      'parm_median_ratio', 'median_ratio_ci_low', 'median_ratio_ci_high', 'parm_gap_ratio', 'gap_ratio_ci_low', 'gap_ratio_ci_high',
    ],
  });
}

function withInterval(x: number, y: number | null, ci: readonly [number | null, number | null]): ChartPoint | null {
  if (y === null) return null;
  const [lo, hi] = ci;
  return lo !== null && hi !== null ? { x, y, yLow: Math.min(lo, y), yHigh: Math.max(hi, y) } : { x, y };
}

const kindFor = (xs: number): 'line' | 'scatter' => (xs > 1 ? 'line' : 'scatter');

/** " [INVALID at rate 150, 270]" when some points may not be used (a chart cannot mark single points). */
function invalidSuffix(data: LatencyFigureData): string {
  const xs = [...new Set(data.points.filter((p) => !p.valid).map((p) => p.x))];
  return xs.length === 0 ? '' : ` [INVALID at ${data.parameter} ${xs.join(', ')}]`;
}

/** figure.png: median and p99.9 per system against x, with their 95% intervals. */
export function latencyChart(data: LatencyFigureData): ChartSpec {
  const systems = [...new Set(data.points.map((p) => p.system))];
  const series = systems.flatMap((system) => {
    const mine = data.points.filter((p) => p.system === system);
    return [
      { label: `${system} p99.9`, points: mine.map((p) => withInterval(p.x, p.p99_9Ms, p.p99_9Ci95)).filter((p): p is ChartPoint => p !== null) },
      { label: `${system} median`, dashed: true, points: mine.map((p) => withInterval(p.x, p.p50Ms, p.p50Ci95)).filter((p): p is ChartPoint => p !== null) },
    ];
  });
  return {
    kind: kindFor(new Set(data.points.map((p) => p.x)).size),
    title: `${data.title}${data.quick ? ' (quick)' : ''}${data.partial ? ' (PARTIAL)' : ''}: median and p99.9 latency, 95% CIs${invalidSuffix(data)}`,
    xLabel: data.xLabel,
    yLabel: 'latency from scheduled send (ms)',
    series,
    yMin: 0,
  };
}

/** figure-ratios.png: ParM's gap and median ratios against each compared system, with bootstrap 95% CIs; 1 = no difference. */
export function ratioChart(data: LatencyFigureData): ChartSpec {
  const against = [...new Set(data.comparisons.map((c) => c.against))];
  const xs = [...new Set(data.points.map((p) => p.x))].sort((a, b) => a - b);
  const ratioPoint = (x: number, y: number, ci: readonly [number, number]): ChartPoint | null =>
    Number.isFinite(y) ? (Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? { x, y, yLow: Math.min(ci[0], y), yHigh: Math.max(ci[1], y) } : { x, y }) : null;
  const series = against.flatMap((a) => {
    const mine = data.comparisons.filter((c) => c.against === a);
    return [
      { label: `gap ratio ParM/${a}`, points: mine.map((c) => ratioPoint(c.x, c.gapRatio, c.gapRatioCi95)).filter((p): p is ChartPoint => p !== null) },
      { label: `median ratio ParM/${a}`, points: mine.map((c) => ratioPoint(c.x, c.medianRatio, c.medianRatioCi95)).filter((p): p is ChartPoint => p !== null) },
    ];
  });
  if (xs.length > 0) series.push({ label: 'no difference (1)', dashed: true, points: xs.map((x) => ({ x, y: 1 })) } as (typeof series)[number]);
  return {
    kind: kindFor(xs.length),
    title: `${data.title}${data.quick ? ' (quick)' : ''}: ParM / other, 95% bootstrap CIs (below 1: ParM better)${invalidSuffix(data)}`,
    xLabel: data.xLabel,
    yLabel: 'ratio ParM / other',
    series,
    yMin: 0,
  };
}
