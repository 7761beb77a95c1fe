/**
 * Finds the folder holding a dataset's files. Sources, in order:
 *   1. an explicit folder (the CLI's --data-dir): if given, it must hold the data;
 *   2. the environment variable PARM_BENCH_DATA_DIR: used when it holds this dataset, else skipped;
 *   3. the system folder /usr/share/datasets/<name>, where Debian's dataset packages install
 *      (only Fashion-MNIST has one: dataset-fashion-mnist).
 * An explicit folder or the environment variable may name the dataset folder itself or a parent
 * holding a <name>/ subfolder (for cifar10 also cifar-10-batches-bin/).
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasetName } from './dataset-names.ts';
import { DatasetError } from './dataset-error.ts';
import { firstExistingFile } from './data-file.ts';
import { cifar10MarkerFileNames } from './cifar10-dataset.ts';
import { idxMarkerFileNames } from './idx-dataset.ts';
import { DATA_DIR_ENV, DEBIAN_PACKAGES, SYSTEM_DATA_ROOT } from './getting-the-data.ts';

/** Which source a dataset folder came from. */
export type DataSource = 'data-dir' | 'env' | 'system';

export interface DataLocation {
  readonly dataset: DatasetName;
  /** Absolute path of the folder holding the dataset's files. */
  readonly dir: string;
  readonly source: DataSource;
  /** For logs and manifests, e.g. "PARM_BENCH_DATA_DIR=/data (subfolder cifar-10-batches-bin)". */
  readonly description: string;
}

export interface LocateOptions {
  /** An explicit folder (the CLI's --data-dir). Relative paths are resolved against the working directory. */
  readonly dataDir?: string;
  /** Environment to read PARM_BENCH_DATA_DIR from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** Root of the system dataset folders; /usr/share/datasets by default (tests point it elsewhere). */
  readonly systemDataRoot?: string;
}

/** Subfolder names under which a parent folder may hold a dataset. */
export function datasetSubfolderNames(name: DatasetName): string[] {
  return name === 'cifar10' ? ['cifar10', 'cifar-10-batches-bin'] : [name];
}

/** File names whose presence marks a folder as holding the dataset (either split). */
export function datasetMarkerFileNames(name: DatasetName): string[] {
  return name === 'cifar10' ? cifar10MarkerFileNames() : idxMarkerFileNames();
}

/** True when `dir` holds at least one of the dataset's files. */
export async function holdsDataset(name: DatasetName, dir: string): Promise<boolean> {
  return (await firstExistingFile(datasetMarkerFileNames(name).map((f) => join(dir, f)))) !== undefined;
}

export async function locateDataset(name: DatasetName, options: LocateOptions = {}): Promise<DataLocation> {
  const searched: string[] = [];

  if (options.dataDir !== undefined && options.dataDir !== '') {
    const found = await searchBase(name, resolve(options.dataDir), '--data-dir', 'data-dir', searched);
    if (found) return found;
    throw new DatasetError({
      dataset: name,
      file: resolve(options.dataDir),
      problem: `--data-dir holds no ${name} files (expected one of ${datasetMarkerFileNames(name).join(', ')}); ` +
        'with --data-dir given, no other place is searched',
      searched,
    });
  }

  const env = options.env ?? process.env;
  const envDir = env[DATA_DIR_ENV];
  if (envDir !== undefined && envDir !== '') {
    const found = await searchBase(name, resolve(envDir), `${DATA_DIR_ENV}=${envDir}`, 'env', searched);
    if (found) return found;
  } else {
    searched.push(`${DATA_DIR_ENV}: not set`);
  }

  const systemDir = join(options.systemDataRoot ?? SYSTEM_DATA_ROOT, name);
  const pkg = DEBIAN_PACKAGES[name];
  const systemLabel = pkg ? `Debian package ${pkg} (${systemDir})` : `system data folder ${systemDir}`;
  if (await holdsDataset(name, systemDir)) {
    return { dataset: name, dir: systemDir, source: 'system', description: systemLabel };
  }
  searched.push(`${systemLabel}: ${(await isDirectory(systemDir)) ? `no ${name} files` : pkg ? 'not installed' : 'not found'}`);

  throw new DatasetError({ dataset: name, problem: `no ${name} data found`, searched });
}

/** Looks for the dataset in `base` and its dataset subfolders; notes each place looked at in `searched`. */
async function searchBase(
  name: DatasetName,
  base: string,
  label: string,
  source: DataSource,
  searched: string[],
): Promise<DataLocation | undefined> {
  if (!(await isDirectory(base))) {
    searched.push(`${label}: ${base} is not an existing folder`);
    return undefined;
  }
  if (await holdsDataset(name, base)) return { dataset: name, dir: base, source, description: `${label} (${base})` };
  const looked = [base];
  for (const sub of datasetSubfolderNames(name)) {
    const dir = join(base, sub);
    looked.push(dir);
    if (await holdsDataset(name, dir)) return { dataset: name, dir, source, description: `${label} (subfolder ${sub}: ${dir})` };
  }
  searched.push(`${label}: no ${name} files in ${looked.join(', ')}`);
  return undefined;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
