import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { SeededRandom } from '../harness/seeded-random.ts';
import { readOnnxModelInfo } from '../workloads/models/onnx/model-info.ts';
import { buildResnet18CifarOnnx, resnet18CifarGraph } from '../workloads/models/onnx/resnet18-cifar-graph.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';

function normalInputs(seed: number, n: number): Float32Array {
  const rng = new SeededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.nextNormal();
  return x;
}

function rms(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return Math.sqrt(s / values.length);
}

let built: Uint8Array | undefined;
function resnetBytes(): Uint8Array {
  built ??= buildResnet18CifarOnnx({ seed: 42, metadata: { architecture: 'resnet18-cifar' } });
  return built;
}

test('ResNet-18 CIFAR: the same seed gives the same bytes; parameter count is that of ResNet-18', () => {
  const a = resnetBytes();
  const b = buildResnet18CifarOnnx({ seed: 42, metadata: { architecture: 'resnet18-cifar' } });
  assert.equal(a.length, b.length);
  assert.ok(Buffer.from(a).equals(Buffer.from(b)), 'two builds with seed 42 differ');
  const info = readOnnxModelInfo(a, 'resnet18');
  // 11,159,232 conv weights + 4,800 folded conv biases + 5,130 for the classifier.
  assert.equal(info.parameterCount, 11_169_162);
  assert.ok(Math.abs(info.parameterCount - 11.17e6) / 11.17e6 < 0.01);
  assert.deepEqual(info.inputs[0].shape, ['N', 3, 32, 32]);
  assert.deepEqual(info.outputs[0].shape, ['N', 10]);
  assert.equal(info.metadata.architecture, 'resnet18-cifar');
});

test('ResNet-18 CIFAR: loads and gives finite, spread-out [N, 10] scores', async () => {
  const model = await OnnxModel.load(resnetBytes(), { label: 'resnet18' });
  try {
    assert.deepEqual(model.inputShape, [3, 32, 32]);
    assert.equal(model.outputSize, 10);
    const count = 4;
    const x = normalInputs(1, count * model.inputSize);
    const out = await model.run(x, count);
    assert.equal(out.length, count * 10);
    assert.ok(out.every(Number.isFinite), 'non-finite scores');
    for (let n = 0; n < count; n++) {
      const row = out.subarray(n * 10, n * 10 + 10);
      const mean = row.reduce((a, v) => a + v, 0) / 10;
      const spread = Math.sqrt(row.reduce((a, v) => a + (v - mean) ** 2, 0) / 10);
      assert.ok(spread > 0.1 && spread < 100, `sample ${n}: spread across classes ${spread}`);
    }
    // Batch 1 gives the same scores as the same sample inside a batch.
    const single = await model.run(x.subarray(model.inputSize, 2 * model.inputSize), 1);
    for (let k = 0; k < 10; k++) assert.ok(Math.abs(single[k] - out[10 + k]) < 1e-4 * Math.max(1, Math.abs(single[k])));
  } finally {
    await model.release();
  }
});

test('ResNet-18 CIFAR: activations neither vanish nor explode through the blocks', async () => {
  const { graph, activations } = resnet18CifarGraph({ seed: 7 });
  assert.equal(activations.length, 9, 'stem and eight blocks');
  assert.deepEqual(activations.map((a) => a.shape), [
    ['N', 64, 32, 32],
    ['N', 64, 32, 32],
    ['N', 64, 32, 32],
    ['N', 128, 16, 16],
    ['N', 128, 16, 16],
    ['N', 256, 8, 8],
    ['N', 256, 8, 8],
    ['N', 512, 4, 4],
    ['N', 512, 4, 4],
  ]);
  for (const a of activations) graph.addOutput(a.name, a.shape);
  const session = await ort.InferenceSession.create(graph.serialize(), { intraOpNumThreads: 1 });
  try {
    const x = normalInputs(2, 2 * 3 * 32 * 32);
    const result = await session.run({ input: new ort.Tensor('float32', x, [2, 3, 32, 32]) });
    for (const a of activations) {
      const r = rms(result[a.name].data as Float32Array);
      assert.ok(r > 0.3 && r < 10, `${a.name}: RMS activation ${r}`);
    }
    const logits = rms(result.logits.data as Float32Array);
    assert.ok(logits > 0.3 && logits < 10, `logits RMS ${logits}`);
  } finally {
    await session.release();
  }
});
