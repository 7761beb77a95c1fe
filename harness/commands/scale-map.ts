import { existsSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { createProgress, formatDuration } from '../progress.ts';
import { gitRevision } from '../software-versions.ts';
import type { LoadDriver } from '../load/load-driver.ts';
import {
  DEFAULT_SCALE_GRID,
  MEDIAN_SERVICE_MS,
  planScaleMap,
  runScalePoint,
  SCALE_FACTOR_NAMES,
  SCALE_FACTORS,
  SCALE_OTHERS,
  SCALE_SYSTEMS,
  ScaleMapStopped,
  TIE_MARGIN,
  WARMUP_MS,
  type ScaleCoordinates,
  type ScaleFactor,
  type ScaleGrid,
  type ScaleMapPlan,
  type ScaleMapSettings,
  type ScaleOther,
  type ScalePointResult,
} from '../sim/scale-map.ts';
import { renderChartPng } from '../../reports/charts/render-png.ts';
import { chartX, scaleMapCharts } from '../../reports/charts/scale-map-charts.ts';
import { markdownTable, textTable } from '../../reports/format.ts';

/**
 * `npm run scale-map`: the scale map (harness/sim/scale-map.ts) as a command. Runs the grid of
 * simulated points with progress on stderr, then writes into the output folder, each file
 * atomically: scale-map.md (table, how to read it, command and seed), scale-map.csv (one row per
 * point and system pair), scale-map.json (every figure per point) and charts/gap-ratio-by-*.png
 * (one per swept factor). Ctrl-C (or `signal`) stops between points, or stops the point in
 * progress and drops it; the points done are then written as scale-map.partial.json and
 * scale-map.partial.md only, never under the final names.
 */

export const SCALE_MAP_SCHEMA = 'parm-bench/scale-map@1';

export interface ScaleMapCommandOptions {
  queries?: string | number;
  seed?: string | number;
  full?: boolean;
  ns?: string | readonly number[];
  ks?: string | readonly number[];
  loads?: string | readonly number[];
  factors?: string | readonly number[];
  crashRates?: string | readonly number[];
  /** Output folder (default runs/scale-map-<UTC stamp>). */
  out?: string;
  /** The arguments as given, recorded in the outputs. */
  argv?: readonly string[];
  /** Aborting it stops the map as Ctrl-C does. */
  signal?: AbortSignal;
  /** Called after each point. */
  onPoint?: (result: ScalePointResult, done: number, total: number) => void;
}

export interface ScaleMapOutcome {
  readonly outDir: string;
  readonly partial: boolean;
  readonly stoppedBecause: string | null;
  readonly plan: ScaleMapPlan;
  readonly results: readonly ScalePointResult[];
  /** Files written, relative to outDir. */
  readonly files: readonly string[];
  readonly wallSeconds: number;
}

/** A bad option: the message names it and says what it needs. */
export class ScaleMapOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaleMapOptionError';
  }
}

const LIST_RULES: Record<ScaleFactor, { readonly ok: (v: number) => boolean; readonly needs: string }> = {
  n: { ok: (v) => Number.isInteger(v) && v >= 2, needs: 'deployed instance counts, integers >= 2 (e.g. 12,120,840)' },
  k: { ok: (v) => Number.isInteger(v) && v >= 2, needs: 'coding-group sizes, integers >= 2 (e.g. 2,3,4)' },
  load: { ok: (v) => v > 0 && v < 1.5, needs: "offered loads as fractions of the N deployed instances' capacity, above 0 and below 1.5 (e.g. 0.5,0.7,0.85)" },
  factor: { ok: (v) => v >= 1 && v <= 100, needs: 'slowdown factors from 1 (no slowdown) to 100 (e.g. 1,2,3,5)' },
  crashRate: { ok: (v) => v >= 0 && v <= 0.5, needs: 'fractions of the machines that crash during a run, from 0 to 0.5 (e.g. 0,0.01,0.05)' },
};

