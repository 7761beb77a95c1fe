import { stringify } from 'csv-stringify/sync';
import type { AccuracyReport } from '../harness/accuracy-evaluation.ts';
import { wilsonInterval } from '../harness/reproduce/proportion-interval.ts';
import type { ChartSeries, ChartSpec } from './charts/chart-spec.ts';

/**
 * The accuracy figure of `npm run reproduce`: degraded-mode accuracy per parity model (k,
 * encoder) with Wilson 95% intervals, and overall accuracy against the unavailable fraction for
 * every way of answering (reconstruction, approximate backup, default prediction).
 */
export const ACCURACY_FIGURE_SCHEMA = 'parm-bench/figure-accuracy@1';

export interface DegradedPoint {
  readonly k: number;
  readonly encoder: string;
  readonly reconstructions: number;
  readonly accuracy: number;
  readonly ci95: readonly [number, number];
  readonly agreement: number;
}

export interface AccuracyFigureData {
  readonly schema: typeof ACCURACY_FIGURE_SCHEMA;
  readonly figure: string;
  readonly title: string;
  readonly paper: string;
  readonly deployed: { readonly accuracy: number; readonly count: number; readonly ci95: readonly [number, number] };
  readonly degraded: readonly DegradedPoint[];
  readonly overall: AccuracyReport['overall'];
  readonly accuracyReport: string;
}

export function accuracyFigureData(report: AccuracyReport, input: { figure: string; title: string; paper: string; accuracyReport: string }): AccuracyFigureData {
  const interval = (accuracy: number, n: number): [number, number] => wilsonInterval(Math.round(accuracy * n), n);
  return {
    schema: ACCURACY_FIGURE_SCHEMA,
    figure: input.figure,
    title: input.title,
    paper: input.paper,
    deployed: { accuracy: report.deployed.accuracy, count: report.deployed.count, ci95: interval(report.deployed.accuracy, report.deployed.count) },
    degraded: report.parity.map((p) => ({
      k: p.k,
      encoder: p.encoder,
      reconstructions: p.reconstructions,
      accuracy: p.accuracy,
      ci95: interval(p.accuracy, p.reconstructions),
      agreement: p.agreement,
    })),
    overall: report.overall,
    accuracyReport: input.accuracyReport,
  };
}

/** figure.csv: overall accuracy per path (rows) and unavailable fraction (columns). */
export function accuracyFigureCsv(data: AccuracyFigureData): string {
  const rows = data.overall.series.map((s) => [s.label, ...s.accuracy]);
  return stringify(rows, { header: true, columns: ['path', ...data.overall.fractions.map((f) => `f=${f}`)] });
}

/** figure.csv's companion, degraded.csv: degraded-mode accuracy per parity model. */
export function degradedAccuracyCsv(data: AccuracyFigureData): string {
  const rows = data.degraded.map((d) => [d.k, d.encoder, d.reconstructions, d.accuracy, d.ci95[0], d.ci95[1], d.agreement]);
  return stringify(rows, { header: true, columns: ['k', 'encoder', 'reconstructions', 'accuracy', 'ci_low', 'ci_high', 'agreement_with_F'] });
}

/** figure.png: overall accuracy (%) against the unavailable fraction (%), one line per path. */
export function overallAccuracyChart(data: AccuracyFigureData): ChartSpec {
  return {
    kind: 'line',
    title: `${data.title}: overall accuracy when a fraction of predictions is unavailable`,
    xLabel: 'unavailable predictions (%)',
    yLabel: 'overall accuracy (%)',
    series: data.overall.series.map((s) => ({
      label: s.label,
      points: data.overall.fractions.map((f, i) => ({ x: f * 100, y: s.accuracy[i] * 100 })).filter((p) => Number.isFinite(p.y)),
    })),
    yMin: 0,
    yMax: 100,
  };
}

/** degraded.png: degraded-mode accuracy against k per encoder, with the published 64-98% range and F's accuracy as dashed lines. */
export function degradedAccuracyChart(data: AccuracyFigureData, range: readonly [number, number]): ChartSpec {
  const encoders = [...new Set(data.degraded.map((d) => d.encoder))];
  const ks = [...new Set(data.degraded.map((d) => d.k))].sort((a, b) => a - b);
  const series: ChartSeries[] = encoders.map((e) => ({
    label: `reconstruction (${e} encoder)`,
    points: data.degraded
      .filter((d) => d.encoder === e)
      .sort((a, b) => a.k - b.k)
      .map((d) => ({ x: d.k, y: d.accuracy * 100, yLow: d.ci95[0] * 100, yHigh: d.ci95[1] * 100 })),
  }));
  if (ks.length > 0) {
    series.push({ label: 'deployed model F', dashed: true, points: ks.map((k) => ({ x: k, y: data.deployed.accuracy * 100 })) });
    series.push({ label: `published range low (${range[0] * 100}%)`, dashed: true, points: ks.map((k) => ({ x: k, y: range[0] * 100 })) });
    series.push({ label: `published range high (${range[1] * 100}%)`, dashed: true, points: ks.map((k) => ({ x: k, y: range[1] * 100 })) });
  }
  return {
    kind: ks.length > 1 ? 'line' : 'scatter',
    title: `${data.title}: degraded-mode accuracy, Wilson 95% CIs`,
    xLabel: 'k (queries per coding group)',
    yLabel: 'accuracy of reconstructions (%)',
    series,
    yMin: 0,
    yMax: 100,
  };
}
