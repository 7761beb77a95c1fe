import { detectChangePoints, segmentLevels, type ChangePoint } from './change-points.ts';
import { metricDefinition, type MetricName } from './compare-metrics.ts';
import type { ChartSpec } from './charts/chart-spec.ts';
import type { HistoryEntry } from './nightly-history.ts';
import type { NightlyChangePointSettings } from './nightly-suite.ts';

/**
 * The history cut into series (one per suite run, system, figure and configuration) and each
 * searched for change points over its whole length (reports/change-points.ts).
 *
 * A change point is a confirmed regression when:
 * - its later level is worse than its earlier one by more than the minimum effect (relative; for
 *   the share of lost queries: any rise), and the series' latest level is still that much worse
 *   than the earlier one (the shift holds up to the latest run);
 * - it is among the last `recentRuns` runs of the series (older ones are history: they are drawn
 *   and listed, but no longer fail the nightly).
 * Change points need `minSegment` runs on either side, so a shift is confirmed once it has held
 * for that many nightly runs; a single bad night is never one.
 */
export interface SeriesPoint {
  readonly time: string;
  readonly nightly: string;
  readonly gitSha: string;
  readonly value: number;
  readonly ci: readonly [number, number] | null;
  readonly enoughSamples: boolean;
  readonly valid: boolean;
}

export interface SeriesRegression {
  readonly changePoint: ChangePoint;
  /** after / before - 1 (ratio figures) or after - before (lost share). */
  readonly change: number;
  readonly firstBadRun: SeriesPoint;
  readonly lastGoodRun: SeriesPoint;
}

export interface SeriesAnalysis {
  readonly key: string;
  readonly run: string;
  readonly system: string;
  readonly metric: MetricName;
  readonly unit: 'ms' | 'fraction';
  readonly configHash: string;
  readonly points: readonly SeriesPoint[];
  /** Lines left out because their figure was not finite. */
  readonly skipped: number;
  readonly changePoints: readonly ChangePoint[];
  readonly levels: readonly number[];
  /** Confirmed regressions (usually none or one). */
  readonly regressions: readonly SeriesRegression[];
}

export function seriesKey(e: Pick<HistoryEntry, 'run' | 'system' | 'metric' | 'configHash'>): string {
  return `${e.run} | ${e.system} | ${e.metric} | ${e.configHash}`;
}

function worseBy(metric: MetricName, before: number, after: number): number {
  const m = metricDefinition(metric);
  if (m.change === 'difference') return m.better === 'lower' ? after - before : before - after;
  if (before === 0) return after === 0 ? 0 : m.better === 'lower' ? Infinity : -Infinity;
  const ratio = after / before - 1;
  return m.better === 'lower' ? ratio : -ratio;
}

function isWorse(metric: MetricName, before: number, after: number, minEffect: number): boolean {
  const w = worseBy(metric, before, after);
  return metricDefinition(metric).change === 'difference' ? w > 0 : w > minEffect;
}

export function analyseSeries(entries: readonly HistoryEntry[], settings: NightlyChangePointSettings, minEffect: number): SeriesAnalysis {
  const first = entries[0];
  const points: SeriesPoint[] = [];
  let skipped = 0;
  for (const e of entries) {
    if (e.value === null || !Number.isFinite(e.value)) {
      skipped++;
      continue;
    }
    points.push({ time: e.time, nightly: e.nightly, gitSha: e.gitSha, value: e.value, ci: e.ci, enoughSamples: e.enoughSamples, valid: e.valid });
  }
  const values = points.map((p) => p.value);
  const changePoints = detectChangePoints(values, settings);
  const levels = [...segmentLevels(values.length, changePoints, values)];
  const latestLevel = levels.length > 0 ? levels[levels.length - 1] : NaN;
  const regressions: SeriesRegression[] = [];
  for (const cp of changePoints) {
    if (cp.index < values.length - settings.recentRuns) continue;
    if (!isWorse(first.metric, cp.before.mean, cp.after.mean, minEffect)) continue;
    if (!isWorse(first.metric, cp.before.mean, latestLevel, minEffect)) continue;
    const m = metricDefinition(first.metric);
    const change = m.change === 'difference' ? cp.after.mean - cp.before.mean : cp.after.mean / cp.before.mean - 1;
    regressions.push({ changePoint: cp, change, firstBadRun: points[cp.index], lastGoodRun: points[cp.index - 1] });
  }
  return {
    key: seriesKey(first),
    run: first.run,
    system: first.system,
    metric: first.metric,
    unit: first.unit,
    configHash: first.configHash,
    points,
    skipped,
    changePoints,
    levels,
    regressions,
  };
}

