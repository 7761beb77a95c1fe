import type { ChartSpec } from './charts/chart-spec.ts';
import type { ReportTable } from './report-tables.ts';

/**
 * A report as a list of blocks, rendered both as Markdown (report-markdown.ts) and as a
 * self-contained HTML page (report-html.ts): one content, two formats.
 */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'list'; readonly items: readonly string[] }
  | { readonly kind: 'table'; readonly table: ReportTable }
  /** A chart: drawn live in the HTML page, linked as its PNG (path relative to the report) in Markdown. */
  | { readonly kind: 'chart'; readonly spec: ChartSpec; readonly png: string; readonly caption: string };

export interface ReportDocument {
  readonly title: string;
  readonly blocks: readonly ReportBlock[];
}
