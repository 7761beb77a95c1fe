import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CHANGE_POINT_OPTIONS, type ChangePointOptions } from './change-points.ts';
import { METRIC_NAMES, type MetricName } from './compare-metrics.ts';

/**
 * The nightly suite file (workloads/nightly/suite.json): a fixed list of short bench runs, the
 * figures followed, and how change points and regressions are decided. Every key is checked; an
 * error names the file and the field.
 */
export const NIGHTLY_SUITE_SCHEMA = 'parm-bench/nightly-suite@1';
export const DEFAULT_SUITE_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'workloads', 'nightly', 'suite.json');

export interface NightlySuiteRun {
  /** Short name: the run's folder and the series' prefix. */
  readonly name: string;
  /** Absolute path of the workload file (a name is looked up like --workload). */
  readonly workload: string;
  readonly systems: string | undefined;
  readonly duration: number | undefined;
  readonly rate: number | undefined;
  readonly seed: number | undefined;
  readonly backend: string | undefined;
  readonly reason: string;
}

export interface NightlyChangePointSettings extends ChangePointOptions {
  /** A regression fails the nightly while its change point is among the last this many runs. */
  readonly recentRuns: number;
}

export interface NightlySuite {
  readonly path: string;
  readonly description: string;
  readonly runs: readonly NightlySuiteRun[];
  readonly metrics: readonly MetricName[];
  readonly confidence: number;
  readonly minEffect: number;
  readonly resamples: number;
  readonly changePoints: NightlyChangePointSettings;
}

export class NightlySuiteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NightlySuiteError';
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readNightlySuite(path: string = DEFAULT_SUITE_PATH): NightlySuite {
  const file = resolve(path);
  if (!existsSync(file)) throw new NightlySuiteError(`nightly suite file ${file} not found (give --suite FILE, or use the default workloads/nightly/suite.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new NightlySuiteError(`nightly suite file ${file}: not valid JSON (${(error as Error).message})`);
  }
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new NightlySuiteError(`nightly suite file ${file}: ${field}: expected ${expected}, found ${JSON.stringify(found)}`);
  };
  const keys = (o: Obj, where: string, allowed: readonly string[]): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where}${k}`, `no such key (allowed: ${allowed.join(', ')})`, o[k]);
  };
  if (!isObject(raw)) return fail('(top level)', 'a JSON object', raw);
  keys(raw, '', ['schema', 'description', 'runs', 'metrics', 'confidence', 'minEffect', 'resamples', 'changePoints']);
  if (raw.schema !== NIGHTLY_SUITE_SCHEMA) fail('schema', `"${NIGHTLY_SUITE_SCHEMA}"`, raw.schema);
  const num = (o: Obj, key: string, where: string, ok: (x: number) => boolean, expected: string, fallback?: number): number => {
    const v = o[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !ok(v)) return fail(`${where}${key}`, expected, v);
    return v;
  };
  if (!Array.isArray(raw.runs) || raw.runs.length === 0) fail('runs', 'a non-empty array of { name, workload, reason }', raw.runs);
  const names = new Set<string>();
  const runs = (raw.runs as unknown[]).map((r, i): NightlySuiteRun => {
    const where = `runs[${i}].`;
    if (!isObject(r)) return fail(`runs[${i}]`, 'an object', r);
    keys(r, where, ['name', 'workload', 'systems', 'duration', 'rate', 'seed', 'backend', 'reason']);
    if (typeof r.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(r.name)) fail(`${where}name`, 'a short name of lower-case letters, digits and dashes', r.name);
    if (names.has(r.name as string)) fail(`${where}name`, 'a name no other run has', r.name);
    names.add(r.name as string);
    if (typeof r.workload !== 'string' || r.workload.length === 0) fail(`${where}workload`, 'a workload file (relative to the suite file) or a named workload', r.workload);
    const w = r.workload as string;
    const workload = w.endsWith('.json') || w.includes('/') ? resolve(dirname(file), w) : w;
    if ((w.endsWith('.json') || w.includes('/')) && !existsSync(workload)) fail(`${where}workload`, 'an existing workload file', `${w} (${workload} not found)`);
    const optNum = (key: string): number | undefined => (r[key] === undefined ? undefined : num(r, key, where, (x) => x > 0, 'a positive number'));
    const optStr = (key: string): string | undefined => {
      if (r[key] === undefined) return undefined;
      if (typeof r[key] !== 'string' || (r[key] as string).length === 0) return fail(`${where}${key}`, 'a non-empty string', r[key]);
      return r[key] as string;
    };
    if (typeof r.reason !== 'string' || r.reason.length === 0) fail(`${where}reason`, 'why the run is in the suite (a sentence)', r.reason);
    const seed = r.seed === undefined ? undefined : num(r, 'seed', where, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer from 0 to 4294967295');
    return { name: r.name as string, workload, systems: optStr('systems'), duration: optNum('duration'), rate: optNum('rate'), seed, backend: optStr('backend'), reason: r.reason as string };
  });
  let metrics: MetricName[] = [...METRIC_NAMES];
  if (raw.metrics !== undefined) {
    if (!Array.isArray(raw.metrics) || raw.metrics.length === 0) fail('metrics', `a non-empty array of ${METRIC_NAMES.join(', ')}`, raw.metrics);
    metrics = (raw.metrics as unknown[]).map((m, i) => {
      if (typeof m !== 'string' || !METRIC_NAMES.includes(m as MetricName)) return fail(`metrics[${i}]`, `one of ${METRIC_NAMES.join(', ')}`, m);
      return m as MetricName;
    });
  }
  const cpRaw = raw.changePoints === undefined ? {} : raw.changePoints;
  if (!isObject(cpRaw)) return fail('changePoints', 'an object', cpRaw);
  keys(cpRaw, 'changePoints.', ['minSegment', 'permutations', 'alpha', 'recentRuns', 'seed', 'reason']);
  const d = DEFAULT_CHANGE_POINT_OPTIONS;
  const changePoints: NightlyChangePointSettings = {
    minSegment: num(cpRaw, 'minSegment', 'changePoints.', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1', d.minSegment),
    permutations: num(cpRaw, 'permutations', 'changePoints.', (x) => Number.isInteger(x) && x >= 19, 'an integer >= 19', d.permutations),
    alpha: num(cpRaw, 'alpha', 'changePoints.', (x) => x > 0 && x < 1, 'a level between 0 and 1 such as 0.01', d.alpha),
    seed: num(cpRaw, 'seed', 'changePoints.', (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer from 0 to 4294967295', d.seed),
    recentRuns: num(cpRaw, 'recentRuns', 'changePoints.', (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1', 5),
  };
  if (changePoints.recentRuns < changePoints.minSegment) fail('changePoints.recentRuns', `at least minSegment (${changePoints.minSegment}): a change point needs minSegment runs after it`, changePoints.recentRuns);
  return {
    path: file,
    description: typeof raw.description === 'string' ? raw.description : '',
    runs,
    metrics,
    confidence: num(raw, 'confidence', '', (x) => x > 0 && x < 1, 'a level between 0 and 1 such as 0.95', 0.95),
    minEffect: num(raw, 'minEffect', '', (x) => x >= 0 && x < 1, 'a relative change from 0 to 1 such as 0.05', 0.05),
    resamples: num(raw, 'resamples', '', (x) => Number.isInteger(x) && x >= 100, 'an integer >= 100', 500),
    changePoints,
  };
}
