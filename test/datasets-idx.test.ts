import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDatasetFolder } from '../workloads/datasets/load-dataset.ts';
import { hasGzipMagic, parseIdx } from '../workloads/datasets/idx-file.ts';
import {
  encodeIdx, gzipBytes, idxDatasetFileNames, patternLabels, patternPixels, tempCaseDirs, writeIdxDataset,
} from './fixtures/dataset-files.ts';
import { expectDatasetError } from './fixtures/expect-dataset-error.ts';

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const FASHION_HINT = 'apt-get install -y dataset-fashion-mnist';

const freshDir = tempCaseDirs();
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

for (const gzip of [false, true]) {
  test(`idx round trip (${gzip ? 'gzipped' : 'plain'}): values scaled to [0, 1], shapes, labels, file records`, async () => {
    const dir = await freshDir();
    const count = 3;
    const pixels = patternPixels(count * PIXELS, 5);
    const labels = Uint8Array.from([9, 0, 4]);
    const { imagesPath, labelsPath } = await writeIdxDataset(dir, { split: 'test', images: pixels, labels, count, gzip });
    const d = await readDatasetFolder('fashion-mnist', 'test', dir);
    assert.equal(d.name, 'fashion-mnist');
    assert.equal(d.split, 'test');
    assert.deepEqual([d.count, d.channels, d.height, d.width], [3, 1, 28, 28]);
    assert.equal(d.images.length, count * PIXELS);
    for (let i = 0; i < pixels.length; i++) {
      if (d.images[i] !== Math.fround(pixels[i] / 255)) assert.fail(`pixel ${i}: expected ${pixels[i]}/255, got ${d.images[i]}`);
    }
    assert.equal(d.images[0], 0);
    assert.equal(d.images[count * PIXELS - 1], 1);
    assert.deepEqual([...d.labels], [9, 0, 4]);
    assert.equal(d.numClasses, 10);
    assert.equal(d.classNames[0], 'T-shirt/top');
    assert.equal(d.classNames[9], 'Ankle boot');
    assert.deepEqual(d.files.map((f) => f.path), [imagesPath, labelsPath]);
    for (const f of d.files) {
      const onDisk = await readFile(f.path);
      assert.equal(f.sha256, sha256(onDisk), `sha256 of ${f.path} is of the bytes on disk`);
      assert.equal(f.bytes, onDisk.length);
    }
    assert.equal(hasGzipMagic(await readFile(imagesPath)), gzip);
  });
}

test('idx train split reads train-* files; mnist has digit class names', async () => {
  const dir = await freshDir();
  await writeIdxDataset(dir, { split: 'train', images: patternPixels(2 * PIXELS, 1), labels: Uint8Array.from([1, 7]), count: 2 });
  await writeIdxDataset(dir, { split: 'test', images: patternPixels(4 * PIXELS, 2), labels: patternLabels(4), count: 4, gzip: true });
  const train = await readDatasetFolder('mnist', 'train', dir);
  const testSplit = await readDatasetFolder('mnist', 'test', dir);
  assert.equal(train.count, 2);
  assert.equal(testSplit.count, 4);
  assert.deepEqual([...train.labels], [1, 7]);
  assert.deepEqual(train.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(train.name, 'mnist');
});

test('gzip is detected from the bytes, not the file name', async () => {
  const dir = await freshDir();
  const pixels = patternPixels(2 * PIXELS, 3);
  const plainNames = idxDatasetFileNames('test', false);
  // Gzipped images under the plain name, plain labels under the .gz name.
  await writeFile(join(dir, plainNames.images), gzipBytes(encodeIdx([2, SIDE, SIDE], pixels)));
  await writeFile(join(dir, `${plainNames.labels}.gz`), encodeIdx([2], Uint8Array.from([3, 8])));
  const d = await readDatasetFolder('fashion-mnist', 'test', dir);
  assert.equal(d.images[1], Math.fround(pixels[1] / 255));
  assert.deepEqual([...d.labels], [3, 8]);
});

test('parseIdx returns big-endian dims and the payload', () => {
  const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  const arr = parseIdx(encodeIdx([1, 2, 3], data), 'x.idx', 3);
  assert.deepEqual(arr.dims, [1, 2, 3]);
  assert.deepEqual([...arr.data], [...data]);
  const big = parseIdx(encodeIdx([300], new Uint8Array(300)), 'y.idx', 1);
  assert.deepEqual(big.dims, [300]);
});

/** Writes a valid 2-sample test split, then replaces one file's bytes; returns the folder and the replaced path. */
async function splitWith(replace: { file: 'images' | 'labels'; bytes: Uint8Array; gzipName?: boolean }): Promise<{ dir: string; path: string }> {
  const dir = await freshDir();
  const { imagesPath, labelsPath } = await writeIdxDataset(dir, {
    split: 'test', images: patternPixels(2 * PIXELS), labels: Uint8Array.from([0, 1]), count: 2, gzip: replace.gzipName ?? false,
  });
  const path = replace.file === 'images' ? imagesPath : labelsPath;
  await writeFile(path, replace.bytes);
  return { dir, path };
}

test('error: missing labels file names it and says how to get the data', async () => {
  const dir = await freshDir();
  await writeIdxDataset(dir, { split: 'test', images: patternPixels(2 * PIXELS), labels: Uint8Array.from([0, 1]), count: 2 });
  const labelsPath = join(dir, idxDatasetFileNames('test').labels);
  await rename(labelsPath, `${labelsPath}.moved`);
  const err = await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [
    labelsPath, 'file not found', 't10k-labels-idx1-ubyte.gz', FASHION_HINT, '/usr/share/datasets/fashion-mnist', '--data-dir', 'PARM_BENCH_DATA_DIR',
  ]);
  assert.equal(err.dataset, 'fashion-mnist');
  assert.equal(err.file, labelsPath);
});

