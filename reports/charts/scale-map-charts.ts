import type { ChartSeries, ChartSpec } from './chart-spec.ts';
import { SCALE_FACTOR_NAMES, SCALE_FACTORS, type ScaleCoordinates, type ScaleFactor, type ScaleOther, type ScalePointResult } from '../../harness/sim/scale-map.ts';

/**
 * The scale map's charts (harness/sim/scale-map.ts): one per swept factor, ParM's gap ratio
 * ((p99.9 - p50) of ParM / of the other system) against Equal-Resources and against replication
 * on the y axis, the factor on the x axis, over the points where every other factor is at its
 * base value. A dashed line at 1 splits the chart: below it ParM's tail gap is the smaller one
 * (ParM wins), above it ParM loses. The y axis is logarithmic when the values span more than 10x.
 */

export interface ScaleMapChart {
  /** File name without extension, e.g. "gap-ratio-by-n". */
  readonly name: string;
  readonly factor: ScaleFactor;
  readonly spec: ChartSpec;
}

const OTHER_LABEL: Record<ScaleOther, string> = {
  'equal-resources': 'ParM vs Equal-Resources (N + N/k instances)',
  replication: 'ParM vs replication (2N instances)',
};

/** The factor's value on the chart's x axis (crash rates in percent). */
export function chartX(factor: ScaleFactor, value: number): number {
  return factor === 'crashRate' ? Math.round(value * 100 * 1000) / 1000 : value;
}

/** "k 2, load 0.7, 3x slowdowns, no crashes": the base values of the factors other than `factor`. */
export function othersAtBase(factor: ScaleFactor, base: ScaleCoordinates): string {
  const parts: Record<ScaleFactor, string> = {
    n: `N ${base.n}`,
    k: `k ${base.k}`,
    load: `load ${base.load}`,
    factor: base.factor === 1 ? 'no slowdown' : `${base.factor}x slowdowns`,
    crashRate: base.crashRate === 0 ? 'no crashes' : `${chartX('crashRate', base.crashRate)}% crashes`,
  };
  return SCALE_FACTORS.filter((f) => f !== factor)
    .map((f) => parts[f])
    .join(', ');
}

/**
 * One chart per factor with at least two values among the points on its base line. `full`: the
 * points come from the whole product of the lists, and the titles say they are the base-line slice.
 */
export function scaleMapCharts(results: readonly ScalePointResult[], base: ScaleCoordinates, options: { full: boolean }): ScaleMapChart[] {
  const charts: ScaleMapChart[] = [];
  for (const factor of SCALE_FACTORS) {
    const line = results.filter((r) => r.onBaseLineOf.includes(factor)).sort((a, b) => a[factor] - b[factor]);
    const xs = [...new Set(line.map((r) => chartX(factor, r[factor])))];
    if (xs.length < 2) continue;
    const series: ChartSeries[] = (['equal-resources', 'replication'] as const).map((other) => ({
      label: OTHER_LABEL[other],
      points: line.flatMap((r) => {
        const ratio = r.comparisons.find((c) => c.against === other)?.gapRatio ?? null;
        return ratio === null || !Number.isFinite(ratio) ? [] : [{ x: chartX(factor, r[factor]), y: ratio }];
      }),
    }));
    const xMin = Math.min(...xs);
    const xMax = Math.max(...xs);
    series.push({ label: '1 = equal tail gaps (below: ParM wins, above: ParM loses)', dashed: true, points: [{ x: xMin, y: 1 }, { x: xMax, y: 1 }] });
    const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((y) => y > 0);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const logY = hi / lo > 10;
    // Room on both sides of the line at 1, so that "below the line" is always a visible part of the plot.
    const pad = Math.max((hi - lo) * 0.1, 0.05);
    const yRange = logY ? { yMin: lo / 1.25, yMax: hi * 1.25 } : { yMin: Math.max(0, Math.floor((lo - pad) * 20) / 20), yMax: Math.ceil((hi + pad) * 20) / 20 };
    const name = SCALE_FACTOR_NAMES[factor];
    const logX = factor === 'n' && xMin > 0 && xMax / xMin >= 5;
    const axis = factor === 'n' && !logX ? 'N, deployed instances' : name.axis;
    charts.push({
      name: `gap-ratio-by-${factor === 'crashRate' ? 'crash-rate' : factor}`,
      factor,
      spec: {
        kind: 'line',
        title: `ParM's tail gap ratio by ${name.label}${options.full ? ' (full grid: base-line slice)' : ''}: below 1, ParM's gap is smaller (ParM wins)`,
        xLabel: `${axis}; others at base: ${othersAtBase(factor, base)}`,
        yLabel: `gap ratio: ParM (p99.9 - p50) / other's${logY ? ' (log)' : ''}`,
        xScale: logX ? 'log' : 'linear',
        yScale: logY ? 'log' : 'linear',
        ...(factor === 'k' ? { xIntegers: true } : {}),
        ...yRange,
        series,
      },
    });
  }
  return charts;
}
