/** The one entry point for loading a dataset split: locate its folder, then read it. */
import type { ImageDataset } from './dataset.ts';
import { DATASET_NAMES, isDatasetName, isDatasetSplit, type DatasetName, type DatasetSplit } from './dataset-names.ts';
import { DatasetError } from './dataset-error.ts';
import { locateDataset, type DataLocation, type LocateOptions } from './data-location.ts';
import { loadIdxDataset } from './idx-dataset.ts';
import { loadCifar10Dataset } from './cifar10-dataset.ts';

export { DATASET_NAMES, type DatasetName, type DatasetSplit } from './dataset-names.ts';
export type { ImageDataset } from './dataset.ts';
export { DatasetError } from './dataset-error.ts';
export type { DataLocation, DataSource } from './data-location.ts';

/** Where to look for the data: see data-location.ts for the search order. */
export type LoadDatasetOptions = LocateOptions;

export async function loadDataset(name: DatasetName, split: DatasetSplit, options: LoadDatasetOptions = {}): Promise<ImageDataset> {
  return (await loadDatasetWithLocation(name, split, options)).dataset;
}

/** Like loadDataset, also telling which folder and source the data came from. */
export async function loadDatasetWithLocation(
  name: DatasetName,
  split: DatasetSplit,
  options: LoadDatasetOptions = {},
): Promise<{ dataset: ImageDataset; location: DataLocation }> {
  checkNameAndSplit(name, split);
  const location = await locateDataset(name, options);
  return { dataset: await readDatasetFolder(name, split, location.dir), location };
}

/** Reads a split from a folder known to hold the dataset's files (no search). */
export async function readDatasetFolder(name: DatasetName, split: DatasetSplit, dir: string): Promise<ImageDataset> {
  checkNameAndSplit(name, split);
  return name === 'cifar10' ? loadCifar10Dataset(split, dir) : loadIdxDataset(name, split, dir);
}

function checkNameAndSplit(name: string, split: string): void {
  if (!isDatasetName(name)) {
    throw new DatasetError({ problem: `unknown dataset '${name}': expected one of ${DATASET_NAMES.join(', ')}` });
  }
  if (!isDatasetSplit(split)) {
    throw new DatasetError({ problem: `${name}: unknown split '${split}': expected train or test` });
  }
}
