import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BenchResults } from './bench-report.ts';
import { readBenchResults } from './results-schema.ts';
import { SWEEP_RESULTS_SCHEMA } from './sweep-report.ts';

/**
 * A bench run directory as `compare` and `nightly` read it: results.json (validated by
 * reports/results-schema.ts), the configuration from settings.json and a hash of it, or for a sweep, sweep.json
 * and one such run per point.
 */
export class CompareInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompareInputError';
  }
}

/** What decides a run's figures besides the code: workload, seeds and the resolved settings. */
export interface RunConfiguration {
  readonly workload: string;
  readonly seeds: unknown;
  readonly resolved: unknown;
}

export interface BenchRunDirectory {
  readonly kind: 'run';
  readonly dir: string;
  readonly results: BenchResults;
  /** null when settings.json is missing (the run cannot be checked for a matching configuration). */
  readonly config: RunConfiguration | null;
  readonly configHash: string | null;
  /** The git revision the run was made with, when recorded. */
  readonly git: { readonly sha: string; readonly dirty: boolean } | null;
}

export interface SweepRunDirectory {
  readonly kind: 'sweep';
  readonly dir: string;
  readonly workload: string;
  /** The swept parameters ("rate", or "load x factor" for a grid). */
  readonly parameter: string;
  readonly partial: boolean;
  /** label: "rate = 150", or "load = 0.5, factor = 2" for a grid point; points match across sweeps by label. */
  readonly points: readonly { readonly label: string; readonly run: BenchRunDirectory }[];
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CompareInputError(`${path}: not valid JSON (${(error as Error).message}); the run directory is damaged, rerun the bench`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readBenchRun(dir: string): BenchRunDirectory {
  const resultsPath = join(dir, 'results.json');
  if (!existsSync(resultsPath)) throw new CompareInputError(`${dir}: no results.json (nor sweep.json): not a bench run directory, or the run did not get far enough to write results`);
  let results: BenchResults;
  try {
    results = readBenchResults(resultsPath);
  } catch (error) {
    throw new CompareInputError((error as Error).message);
  }
  const settingsPath = join(dir, 'settings.json');
  let config: RunConfiguration | null = null;
  let git: BenchRunDirectory['git'] = null;
  if (existsSync(settingsPath)) {
    const s = readJson(settingsPath);
    if (isObject(s)) {
      const workload = isObject(s.workload) && typeof s.workload.name === 'string' ? s.workload.name : results.workload;
      config = { workload, seeds: s.seeds ?? null, resolved: s.resolved ?? null };
      if (isObject(s.git) && typeof s.git.sha === 'string') git = { sha: s.git.sha, dirty: s.git.dirty === true };
    }
  }
  return { kind: 'run', dir, results, config, configHash: config ? configurationHash(config) : null, git };
}

/** Reads a run directory (results.json) or a sweep directory (sweep.json and its points). */
export function readRunDirectory(path: string): BenchRunDirectory | SweepRunDirectory {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new CompareInputError(`${path}: no such directory; give the run directory that npm run bench wrote (runs/bench-<workload>-<time>)`);
  if (!statSync(dir).isDirectory()) throw new CompareInputError(`${path}: not a directory; give a run directory, not a file in it`);
  const sweepPath = join(dir, 'sweep.json');
  if (!existsSync(sweepPath)) return readBenchRun(dir);
  const raw = readJson(sweepPath);
  if (!isObject(raw) || raw.schema !== SWEEP_RESULTS_SCHEMA) {
    throw new CompareInputError(`${sweepPath}: schema: expected "${SWEEP_RESULTS_SCHEMA}", found ${JSON.stringify(isObject(raw) ? raw.schema : raw)}`);
  }
  if (!Array.isArray(raw.points)) throw new CompareInputError(`${sweepPath}: points: expected an array`);
  const points = raw.points.map((p: unknown, i: number) => {
    if (!isObject(p) || typeof p.value !== 'number' || typeof p.dir !== 'string') throw new CompareInputError(`${sweepPath}: points[${i}]: expected { value, dir }`);
    const coordinates = isObject(p.coordinates) ? p.coordinates : { [String(raw.parameter)]: p.value };
    const label = Object.entries(coordinates)
      .map(([k, v]) => `${k} = ${String(v)}`)
      .join(', ');
    return { label, run: readBenchRun(join(dir, p.dir)) };
  });
  const by = isObject(raw.by) && typeof raw.by.parameter === 'string' ? ` x ${raw.by.parameter}` : '';
  return {
    kind: 'sweep',
    dir,
    workload: String(raw.workload),
    parameter: `${String(raw.parameter)}${by}`,
    partial: raw.partial === true,
    points,
  };
}

/** JSON with object keys in sorted order, so that equal configurations hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 (first 16 hex digits) of the configuration: equal for runs of the same workload, seeds and settings. */
export function configurationHash(config: RunConfiguration): string {
  return createHash('sha256').update(stableJson(config)).digest('hex').slice(0, 16);
}

/** Dotted paths where two configurations differ (at most `limit`). */
export function configurationDifferences(a: RunConfiguration, b: RunConfiguration, limit = 8): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (isObject(x) && isObject(y)) {
      for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) walk(x[k], y[k], path ? `${path}.${k}` : k);
      return;
    }
    if (stableJson(x) !== stableJson(y)) out.push(`${path}: ${short(x)} vs ${short(y)}`);
  };
  walk(a, b, '');
  return out;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'absent';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
