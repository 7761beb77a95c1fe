import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeededRandom } from '../harness/seeded-random.ts';
import { mlpForwardReference, type DenseLayer, type MlpWeights } from '../workloads/models/mlp-weights.ts';
import { buildMlpOnnx } from '../workloads/models/onnx/mlp-graph.ts';
import { readOnnxModelInfo } from '../workloads/models/onnx/model-info.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';

function randomMlp(seed: number, sizes: number[]): MlpWeights {
  const rng = new SeededRandom(seed);
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [inputs, outputs] = [sizes[i], sizes[i + 1]];
    const weight = new Float32Array(inputs * outputs);
    const std = Math.sqrt(2 / inputs);
    for (let j = 0; j < weight.length; j++) weight[j] = std * rng.nextNormal();
    const bias = new Float32Array(outputs);
    for (let j = 0; j < outputs; j++) bias[j] = 0.1 * rng.nextNormal();
    layers.push({ inputs, outputs, weight, bias });
  }
  return { layers };
}

function randomPixels(seed: number, n: number): Float32Array {
  const rng = new SeededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.next();
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'arrays differ in length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const weights = randomMlp(11, [784, 200, 100, 10]);
const metadata = { 'parm-bench.model-set': 'test-set', 'parm-bench.architecture': 'mlp 784-200-100-10' };

test('MLP ONNX: names, shapes and metadata are read back from the model', async () => {
  const bytes = buildMlpOnnx(weights, { inputShape: [1, 28, 28], metadata, docString: 'a test MLP' });
  const info = readOnnxModelInfo(bytes, 'test MLP');
  assert.equal(info.producerName, 'parm-bench');
  assert.equal(info.docString, 'a test MLP');
  assert.deepEqual(info.opsets, [{ domain: '', version: 13 }]);
  assert.deepEqual(info.inputs, [{ name: 'input', elementType: 'float32', shape: ['N', 1, 28, 28] }]);
  assert.deepEqual(info.outputs, [{ name: 'logits', elementType: 'float32', shape: ['N', 10] }]);
  assert.equal(info.parameterCount, 784 * 200 + 200 + 200 * 100 + 100 + 100 * 10 + 10);

  const model = await OnnxModel.load(bytes);
  try {
    assert.equal(model.inputName, 'input');
    assert.equal(model.outputName, 'logits');
    assert.deepEqual(model.inputShape, [1, 28, 28]);
    assert.equal(model.inputSize, 784);
    assert.equal(model.outputSize, 10);
    assert.equal(model.fixedBatch, null);
    assert.deepEqual(model.metadata, metadata);
  } finally {
    await model.release();
  }
});

test('MLP ONNX: onnxruntime matches the plain-JS reference at batch 1 and batch 37', async () => {
  const model = await OnnxModel.load(buildMlpOnnx(weights, { inputShape: [1, 28, 28] }));
  try {
    const one = randomPixels(1, 784);
    const out1 = await model.run(one, 1);
    assert.equal(out1.length, 10);
    assert.ok(maxAbsDiff(out1, mlpForwardReference(weights, one, 1)) < 1e-5);

    const many = randomPixels(2, 37 * 784);
    const out37 = await model.run(many, 37);
    const ref37 = mlpForwardReference(weights, many, 37);
    assert.ok(maxAbsDiff(out37, ref37) < 1e-5, `max difference ${maxAbsDiff(out37, ref37)}`);
    // The outputs depend on the inputs (not a constant), so the comparison means something.
    assert.notEqual(out37[0], out37[10]);
  } finally {
    await model.release();
  }
});

test('MLP ONNX: a flat [D] input shape and runAll in uneven chunks give the same outputs', async () => {
  const model = await OnnxModel.load(buildMlpOnnx(weights, { inputShape: [784] }));
  try {
    assert.deepEqual(model.inputShape, [784]);
    const count = 100;
    const x = randomPixels(3, count * 784);
    const all = await model.runAll(x, count, 16);
    assert.equal(all.length, count * 10);
    assert.ok(maxAbsDiff(all, mlpForwardReference(weights, x, count)) < 1e-5);
  } finally {
    await model.release();
  }
});

test('MLP ONNX: loads from a file path and the same weights give the same bytes', async () => {
  const a = buildMlpOnnx(weights, { inputShape: [1, 28, 28], metadata, producerVersion: '1.2.3' });
  const b = buildMlpOnnx(weights, { inputShape: [1, 28, 28], metadata, producerVersion: '1.2.3' });
  assert.deepEqual(Buffer.from(a), Buffer.from(b));
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-onnx-'));
  try {
    const file = join(dir, 'mlp.onnx');
    writeFileSync(file, a);
    const model = await OnnxModel.load(file, { label: 'deployed model' });
    try {
      assert.ok(model.label.includes(file));
      assert.equal(model.info.producerVersion, '1.2.3');
      const x = randomPixels(4, 784);
      assert.ok(maxAbsDiff(await model.run(x, 1), mlpForwardReference(weights, x, 1)) < 1e-5);
    } finally {
      await model.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MLP ONNX: an input shape that does not fit the first layer is refused', () => {
  assert.throws(() => buildMlpOnnx(weights, { inputShape: [3, 32, 32] }), /\[3, 32, 32\] holds 3072 values but the first layer takes 784/);
});
