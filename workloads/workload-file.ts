import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET_NAMES, type DatasetName } from './datasets/dataset-names.ts';

/**
 * A workload file (JSON) names what a run is made of: the dataset and the model set, and for
 * `npm run bench` the load, instances, systems, contention and faults (bench-workload.ts).
 * Users copy and edit these files; a name given to `--workload` is looked up in
 * workloads/named/, a path is read as it is.
 */
export const NAMED_WORKLOADS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'named');

export interface Workload {
  readonly name: string;
  readonly description: string;
  readonly path: string;
  readonly dataset: DatasetName;
  /** Absolute path of the model-set manifest. */
  readonly models: string;
  /**
   * The benchmark sections as written (seed, load, instances, systems, contention, sweep), checked by
   * workloads/bench-workload.ts when `npm run bench` reads the workload; absent keys are missing.
   */
  readonly bench: Readonly<Record<string, unknown>>;
}

export class WorkloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkloadError';
  }
}

/** Keys of the benchmark sections (see bench-workload.ts). */
export const BENCH_KEYS = ['seed', 'load', 'instances', 'systems', 'contention', 'sweep'];
const KEYS = ['name', 'description', 'dataset', 'models', ...BENCH_KEYS];

export function namedWorkloads(): string[] {
  if (!existsSync(NAMED_WORKLOADS_DIR)) return [];
  return readdirSync(NAMED_WORKLOADS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

export function resolveWorkloadPath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) {
    const p = resolve(nameOrPath);
    if (!existsSync(p)) throw new WorkloadError(`workload file ${p} not found`);
    return p;
  }
  const p = join(NAMED_WORKLOADS_DIR, `${nameOrPath}.json`);
  if (!existsSync(p)) {
    throw new WorkloadError(`unknown workload "${nameOrPath}": known workloads are ${namedWorkloads().join(', ') || '(none)'}; or give the path of a workload file`);
  }
  return p;
}

export function loadWorkload(nameOrPath: string): Workload {
  const path = resolveWorkloadPath(nameOrPath);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new WorkloadError(`workload file ${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new WorkloadError(`workload file ${path}: expected a JSON object`);
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!KEYS.includes(key)) throw new WorkloadError(`workload file ${path}: ${key}: unknown key (allowed: ${KEYS.join(', ')})`);
  }
  const str = (key: string, optional = false): string => {
    const v = obj[key];
    if (v === undefined && optional) return '';
    if (typeof v !== 'string' || v.length === 0) {
      throw new WorkloadError(`workload file ${path}: ${key}: expected a non-empty string, found ${JSON.stringify(v)}`);
    }
    return v;
  };
  const models = str('models');
  const dataset = str('dataset') as DatasetName;
  if (!DATASET_NAMES.includes(dataset)) {
    throw new WorkloadError(`workload file ${path}: dataset: expected one of ${DATASET_NAMES.join(', ')}, found "${dataset}"`);
  }
  return {
    name: str('name'),
    description: str('description', true),
    path,
    dataset,
    models: isAbsolute(models) ? models : resolve(dirname(path), models),
    bench: Object.fromEntries(BENCH_KEYS.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]])),
  };
}
