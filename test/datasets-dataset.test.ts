import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createImageDataset, datasetChecksum, pixelsToUnitFloats, sampleSize, subset, type ImageDataset } from '../workloads/datasets/dataset.ts';
import { DATASET_NAMES } from '../workloads/datasets/load-dataset.ts';

function tiny(): ImageDataset {
  const count = 4;
  const images = new Float32Array(count * 2 * 3 * 3).map((_, i) => i / 100);
  return createImageDataset({
    name: 'synthetic', split: 'train', count, channels: 2, height: 3, width: 3, images,
    labels: Uint8Array.from([0, 1, 2, 1]), numClasses: 3, classNames: ['a', 'b', 'c'],
    files: [{ path: '/x/a', sha256: 'a'.repeat(64), bytes: 10 }, { path: '/x/b', sha256: 'b'.repeat(64), bytes: 20 }],
  });
}

test('sampleSize is channels * height * width', () => {
  assert.equal(sampleSize(tiny()), 18);
});

test('subset is a no-copy view of samples [start, end)', () => {
  const d = tiny();
  const s = subset(d, 1, 3);
  assert.equal(s.count, 2);
  assert.deepEqual([...s.labels], [1, 2]);
  assert.equal(s.images.length, 36);
  assert.equal(s.images[0], d.images[18]);
  assert.equal(s.images.buffer, d.images.buffer, 'shares memory');
  d.images[18] = 42;
  assert.equal(s.images[0], 42);
  assert.equal(subset(d, 4, 4).count, 0);
  assert.throws(() => subset(d, 2, 5), /range \[2, 5\).*<= 4/);
  assert.throws(() => subset(d, 3, 2), RangeError);
  assert.throws(() => subset(d, 0.5, 2), RangeError);
});

test('datasetChecksum is sha256 over the files\' sha256 hex lines, in order (as sha256sum | cut | sha256sum)', () => {
  const d = tiny();
  const expected = createHash('sha256').update(`${'a'.repeat(64)}\n${'b'.repeat(64)}\n`).digest('hex');
  assert.equal(datasetChecksum(d), expected);
  const swapped = { ...d, files: [...d.files].reverse() };
  assert.notEqual(datasetChecksum(swapped), expected);
  assert.equal(datasetChecksum(subset(d, 0, 2)), expected);
});

test('pixelsToUnitFloats maps byte v to v / 255 as float32', () => {
  const all = Uint8Array.from({ length: 256 }, (_, v) => v);
  const f = pixelsToUnitFloats(all);
  for (let v = 0; v < 256; v++) assert.equal(f[v], Math.fround(v / 255));
  assert.equal(f[255], 1);
  const out = new Float32Array(4).fill(-1);
  pixelsToUnitFloats(Uint8Array.from([255, 51]), out, 1);
  assert.deepEqual([...out], [-1, 1, Math.fround(0.2), -1]);
});

test('createImageDataset rejects arrays that disagree with the shape or labels beyond numClasses', () => {
  const d = tiny();
  assert.throws(() => createImageDataset({ ...d, count: 5 }), /images has 72 floats, expected .* = 90/);
  assert.throws(() => createImageDataset({ ...d, labels: Uint8Array.from([0, 1, 3, 0]) }), /label 2 is 3, expected 0..2/);
  assert.throws(() => createImageDataset({ ...d, classNames: ['a'] }), /classNames has 1 names, expected numClasses = 3/);
});

test('the known dataset names', () => {
  assert.deepEqual([...DATASET_NAMES], ['fashion-mnist', 'mnist', 'cifar10']);
});
