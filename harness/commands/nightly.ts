import { join, relative, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { gitRevision } from '../software-versions.ts';
import { benchCommand } from './bench.ts';
import { readRunDirectory, type BenchRunDirectory } from '../../reports/compare-run-directory.ts';
import { renderChartPng } from '../../reports/charts/render-png.ts';
import { appendHistory, historyEntriesOfRun, readHistory, type HistoryEntry } from '../../reports/nightly-history.ts';
import { nightlyMarkdown, type NightlyRunOutcome } from '../../reports/nightly-report.ts';
import { readNightlySuite, DEFAULT_SUITE_PATH } from '../../reports/nightly-suite.ts';
import { analyseHistory, trendChartSpecs, trendCsvRows, type SeriesAnalysis } from '../../reports/nightly-trends.ts';

export interface NightlyCommandOptions {
  /** Suite file (default workloads/nightly/suite.json). */
  suite?: string;
  /** History file (default runs/nightly-history.ndjson). */
  history?: string;
  /** Output folder (default runs/nightly-<time>). */
  out?: string;
  /** Run nothing: analyse and chart the history as it is. */
  dryRun?: boolean;
  dataDir?: string;
}

/** Exit codes: 0 no confirmed regression, 1 a confirmed regression, 2 a suite run failed or bad input. */
export const NIGHTLY_EXIT = { ok: 0, regression: 1, failed: 2 } as const;

export interface NightlyOutcome {
  readonly exitCode: number;
  readonly outDir: string;
  readonly historyPath: string;
  readonly runs: readonly NightlyRunOutcome[];
  readonly appended: number;
  readonly series: readonly SeriesAnalysis[];
  readonly summary: string;
}

function stampOf(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/**
 * `npm run nightly`: runs the suite's bench runs into runs/nightly-<time>/, appends one history
 * line per run x system x figure, searches every series of the whole history for change points,
 * draws a trend chart per suite run and figure, writes nightly.md, and exits 1 on a confirmed
 * regression.
 */
export async function nightlyCommand(options: NightlyCommandOptions = {}): Promise<NightlyOutcome> {
  const suite = readNightlySuite(options.suite ?? DEFAULT_SUITE_PATH);
  const historyPath = resolve(options.history ?? join('runs', 'nightly-history.ndjson'));
  const history = readHistory(historyPath); // checked before spending minutes on runs
  const startedAt = new Date().toISOString();
  const name = `nightly-${stampOf(startedAt)}`;
  const outDir = resolve(options.out ?? join('runs', name));
  const git = gitRevision();
  const runs: NightlyRunOutcome[] = [];
  const fresh: HistoryEntry[] = [];

  for (const [i, run] of suite.runs.entries()) {
    if (options.dryRun) {
      runs.push({ name: run.name, dir: null, status: 'not run (dry run)', detail: run.reason });
      continue;
    }
    const dir = join(outDir, run.name);
    process.stderr.write(`\n== nightly ${i + 1}/${suite.runs.length}: ${run.name} (${run.workload}) ==\n`);
    try {
      await benchCommand({
        workload: run.workload,
        out: dir,
        ...(run.systems !== undefined ? { systems: run.systems } : {}),
        ...(run.duration !== undefined ? { duration: run.duration } : {}),
        ...(run.rate !== undefined ? { rate: run.rate } : {}),
        ...(run.seed !== undefined ? { seed: run.seed } : {}),
        ...(run.backend !== undefined ? { backend: run.backend } : {}),
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      });
    } catch (error) {
      runs.push({ name: run.name, dir: relative(outDir, dir), status: 'failed', detail: (error as Error).message.split('\n')[0] });
      continue;
    }
    const read = readRunDirectory(dir);
    const parts: { label: string; run: BenchRunDirectory }[] = read.kind === 'run' ? [{ label: run.name, run: read }] : read.points.map((p) => ({ label: `${run.name} ${p.label}`, run: p.run }));
    const partial = parts.some((p) => p.run.results.partial);
    if (partial) {
      // A partial run would put a misleading point on every series: kept on disk, left out of the history.
      runs.push({ name: run.name, dir: relative(outDir, dir), status: 'partial', detail: `stopped (${parts.find((p) => p.run.results.partial)?.run.results.stoppedBecause ?? 'partial'}): not added to the history` });
      if (process.exitCode === 130) break; // Ctrl-C: stop the suite
      continue;
    }
    process.stderr.write(`nightly: bootstrap intervals for ${run.name}\n`);
    for (const p of parts) {
      fresh.push(...historyEntriesOfRun(p.run, p.label, { time: startedAt, name, gitSha: git.sha, gitDirty: git.dirty }, suite.metrics, { confidence: suite.confidence, resamples: suite.resamples, seed: 1 }));
    }
    const invalid = parts.flatMap((p) => p.run.results.systems.filter((s) => !s.summary.validity.valid).map((s) => s.system));
    runs.push({ name: run.name, dir: relative(outDir, dir), status: 'ok', detail: `${parts.flatMap((p) => p.run.results.systems).length} system run(s)${invalid.length > 0 ? `; INVALID: ${invalid.join(', ')}` : ''}` });
  }
  appendHistory(historyPath, fresh);

  const all = [...history, ...fresh];
  const series = analyseHistory(all, suite.changePoints, suite.minEffect);
  const charts: string[] = [];
  let chartNote: string | null = null;
  try {
    for (const { name: chartName, spec } of trendChartSpecs(series)) {
      const path = join(outDir, 'trends', `${chartName}.png`);
      await renderChartPng(spec, path);
      charts.push(relative(outDir, path));
    }
  } catch (error) {
    chartNote = `Trend charts could not be drawn (${(error as Error).message}); the data is in trends.csv and trends.json.`;
  }
  writeFileAtomic(join(outDir, 'trends.csv'), stringify(trendCsvRows(series)));
  writeJsonAtomic(join(outDir, 'trends.json'), { schema: 'parm-bench/nightly-trends@1', startedAt, history: historyPath, settings: { minEffect: suite.minEffect, changePoints: suite.changePoints }, series });
  const summary = nightlyMarkdown({ startedAt, gitSha: git.sha, suite, historyPath, historyLines: all.length, runs, series, charts, chartNote });
  writeFileAtomic(join(outDir, 'nightly.md'), summary);

  const regressions = series.reduce((n, s) => n + s.regressions.length, 0);
  const exitCode = regressions > 0 ? NIGHTLY_EXIT.regression : runs.some((r) => r.status === 'failed') ? NIGHTLY_EXIT.failed : NIGHTLY_EXIT.ok;
  return { exitCode, outDir, historyPath, runs, appended: fresh.length, series, summary };
}