test('error: mnist hint says it cannot be downloaded and names the files', async () => {
  const dir = await freshDir();
  await expectDatasetError(readDatasetFolder('mnist', 'train', dir), [
    'train-images-idx3-ubyte', 'file not found', 'MNIST cannot be downloaded', 'train-labels-idx1-ubyte', 'PARM_BENCH_DATA_DIR',
  ]);
});

test('error: bad magic number', async () => {
  const bytes = encodeIdx([2, SIDE, SIDE], patternPixels(2 * PIXELS), { magic: 0x12345678 });
  const { dir, path } = await splitWith({ file: 'images', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [path, /bad magic number: expected 0x00000803 .*found 0x12345678/]);
});

test('error: unsupported data type byte', async () => {
  const bytes = encodeIdx([2, SIDE, SIDE], patternPixels(2 * PIXELS), { dtype: 0x0d });
  const { dir, path } = await splitWith({ file: 'images', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [
    path, /unsupported idx data type 0x0d \(float \(float32\)\)/, 'only unsigned byte (0x08)',
  ]);
});

test('error: wrong number of dimensions (an images file where labels belong)', async () => {
  const bytes = encodeIdx([2, 1, 1], Uint8Array.from([0, 1]));
  const { dir, path } = await splitWith({ file: 'labels', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [
    path, /wrong number of dimensions: expected 1 \(magic 0x00000801.*found 3 \(an images file\)/,
  ]);
});

test('error: truncated header', async () => {
  const bytes = encodeIdx([2, SIDE, SIDE], new Uint8Array(0)).subarray(0, 10);
  const { dir, path } = await splitWith({ file: 'images', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [path, /truncated header: 10 bytes, expected at least 16/]);
});

for (const gzip of [false, true]) {
  test(`error: truncated payload (${gzip ? 'gzipped' : 'plain'})`, async () => {
    const full = encodeIdx([2, SIDE, SIDE], patternPixels(2 * PIXELS));
    const cut = full.subarray(0, full.length - 10);
    const { dir, path } = await splitWith({ file: 'images', bytes: gzip ? gzipBytes(cut) : cut, gzipName: gzip });
    await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [
      path, /truncated payload: expected 1568 bytes \(2 x 28 x 28 unsigned bytes after the 16-byte header\), found 1558/,
    ]);
  });
}

test('error: trailing bytes', async () => {
  const bytes = encodeIdx([2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6]));
  const { dir, path } = await splitWith({ file: 'labels', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [path, /5 trailing bytes: expected 2 payload bytes .*found 7/]);
});

test('error: image and label counts disagree', async () => {
  const bytes = encodeIdx([3], Uint8Array.from([0, 1, 2]));
  const { dir, path } = await splitWith({ file: 'labels', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [
    join(dir, idxDatasetFileNames('test').images), path, /holds 2 images but the labels file .* holds 3 labels/,
  ]);
});

test('error: label out of range', async () => {
  const bytes = encodeIdx([2], Uint8Array.from([0, 10]));
  const { dir, path } = await splitWith({ file: 'labels', bytes });
  await expectDatasetError(readDatasetFolder('mnist', 'test', dir), [path, 'label 1 is 10, expected 0..9', 'MNIST cannot be downloaded']);
});

test('error: images that are not 28x28', async () => {
  const bytes = encodeIdx([2, 32, 32], patternPixels(2 * 32 * 32));
  const { dir, path } = await splitWith({ file: 'images', bytes });
  await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [path, 'images are 32x32 pixels, expected 28x28']);
});

test('error: corrupt gzip (damaged and truncated streams)', async () => {
  const gz = gzipBytes(encodeIdx([2, SIDE, SIDE], patternPixels(2 * PIXELS)));
  const damaged = Uint8Array.from(gz);
  for (let i = 12; i < damaged.length - 8; i += 7) damaged[i] ^= 0x5a;
  for (const bytes of [damaged, gz.subarray(0, Math.floor(gz.length / 2))]) {
    const { dir, path } = await splitWith({ file: 'images', bytes, gzipName: true });
    await expectDatasetError(readDatasetFolder('fashion-mnist', 'test', dir), [path, 'gzip decompression failed', 'corrupt or truncated', FASHION_HINT]);
  }
});
