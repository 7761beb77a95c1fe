// Types of chart-runtime.js (plain JavaScript so the same text runs in Node and in report.html).
import type { ChartSpec } from './chart-spec.ts';

export interface ChartRuntimeOptions {
  animation?: false | object;
  responsive?: boolean;
  devicePixelRatio?: number;
}

export function percentileTailPosition(percent: number): number;
export function percentileAtTailPosition(position: number): number;
/** A chart.js configuration object (typed loosely: chart.js' own types are strict per chart type). */
export function toChartConfiguration(spec: ChartSpec, options?: ChartRuntimeOptions): any;
export function drawReportCharts(Chart: unknown, document: unknown): number;
