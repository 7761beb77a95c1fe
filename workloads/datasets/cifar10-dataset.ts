/**
 * Loads CIFAR-10 from a folder in its binary format (cifar-10-batches-bin): data_batch_1.bin ..
 * data_batch_5.bin (train split), test_batch.bin (test split). Each record is 1 label byte then
 * 3072 pixel bytes: the red plane, then green, then blue, each 32x32 row-major, which is already
 * the CHW order of ImageDataset. batches.meta.txt, when present, holds the class names one per line.
 */
import { join } from 'node:path';
import { createImageDataset, pixelsToUnitFloats, type DatasetFile, type ImageDataset } from './dataset.ts';
import type { DatasetSplit } from './dataset-names.ts';
import { DatasetError } from './dataset-error.ts';
import { isFile, readDataFile } from './data-file.ts';

export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze([
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
]);

export const CIFAR10_CHANNELS = 3;
export const CIFAR10_SIDE = 32;
export const CIFAR10_PIXEL_BYTES = CIFAR10_CHANNELS * CIFAR10_SIDE * CIFAR10_SIDE; // 3072
/** Bytes per record: one label byte and 3072 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_PIXEL_BYTES; // 3073
export const CIFAR10_META_FILE = 'batches.meta.txt';

/** The batch files of a split, in load order. */
export function cifar10BatchFileNames(split: DatasetSplit): string[] {
  return split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
}

/** Every file name that marks a folder as holding CIFAR-10 batches. */
export function cifar10MarkerFileNames(): string[] {
  return [...cifar10BatchFileNames('train'), ...cifar10BatchFileNames('test')];
}

export async function loadCifar10Dataset(split: DatasetSplit, dir: string): Promise<ImageDataset> {
  try {
    return await loadCifar10Unattributed(split, dir);
  } catch (err) {
    throw err instanceof DatasetError ? err.forDataset('cifar10') : err;
  }
}

async function loadCifar10Unattributed(split: DatasetSplit, dir: string): Promise<ImageDataset> {
  const paths = cifar10BatchFileNames(split).map((name) => join(dir, name));
  const present = await Promise.all(paths.map((p) => isFile(p)));
  const missing = paths.filter((_, i) => !present[i]);
  if (missing.length > 0) {
    const all = paths.length > 1 ? ` (the ${split} split needs all of ${cifar10BatchFileNames(split).join(', ')})` : '';
    throw new DatasetError({
      file: missing[0],
      problem: `file not found${all}; missing: ${missing.join(', ')}`,
    });
  }
  const batches = await Promise.all(paths.map((p) => readDataFile(p)));
  let count = 0;
  for (const [i, batch] of batches.entries()) {
    const size = batch.bytes.length;
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) {
      const whole = Math.floor(size / CIFAR10_RECORD_BYTES);
      throw new DatasetError({
        file: paths[i],
        problem:
          size === 0
            ? `file is empty, expected records of ${CIFAR10_RECORD_BYTES} bytes (1 label + ${CIFAR10_PIXEL_BYTES} pixels)`
            : `size ${size} bytes is not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record (1 label + ${CIFAR10_PIXEL_BYTES} pixels): ` +
              `${whole} whole records and ${size - whole * CIFAR10_RECORD_BYTES} bytes left over; the file is truncated or corrupt`,
      });
    }
    count += size / CIFAR10_RECORD_BYTES;
  }

  const { classNames, metaFile } = await readClassNames(dir);
  const images = new Float32Array(count * CIFAR10_PIXEL_BYTES);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const [i, batch] of batches.entries()) {
    const bytes = batch.bytes;
    for (let offset = 0; offset < bytes.length; offset += CIFAR10_RECORD_BYTES, n++) {
      const label = bytes[offset];
      if (label >= classNames.length) {
        throw new DatasetError({
          file: paths[i],
          problem: `record ${offset / CIFAR10_RECORD_BYTES} (byte offset ${offset}) has label ${label}, expected 0..${classNames.length - 1}`,
        });
      }
      labels[n] = label;
      pixelsToUnitFloats(bytes.subarray(offset + 1, offset + CIFAR10_RECORD_BYTES), images, n * CIFAR10_PIXEL_BYTES);
    }
  }

  const files: DatasetFile[] = batches.map((b) => b.record);
  if (metaFile) files.push(metaFile);
  return createImageDataset({
    name: 'cifar10',
    split,
    count,
    channels: CIFAR10_CHANNELS,
    height: CIFAR10_SIDE,
    width: CIFAR10_SIDE,
    images,
    labels,
    numClasses: classNames.length,
    classNames,
    files,
  });
}

async function readClassNames(dir: string): Promise<{ classNames: readonly string[]; metaFile?: DatasetFile }> {
  const path = join(dir, CIFAR10_META_FILE);
  if (!(await isFile(path))) return { classNames: CIFAR10_CLASS_NAMES };
  const { bytes, record } = await readDataFile(path);
  const names = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== CIFAR10_CLASS_NAMES.length) {
    throw new DatasetError({
      file: path,
      problem: `expected ${CIFAR10_CLASS_NAMES.length} class names, one per line, found ${names.length} non-empty lines` +
        ' (delete the file to use the standard names)',
    });
  }
  return { classNames: names, metaFile: record };
}
