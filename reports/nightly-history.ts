import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../harness/atomic-write.ts';
import { checkSampleSize } from '../harness/load/run-validity.ts';
import { textLines } from '../harness/load/text-lines.ts';
import { percentileBootstrapMethod, percentileOfSorted } from './gap-comparison.ts';
import { metricDefinition, METRIC_NAMES, type MetricDefinition, type MetricName } from './compare-metrics.ts';
import { FIGURE_BOOTSTRAP_METHODS, figureDistributions, type FigureBootstrapMethod } from './compare-runs.ts';
import { readQuerySamples } from './compare-query-samples.ts';
import type { BenchRunDirectory } from './compare-run-directory.ts';

/**
 * The nightly history file (NDJSON, default runs/nightly-history.ndjson): one line per nightly
 * run x system x figure, appended by `npm run nightly`. A series is the lines of one suite run,
 * system, figure and configuration hash, in file order.
 */
export const NIGHTLY_HISTORY_SCHEMA = 'parm-bench/nightly-history@1';

export interface HistoryEntry {
  readonly schema: typeof NIGHTLY_HISTORY_SCHEMA;
  /** When the nightly started (ISO time); the same for every line of one nightly. */
  readonly time: string;
  /** The nightly's output folder name (e.g. nightly-20261122-030000). */
  readonly nightly: string;
  readonly gitSha: string;
  readonly gitDirty: boolean;
  /** The suite run's name (plus the sweep point for a sweep workload). */
  readonly run: string;
  readonly workload: string;
  readonly configHash: string;
  readonly system: string;
  readonly metric: MetricName;
  readonly unit: 'ms' | 'fraction';
  /** The figure; null when it is not finite (e.g. a percentile beyond the lost queries). */
  readonly value: number | null;
  /** Percentile-bootstrap interval of the figure over the run's queries, at `confidence`. */
  readonly ci: readonly [number, number] | null;
  /**
   * How the interval's resamples were drawn (FigureBootstrapMethod, as `compare` says it), when
   * not in full: above EXACT_BOOTSTRAP_MAX_QUERIES measured queries 'order-statistics' for the
   * percentiles and the gap, 'category-counts' for accuracy and the share of lost queries,
   * 'normal-bulk' for the mean. Absent: every resample drawn in full ('resample': every figure of
   * runs up to that size, so that their lines are as before), or nothing to resample (no ci).
   */
  readonly bootstrap?: FigureBootstrapMethod;
  readonly confidence: number;
  readonly queries: number;
  /** Whether the run measured enough queries to claim this percentile (binomial rule). */
  readonly enoughSamples: boolean;
  readonly valid: boolean;
  readonly partial: boolean;
}

export class HistoryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HistoryFileError';
  }
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** The history lines of one finished bench run: every system and figure, with its interval. */
export function historyEntriesOfRun(
  run: BenchRunDirectory,
  name: string,
  nightly: { readonly time: string; readonly name: string; readonly gitSha: string; readonly gitDirty: boolean },
  metrics: readonly MetricName[],
  options: { readonly confidence: number; readonly resamples: number; readonly seed: number },
): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  const defs = metrics.map(metricDefinition);
  const lo = (100 * (1 - options.confidence)) / 2;
  const hi = (100 * (1 + options.confidence)) / 2;
  for (const s of run.results.systems) {
    const samples = readQuerySamples(join(run.dir, s.files.records));
    const n = samples.latencyMs.length;
    const latencyDefs = defs.filter((m) => m.of === 'latency');
    const correctnessDefs = defs.filter((m) => m.of === 'correctness');
    const sorted = Float64Array.from(samples.latencyMs).sort();
    const labelled = samples.correct.some((c) => !Number.isNaN(c));
    const bootstrapped: MetricDefinition[] = n === 0 ? [] : [...latencyDefs, ...(labelled ? correctnessDefs : [])];
    // In full up to EXACT_BOOTSTRAP_MAX_QUERIES queries (the numbers of before), above it drawn
    // only as far as each figure needs (compare-runs.ts, largeSampleDistributions).
    const distributions = figureDistributions(bootstrapped, (of) => [of === 'latency' ? samples.latencyMs : samples.correct], (_, [v]) => v, {
      resamples: options.resamples,
      seed: options.seed,
      paired: false,
      method: percentileBootstrapMethod([n]),
    });
    for (const m of defs) {
      const drawn = distributions.get(m);
      const dist = drawn?.distribution;
      const value = n === 0 ? NaN : m.statistic(m.of === 'latency' ? sorted : samples.correct);
      const ci: [number, number] | null = dist ? [percentileOfSorted(dist, lo), percentileOfSorted(dist, hi)] : null;
      out.push({
        schema: NIGHTLY_HISTORY_SCHEMA,
        time: nightly.time,
        nightly: nightly.name,
        gitSha: nightly.gitSha,
        gitDirty: nightly.gitDirty,
        run: name,
        workload: run.results.workload,
        configHash: run.configHash ?? 'unknown',
        system: s.system,
        metric: m.name,
        unit: m.unit,
        value: Number.isFinite(value) ? round(value) : null,
        ci: ci && Number.isFinite(ci[0]) && Number.isFinite(ci[1]) ? [round(ci[0]), round(ci[1])] : null,
        ...(drawn && drawn.method !== 'resample' ? { bootstrap: drawn.method } : {}),
        confidence: options.confidence,
        queries: n,
        enoughSamples: m.claimsPercentile === null || checkSampleSize(m.claimsPercentile, n, 0, null).enough,
        valid: s.summary.validity.valid,
        partial: s.summary.partial || run.results.partial,
      });
    }
  }
  return out;
}