/** Every series of the history, in the order they first appear. */
export function analyseHistory(history: readonly HistoryEntry[], settings: NightlyChangePointSettings, minEffect: number): SeriesAnalysis[] {
  const groups = new Map<string, HistoryEntry[]>();
  for (const e of history) {
    const k = seriesKey(e);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(e);
  }
  return [...groups.values()].map((g) => analyseSeries(g, settings, minEffect));
}

/** One chart per suite run and figure: a line per system (with its intervals), its levels dashed, change points shaded. */
export function trendChartSpecs(series: readonly SeriesAnalysis[]): { name: string; spec: ChartSpec }[] {
  const groups = new Map<string, SeriesAnalysis[]>();
  for (const s of series) {
    if (s.points.length === 0) continue;
    const k = `${s.run}|${s.metric}|${s.configHash}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(s);
  }
  const out: { name: string; spec: ChartSpec }[] = [];
  for (const g of groups.values()) {
    const { run, metric, unit, configHash } = g[0];
    const scale = unit === 'fraction' ? 100 : 1;
    const def = metricDefinition(metric);
    const spec: ChartSpec = {
      kind: 'line',
      title: `${run}: ${def.label} per nightly run (config ${configHash.slice(0, 8)})`,
      xLabel: 'nightly run (oldest first)',
      yLabel: unit === 'ms' ? `${def.label}, ms` : `${def.label}, %`,
      series: g.flatMap((s) => [
        {
          label: s.system,
          points: s.points.map((p, i) => ({
            x: i + 1,
            y: p.value * scale,
            ...(p.ci && p.ci[0] <= p.value && p.value <= p.ci[1] ? { yLow: p.ci[0] * scale, yHigh: p.ci[1] * scale } : {}),
          })),
        },
        ...(s.changePoints.length > 0 ? [{ label: `${s.system} level`, dashed: true, points: s.levels.map((v, i) => ({ x: i + 1, y: v * scale })) }] : []),
      ]),
      bands: g.flatMap((s) =>
        s.changePoints.map((cp) => ({
          // From the last run before the change (x = index) to the first after it (x = index + 1).
          from: cp.index,
          to: cp.index + 1,
          label: `${s.system}: change${s.regressions.some((r) => r.changePoint === cp) ? ' (REGRESSION)' : ''}`,
        })),
      ),
    };
    out.push({ name: `${run}-${metric.replace('.', '_')}-${configHash.slice(0, 8)}`, spec });
  }
  return out;
}

/** The series as CSV rows: one per point, with the level and whether a change point starts there. */
export function trendCsvRows(series: readonly SeriesAnalysis[]): string[][] {
  const rows: string[][] = [['run', 'system', 'metric', 'config_hash', 'index', 'time', 'nightly', 'git_sha', 'value', 'ci_low', 'ci_high', 'level', 'change_point', 'regression']];
  for (const s of series) {
    s.points.forEach((p, i) => {
      const cp = s.changePoints.find((c) => c.index === i);
      rows.push([
        s.run,
        s.system,
        s.metric,
        s.configHash,
        String(i + 1),
        p.time,
        p.nightly,
        p.gitSha,
        String(p.value),
        p.ci ? String(p.ci[0]) : '',
        p.ci ? String(p.ci[1]) : '',
        String(Number(s.levels[i].toPrecision(6))),
        cp ? `p=${cp.pValue.toFixed(4)}` : '',
        s.regressions.some((r) => r.changePoint.index === i) ? 'yes' : '',
      ]);
    });
  }
  return rows;
}
