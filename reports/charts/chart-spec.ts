/**
 * A backend-neutral description of one chart. The same value drives the PNG written next to a
 * report (reports/charts/render-png.ts) and the chart drawn inside the self-contained
 * report.html (reports/charts/chart-runtime.js turns it into a chart.js configuration in both
 * places), so the two always show the same thing.
 *
 * Axes:
 * - 'linear' and 'log' are ordinary axes ('log' drops points whose value is not positive).
 * - 'percentile-tail' (x only) takes percentiles in percent (0 <= x < 100) and spaces them by
 *   -log10(1 - x/100), so 90, 99, 99.9 and 99.99 are one step apart: the tail of a latency
 *   spectrum gets as much room as its body.
 *
 * Points may carry an interval (yLow..yHigh, e.g. a bootstrap confidence interval), drawn as an
 * error bar. Bands shade x ranges (e.g. contention or fault windows on a timeline).
 */

export type ChartKind = 'line' | 'scatter';
export type ChartXScale = 'linear' | 'log' | 'percentile-tail';
export type ChartYScale = 'linear' | 'log';

export interface ChartPoint {
  x: number;
  y: number;
  /** Lower end of an interval around y (drawn as an error bar with yHigh). */
  yLow?: number;
  /** Upper end of an interval around y. */
  yHigh?: number;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
  /** Draw the line dashed (e.g. a baseline or reference series). */
  dashed?: boolean;
}

export interface ChartBand {
  /** Start of the shaded x range, in the x axis' units (percent for 'percentile-tail'). */
  from: number;
  /** End of the shaded x range. */
  to: number;
  label: string;
}

export interface ChartSpec {
  kind: ChartKind;
  title: string;
  xLabel: string;
  yLabel: string;
  xScale?: ChartXScale;
  yScale?: ChartYScale;
  series: ChartSeries[];
  bands?: ChartBand[];
  /** Label the x axis at whole numbers only (e.g. k). */
  xIntegers?: boolean;
  /** Fix the y axis range (both optional); otherwise chart.js fits the data. */
  yMin?: number;
  yMax?: number;
}

/** The largest percentile a 'percentile-tail' axis can place (100 itself is infinitely far). */
export const PERCENTILE_TAIL_MAX = 99.9999;

/**
 * Checks a spec before it is drawn; throws an error naming the chart and the offending field so
 * a broken chart is found where it is built, not as a blank picture.
 */
export function assertChartSpec(spec: ChartSpec): void {
  const where = `chart "${spec.title}"`;
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new Error(`${where}: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (spec.kind !== 'line' && spec.kind !== 'scatter') fail('kind', "'line' or 'scatter'", spec.kind);
  if (typeof spec.title !== 'string' || spec.title === '') fail('title', 'a non-empty string', spec.title);
  const xScale = spec.xScale ?? 'linear';
  if (!['linear', 'log', 'percentile-tail'].includes(xScale)) {
    fail('xScale', "'linear', 'log' or 'percentile-tail'", spec.xScale);
  }
  const yScale = spec.yScale ?? 'linear';
  if (!['linear', 'log'].includes(yScale)) fail('yScale', "'linear' or 'log'", spec.yScale);
  if (!Array.isArray(spec.series)) fail('series', 'an array', spec.series);
  spec.series.forEach((series, s) => {
    if (typeof series.label !== 'string') fail(`series[${s}].label`, 'a string', series.label);
    if (!Array.isArray(series.points)) fail(`series[${s}].points`, 'an array', series.points);
    series.points.forEach((point, i) => {
      const field = `series[${s}] ("${series.label}").points[${i}]`;
      if (!Number.isFinite(point.x)) fail(`${field}.x`, 'a finite number', point.x);
      if (!Number.isFinite(point.y)) fail(`${field}.y`, 'a finite number', point.y);
      if (xScale === 'percentile-tail' && (point.x < 0 || point.x > PERCENTILE_TAIL_MAX)) {
        fail(`${field}.x`, `a percentile in [0, ${PERCENTILE_TAIL_MAX}] on a 'percentile-tail' axis`, point.x);
      }
      if ((point.yLow === undefined) !== (point.yHigh === undefined)) {
        fail(`${field}`, 'given both yLow and yHigh or neither', point);
      }
      if (point.yLow !== undefined && point.yHigh !== undefined) {
        if (!Number.isFinite(point.yLow) || !Number.isFinite(point.yHigh) || point.yLow > point.yHigh) {
          fail(`${field}.yLow/yHigh`, 'finite numbers with yLow <= yHigh', [point.yLow, point.yHigh]);
        }
      }
    });
  });
  (spec.bands ?? []).forEach((band, b) => {
    if (!Number.isFinite(band.from) || !Number.isFinite(band.to) || band.from > band.to) {
      fail(`bands[${b}]`, 'finite from <= to', band);
    }
  });
}