const FIELDS: readonly [keyof HistoryEntry, string][] = [
  ['time', 'string'],
  ['nightly', 'string'],
  ['gitSha', 'string'],
  ['gitDirty', 'boolean'],
  ['run', 'string'],
  ['workload', 'string'],
  ['configHash', 'string'],
  ['system', 'string'],
  ['metric', 'string'],
  ['unit', 'string'],
  ['confidence', 'number'],
  ['queries', 'number'],
  ['enoughSamples', 'boolean'],
  ['valid', 'boolean'],
  ['partial', 'boolean'],
];

/** Every line of a history file, checked; a missing file is an empty history. */
export function readHistory(path: string): HistoryEntry[] {
  if (!existsSync(path)) return [];
  const out: HistoryEntry[] = [];
  let lineNo = 0;
  for (const line of textLines(path)) {
    lineNo++;
    if (line.trim().length === 0) continue;
    const where = `history file ${path}:${lineNo}`;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new HistoryFileError(`${where}: not valid JSON (${(error as Error).message}); remove or repair the line`);
    }
    if (e.schema !== NIGHTLY_HISTORY_SCHEMA) throw new HistoryFileError(`${where}: schema: expected "${NIGHTLY_HISTORY_SCHEMA}", found ${JSON.stringify(e.schema)}`);
    for (const [field, type] of FIELDS) {
      if (typeof e[field] !== type) throw new HistoryFileError(`${where}: ${field}: expected a ${type}, found ${JSON.stringify(e[field])}`);
    }
    if (!METRIC_NAMES.includes(e.metric as MetricName)) throw new HistoryFileError(`${where}: metric: expected one of ${METRIC_NAMES.join(', ')}, found ${JSON.stringify(e.metric)}`);
    if (e.value !== null && typeof e.value !== 'number') throw new HistoryFileError(`${where}: value: expected a number or null, found ${JSON.stringify(e.value)}`);
    const ci = e.ci;
    if (ci !== null && !(Array.isArray(ci) && ci.length === 2 && ci.every((x) => typeof x === 'number'))) {
      throw new HistoryFileError(`${where}: ci: expected [low, high] or null, found ${JSON.stringify(ci)}`);
    }
    if (e.bootstrap !== undefined && !FIGURE_BOOTSTRAP_METHODS.includes(e.bootstrap as FigureBootstrapMethod)) {
      throw new HistoryFileError(`${where}: bootstrap: expected one of ${FIGURE_BOOTSTRAP_METHODS.join(', ')} or no such key, found ${JSON.stringify(e.bootstrap)}`);
    }
    out.push(e as unknown as HistoryEntry);
  }
  return out;
}

/** Adds lines to the history file (the whole file is rewritten atomically: a reader never sees half a line). */
export function appendHistory(path: string, entries: readonly HistoryEntry[]): void {
  if (entries.length === 0) return;
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const sep = before.length > 0 && !before.endsWith('\n') ? '\n' : '';
  writeFileAtomic(path, before + sep + entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
}
