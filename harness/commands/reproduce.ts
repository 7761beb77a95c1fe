import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { formatDuration } from '../progress.ts';
import { gitRevision, softwareVersions } from '../software-versions.ts';
import { accuracyCommand } from './accuracy.ts';
import { benchCommand } from './bench.ts';
import {
  judgeBaseAccuracy,
  judgeDegradedAccuracy,
  judgeGapReduced,
  judgeGapReductionUpTo,
  judgeMedianKept,
  judgeResourcesVsReplication,
  PAPER_DEGRADED_RANGE,
  reportComparison,
  type Claim,
  type ClaimContext,
} from '../reproduce/claims.ts';
import { assertFigureDefinition, figuresFor, type AccuracyFigure, type FigureDefinition, type LatencyFigure } from '../reproduce/figures.ts';
import { writeFigureWorkload } from '../reproduce/figure-workload.ts';
import { CLAIMS_SCHEMA, claimsMarkdown, claimsText, type ClaimsReport } from '../../reports/claims-table.ts';
import { renderChartPng } from '../../reports/charts/render-png.ts';
import type { ChartSpec } from '../../reports/charts/chart-spec.ts';
import { accuracyFigureCsv, accuracyFigureData, degradedAccuracyChart, degradedAccuracyCsv, overallAccuracyChart } from '../../reports/figure-accuracy.ts';
import { latencyChart, latencyFigureCsv, latencyFigureData, ratioChart, type MeasuredPoint } from '../../reports/figure-latency.ts';
import type { SweepResults } from '../../reports/sweep-report.ts';

/**
 * `npm run reproduce -- --figure 9a|9b|10|11|12|13|batching|accuracy|all [--quick]`: runs the
 * paper's experiments through the bench sweeps (or the accuracy evaluation), and writes per
 * figure: the derived workload file, the bench run, figure.json + figure.csv, the figure PNGs,
 * and the claims with their verdicts; then prints the claims table. A claim that does not hold
 * is a result, not an error: the command exits 0 unless something failed (1) or it was
 * interrupted (130, with what was measured kept and marked partial).
 */
export interface ReproduceCommandOptions {
  figure: string;
  quick?: boolean;
  /** Measured seconds per system and point (beats the variant's). */
  duration?: number;
  seed?: number;
  /** emulated (default: instance processes) or sim (the bench's simulated instances in virtual time). */
  backend?: string;
  dataDir?: string;
  /** Run directory; default runs/reproduce-<figure>[-quick]-<time>/. */
  out?: string;
}

/** Seconds an instance process may take to start (bench's default is 60 s; 24 at once on a shared 2-core machine took about 100 s here). */
export const INSTANCE_START_TIMEOUT_S = 300;

export interface FigureOutcome {
  readonly figure: string;
  readonly dir: string;
  readonly claims: readonly Claim[];
  readonly partial: boolean;
  readonly seconds: number;
  readonly files: readonly string[];
}

export interface ReproduceOutcome {
  readonly runDir: string;
  readonly claims: readonly Claim[];
  readonly figures: readonly FigureOutcome[];
  readonly partial: boolean;
}

export interface FigureRunOptions {
  readonly quick: boolean;
  readonly dir: string;
  readonly durationS?: number;
  readonly seed?: number;
  readonly backend?: 'emulated' | 'sim';
  readonly dataDir?: string;
}

/** Ctrl-C while reproduce runs: no further figure starts; the running bench stops itself (its own handler). */
interface StopState {
  reason: string | null;
}

