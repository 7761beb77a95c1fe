/** The datasets parm-bench can load, by the names used on the command line and in manifests. */
export const DATASET_NAMES = ['fashion-mnist', 'mnist', 'cifar10'] as const;

export type DatasetName = (typeof DATASET_NAMES)[number];

export type DatasetSplit = 'train' | 'test';

export const DATASET_SPLITS: readonly DatasetSplit[] = ['train', 'test'];

export function isDatasetName(value: string): value is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(value);
}

export function isDatasetSplit(value: string): value is DatasetSplit {
  return value === 'train' || value === 'test';
}