function parseList(factor: ScaleFactor, given: string | readonly number[] | undefined): number[] {
  const option = SCALE_FACTOR_NAMES[factor].option;
  const rule = LIST_RULES[factor];
  if (given === undefined) return [...DEFAULT_SCALE_GRID[factor]];
  const items = typeof given === 'string' ? given.split(',').map((s) => s.trim()) : given.map(String);
  if (items.length === 0 || items.every((s) => s === '')) throw new ScaleMapOptionError(`${option}: give a comma-separated list of ${rule.needs}; got nothing`);
  const values: number[] = [];
  for (const item of items) {
    if (item === '') throw new ScaleMapOptionError(`${option}: an empty item in "${String(given)}"; give a comma-separated list of ${rule.needs}`);
    const v = Number(item);
    if (!Number.isFinite(v)) throw new ScaleMapOptionError(`${option}: "${item}" is not a number; give a comma-separated list of ${rule.needs}`);
    if (!rule.ok(v)) throw new ScaleMapOptionError(`${option}: ${item} is out of range; give a comma-separated list of ${rule.needs}`);
    if (!values.includes(v)) values.push(v);
  }
  return values;
}

function parseInteger(option: string, given: string | number | undefined, fallback: number, min: number, max: number, what: string): number {
  if (given === undefined) return fallback;
  const text = String(given).trim();
  const v = text === '' ? Number.NaN : Number(text);
  if (!(Number.isInteger(v) && v >= min && v <= max)) throw new ScaleMapOptionError(`${option}: needs ${what}, an integer from ${min} to ${max}; got "${String(given)}"`);
  return v;
}

/** Checks the options and resolves them against the defaults; throws ScaleMapOptionError naming the option. */
export function scaleMapSettings(options: ScaleMapCommandOptions): ScaleMapSettings {
  const grid: ScaleGrid = {
    n: parseList('n', options.ns),
    k: parseList('k', options.ks),
    load: parseList('load', options.loads),
    factor: parseList('factor', options.factors),
    crashRate: parseList('crashRate', options.crashRates),
  };
  return {
    queries: parseInteger('--queries', options.queries, 30_000, 1000, 10_000_000, 'the measured queries per system and point'),
    seed: parseInteger('--seed', options.seed, 1, 0, 0xffffffff, 'the seed of the whole map'),
    full: options.full === true,
    grid,
  };
}

