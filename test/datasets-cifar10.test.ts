import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readDatasetFolder } from '../workloads/datasets/load-dataset.ts';
import {
  CIFAR10_SAMPLE_BYTES, encodeCifar10Records, patternLabels, patternPixels, tempCaseDirs, writeCifar10Batches,
} from './fixtures/dataset-files.ts';
import { expectDatasetError } from './fixtures/expect-dataset-error.ts';

const PLANE = 32 * 32;
const CIFAR_HINT = 'CIFAR-10 cannot be downloaded by this tool';

const freshDir = tempCaseDirs();

test('cifar10 test split round trip: NCHW planes R, G, B, values scaled to [0, 1], labels', async () => {
  const dir = await freshDir();
  const count = 3;
  const pixels = patternPixels(count * CIFAR10_SAMPLE_BYTES, 9);
  // Sample 1: flat colour planes, R = 10, G = 20, B = 30, except one marked pixel per plane at (y=1, x=2).
  const s1 = pixels.subarray(CIFAR10_SAMPLE_BYTES, 2 * CIFAR10_SAMPLE_BYTES);
  s1.fill(10, 0, PLANE).fill(20, PLANE, 2 * PLANE).fill(30, 2 * PLANE, 3 * PLANE);
  s1[1 * 32 + 2] = 200;
  s1[PLANE + 1 * 32 + 2] = 201;
  s1[2 * PLANE + 1 * 32 + 2] = 202;
  const labels = Uint8Array.from([3, 9, 0]);
  const [path] = await writeCifar10Batches(dir, { split: 'test', images: pixels, labels, count });
  const d = await readDatasetFolder('cifar10', 'test', dir);
  assert.deepEqual([d.name, d.split, d.count, d.channels, d.height, d.width], ['cifar10', 'test', 3, 3, 32, 32]);
  assert.deepEqual([...d.labels], [3, 9, 0]);
  assert.equal(d.images.length, count * CIFAR10_SAMPLE_BYTES);
  for (let i = 0; i < pixels.length; i++) {
    if (d.images[i] !== Math.fround(pixels[i] / 255)) assert.fail(`value ${i}: expected ${pixels[i]}/255, got ${d.images[i]}`);
  }
  const base = 1 * 3 * PLANE;
  const at = (c: number, y: number, x: number): number => d.images[base + c * PLANE + y * 32 + x];
  assert.equal(at(0, 0, 0), Math.fround(10 / 255));
  assert.equal(at(1, 31, 31), Math.fround(20 / 255));
  assert.equal(at(2, 5, 7), Math.fround(30 / 255));
  assert.deepEqual([at(0, 1, 2), at(1, 1, 2), at(2, 1, 2)].map((v) => Math.round(v * 255)), [200, 201, 202]);
  assert.equal(d.images[0], 0);
  assert.equal(d.images[d.images.length - 1], 1);
  assert.deepEqual(d.classNames, ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
  assert.deepEqual(d.files.map((f) => f.path), [path]);
  assert.equal(d.files[0].bytes, 3 * 3073);
});

test('cifar10 train split joins data_batch_1..5 in order and takes class names from batches.meta.txt', async () => {
  const dir = await freshDir();
  const count = 7; // batches of 2, 2, 1, 1, 1
  const pixels = patternPixels(count * CIFAR10_SAMPLE_BYTES, 4);
  const labels = patternLabels(count, 10, 2);
  const classNames = ['a0', 'b1', 'c2', 'd3', 'e4', 'f5', 'g6', 'h7', 'i8', 'j9'];
  const paths = await writeCifar10Batches(dir, { split: 'train', images: pixels, labels, count, classNames });
  const d = await readDatasetFolder('cifar10', 'train', dir);
  assert.equal(d.count, 7);
  assert.deepEqual([...d.labels], [...labels]);
  for (let i = 0; i < pixels.length; i++) {
    if (d.images[i] !== Math.fround(pixels[i] / 255)) assert.fail(`value ${i}: expected ${pixels[i]}/255, got ${d.images[i]}`);
  }
  assert.deepEqual(d.classNames, classNames);
  assert.deepEqual(d.files.map((f) => f.path), [...paths, join(dir, 'batches.meta.txt')]);
  assert.deepEqual(d.files.map((f) => f.bytes).slice(0, 5), [2, 2, 1, 1, 1].map((n) => n * 3073));
});

test('error: a missing train batch is named', async () => {
  const dir = await freshDir();
  await writeCifar10Batches(dir, { split: 'train', images: patternPixels(5 * CIFAR10_SAMPLE_BYTES), labels: patternLabels(5), count: 5 });
  await rm(join(dir, 'data_batch_3.bin'));
  const err = await expectDatasetError(readDatasetFolder('cifar10', 'train', dir), [
    join(dir, 'data_batch_3.bin'), 'file not found', 'needs all of data_batch_1.bin, data_batch_2.bin', CIFAR_HINT, 'PARM_BENCH_DATA_DIR',
  ]);
  assert.match(err.message, /missing: \S*data_batch_3\.bin\n/, 'only the missing batch is listed as missing');
  await rm(join(dir, 'data_batch_5.bin'));
  await expectDatasetError(readDatasetFolder('cifar10', 'train', dir), [`missing: ${join(dir, 'data_batch_3.bin')}, ${join(dir, 'data_batch_5.bin')}`]);
});

test('error: missing test_batch.bin', async () => {
  const dir = await freshDir();
  await expectDatasetError(readDatasetFolder('cifar10', 'test', dir), [join(dir, 'test_batch.bin'), 'file not found', CIFAR_HINT]);
});

test('error: batch size not a multiple of 3073 names the file and its size', async () => {
  const dir = await freshDir();
  const [path] = await writeCifar10Batches(dir, { split: 'test', images: patternPixels(2 * CIFAR10_SAMPLE_BYTES), labels: patternLabels(2), count: 2 });
  await appendFile(path, new Uint8Array(100));
  await expectDatasetError(readDatasetFolder('cifar10', 'test', dir), [
    path, 'size 6246 bytes is not a multiple of the 3073-byte record', '2 whole records and 100 bytes left over', 'truncated or corrupt',
  ]);
  await writeFile(path, new Uint8Array(0));
  await expectDatasetError(readDatasetFolder('cifar10', 'test', dir), [path, 'file is empty']);
});

test('error: label out of range names the batch and the record', async () => {
  const dir = await freshDir();
  const [, second] = await writeCifar10Batches(dir, { split: 'train', images: patternPixels(10 * CIFAR10_SAMPLE_BYTES), labels: patternLabels(10), count: 10 });
  const labels = Uint8Array.from([4, 12]);
  await writeFile(second, encodeCifar10Records(patternPixels(2 * CIFAR10_SAMPLE_BYTES), labels));
  await expectDatasetError(readDatasetFolder('cifar10', 'train', dir), [second, 'record 1 (byte offset 3073) has label 12, expected 0..9']);
});

test('error: batches.meta.txt without ten class names', async () => {
  const dir = await freshDir();
  await writeCifar10Batches(dir, { split: 'test', images: patternPixels(CIFAR10_SAMPLE_BYTES), labels: Uint8Array.from([1]), count: 1, classNames: ['cat', 'dog'] });
  await expectDatasetError(readDatasetFolder('cifar10', 'test', dir), [join(dir, 'batches.meta.txt'), 'expected 10 class names, one per line, found 2']);
});