export async function reproduceCommand(options: ReproduceCommandOptions): Promise<ReproduceOutcome> {
  const figures = figuresFor(options.figure);
  figures.forEach(assertFigureDefinition);
  if (options.duration !== undefined && !(options.duration > 0)) throw new Error(`--duration: must be a positive number of seconds, got ${options.duration}`);
  const quick = options.quick === true;
  if (options.backend !== undefined && options.backend !== 'emulated' && options.backend !== 'sim') {
    throw new Error(`--backend: must be emulated (instance processes, the default) or sim (simulated instances in virtual time), got "${options.backend}"`);
  }
  const backend = options.backend as 'emulated' | 'sim' | undefined;
  const createdAt = new Date().toISOString();
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const runDir = resolve(options.out ?? join('runs', `reproduce-${options.figure}${quick ? '-quick' : ''}${backend === 'sim' ? '-sim' : ''}-${stamp}`));
  const stop: StopState = { reason: null };
  let presses = 0;
  // While a bench runs, its own handler stops the load and exits on a second press.
  let benchRunning = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    presses++;
    stop.reason = `interrupted (${signal})`;
    if (presses === 1) process.stderr.write(`\n${signal}: reproduce stops after this point; measured data and claims are kept and marked partial (again to exit at once)\n`);
    else if (!benchRunning) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  const outcomes: FigureOutcome[] = [];
  const claims: Claim[] = [];
  /** Figures that failed with an error: the others still run; the command then exits 1. */
  const failures: { figure: string; error: string }[] = [];
  const writeTop = (): ClaimsReport => {
    const report: ClaimsReport = {
      schema: CLAIMS_SCHEMA,
      createdAt,
      quick,
      partial: stop.reason !== null || outcomes.length + failures.length < figures.length || outcomes.some((o) => o.partial),
      claims,
    };
    writeJsonAtomic(join(runDir, 'reproduce.json'), {
      schema: 'parm-bench/reproduce@1',
      createdAt,
      command: { figure: options.figure, quick, backend: backend ?? 'emulated', duration: options.duration ?? null, seed: options.seed ?? null, dataDir: options.dataDir ?? null },
      figures: figures.map((f) => f.id),
      measured: outcomes.map((o) => ({ figure: o.figure, dir: o.dir, partial: o.partial, seconds: Math.round(o.seconds), files: o.files })),
      failed: failures,
      stoppedBecause: stop.reason,
      seconds: Math.round((Date.now() - started) / 1000),
      git: gitRevision(),
      software: softwareVersions(),
    });
    writeJsonAtomic(join(runDir, 'claims.json'), report);
    writeFileAtomic(join(runDir, 'claims.md'), claimsMarkdown(report, runDir));
    return report;
  };
  try {
    const expected = figures.reduce((s, f) => s + (f.kind === 'accuracy' ? f.expectedMinutes : (quick ? f.quick : f.full).expectedMinutes), 0);
    process.stderr.write(`reproduce: ${figures.map((f) => f.id).join(', ')}${quick ? ' (quick)' : ''}; expected about ${expected} min on a 2-core machine; run directory ${runDir}\n`);
    for (const [i, figure] of figures.entries()) {
      if (stop.reason !== null) break;
      const dir = figures.length === 1 ? runDir : join(runDir, figure.id);
      const minutes = figure.kind === 'accuracy' ? figure.expectedMinutes : (quick ? figure.quick : figure.full).expectedMinutes;
      process.stderr.write(`\n=== figure ${figure.id} (${i + 1} of ${figures.length}): ${figure.title}; expected about ${minutes} min; elapsed so far ${formatDuration((Date.now() - started) / 1000)} ===\n`);
      benchRunning = figure.kind === 'latency';
      let outcome: FigureOutcome;
      try {
        outcome = await runFigure(figure, { quick, dir, ...(options.duration !== undefined ? { durationS: options.duration } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(backend !== undefined ? { backend } : {}), ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}) });
      } catch (error) {
        benchRunning = false;
        if (stop.reason !== null) throw error;
        failures.push({ figure: figure.id, error: (error as Error).message });
        process.stderr.write(`reproduce: figure ${figure.id} failed: ${(error as Error).message}${i + 1 < figures.length ? '; going on with the next figure' : ''}\n`);
        writeTop();
        continue;
      }
      benchRunning = false;
      outcomes.push(outcome);
      claims.push(...outcome.claims);
      writeTop();
      if (outcome.partial) {
        stop.reason ??= 'a figure ended partial (interrupted)';
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const report = writeTop();
  process.stdout.write(`\n${claimsText(report, runDir)}\n\nwall time ${formatDuration((Date.now() - started) / 1000)}; wrote ${join(runDir, 'claims.md')}, claims.json, reproduce.json and per figure figure.json, figure.csv, figure.png\n`);
  if (failures.length > 0) throw new Error(`reproduce: ${failures.map((f) => `figure ${f.figure} failed: ${f.error}`).join('; ')} (the other figures' claims are in ${join(runDir, 'claims.md')})`);
  if (report.partial) process.exitCode = 130;
  return { runDir, claims, figures: outcomes, partial: report.partial };
}

export async function runFigure(figure: FigureDefinition, options: FigureRunOptions): Promise<FigureOutcome> {
  assertFigureDefinition(figure);
  return figure.kind === 'latency' ? runLatencyFigure(figure, options) : runAccuracyFigure(figure, options);
}

async function drawCharts(dir: string, charts: readonly [string, ChartSpec][], files: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, spec] of charts) {
    try {
      await renderChartPng(spec, join(dir, name));
      files.push(name);
    } catch (error) {
      // The measured data and claims are already written; a chart that cannot be drawn is reported, not fatal.
      problems.push(`${name} not drawn: ${(error as Error).message}`);
      process.stderr.write(`reproduce: ${name} not drawn: ${(error as Error).message}\n`);
    }
  }
  return problems;
}

