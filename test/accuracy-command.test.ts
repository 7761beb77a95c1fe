import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { accuracyCommand } from '../harness/commands/accuracy.ts';
import type { AccuracyReport } from '../harness/accuracy-evaluation.ts';
import { onnx } from '../workloads/models/onnx/onnx-proto.ts';
import { makeTempDir, removeTempDir, writeIdxDataset } from './fixtures/dataset-files.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

/**
 * "Bring your own model", end to end: ONNX files written here directly with the ONNX protobuf
 * classes (not with parm-bench's model builders), a tiny dataset in the real idx format, and
 * the accuracy command run on them through a user-written manifest.
 *
 * F is linear (x W + b), so the exact parity model for the addition encoder with k = 2 is
 * x W + 2b: every reconstruction must then agree with F, and the numbers can be predicted here.
 */
const D = 784;
const C = 10;

function linearModel(w: Float32Array, b: Float32Array, inputName: string, inputDims: (number | string)[]): Uint8Array {
  const dim = (d: number | string) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d });
  const tensor = (name: string, dims: number[], values: Float32Array) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'test-writer',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'linear',
      node: [
        { opType: 'Flatten', input: [inputName], output: ['flat'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        { opType: 'MatMul', input: ['flat', 'W'], output: ['xw'] },
        { opType: 'Add', input: ['xw', 'B'], output: ['scores'] },
      ],
      initializer: [tensor('W', [D, C], w), tensor('B', [C], b)],
      input: [{ name: inputName, type: { tensorType: { elemType: 1, shape: { dim: inputDims.map(dim) } } } }],
      output: [{ name: 'scores', type: { tensorType: { elemType: 1, shape: { dim: [dim('N'), dim(C)] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function linearScores(pixels: Float32Array, w: Float32Array, b: Float32Array): number[] {
  const s = Array.from(b);
  for (let i = 0; i < D; i++) for (let c = 0; c < C; c++) s[c] += pixels[i] * w[i * C + c];
  return s;
}
const argmax = (v: number[]) => v.indexOf(Math.max(...v));

test('accuracy on user-supplied ONNX models through a manifest', async () => {
  const dir = await makeTempDir('parm-bench-byo-');
  try {
    const rnd = new SeededRandom(11);
    const count = 41; // 20 groups of 2, one sample left out of the degraded-mode figures
    const pixels = Uint8Array.from({ length: count * D }, () => rnd.nextInt(256));
    const labels = Uint8Array.from({ length: count }, () => rnd.nextInt(C));
    const trainLabels = Uint8Array.from([3, 3, 3, 7, 7, 1]);
    const dataDir = join(dir, 'data');
    await writeIdxDataset(dataDir, { split: 'test', count, height: 28, width: 28, images: pixels, labels, gzip: true });
    await writeIdxDataset(dataDir, { split: 'train', count: 6, height: 28, width: 28, images: pixels.subarray(0, 6 * D), labels: trainLabels });

    const w = Float32Array.from({ length: D * C }, () => rnd.nextNormal() * 0.05);
    const b = Float32Array.from({ length: C }, () => rnd.nextNormal());
    const b2 = b.map((v) => 2 * v);
    const bBackup = Float32Array.from({ length: C }, () => rnd.nextNormal() * 3);
    writeFileSync(join(dir, 'f.onnx'), linearModel(w, b, 'pixel_values', ['batch', D]));
    writeFileSync(join(dir, 'fp.onnx'), linearModel(w, b2, 'parity_in', ['batch', 1, 28, 28]));
    writeFileSync(join(dir, 'backup.onnx'), linearModel(w, bBackup, 'x', [1, D])); // fixed batch of 1
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        schema: 'parm-bench/model-set@1',
        name: 'byo-linear',
        dataset: 'fashion-mnist',
        classes: C,
        sampleShape: [1, 28, 28],
        deployed: { file: 'f.onnx' },
        backup: { file: join(dir, 'backup.onnx') },
        parity: [{ k: 2, encoder: 'addition', file: 'fp.onnx' }],
      }),
    );

    const out = join(dir, 'out');
    await accuracyCommand({ workload: 'fashion', models: join(dir, 'manifest.json'), dataDir, out });
    const report = JSON.parse(readFileSync(join(out, 'accuracy.json'), 'utf8')) as AccuracyReport;
    assert.match(readFileSync(join(out, 'accuracy.md'), 'utf8'), /ParM k=2 addition/);

    const x = Float32Array.from(pixels, (p) => p / 255);
    const fPred = Array.from({ length: count }, (_, n) => argmax(linearScores(x.subarray(n * D, (n + 1) * D), w, b)));
    const backupPred = Array.from({ length: count }, (_, n) => argmax(linearScores(x.subarray(n * D, (n + 1) * D), w, bBackup)));
    const acc = (pred: number[], upTo = count) => pred.slice(0, upTo).filter((p, n) => p === labels[n]).length / upTo;

    assert.equal(report.modelSet.name, 'byo-linear');
    assert.equal(report.dataset.count, count);
    assert.equal(report.deployed.accuracy, acc(fPred));
    assert.equal(report.parity.length, 1);
    assert.equal(report.parity[0].reconstructions, 40);
    assert.equal(report.parity[0].agreement, 1);
    assert.equal(report.parity[0].accuracy, acc(fPred, 40));
    assert.ok(report.baselines.backup.available);
    if (report.baselines.backup.available) {
      assert.equal(report.baselines.backup.accuracy, acc(backupPred));
      assert.equal(report.baselines.backup.agreement, backupPred.filter((p, n) => p === fPred[n]).length / count);
    }
    assert.ok(report.baselines.defaultPrediction.available);
    if (report.baselines.defaultPrediction.available) {
      assert.equal(report.baselines.defaultPrediction.class, 3);
      assert.equal(report.baselines.defaultPrediction.accuracy, labels.filter((l) => l === 3).length / count);
    }
    const parm = report.overall.series.find((s) => s.label === 'ParM k=2 addition')!;
    const half = report.overall.fractions.indexOf(0.5);
    assert.ok(Math.abs(parm.accuracy[half] - (0.5 * acc(fPred) + 0.5 * acc(fPred, 40))) < 1e-12);
  } finally {
    await removeTempDir(dir);
  }
});

test('a model whose input does not fit the manifest is named in the error', async () => {
  const dir = await makeTempDir('parm-bench-byo-bad-');
  try {
    const dataDir = join(dir, 'data');
    const count = 4;
    await writeIdxDataset(dataDir, { split: 'test', count, height: 28, width: 28, images: new Uint8Array(count * D), labels: new Uint8Array(count) });
    const small = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'id',
          node: [{ opType: 'Identity', input: ['in'], output: ['out'] }],
          input: [{ name: 'in', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 10 }] } } } }],
          output: [{ name: 'out', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 10 }] } } } }],
        },
      }),
    ).finish();
    writeFileSync(join(dir, 'small.onnx'), small);
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ schema: 'parm-bench/model-set@1', name: 'bad', dataset: 'fashion-mnist', classes: 10, sampleShape: [1, 28, 28], deployed: { file: 'small.onnx' } }),
    );
    await assert.rejects(
      accuracyCommand({ workload: 'fashion', models: join(dir, 'manifest.json'), dataDir, out: join(dir, 'out') }),
      /small\.onnx/,
    );
  } finally {
    await removeTempDir(dir);
  }
});
