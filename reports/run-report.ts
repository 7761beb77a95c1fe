import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../harness/atomic-write.ts';
import type { ContentionSchedule } from '../harness/contention/contention-schedule.ts';
import type { BenchResults } from './bench-report.ts';
import type { ChartSpec } from './charts/chart-spec.ts';
import { percentileIntervalsChart, spectrumChart, timelineChart, type SystemQueries } from './charts/run-charts.ts';
import { renderChartPng } from './charts/render-png.ts';
import { pathsCsv, ratiosCsv, summaryCsv } from './csv-summary.ts';
import { runIntervals, DEFAULT_RESAMPLES, type IntervalsReport } from './percentile-intervals.ts';
import type { ReportBlock, ReportDocument } from './report-document.ts';
import { reportHtml } from './report-html.ts';
import { reportMarkdown } from './report-markdown.ts';
import { manifestTable, pathTable, percentileTable, ratioTable, verdictTable } from './report-tables.ts';
import { readBenchResults } from './results-schema.ts';
import { buildRunManifest, RUN_MANIFEST_SCHEMA, type RunManifest } from './run-manifest.ts';
import { readMeasuredQueries } from './run-records.ts';
import { judgeBenchRun, type RunVerdict } from './run-verdict.ts';

/**
 * The report of one bench run directory, made from what bench wrote there (settings.json,
 * results.json, contention-schedule.json, <system>/records.ndjson). Writes:
 *   manifest.json      what ran, with what, where and when (kept if present: bench writes it)
 *   statistics.json    bootstrap intervals for p50/p99/p99.9, paired ratios, the verdict
 *   summary.csv, paths.csv, ratios.csv
 *   charts/spectrum.png, charts/percentiles.png, charts/timeline.png
 *   report.md, report.html (self-contained: charts drawn in the page, works offline)
 * Called at the end of every bench run and by `parm-bench report <runDir>`.
 */
export const RUN_STATISTICS_SCHEMA = 'parm-bench/run-statistics@1';

export interface RunReportOptions {
  /** 'bench' when called by the run's own process: the manifest records this host. Default 'report'. */
  readonly recordedBy?: 'bench' | 'report';
  readonly resamples?: number;
  readonly log?: (message: string) => void;
}

export interface RunReportOutcome {
  readonly manifest: RunManifest;
  readonly intervals: IntervalsReport;
  readonly verdict: RunVerdict;
  /** Files written, relative to the run directory. */
  readonly files: readonly string[];
}

function readSchedule(runDir: string): ContentionSchedule | null {
  const path = join(runDir, 'contention-schedule.json');
  if (!existsSync(path)) return null;
  const value = JSON.parse(readFileSync(path, 'utf8')) as ContentionSchedule;
  if (!Array.isArray(value.events)) throw new Error(`${path}: events: expected an array of contention events (a file written by bench)`);
  return value;
}

function readOrBuildManifest(runDir: string, results: BenchResults, recordedBy: 'bench' | 'report'): RunManifest {
  const path = join(runDir, 'manifest.json');
  if (recordedBy === 'report' && existsSync(path)) {
    const kept = JSON.parse(readFileSync(path, 'utf8')) as RunManifest;
    if (kept.schema === RUN_MANIFEST_SCHEMA) return kept;
  }
  const settingsSeed = (JSON.parse(readFileSync(join(runDir, 'settings.json'), 'utf8')) as { seeds?: { run?: number } }).seeds?.run ?? 1;
  return buildRunManifest(runDir, results, { recordedBy, reportSeed: settingsSeed });
}

