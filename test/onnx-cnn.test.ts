import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../harness/seeded-random.ts';
import {
  cnnFeatureShape,
  cnnForwardReference,
  cnnParameterCount,
  randomCnnWeights,
  validateCnnWeights,
  type CnnWeights,
} from '../workloads/models/cnn-weights.ts';
import { buildCnnOnnx } from '../workloads/models/onnx/cnn-graph.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';

function randomInputs(seed: number, n: number): Float32Array {
  const rng = new SeededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.nextNormal();
  return x;
}

/** Random weights with nonzero biases, so that the bias paths are compared too. */
function withRandomBiases(w: CnnWeights, seed: number): CnnWeights {
  const rng = new SeededRandom(seed);
  const fill = (b: Float32Array): Float32Array => b.map(() => 0.1 * rng.nextNormal());
  return {
    ...w,
    convs: w.convs.map((c) => ({ ...c, bias: fill(c.bias) })),
    dense: { ...w.dense, weight: w.dense.weight.map((v) => v * 10), bias: fill(w.dense.bias) },
  };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  return worst;
}

for (const inputShape of [
  [1, 28, 28],
  [3, 32, 32],
] as const) {
  test(`CNN ONNX ${inputShape.join('x')}: onnxruntime matches the plain-JS reference`, async () => {
    const weights = withRandomBiases(randomCnnWeights(7, inputShape, 10), 8);
    const [c, h, w] = cnnFeatureShape(inputShape, weights.convs);
    assert.equal(c, 32);
    assert.equal(h, Math.floor(inputShape[1] / 4));
    assert.equal(w, Math.floor(inputShape[2] / 4));
    const model = await OnnxModel.load(buildCnnOnnx(weights, { metadata: { architecture: 'cnn' } }));
    try {
      assert.deepEqual(model.inputShape, inputShape);
      assert.equal(model.outputSize, 10);
      assert.equal(model.metadata.architecture, 'cnn');
      assert.equal(model.info.parameterCount, cnnParameterCount(weights));
      const count = 3;
      const x = randomInputs(9, count * model.inputSize);
      const actual = await model.run(x, count);
      const expected = cnnForwardReference(weights, x, count);
      assert.ok(relativeError(actual, expected) < 1e-5, `relative error ${relativeError(actual, expected)}`);
      // Different inputs give different outputs, and classes differ within a sample.
      assert.notEqual(actual[0], actual[10]);
      assert.notEqual(actual[0], actual[1]);
    } finally {
      await model.release();
    }
  });
}

test('CNN weights: the same seed gives the same weights, and a broken layer is refused', () => {
  const a = randomCnnWeights(3, [1, 28, 28], 10);
  const b = randomCnnWeights(3, [1, 28, 28], 10);
  const c = randomCnnWeights(4, [1, 28, 28], 10);
  assert.deepEqual(a.convs[0].weight, b.convs[0].weight);
  assert.notDeepEqual(a.convs[0].weight, c.convs[0].weight);
  assert.equal(cnnParameterCount(a), 16 * 25 + 16 + 32 * 16 * 25 + 32 + 10 * 32 * 7 * 7 + 10);
  const broken: CnnWeights = { ...a, convs: [a.convs[0], { ...a.convs[1], weight: new Float32Array(5) }] };
  assert.throws(() => validateCnnWeights(broken), /conv 1: weight has 5 values, expected 32 x 16 x 5 x 5/);
});
