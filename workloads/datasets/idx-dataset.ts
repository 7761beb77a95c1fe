/**
 * Loads Fashion-MNIST or MNIST from a folder holding their idx files: train-images-idx3-ubyte,
 * train-labels-idx1-ubyte (train split), t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (test split),
 * each with or without .gz.
 */
import { join } from 'node:path';
import { createImageDataset, pixelsToUnitFloats, type ImageDataset } from './dataset.ts';
import type { DatasetSplit } from './dataset-names.ts';
import { DatasetError } from './dataset-error.ts';
import { firstExistingFile } from './data-file.ts';
import { readIdxFile } from './idx-file.ts';

export type IdxDatasetName = 'fashion-mnist' | 'mnist';

export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Image side of both datasets, in pixels. */
export const IDX_IMAGE_SIDE = 28;

/** The base names (without .gz) of a split's images and labels files. */
export function idxFileNames(split: DatasetSplit): { readonly images: string; readonly labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/** Every file name that marks a folder as holding an idx dataset (either split, gzipped or not). */
export function idxMarkerFileNames(): string[] {
  const names: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const { images, labels } = idxFileNames(split);
    for (const base of [images, labels]) names.push(`${base}.gz`, base);
  }
  return names;
}

export async function loadIdxDataset(name: IdxDatasetName, split: DatasetSplit, dir: string): Promise<ImageDataset> {
  try {
    return await loadIdxDatasetUnattributed(name, split, dir);
  } catch (err) {
    throw err instanceof DatasetError ? err.forDataset(name) : err;
  }
}

async function loadIdxDatasetUnattributed(name: IdxDatasetName, split: DatasetSplit, dir: string): Promise<ImageDataset> {
  const names = idxFileNames(split);
  const [imagesPath, labelsPath] = await allInOrder([findIdxFile(dir, names.images), findIdxFile(dir, names.labels)]);
  const [images, labels] = await allInOrder([readIdxFile(imagesPath, 3), readIdxFile(labelsPath, 1)]);
  const [count, rows, columns] = images.array.dims;
  const [labelCount] = labels.array.dims;
  if (rows !== IDX_IMAGE_SIDE || columns !== IDX_IMAGE_SIDE) {
    throw new DatasetError({
      file: imagesPath,
      problem: `images are ${rows}x${columns} pixels, expected ${IDX_IMAGE_SIDE}x${IDX_IMAGE_SIDE} (header dims ${count} x ${rows} x ${columns})`,
    });
  }
  if (count !== labelCount) {
    throw new DatasetError({
      file: imagesPath,
      problem: `holds ${count} images but the labels file ${labelsPath} holds ${labelCount} labels: the counts must agree (files from different splits or versions?)`,
    });
  }
  if (count === 0) throw new DatasetError({ file: imagesPath, problem: 'holds 0 images, expected at least 1' });
  const classNames = name === 'fashion-mnist' ? FASHION_MNIST_CLASS_NAMES : MNIST_CLASS_NAMES;
  const labelBytes = labels.array.data;
  for (let i = 0; i < labelBytes.length; i++) {
    if (labelBytes[i] >= classNames.length) {
      throw new DatasetError({
        file: labelsPath,
        problem: `label ${i} is ${labelBytes[i]}, expected 0..${classNames.length - 1}`,
      });
    }
  }
  return createImageDataset({
    name,
    split,
    count,
    channels: 1,
    height: rows,
    width: columns,
    images: pixelsToUnitFloats(images.array.data),
    labels: new Uint8Array(labelBytes),
    numClasses: classNames.length,
    classNames,
    files: [images.file, labels.file],
  });
}

/** Like Promise.all, but when several fail the error reported is the first in order (images before labels), not the first in time. */
async function allInOrder<A, B>(promises: [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

async function findIdxFile(dir: string, base: string): Promise<string> {
  const candidates = [join(dir, `${base}.gz`), join(dir, base)];
  const found = await firstExistingFile(candidates);
  if (found === undefined) {
    throw new DatasetError({ file: join(dir, base), problem: `file not found (looked for ${base}.gz and ${base} in ${dir})` });
  }
  return found;
}