export async function writeRunReport(runDir: string, options: RunReportOptions = {}): Promise<RunReportOutcome> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const results = readBenchResults(join(runDir, 'results.json'));
  const manifest = readOrBuildManifest(runDir, results, options.recordedBy ?? 'report');
  writeJsonAtomic(join(runDir, 'manifest.json'), manifest);
  const schedule = readSchedule(runDir);

  const systems: SystemQueries[] = [];
  const missingRecords: string[] = [];
  for (const r of results.systems) {
    const path = join(runDir, r.files.records);
    if (!existsSync(path)) {
      missingRecords.push(`${r.system}: ${r.files.records} is missing, so its intervals, spectrum and timeline are left out`);
      continue;
    }
    systems.push({ system: r.system, queries: readMeasuredQueries(path) });
  }
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  log(`report: bootstrap intervals (${resamples} resamples) for ${systems.length} system(s)`);
  const intervals = runIntervals(systems, { resamples, seed: manifest.seeds.reportBootstrap ?? manifest.seeds.run ?? 1 });
  const verdict = judgeBenchRun(results, intervals);
  writeJsonAtomic(join(runDir, 'statistics.json'), { schema: RUN_STATISTICS_SCHEMA, verdict, intervals, notes: missingRecords });

  const files = ['manifest.json', 'statistics.json'];
  const csv = { 'summary.csv': summaryCsv(results, intervals), 'paths.csv': pathsCsv(results), 'ratios.csv': ratiosCsv(intervals) };
  for (const [name, text] of Object.entries(csv)) {
    writeFileAtomic(join(runDir, name), text);
    files.push(name);
  }

  log('report: charts');
  const charts = [
    {
      png: 'charts/spectrum.png',
      spec: spectrumChart(systems, `Latency percentile spectrum: ${results.workload}`),
      caption:
        "Latency from the scheduled send time at every percentile, per system; the x axis gives 90%, 99%, 99.9% ... equal room, so the tail is as visible as the body. A curve ends where its answered queries run out (or where lost queries begin); shaded: percentiles deeper than the binomial rule lets these many queries state, drawn as an indication only.",
    },
    {
      png: 'charts/percentiles.png',
      spec: percentileIntervalsChart(intervals),
      caption: 'The stated percentiles of the table above with their 95% bootstrap intervals as error bars; a percentile with too few queries (binomial rule) or falling on lost queries is not drawn.',
    },
    {
      png: 'charts/timeline.png',
      spec: timelineChart(systems, schedule),
      caption:
        'p99 of the queries scheduled in each window, per system; shaded: the contention and fault windows of the schedule every system replayed. Windows hold far fewer queries than a stated p99 needs, so read them as a trace, not as figures.',
    },
  ];
  for (const c of charts) {
    await renderChartPng(c.spec, join(runDir, c.png));
    files.push(c.png);
  }

  const doc = runReportDocument(results, manifest, intervals, verdict, charts, missingRecords);
  writeFileAtomic(join(runDir, 'report.md'), reportMarkdown(doc));
  writeFileAtomic(join(runDir, 'report.html'), reportHtml(doc));
  files.push('report.md', 'report.html');
  return { manifest, intervals, verdict, files };
}

export function runReportDocument(
  results: BenchResults,
  manifest: RunManifest,
  intervals: IntervalsReport,
  verdict: RunVerdict,
  charts: readonly { png: string; spec: ChartSpec; caption: string }[],
  notes: readonly string[],
): ReportDocument {
  const blocks: ReportBlock[] = [
    { kind: 'paragraph', text: `Workload ${results.workload}, started ${results.createdAt}. Open-loop load: every latency counts from the query's scheduled send time, so a late driver or a stalled system shows in the tail.` },
    { kind: 'table', table: verdictTable(verdict) },
  ];
  if (verdict.insufficient.length > 0) {
    blocks.push({ kind: 'paragraph', text: `Shown as insufficient (too few queries to state them): ${verdict.insufficient.join('; ')}.` });
  }
  if (results.accuracyNote) blocks.push({ kind: 'paragraph', text: `Accuracy: ${results.accuracyNote}.` });
  blocks.push(
    { kind: 'heading', text: 'Latency' },
    { kind: 'table', table: percentileTable(results, intervals) },
    { kind: 'table', table: ratioTable(intervals) },
    ...charts.map((c): ReportBlock => ({ kind: 'chart', spec: c.spec, png: c.png, caption: c.caption })),
    { kind: 'heading', text: 'Answers' },
    { kind: 'table', table: pathTable(results) },
    { kind: 'heading', text: 'Run' },
    { kind: 'table', table: manifestTable(manifest) },
    {
      kind: 'list',
      items: [
        ...notes,
        'Files: manifest.json, settings.json, contention-schedule.json, results.json (schema: reports/results-schema.md), statistics.json, summary.csv, paths.csv, ratios.csv, charts/*.png, <system>/summary.json, <system>/records.ndjson (one JSON record per query).',
      ],
    },
  );
  return { title: `parm-bench report: ${results.workload}${results.partial ? ' (PARTIAL)' : ''}`, blocks };
}
