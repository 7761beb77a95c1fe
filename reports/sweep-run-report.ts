import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import { sweepLoadCharts } from './charts/run-charts.ts';
import { renderChartPng } from './charts/render-png.ts';
import { systemVerdict } from './csv-summary.ts';
import type { ReportBlock } from './report-document.ts';
import { reportHtml } from './report-html.ts';
import { reportMarkdown } from './report-markdown.ts';
import { benchResultsErrors } from './results-schema.ts';
import { SWEEP_RESULTS_SCHEMA, type SweepResults } from './sweep-report.ts';

/**
 * The report of a sweep directory (sweep.json and one run directory per point, each with its
 * own report): charts/load-sweep*.png with p50, p99 and p99.9 against the offered load, a table
 * per point and system, report.md and a self-contained report.html.
 */
export function readSweepResults(sweepDir: string): SweepResults {
  const path = join(sweepDir, 'sweep.json');
  if (!existsSync(path)) throw new Error(`${path}: missing; give a sweep directory written by \`parm-bench bench\` with a sweep workload`);
  const value = JSON.parse(readFileSync(path, 'utf8')) as SweepResults;
  if (value.schema !== SWEEP_RESULTS_SCHEMA) throw new Error(`${path}: schema: expected ${JSON.stringify(SWEEP_RESULTS_SCHEMA)}, got ${JSON.stringify(value.schema)}`);
  if (!Array.isArray(value.points)) throw new Error(`${path}: points: expected an array of sweep points`);
  value.points.forEach((p, i) => {
    const errors = benchResultsErrors(p.results);
    if (errors.length > 0) throw new Error(`${path}: points[${i}].results does not fit the results schema:\n  ${errors.slice(0, 10).join('\n  ')}`);
  });
  return value;
}

export async function writeSweepReport(sweepDir: string): Promise<string[]> {
  const sweep = readSweepResults(sweepDir);
  const charts = sweepLoadCharts(sweep).map((spec, i, all) => ({ spec, png: all.length === 1 ? 'charts/load-sweep.png' : `charts/load-sweep-${i + 1}.png` }));
  for (const c of charts) await renderChartPng(c.spec, join(sweepDir, c.png));
  const ms = (us: number) => (us / 1000).toFixed(2);
  const blocks: ReportBlock[] = [
    { kind: 'paragraph', text: `Sweep of ${sweep.workload} over ${sweep.parameter}${sweep.by ? ` x ${sweep.by.parameter}` : ''}, started ${sweep.createdAt}. Why: ${sweep.reason}` },
    ...charts.map(
      (c): ReportBlock => ({
        kind: 'chart',
        spec: c.spec,
        png: c.png,
        caption: 'HdrHistogram percentiles of each point (latency from the scheduled send time); each point has its own report with intervals and verdicts.',
      }),
    ),
    {
      kind: 'table',
      table: {
        title: 'Points',
        header: ['point', 'system', 'offered q/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'lost', 'verdict', 'report'],
        rows: sweep.points.flatMap((p) =>
          p.results.systems.map((r) => {
            const l = r.summary.latencyFromScheduled;
            const coordinates = p.coordinates ?? { [sweep.parameter]: p.value };
            return [
              Object.entries(coordinates).map(([k, v]) => `${k} = ${v}`).join(', '),
              r.system,
              r.summary.offeredRatePerS.toFixed(1),
              ms(l.p50Us),
              ms(l.p99Us),
              ms(l.p99_9Us),
              String(r.summary.queries.lost),
              systemVerdict(r),
              `${p.dir}/report.html`,
            ];
          }),
        ),
      },
    },
  ];
  if (sweep.partial) blocks.unshift({ kind: 'paragraph', text: 'PARTIAL: not every point was measured in full.' });
  const doc = { title: `parm-bench sweep: ${sweep.workload}${sweep.partial ? ' (PARTIAL)' : ''}`, blocks };
  writeFileAtomic(join(sweepDir, 'report.md'), reportMarkdown(doc));
  writeFileAtomic(join(sweepDir, 'report.html'), reportHtml(doc));
  return [...charts.map((c) => c.png), 'report.md', 'report.html'];
}
