import type { AccuracyReport } from '../../harness/accuracy-evaluation.ts';
import type { ChartSeries, ChartSpec } from './chart-spec.ts';

/** The charts of an accuracy report (accuracy.json), as ChartSpecs. Accuracies are drawn in percent. */

const pct = (x: number): number => Math.round(x * 100_000) / 1000;

/**
 * Degraded-mode accuracy of ParM's reconstructions per k, one line per encoder, beside the
 * deployed model (available) and the baselines (approximate backup, default prediction) drawn as
 * dashed horizontal lines across the same k range.
 */
export function degradedAccuracyChart(report: AccuracyReport): ChartSpec {
  const ks = [...new Set(report.parity.map((p) => p.k))].sort((a, b) => a - b);
  const lo = ks.length > 0 ? ks[0] : 2;
  const hi = ks.length > 0 ? ks[ks.length - 1] : 4;
  // With one k the baselines still need a width to be seen as lines.
  const [from, to] = lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
  const flat = (label: string, accuracy: number): ChartSeries => ({ label, dashed: true, points: [{ x: from, y: pct(accuracy) }, { x: to, y: pct(accuracy) }] });
  const encoders = [...new Set(report.parity.map((p) => p.encoder))];
  const series: ChartSeries[] = encoders.map((encoder) => ({
    label: `ParM reconstruction, ${encoder} encoder`,
    points: report.parity.filter((p) => p.encoder === encoder).sort((a, b) => a.k - b.k).map((p) => ({ x: p.k, y: pct(p.accuracy) })),
  }));
  series.push(flat('deployed model (available)', report.deployed.accuracy));
  if (report.baselines.backup.available) series.push(flat('approximate backup', report.baselines.backup.accuracy));
  if (report.baselines.defaultPrediction.available) series.push(flat('default prediction', report.baselines.defaultPrediction.accuracy));
  return {
    kind: 'line',
    title: `Degraded-mode accuracy per k (${report.workload}, ${report.dataset.name} test set)`,
    xLabel: 'k (queries per coding group)',
    xIntegers: true,
    yLabel: 'accuracy, % (true labels)',
    xScale: 'linear',
    yScale: 'linear',
    yMin: 0,
    yMax: 100,
    series,
  };
}

/** Overall accuracy A(f) = (1 - f) A_F + f A_path against the unavailable fraction f, one line per path. */
export function overallAccuracyChart(report: AccuracyReport): ChartSpec {
  return {
    kind: 'line',
    title: `Overall accuracy against the unavailable fraction (${report.workload})`,
    xLabel: 'fraction of predictions unavailable, f',
    yLabel: 'overall accuracy, %',
    xScale: 'linear',
    yScale: 'linear',
    yMin: 0,
    yMax: 100,
    series: report.overall.series.map((s) => ({
      label: s.label,
      points: report.overall.fractions.map((f, i) => ({ x: f, y: pct(s.accuracy[i]) })).filter((p) => Number.isFinite(p.y)),
    })),
  };
}