function stampOf(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

/** The command line that reproduces the map (every list spelled out). */
export function scaleMapCommandLine(settings: ScaleMapSettings): string {
  const g = settings.grid;
  return [
    'npm run scale-map --',
    `--queries ${settings.queries}`,
    `--seed ${settings.seed}`,
    ...(settings.full ? ['--full'] : []),
    ...SCALE_FACTORS.map((f) => `${SCALE_FACTOR_NAMES[f].option} ${g[f].join(',')}`),
  ].join(' ');
}

/** "base", or the coordinates that differ from the base: "N=840", "k=3 load=0.85". */
export function pointLabel(p: ScaleCoordinates, base: ScaleCoordinates): string {
  const short: Record<ScaleFactor, string> = { n: 'N', k: 'k', load: 'load', factor: 'factor', crashRate: 'crash' };
  const diff = SCALE_FACTORS.filter((f) => p[f] !== base[f]).map((f) => `${short[f]}=${p[f]}`);
  return diff.length === 0 ? 'base' : diff.join(' ');
}

const fmtMs = (ms: number): string => ms.toFixed(1);
const fmtWall = (s: number): string => (s < 60 ? `${s.toFixed(1)} s` : `${formatDuration(s)} (${s.toFixed(0)} s)`);
const fmtRatio = (r: number | null): string => (r === null ? 'n/a' : r.toFixed(2));
const fmtFactor = (f: number): string => (f === 1 ? 'none' : `${f}x`);
const fmtCrash = (c: number): string => `${chartX('crashRate', c)}%`;

const TABLE_HEADER = ['point', 'N', 'k', 'ParM inst.', 'load', 'slowdown', 'crash', 'ParM p50', 'ParM p99.9', 'ER p99.9', 'rep p99.9', 'median vs ER', 'gap vs ER', 'median vs rep', 'gap vs rep', 'lost P/ER/rep', 'ParM vs ER', 'ParM vs rep'];

function comparison(r: ScalePointResult, other: ScaleOther) {
  const c = r.comparisons.find((x) => x.against === other);
  if (!c) throw new Error(`scale map: no comparison against ${other} at ${r.id}`);
  return c;
}

export function scaleMapTableRows(results: readonly ScalePointResult[], base: ScaleCoordinates): string[][] {
  return results.map((r) => {
    const P = r.systems.parm;
    const er = comparison(r, 'equal-resources');
    const rep = comparison(r, 'replication');
    return [
      pointLabel(r, base),
      String(r.n),
      String(r.k),
      String(P.instances),
      String(r.load),
      fmtFactor(r.factor),
      fmtCrash(r.crashRate),
      fmtMs(P.p50Ms),
      fmtMs(P.p99_9Ms),
      fmtMs(r.systems['equal-resources'].p99_9Ms),
      fmtMs(r.systems.replication.p99_9Ms),
      fmtRatio(er.medianRatio),
      fmtRatio(er.gapRatio),
      fmtRatio(rep.medianRatio),
      fmtRatio(rep.gapRatio),
      `${P.lost}/${r.systems['equal-resources'].lost}/${r.systems.replication.lost}`,
      er.verdict,
      rep.verdict,
    ];
  });
}

export const SCALE_MAP_CSV_HEADER = [
  'point',
  'n',
  'k',
  'load',
  'slowdown_factor',
  'crash_rate',
  'on_base_line_of',
  'rate_per_s',
  'against',
  'parm_instances',
  'other_instances',
  'parm_p50_ms',
  'parm_p99_ms',
  'parm_p99_9_ms',
  'parm_gap_ms',
  'other_p50_ms',
  'other_p99_ms',
  'other_p99_9_ms',
  'other_gap_ms',
  'median_ratio',
  'gap_ratio',
  'parm_measured',
  'other_measured',
  'parm_lost',
  'other_lost',
  'verdict',
] as const;

/** One row per point and system pair (ParM against Equal-Resources, against replication). */
export function scaleMapCsv(results: readonly ScalePointResult[]): string {
  const rows = results.flatMap((r) =>
    SCALE_OTHERS.map((other) => {
      const P = r.systems.parm;
      const O = r.systems[other];
      const c = comparison(r, other);
      return [
        r.id,
        r.n,
        r.k,
        r.load,
        r.factor,
        r.crashRate,
        r.onBaseLineOf.join(' '),
        r.ratePerS,
        other,
        P.instances,
        O.instances,
        P.p50Ms,
        P.p99Ms,
        P.p99_9Ms,
        P.gapMs,
        O.p50Ms,
        O.p99Ms,
        O.p99_9Ms,
        O.gapMs,
        c.medianRatio ?? '',
        c.gapRatio ?? '',
        P.measured,
        O.measured,
        P.lost,
        O.lost,
        c.verdict,
      ];
    }),
  );
  return stringify([[...SCALE_MAP_CSV_HEADER], ...rows]);
}

export const SCALE_MAP_READING = [
  '**gap ratio** = ParM (p99.9 - p50) / the other system\'s (p99.9 - p50), latency from the scheduled send. Below 1: ParM\'s tail gap is the smaller one. ' +
    `ParM **wins** against a system when its gap ratio is below ${1 - TIE_MARGIN} and it loses no more queries; **tie** from ${1 - TIE_MARGIN} to ${1 + TIE_MARGIN}; **loses** above ${1 + TIE_MARGIN}, or when it loses more queries.`,
  '**median ratio** = ParM p50 / the other\'s p50: what ParM pays (or saves) in the body of the distribution.',
  '**ER** = Equal-Resources: N + N/k instances without redundancy, the same instance count as ParM (N deployed + N/k parity). **rep** = replication: 2N instances, every query sent twice.',
  `Simulated (backend sim): lognormal service times (median ${MEDIAN_SERVICE_MS} ms, sigma 0.05); Poisson arrivals at load x the N deployed instances' capacity (N x 1000 / ${MEDIAN_SERVICE_MS} q/s); ` +
    "fashion-contention's shuffle-like slowdown episodes (128-256 MB at 125 MB/s, times the slowdown factor) scaled to 4 concurrent per 18 machines; crashes of the given fraction of the N + N/k machines at seeded random times; " +
    `${WARMUP_MS / 1000} s warm-up. Every system of a point replays the same arrivals and contention schedule.`,
  'One seeded run per point and no confidence intervals: read ratios within about 5% as ties, and rerun with another --seed to see the spread.',
];

function verdictSummary(results: readonly ScalePointResult[], base: ScaleCoordinates): string[] {
  return SCALE_OTHERS.map((other) => {
    const by = (pick: (v: string) => boolean) => results.filter((r) => pick(comparison(r, other).verdict)).map((r) => pointLabel(r, base));
    const name = other === 'equal-resources' ? 'Equal-Resources' : 'replication';
    const list = (xs: string[]) => (xs.length === 0 ? 'none' : xs.join(', '));
    return `- Against ${name}: wins at ${list(by((v) => v === 'wins'))}; ties at ${list(by((v) => v === 'tie' || v === 'n/a'))}; loses at ${list(by((v) => v.startsWith('loses')))}.`;
  });
}

interface MarkdownInput {
  readonly settings: ScaleMapSettings;
  readonly plan: ScaleMapPlan;
  readonly results: readonly ScalePointResult[];
  readonly createdAt: string;
  readonly argv: readonly string[];
  readonly wallSeconds: number;
  readonly charts: readonly { file: string; title: string }[];
  readonly chartNote: string | null;
  readonly stoppedBecause: string | null;
}

export function scaleMapMarkdown(m: MarkdownInput): string {
  const { settings, plan, results } = m;
  const b = plan.base;
  const baseText = `N ${b.n}, k ${b.k}, load ${b.load}, slowdown ${fmtFactor(b.factor)}, crashes ${fmtCrash(b.crashRate)}`;
  const lines = [
    m.stoppedBecause !== null ? '# Scale map (PARTIAL): where ParM wins and loses (simulated)' : '# Scale map: where ParM wins and loses (simulated)',
    '',
    ...(m.stoppedBecause !== null ? [`**Partial**: ${m.stoppedBecause}; ${results.length} of ${plan.points.length} points done. Not written under the final names; no CSV or charts.`, ''] : []),
    `- Command: \`npm run scale-map${m.argv.length > 0 ? ` -- ${m.argv.join(' ')}` : ''}\``,
    `- Reproduce: \`${scaleMapCommandLine(settings)}\``,
    `- Seed ${settings.seed}; about ${settings.queries} measured queries per system and point; created ${m.createdAt}; wall time ${fmtWall(m.wallSeconds)}`,
    `- Grid: ${settings.full ? 'the whole product of the lists (--full)' : 'one factor at a time around the base point'}; base point ${baseText}; ${plan.points.length} points x ${SCALE_SYSTEMS.length} systems${plan.skipped.length > 0 ? `; ${plan.skipped.length} skipped (see below)` : ''}`,
    '',
    '## How to read it',
    '',
    ...SCALE_MAP_READING.map((t) => `- ${t}`),
    '',
    '## Where ParM wins and loses',
    '',
    ...verdictSummary(results, b),
    '',
    '## Table',
    '',
    'Latencies in ms. "point": the coordinates that differ from the base point.',
    '',
    markdownTable(TABLE_HEADER, scaleMapTableRows(results, b)),
    '',
  ];
  if (m.stoppedBecause === null) {
    lines.push('## Charts', '');
    lines.push(
      `One chart per swept factor: ParM's gap ratio against Equal-Resources and against replication (y), the factor (x), at the points where every other factor is at its base value${settings.full ? ' (with --full: the base-line slice of the full grid; the table and scale-map.csv hold every point)' : ''}. Below the dashed line at 1, ParM's tail gap is the smaller one (ParM wins).`,
      '',
    );
    if (m.charts.length === 0) lines.push(m.chartNote ?? 'No factor was swept over two or more values on the base line: no chart.', '');
    for (const c of m.charts) lines.push(`![${c.title}](${c.file})`, '');
    if (m.chartNote !== null && m.charts.length > 0) lines.push(m.chartNote, '');
  }
  if (plan.skipped.length > 0) {
    lines.push('## Skipped', '', ...plan.skipped.map((s) => `- ${s.id}: ${s.reason}`), '');
  }
  lines.push('Files: scale-map.md (this), scale-map.csv (one row per point and system pair), scale-map.json (every figure per point), charts/*.png.', '');
  return lines.join('\n');
}

function jsonDocument(m: MarkdownInput & { readonly charts: readonly { file: string; title: string; factor: ScaleFactor }[] }): unknown {
  return {
    schema: SCALE_MAP_SCHEMA,
    createdAt: m.createdAt,
    partial: m.stoppedBecause !== null,
    stoppedBecause: m.stoppedBecause,
    command: { argv: m.argv, reproduce: scaleMapCommandLine(m.settings) },
    settings: { queries: m.settings.queries, seed: m.settings.seed, full: m.settings.full, grid: m.settings.grid, base: m.plan.base },
    model: {
      backend: 'sim',
      serviceTime: { kind: 'lognormal', medianMs: MEDIAN_SERVICE_MS, sigma: 0.05 },
      warmupMs: WARMUP_MS,
      slowdowns: '128-256 MB at 125 MB/s times the factor, 4 concurrent per 18 machines (none at factor 1)',
      crashes: 'crashRate x (N + N/k) distinct machines at seeded random times in the measured window',
    },
    reading: { gapRatio: 'ParM (p99.9 - p50) / other (p99.9 - p50)', medianRatio: 'ParM p50 / other p50', tieMargin: TIE_MARGIN, wins: `gapRatio < ${1 - TIE_MARGIN} and no more lost queries` },
    plannedPoints: m.plan.points.length,
    points: m.results,
    skipped: m.plan.skipped,
    charts: m.charts,
    chartNote: m.chartNote,
    wallSeconds: Math.round(m.wallSeconds * 10) / 10,
    git: gitRevision(),
  };
}

/** Runs the scale map and writes its files; see the module comment. */
export async function scaleMapCommand(options: ScaleMapCommandOptions = {}): Promise<ScaleMapOutcome> {
  const settings = scaleMapSettings(options);
  const createdAt = new Date().toISOString();
  const outDir = resolve(options.out ?? join('runs', `scale-map-${stampOf(createdAt)}`));
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new ScaleMapOptionError(`--out: ${outDir} exists and is not a directory; give a folder (it is created when missing)`);
  const plan = planScaleMap(settings);
  if (plan.points.length === 0) {
    throw new ScaleMapOptionError(`--ns/--ks: no point to run: k must divide N (${[...new Set(plan.skipped.map((s) => s.reason))].join('; ')})`);
  }
  const argv = options.argv ?? [];
  const started = Date.now();
  const stop: { reason: string | null; presses: number; driver: LoadDriver | undefined } = { reason: null, presses: 0, driver: undefined };
  const requestStop = (reason: string): void => {
    stop.reason ??= reason;
    stop.driver?.stop(stop.reason);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    stop.presses++;
    if (stop.presses > 1) {
      process.stderr.write(`\n${signal} again: exiting now (nothing more is written)\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${signal}: stopping; the points done are written as scale-map.partial.json/.md (again to exit at once)\n`);
    requestStop(`interrupted (${signal})`);
  };
  const onAbort = (): void => requestStop('stopped (aborted)');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) onAbort();

  const results: ScalePointResult[] = [];
  process.stderr.write(
    `scale-map: ${plan.points.length} points x ${SCALE_SYSTEMS.length} systems, about ${settings.queries} measured queries each (seed ${settings.seed}${settings.full ? ', full grid' : ''})` +
      `${plan.skipped.length > 0 ? `; ${plan.skipped.length} skipped (k does not divide N)` : ''}; writing to ${outDir}\n`,
  );
  const progress = createProgress('scale-map', plan.points.length, { logEverySeconds: 0 });
  try {
    for (const point of plan.points) {
      await nextTurn(); // lets a Ctrl-C between points through
      if (stop.reason !== null) break;
      let result: ScalePointResult;
      try {
        result = await runScalePoint(point, settings, { onDriver: (d) => (stop.driver = d), stopped: () => stop.reason !== null });
      } catch (error) {
        if (stop.reason !== null && error instanceof ScaleMapStopped) break; // the point in progress is dropped
        throw error;
      }
      results.push(result);
      const er = comparison(result, 'equal-resources');
      const rep = comparison(result, 'replication');
      options.onPoint?.(result, results.length, plan.points.length);
      progress.update(results.length, `${pointLabel(point, plan.base)} (${point.id}): gap vs ER ${fmtRatio(er.gapRatio)} ${er.verdict}, vs rep ${fmtRatio(rep.gapRatio)} ${rep.verdict}; ${result.wallSeconds.toFixed(1)} s`);
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onAbort);
  }

  const base = { settings, plan, results, createdAt, argv, stoppedBecause: null as string | null };
  if (stop.reason !== null) {
    const wallSeconds = (Date.now() - started) / 1000;
    const input = { ...base, wallSeconds, stoppedBecause: stop.reason, charts: [], chartNote: null };
    writeJsonAtomic(join(outDir, 'scale-map.partial.json'), jsonDocument(input));
    writeFileAtomic(join(outDir, 'scale-map.partial.md'), scaleMapMarkdown(input));
    process.stdout.write(`\nscale-map stopped (${stop.reason}) after ${results.length} of ${plan.points.length} points; wrote ${join(outDir, 'scale-map.partial.md')} and scale-map.partial.json\n`);
    return { outDir, partial: true, stoppedBecause: stop.reason, plan, results, files: ['scale-map.partial.json', 'scale-map.partial.md'], wallSeconds };
  }

  const charts: { file: string; title: string; factor: ScaleFactor }[] = [];
  let chartNote: string | null = null;
  try {
    for (const chart of scaleMapCharts(results, plan.base, { full: settings.full })) {
      const file = `charts/${chart.name}.png`;
      await renderChartPng(chart.spec, join(outDir, file));
      charts.push({ file, title: chart.spec.title, factor: chart.factor });
    }
  } catch (error) {
    chartNote = `Charts could not be drawn (${(error as Error).message}); the data is in scale-map.csv and scale-map.json.`;
  }
  const wallSeconds = (Date.now() - started) / 1000; // the points and the charts
  const input = { ...base, wallSeconds, charts, chartNote };
  writeFileAtomic(join(outDir, 'scale-map.csv'), scaleMapCsv(results));
  writeJsonAtomic(join(outDir, 'scale-map.json'), jsonDocument(input));
  writeFileAtomic(join(outDir, 'scale-map.md'), scaleMapMarkdown(input));
  for (const stale of ['scale-map.partial.json', 'scale-map.partial.md']) rmSync(join(outDir, stale), { force: true });
  process.stdout.write(
    `\n${textTable(TABLE_HEADER, scaleMapTableRows(results, plan.base))}\n\n${verdictSummary(results, plan.base).join('\n')}\n\n` +
      `wall time ${fmtWall(wallSeconds)}; wrote ${outDir}/scale-map.md, scale-map.csv, scale-map.json${charts.length > 0 ? `, ${charts.map((c) => c.file).join(', ')}` : ''}\n` +
      (chartNote !== null ? `${chartNote}\n` : ''),
  );
  return { outDir, partial: false, stoppedBecause: null, plan, results, files: ['scale-map.md', 'scale-map.csv', 'scale-map.json', ...charts.map((c) => c.file)], wallSeconds };
}
