import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadDatasetWithLocation } from '../workloads/datasets/load-dataset.ts';

const SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';
const skip = existsSync(SYSTEM_DIR)
  ? false
  : `${SYSTEM_DIR} is absent (apt-get install -y dataset-fashion-mnist to run this test)`;

test('the real Fashion-MNIST test split from the Debian package', { skip }, async () => {
  const { dataset: d, location } = await loadDatasetWithLocation('fashion-mnist', 'test', { env: {} });
  assert.equal(location.source, 'system');
  assert.equal(d.count, 10000);
  assert.deepEqual([d.channels, d.height, d.width], [1, 28, 28]);
  assert.equal(d.images.length, 10000 * 784);
  const histogram = new Array<number>(10).fill(0);
  for (const label of d.labels) histogram[label]++;
  assert.deepEqual(histogram, new Array(10).fill(1000));
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of d.images) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const mean = sum / d.images.length;
  assert.ok(mean > 0.25 && mean < 0.32, `mean pixel ${mean} should be near 0.287 (Fashion-MNIST)`);
  assert.equal(d.classNames[d.labels[0]], 'Ankle boot');
  assert.equal(d.files.length, 2);
});
