// Models written without parm-bench's graph builder, the way other exporters write them:
// custom names, fixed or differently named batch dimensions, float_data instead of raw_data,
// initializers listed among the graph inputs (pre-IR-4 style), undeclared output shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from '../workloads/models/onnx/onnx-proto.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function tensorType(dims: (number | string)[] | null) {
  return onnx.TypeProto.create({
    tensorType: {
      elemType: FLOAT,
      shape: dims === null ? undefined : { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  });
}

/** y = x W + b with W [inputs, outputs] (MatMul layout, not Gemm's). */
function matMulAddModel(opts: {
  inputName: string;
  outputName: string;
  inputDims: (number | string)[];
  outputDims: (number | string)[] | null;
  w: number[];
  b: number[];
  inputs: number;
  outputs: number;
  initializersAsInputs?: boolean;
  irVersion?: number;
  opset?: number;
}): Uint8Array {
  const initializers = [
    onnx.TensorProto.create({ name: 'W', dims: [opts.inputs, opts.outputs], dataType: FLOAT, floatData: opts.w }),
    onnx.TensorProto.create({ name: 'B', dims: [opts.outputs], dataType: FLOAT, floatData: opts.b }),
  ];
  const inputs = [onnx.ValueInfoProto.create({ name: opts.inputName, type: tensorType(opts.inputDims) })];
  if (opts.initializersAsInputs) {
    inputs.push(onnx.ValueInfoProto.create({ name: 'W', type: tensorType([opts.inputs, opts.outputs]) }));
    inputs.push(onnx.ValueInfoProto.create({ name: 'B', type: tensorType([opts.outputs]) }));
  }
  const model = onnx.ModelProto.create({
    irVersion: opts.irVersion ?? 7,
    producerName: 'hand-written-test-exporter',
    opsetImport: [{ domain: '', version: opts.opset ?? 11 }],
    metadataProps: [{ key: 'source', value: 'elsewhere' }],
    graph: {
      name: 'external',
      node: [
        { opType: 'MatMul', input: [opts.inputName, 'W'], output: ['xw'], name: 'mm' },
        { opType: 'Add', input: ['xw', 'B'], output: [opts.outputName], name: 'add' },
      ],
      initializer: initializers,
      input: inputs,
      output: [onnx.ValueInfoProto.create({ name: opts.outputName, type: tensorType(opts.outputDims) })],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function expected(x: Float32Array, count: number, w: number[], b: number[], inputs: number, outputs: number): Float32Array {
  const y = new Float32Array(count * outputs);
  for (let n = 0; n < count; n++) {
    for (let o = 0; o < outputs; o++) {
      let s = b[o];
      for (let i = 0; i < inputs; i++) s += x[n * inputs + i] * w[i * outputs + o];
      y[n * outputs + o] = s;
    }
  }
  return y;
}

function assertClose(actual: Float32Array, wanted: Float32Array): void {
  assert.equal(actual.length, wanted.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - wanted[i]) < 1e-5, `value ${i}: ${actual[i]} vs ${wanted[i]}`);
}

const INPUTS = 6;
const OUTPUTS = 4;
const W = Array.from({ length: INPUTS * OUTPUTS }, (_, i) => ((i * 7) % 11) / 10 - 0.5);
const B = [0.25, -1, 0.5, 2];
const samples = (count: number) => Float32Array.from({ length: count * INPUTS }, (_, i) => ((i * 13) % 17) / 8 - 1);

test('external model with a fixed batch of 1: names and shapes are read, runAll goes one by one', async () => {
  const bytes = matMulAddModel({
    inputName: 'pixel_values',
    outputName: 'scores',
    inputDims: [1, INPUTS],
    outputDims: [1, OUTPUTS],
    w: W,
    b: B,
    inputs: INPUTS,
    outputs: OUTPUTS,
    initializersAsInputs: true,
    irVersion: 3,
    opset: 9,
  });
  const model = await OnnxModel.load(bytes, { label: 'external.onnx' });
  try {
    assert.equal(model.inputName, 'pixel_values');
    assert.equal(model.outputName, 'scores');
    assert.deepEqual(model.inputShape, [INPUTS]);
    assert.equal(model.inputSize, INPUTS);
    assert.equal(model.outputSize, OUTPUTS);
    assert.equal(model.fixedBatch, 1);
    assert.deepEqual(model.metadata, { source: 'elsewhere' });
    assert.equal(model.info.producerName, 'hand-written-test-exporter');

    const one = samples(1);
    assertClose(await model.run(one, 1), expected(one, 1, W, B, INPUTS, OUTPUTS));
    const count = 7;
    const many = samples(count);
    const want = expected(many, count, W, B, INPUTS, OUTPUTS);
    assertClose(await model.runAll(many, count, 4), want);
    assertClose(await model.run(many, count), want);
  } finally {
    await model.release();
  }
});

test('external model with a fixed batch of 3 pads the last batch', async () => {
  const bytes = matMulAddModel({
    inputName: 'features',
    outputName: 'out',
    inputDims: [3, INPUTS],
    outputDims: [3, OUTPUTS],
    w: W,
    b: B,
    inputs: INPUTS,
    outputs: OUTPUTS,
  });
  const model = await OnnxModel.load(bytes);
  try {
    assert.equal(model.fixedBatch, 3);
    const count = 5;
    const x = samples(count);
    assertClose(await model.runAll(x, count), expected(x, count, W, B, INPUTS, OUTPUTS));
  } finally {
    await model.release();
  }
});

test('external model with a differently named batch dimension and no declared output shape', async () => {
  const bytes = matMulAddModel({
    inputName: 'x',
    outputName: 'y',
    inputDims: ['batch_size', INPUTS],
    outputDims: null,
    w: W,
    b: B,
    inputs: INPUTS,
    outputs: OUTPUTS,
  });
  const model = await OnnxModel.load(bytes);
  try {
    assert.equal(model.fixedBatch, null);
    assert.equal(model.outputSize, OUTPUTS, 'learned from a trial run');
    const count = 9;
    const x = samples(count);
    assertClose(await model.run(x, count), expected(x, count, W, B, INPUTS, OUTPUTS));
  } finally {
    await model.release();
  }
});

test('external model with symbolic per-sample dims needs and checks a given inputShape', async () => {
  const bytes = matMulAddModel({
    inputName: 'x',
    outputName: 'y',
    inputDims: ['N', 'features'],
    outputDims: ['N', OUTPUTS],
    w: W,
    b: B,
    inputs: INPUTS,
    outputs: OUTPUTS,
  });
  await assert.rejects(OnnxModel.load(bytes, { label: 'dyn.onnx' }), /dyn\.onnx: input "x" has shape \[N, features\] with symbolic per-sample dimensions/);
  const model = await OnnxModel.load(bytes, { inputShape: [INPUTS] });
  try {
    assert.deepEqual(model.inputShape, [INPUTS]);
    const x = samples(2);
    assertClose(await model.run(x, 2), expected(x, 2, W, B, INPUTS, OUTPUTS));
  } finally {
    await model.release();
  }
});