function writeFigureClaims(dir: string, quick: boolean, partial: boolean, claims: readonly Claim[]): void {
  const report: ClaimsReport = { schema: CLAIMS_SCHEMA, createdAt: new Date().toISOString(), quick, partial, claims };
  writeJsonAtomic(join(dir, 'claims.json'), report);
  writeFileAtomic(join(dir, 'claims.md'), claimsMarkdown(report, dir));
}

async function runLatencyFigure(figure: LatencyFigure, options: FigureRunOptions): Promise<FigureOutcome> {
  const started = Date.now();
  const { dir, quick } = options;
  const variant = quick ? figure.quick : figure.full;
  const workload = writeFigureWorkload(figure, variant, dir, { ...(options.durationS !== undefined ? { durationS: options.durationS } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const benchDir = join(dir, 'bench');
  const bench = workload.bench;
  process.stderr.write(`workload ${workload.path}${workload.changes.length > 0 ? ` (${workload.changes.join('; ')})` : ''}\n`);
  const outcome = await benchCommand({
    workload: workload.path,
    out: benchDir,
    // Figures start 24-36 instance processes at once; on a busy 2-core machine that can take minutes.
    startTimeoutS: INSTANCE_START_TIMEOUT_S,
    ...(options.backend !== undefined ? { backend: options.backend } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });

  let parameter: string;
  let planned: readonly number[];
  let points: MeasuredPoint[];
  if (bench.sweep !== null) {
    const sweepPath = join(benchDir, 'sweep.json');
    if (!existsSync(sweepPath)) throw new Error(`reproduce ${figure.id}: the bench sweep wrote no ${sweepPath}`);
    const sweep = JSON.parse(readFileSync(sweepPath, 'utf8')) as SweepResults;
    parameter = sweep.parameter;
    planned = sweep.values;
    points = sweep.points.map((p) => ({ x: p.value, dir: join(benchDir, p.dir), results: p.results }));
  } else {
    const arrivals = bench.load.arrivals;
    const x = arrivals.kind === 'poisson' || arrivals.kind === 'constant' ? arrivals.rate : 0;
    parameter = 'rate';
    planned = [x];
    points = outcome.results.systems.length > 0 ? [{ x, dir: benchDir, results: outcome.results }] : [];
  }
  const data = latencyFigureData({
    figure: figure.id,
    title: figure.title,
    paper: figure.paper,
    parameter,
    xLabel: figure.xLabel,
    quick,
    planned,
    workloadFile: workload.path,
    changes: workload.changes,
    points,
    against: figure.against,
  });
  const files = ['workload.json', 'bench/', 'figure.json', 'figure.csv'];
  writeJsonAtomic(join(dir, 'figure.json'), data);
  writeFileAtomic(join(dir, 'figure.csv'), latencyFigureCsv(data));

  const ctx: ClaimContext = { figure: figure.id, runDir: dir, parameter, missingPoints: data.missing };
  const claims: Claim[] = [];
  for (const kind of figure.claims) {
    if (kind === 'resources-vs-replication') {
      const ks = parameter === 'k' ? planned : [bench.instances.k];
      claims.push(judgeResourcesVsReplication(bench.instances.n, ks, ctx));
      continue;
    }
    for (const against of figure.against) {
      const mine = data.comparisons.filter((c) => c.against === against);
      if (kind === 'median-kept') claims.push(judgeMedianKept(mine, ctx));
      else if (kind === 'gap-reduced') claims.push(judgeGapReduced(mine, ctx));
      else if (kind === 'gap-reduction-up-to') claims.push(judgeGapReductionUpTo(mine, ctx));
      else if (kind === 'comparison-reported') claims.push(reportComparison(mine, ctx));
    }
  }
  const notes = await drawCharts(dir, [['figure.png', latencyChart(data)], ['figure-ratios.png', ratioChart(data)]], files);
  if (options.backend === 'sim') notes.unshift('backend sim: simulated instances in virtual time (a model of the deployment), not measured on instance processes');
  const withNotes = notes.length > 0 ? claims.map((c) => ({ ...c, notes: [...c.notes, ...notes] })) : claims;
  writeFigureClaims(dir, quick, data.partial, withNotes);
  files.push('claims.json', 'claims.md');
  return { figure: figure.id, dir, claims: withNotes, partial: data.partial || outcome.results.partial, seconds: (Date.now() - started) / 1000, files };
}

async function runAccuracyFigure(figure: AccuracyFigure, options: FigureRunOptions): Promise<FigureOutcome> {
  const started = Date.now();
  const { dir } = options;
  const accuracyDir = join(dir, 'accuracy');
  const report = await accuracyCommand({ workload: figure.workload, out: accuracyDir, ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}) });
  const data = accuracyFigureData(report, { figure: figure.id, title: figure.title, paper: figure.paper, accuracyReport: join(accuracyDir, 'accuracy.json') });
  const files = ['accuracy/', 'figure.json', 'figure.csv', 'degraded.csv'];
  writeJsonAtomic(join(dir, 'figure.json'), data);
  writeFileAtomic(join(dir, 'figure.csv'), accuracyFigureCsv(data));
  writeFileAtomic(join(dir, 'degraded.csv'), degradedAccuracyCsv(data));
  const ctx = { figure: figure.id, runDir: dir };
  const claims: Claim[] = [];
  for (const kind of figure.claims) {
    if (kind === 'degraded-accuracy-range') for (const p of report.parity) claims.push(judgeDegradedAccuracy(p, ctx));
    else if (kind === 'base-accuracy') {
      if (report.dataset.name === 'fashion-mnist') claims.push(judgeBaseAccuracy(report.deployed, ctx));
      else process.stderr.write(`reproduce: the base-accuracy claim (89.5%) is about Fashion-MNIST; skipped for ${report.dataset.name}\n`);
    }
  }
  const problems = await drawCharts(dir, [['figure.png', overallAccuracyChart(data)], ['degraded.png', degradedAccuracyChart(data, PAPER_DEGRADED_RANGE)]], files);
  const withProblems = problems.length > 0 ? claims.map((c) => ({ ...c, notes: [...c.notes, ...problems] })) : claims;
  writeFigureClaims(dir, options.quick, false, withProblems);
  files.push('claims.json', 'claims.md');
  return { figure: figure.id, dir, claims: withProblems, partial: false, seconds: (Date.now() - started) / 1000, files };
}
