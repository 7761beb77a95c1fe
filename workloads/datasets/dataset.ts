import { createHash } from 'node:crypto';

/** One file a dataset was read from, as recorded in run manifests. */
export interface DatasetFile {
  readonly path: string;
  /** SHA-256 (hex) of the bytes on disk (before any gzip decompression). */
  readonly sha256: string;
  /** Size on disk in bytes. */
  readonly bytes: number;
}

/** The in-memory form of an image classification dataset split, shared by every part of parm-bench. */
export interface ImageDataset {
  readonly name: string; // 'fashion-mnist' | 'mnist' | 'cifar10'
  readonly split: 'train' | 'test';
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** count * channels * height * width floats, NCHW, pixel / 255 in [0, 1] (no other normalisation). */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** Files read, with their SHA-256 (of the bytes on disk), for run manifests. */
  readonly files: readonly DatasetFile[];
}

/** Floats per sample: channels * height * width. */
export function sampleSize(d: ImageDataset): number {
  return d.channels * d.height * d.width;
}

/**
 * SHA-256 (hex) over the files' SHA-256s in order, each as lowercase hex followed by a newline.
 * The same value as `sha256sum FILE... | cut -c1-64 | sha256sum` with the files in `d.files` order.
 * A subset keeps the checksum of the dataset it was cut from.
 */
export function datasetChecksum(d: ImageDataset): string {
  const hash = createHash('sha256');
  for (const f of d.files) hash.update(`${f.sha256}\n`);
  return hash.digest('hex');
}

/** A view of samples [start, end) sharing the parent's memory (no copy), e.g. for train/validation splits. */
export function subset(d: ImageDataset, start: number, end: number): ImageDataset {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > d.count) {
    throw new RangeError(
      `subset of ${d.name}/${d.split}: range [${start}, ${end}) must be integers with 0 <= start <= end <= ${d.count}`,
    );
  }
  const size = sampleSize(d);
  return Object.freeze({
    ...d,
    count: end - start,
    images: d.images.subarray(start * size, end * size),
    labels: d.labels.subarray(start, end),
  });
}

const UNIT_SCALE = new Float32Array(256).map((_, v) => v / 255);

/**
 * Scales unsigned-byte pixels to floats, pixel / 255 (so 0 -> 0 and 255 -> 1), into `out` from
 * `offset` (a new array by default).
 */
export function pixelsToUnitFloats(pixels: Uint8Array, out: Float32Array = new Float32Array(pixels.length), offset = 0): Float32Array {
  for (let i = 0; i < pixels.length; i++) out[offset + i] = UNIT_SCALE[pixels[i]];
  return out;
}

/**
 * Builds an ImageDataset after checking that the arrays agree with the shape and the labels with
 * the number of classes. For loaders and for tests that make synthetic datasets.
 */
export function createImageDataset(fields: ImageDataset): ImageDataset {
  const { name, split, count, channels, height, width, images, labels, numClasses, classNames } = fields;
  const where = `dataset ${name}/${split}`;
  for (const [key, value] of Object.entries({ count, channels, height, width, numClasses })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${where}: ${key} must be a non-negative integer, got ${value}`);
  }
  if (images.length !== count * channels * height * width) {
    throw new RangeError(
      `${where}: images has ${images.length} floats, expected count*channels*height*width = ${count}*${channels}*${height}*${width} = ${count * channels * height * width}`,
    );
  }
  if (labels.length !== count) throw new RangeError(`${where}: labels has ${labels.length} entries, expected count = ${count}`);
  if (classNames.length !== numClasses) {
    throw new RangeError(`${where}: classNames has ${classNames.length} names, expected numClasses = ${numClasses}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new RangeError(`${where}: label ${i} is ${labels[i]}, expected 0..${numClasses - 1}`);
  }
  return Object.freeze({
    ...fields,
    classNames: Object.freeze([...classNames]),
    files: Object.freeze(fields.files.map((f) => Object.freeze({ path: f.path, sha256: f.sha256, bytes: f.bytes }))),
  });
}
