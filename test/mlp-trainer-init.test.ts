import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateMlpWeights } from '../workloads/models/mlp-weights.ts';
import { initMlpNormal, initMlpUniform } from '../workloads/models/training/mlp-init.ts';

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / values.length) };
}

test('initMlpNormal: N(0, 0.01^2) weights, zero biases, shapes of the paper MLP', () => {
  const weights = initMlpNormal([784, 200, 100, 10], 7);
  validateMlpWeights(weights);
  assert.deepEqual(weights.layers.map((l) => [l.inputs, l.outputs]), [[784, 200], [200, 100], [100, 10]]);
  const { mean, std } = meanAndStd(weights.layers[0].weight);
  assert.ok(Math.abs(mean) < 1e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.01) < 2e-4, `std ${std}`);
  for (const l of weights.layers) assert.ok(l.bias.every((b) => b === 0));
  assert.ok(Math.abs(meanAndStd(initMlpNormal([100, 50], 1, 0.5).layers[0].weight).std - 0.5) < 0.02);
});

test('initMlpUniform: PyTorch Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases', () => {
  const weights = initMlpUniform([784, 200, 100, 10], 7);
  weights.layers.forEach((l) => {
    const bound = 1 / Math.sqrt(l.inputs);
    for (const arr of [l.weight, l.bias]) {
      let max = 0;
      for (const v of arr) max = Math.max(max, Math.abs(v));
      assert.ok(max <= bound, `layer ${l.inputs}->${l.outputs}: |value| ${max} above bound ${bound}`);
      if (arr.length > 500) {
        assert.ok(max > 0.99 * bound, `layer ${l.inputs}->${l.outputs}: values do not reach the bound`);
        const { mean, std } = meanAndStd(arr);
        assert.ok(Math.abs(mean) < 0.02 * bound && Math.abs(std - bound / Math.sqrt(3)) < 0.02 * bound, `mean ${mean}, std ${std}`);
      }
    }
  });
});

test('initialisation is reproducible from the seed and differs between seeds', () => {
  assert.deepEqual(initMlpNormal([13, 7, 3], 5), initMlpNormal([13, 7, 3], 5));
  assert.deepEqual(initMlpUniform([13, 7, 3], 5), initMlpUniform([13, 7, 3], 5));
  assert.notDeepEqual(initMlpNormal([13, 7, 3], 5), initMlpNormal([13, 7, 3], 6));
  assert.throws(() => initMlpNormal([13], 1), /at least an input and an output size/);
  assert.throws(() => initMlpUniform([13, 0, 3], 1), /positive integers/);
});
