import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxGraphBuilder, intAttr } from '../workloads/models/onnx/graph-builder.ts';
import { buildMlpOnnx } from '../workloads/models/onnx/mlp-graph.ts';
import { onnx } from '../workloads/models/onnx/onnx-proto.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';

const tinyMlp = buildMlpOnnx(
  { layers: [{ inputs: 4, outputs: 3, weight: new Float32Array(12).fill(0.5), bias: new Float32Array(3) }] },
  { inputShape: [1, 2, 2] },
);

function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-onnx-errors-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a missing model file is reported with its path', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'no-such-model.onnx');
    await assert.rejects(OnnxModel.load(file), (err: Error) => {
      assert.match(err.message, /does not exist/);
      assert.ok(err.message.includes(file), err.message);
      return true;
    });
    await assert.rejects(OnnxModel.load(file, { label: 'deployed model of fmnist' }), /^Error: deployed model of fmnist \(.*no-such-model\.onnx\): the ONNX model file .* does not exist/);
    await assert.rejects(OnnxModel.load(dir), /is a directory, not an ONNX model file/);
  });
});

test('garbage bytes, an empty file and a truncated model are reported as not ONNX, naming the file', async () => {
  await withTempDir(async (dir) => {
    const garbage = join(dir, 'garbage.onnx');
    writeFileSync(garbage, Buffer.from('this is not a protobuf, just some text pretending to be a model\n'.repeat(20)));
    await assert.rejects(OnnxModel.load(garbage), (err: Error) => {
      assert.ok(err.message.startsWith(garbage), err.message);
      assert.match(err.message, /is not an ONNX model|could not load the model/);
      return true;
    });
    const empty = join(dir, 'empty.onnx');
    writeFileSync(empty, new Uint8Array(0));
    await assert.rejects(OnnxModel.load(empty), new RegExp(`${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an ONNX model: it decodes but holds no graph`));
    const truncated = join(dir, 'truncated.onnx');
    writeFileSync(truncated, tinyMlp.subarray(0, Math.floor(tinyMlp.length / 2)));
    await assert.rejects(OnnxModel.load(truncated), /truncated\.onnx is not an ONNX model/);
  });
  await assert.rejects(OnnxModel.load(new Uint8Array([1, 2, 3, 250, 251, 252])), /in-memory ONNX model/);
});

test('inputs of the wrong size are refused with the input name and both shapes', async () => {
  const model = await OnnxModel.load(tinyMlp, { label: 'tiny.onnx' });
  try {
    await assert.rejects(
      model.run(new Float32Array(2 * 5), 2),
      /tiny\.onnx: input "input" expects shape \[2, 1, 2, 2\] = 8 values \(4 per sample\), but was given 10 values for 2 samples \(5 per sample\)/,
    );
    await assert.rejects(model.runAll(new Float32Array(9), 3), /tiny\.onnx: input "input" expects shape \[3, 1, 2, 2\]/);
    await assert.rejects(model.run(new Float32Array(4), 0), /batch must be a positive integer/);
    assert.throws(
      () => model.assertAcceptsSampleShape([1, 28, 28], 'dataset fashion-mnist'),
      /tiny\.onnx: input "input" takes samples of shape \[1, 2, 2\] \(4 values\) but dataset fashion-mnist gives samples of shape \[1, 28, 28\] \(784 values\)/,
    );
    model.assertAcceptsSampleShape([4], 'a flat dataset');
    assert.equal((await model.runAll(new Float32Array(0), 0)).length, 0);
  } finally {
    await model.release();
  }
});

test('models that are not single-input float32 classifiers are refused with a reason', async () => {
  const twoInputs = new OnnxGraphBuilder('two_inputs');
  const a = twoInputs.addInput('a', ['N', 3]);
  const b = twoInputs.addInput('b', ['N', 3]);
  twoInputs.addOutput(twoInputs.addNode('Add', [a, b]), ['N', 3]);
  await assert.rejects(OnnxModel.load(twoInputs.serialize(), { label: 'two.onnx' }), /two\.onnx: a served model needs exactly one input, this one has 2 \("a", "b"\)/);

  const intInput = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'int_input',
      node: [{ opType: 'Cast', input: ['tokens'], output: ['y'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [{ name: 'tokens', type: { tensorType: { elemType: onnx.TensorProto.DataType.INT64, shape: { dim: [{ dimParam: 'N' }, { dimValue: 5 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 5 }] } } } }],
    },
  });
  await assert.rejects(OnnxModel.load(onnx.ModelProto.encode(intInput).finish(), { label: 'int.onnx' }), /int\.onnx: input "tokens" has element type int64, expected float32/);

  const noBatch = new OnnxGraphBuilder('no_batch');
  const x = noBatch.addInput('x', [4]);
  noBatch.addOutput(noBatch.addNode('Relu', [x]), [4]);
  await assert.rejects(OnnxModel.load(noBatch.serialize(), { label: 'flat.onnx' }), /flat\.onnx: input "x" has shape \[4\]; expected a batch dimension/);
});

test('the graph builder refuses wiring mistakes where they are made', () => {
  const g = new OnnxGraphBuilder('checks');
  const x = g.addInput('x', ['N', 4]);
  assert.throws(() => g.addNode('Relu', ['nope']), /Relu node: input "nope" is not defined yet/);
  assert.throws(() => g.addInitializer('w', [2, 3], new Float32Array(5)), /initializer "w": dims \[2, 3\] hold 6 values but 5 were given/);
  assert.throws(() => g.addInitializer('x', [1], new Float32Array(1)), /"x": the name is already used/);
  assert.throws(() => g.addOutput('y', ['N', 4]), /graph output "y" is not produced by any node/);
  assert.throws(() => g.serialize(), /has no outputs/);
  const y = g.addNode('Flatten', [x], { axis: intAttr(1) });
  g.addOutput(y, ['N', 4]);
  assert.equal(g.parameterCount, 0);
  assert.ok(g.serialize().length > 0);
});
