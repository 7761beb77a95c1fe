import { join } from 'node:path';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import type { AccuracyReport } from '../harness/accuracy-evaluation.ts';
import { MAIN_HEADER, accuracyRows, overallRows } from './accuracy-report.ts';
import { degradedAccuracyChart, overallAccuracyChart } from './charts/accuracy-charts.ts';
import { renderChartPng } from './charts/render-png.ts';
import type { ReportDocument } from './report-document.ts';
import { reportHtml } from './report-html.ts';

/**
 * The charts of an accuracy report, beside accuracy.json and accuracy.md in its folder:
 * charts/degraded-accuracy.png (ParM's reconstructions per k and encoder beside the deployed
 * model and the baselines), charts/overall-accuracy.png (overall accuracy against the
 * unavailable fraction), and a self-contained report.html with both charts and the tables.
 */
export async function writeAccuracyReportFiles(outDir: string, report: AccuracyReport): Promise<string[]> {
  const charts = [
    { png: 'charts/degraded-accuracy.png', spec: degradedAccuracyChart(report), caption: "Accuracy of ParM's reconstructions (each position of each coding group erased in turn) per k and encoder; dashed: the deployed model when available and the baselines." },
    { png: 'charts/overall-accuracy.png', spec: overallAccuracyChart(report), caption: "A(f) = (1 - f) · A_F + f · A_path: overall accuracy when a fraction f of the deployed model's predictions is unavailable and served by each path." },
  ];
  for (const c of charts) await renderChartPng(c.spec, join(outDir, c.png));
  const doc: ReportDocument = {
    title: `Accuracy: ${report.workload}`,
    blocks: [
      {
        kind: 'paragraph',
        text: `Model set ${report.modelSet.name} (${report.modelSet.manifest}), ${report.dataset.name} test set (${report.dataset.count} images, checksum ${report.dataset.checksum.slice(0, 16)}…), generated ${report.createdAt}.`,
      },
      { kind: 'table', table: { title: 'Degraded-mode accuracy', header: MAIN_HEADER, rows: accuracyRows(report) } },
      ...charts.map((c) => ({ kind: 'chart' as const, spec: c.spec, png: c.png, caption: c.caption })),
      {
        kind: 'table',
        table: { title: 'Overall accuracy against the unavailable fraction', header: ['path', ...report.overall.fractions.map((f) => `f=${f}`)], rows: overallRows(report, report.overall.fractions) },
      },
    ],
  };
  writeFileAtomic(join(outDir, 'report.html'), reportHtml(doc));
  return [...charts.map((c) => c.png), 'report.html'];
}
