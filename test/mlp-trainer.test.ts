import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../harness/seeded-random.ts';
import { mlpForwardReference, type MlpWeights } from '../workloads/models/mlp-weights.ts';
import { initMlpNormal, initMlpUniform } from '../workloads/models/training/mlp-init.ts';
import { MlpTrainer, PAPER_ADAM, type AdamOptions } from '../workloads/models/training/mlp-trainer.ts';
import {
  ReferenceAdam, referenceGradients, toReferenceMlp,
  type ReferenceLoss, type ReferenceMlp,
} from '../workloads/models/training/mlp-training-reference.ts';

/** Adam settings under which an update is nearly linear in the gradient (eps dominates sqrt(v)),
 *  so that weight changes reveal gradient errors; strong decay checks the L2 term. */
const GRADIENT_REVEALING_ADAM: AdamOptions = { learningRate: 0.05, beta1: 0.8, beta2: 0.99, epsilon: 1, weightDecay: 0.1 };

function randomArray(random: SeededRandom, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * random.next();
  return a;
}

function randomLabels(random: SeededRandom, n: number, classes: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => random.nextInt(classes));
}

interface Batch {
  inputs: Float32Array;
  targets: Float32Array;
  labels: Uint8Array;
}

function makeBatches(sizes: number[], batch: number, count: number, seed: number): Batch[] {
  const random = new SeededRandom(seed);
  const out = sizes[sizes.length - 1];
  return Array.from({ length: count }, () => ({
    inputs: randomArray(random, batch * sizes[0], 0, 1),
    targets: randomArray(random, batch * out, -2, 2),
    labels: randomLabels(random, batch, out),
  }));
}

/** Largest |a - b| / (|b| + floor) over all weights and biases. */
function maxRelativeError(actual: MlpWeights, expected: ReferenceMlp, floor: number): number {
  let worst = 0;
  actual.layers.forEach((layer, l) => {
    const ref = expected.layers[l];
    const pairs: [Float32Array, Float64Array][] = [[layer.weight, ref.weight], [layer.bias, ref.bias]];
    for (const [a, b] of pairs) {
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
    }
  });
  return worst;
}

/** Largest relative error of the weight changes (after - before), scaled by each tensor's largest change. */
function maxUpdateError(before: MlpWeights, actual: MlpWeights, expected: ReferenceMlp): number {
  let worst = 0;
  actual.layers.forEach((layer, l) => {
    const ref = expected.layers[l];
    const pairs: [Float32Array, Float32Array, Float64Array][] = [
      [before.layers[l].weight, layer.weight, ref.weight],
      [before.layers[l].bias, layer.bias, ref.bias],
    ];
    for (const [b0, a, r] of pairs) {
      let scale = 0;
      for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(r[i] - b0[i]));
      assert.ok(scale > 0, 'the reference changed nothing: the comparison would be vacuous');
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] - b0[i]) - (r[i] - b0[i])) / scale);
    }
  });
  return worst;
}

type LossKind = ReferenceLoss['kind'];

function step(trainer: MlpTrainer, b: Batch, batch: number, kind: LossKind): number {
  return kind === 'mse' ? trainer.stepMse(b.inputs, b.targets, batch) : trainer.stepCrossEntropy(b.inputs, b.labels, batch);
}

function referenceLoss(b: Batch, kind: LossKind): ReferenceLoss {
  return kind === 'mse' ? { kind, targets: b.targets } : { kind, labels: b.labels };
}

const SHAPES: { sizes: number[]; batch: number; maxBatch: number }[] = [
  { sizes: [13, 7, 5, 3], batch: 6, maxBatch: 6 },
  { sizes: [9, 6, 3], batch: 5, maxBatch: 7 },
  { sizes: [8, 12, 4], batch: 8, maxBatch: 8 },
  { sizes: [17, 10], batch: 3, maxBatch: 9 },
];

test('the float64 reference gradients agree with finite differences', () => {
  const random = new SeededRandom(11);
  for (const kind of ['mse', 'cross-entropy'] as const) {
    const mlp = toReferenceMlp(initMlpUniform([13, 7, 5, 3], 3));
    const [b] = makeBatches([13, 7, 5, 3], 6, 1, 5);
    const loss = referenceLoss(b, kind);
    const grads = referenceGradients(mlp, b.inputs, 6, loss);
    const h = 1e-6;
    let checked = 0;
    mlp.layers.forEach((layer, l) => {
      for (const which of ['weight', 'bias'] as const) {
        const values = layer[which];
        for (let probe = 0; probe < 8; probe++) {
          const i = random.nextInt(values.length);
          const saved = values[i];
          values[i] = saved + h;
          const up = referenceGradients(mlp, b.inputs, 6, loss).loss;
          values[i] = saved - h;
          const down = referenceGradients(mlp, b.inputs, 6, loss).loss;
          values[i] = saved;
          const numeric = (up - down) / (2 * h);
          const analytic = grads.layers[l][which][i];
          assert.ok(Math.abs(numeric - analytic) <= 1e-6 + 1e-5 * Math.abs(analytic),
            `${kind} layer ${l} ${which}[${i}]: analytic ${analytic} vs numeric ${numeric}`);
          checked++;
        }
      }
    });
    assert.equal(checked, 3 * 2 * 8);
  }
});

for (const { sizes, batch, maxBatch } of SHAPES) {
  for (const kind of ['mse', 'cross-entropy'] as const) {
    for (const [adamName, adam] of [['paper Adam', PAPER_ADAM], ['gradient-revealing Adam', GRADIENT_REVEALING_ADAM]] as const) {
      test(`${sizes.join('-')} batch ${batch}, ${kind}, ${adamName}: weights after 1 and 3 steps match the float64 reference`, async () => {
        const initial = initMlpUniform(sizes, 21);
        const batches = makeBatches(sizes, batch, 3, 77);
        const trainer = await MlpTrainer.create(initial, adam, maxBatch);
        const reference = toReferenceMlp(initial);
        const refAdam = new ReferenceAdam(reference, adam);
        for (let s = 0; s < 3; s++) {
          const before = trainer.weights();
          const loss = step(trainer, batches[s], batch, kind);
          const grads = referenceGradients(reference, batches[s].inputs, batch, referenceLoss(batches[s], kind));
          refAdam.step(grads);
          assert.ok(Math.abs(loss - grads.loss) <= 1e-5 * Math.abs(grads.loss), `step ${s + 1}: loss ${loss} vs reference ${grads.loss}`);
          if (s === 0 || s === 2) {
            const after = trainer.weights();
            const weightError = maxRelativeError(after, reference, 1e-2);
            assert.ok(weightError < 1e-5, `after step ${s + 1}: weights differ by ${weightError} (relative)`);
            const updateError = maxUpdateError(before, after, reference);
            assert.ok(updateError < 5e-4, `step ${s + 1}: weight updates differ by ${updateError} of the largest update`);
          }
        }
        trainer.dispose();
      });
    }
  }
}

test('the trainer reports the loss of the weights before the step', async () => {
  const sizes = [13, 7, 5, 3];
  const initial = initMlpNormal(sizes, 4, 0.3);
  const [b] = makeBatches(sizes, 6, 1, 8);
  const trainer = await MlpTrainer.create(initial, PAPER_ADAM, 6);
  const expected = referenceGradients(toReferenceMlp(initial), b.inputs, 6, { kind: 'mse', targets: b.targets }).loss;
  assert.ok(Math.abs(trainer.stepMse(b.inputs, b.targets, 6) - expected) <= 1e-6 * expected);
  assert.notDeepEqual(trainer.weights().layers[0].weight, initial.layers[0].weight);
});

test('predict equals mlpForwardReference for any count (chunked, padded widths)', async () => {
  const random = new SeededRandom(99);
  for (const { sizes, maxBatch, count } of [
    { sizes: [784, 200, 100, 10], maxBatch: 16, count: 70 },
    { sizes: [13, 7, 5, 3], maxBatch: 4, count: 9 },
    { sizes: [5, 3], maxBatch: 3, count: 1 },
  ]) {
    const weights = initMlpUniform(sizes, 5);
    const inputs = randomArray(random, count * sizes[0], 0, 1);
    const trainer = await MlpTrainer.create(weights, PAPER_ADAM, maxBatch);
    const expected = mlpForwardReference(weights, inputs, count);
    const out = new Float32Array(count * sizes[sizes.length - 1]);
    const actual = trainer.predict(inputs, count, out);
    assert.equal(actual, out);
    let scale = 0;
    for (const v of expected) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < expected.length; i++) {
      assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-5 * scale, `${sizes.join('-')} output ${i}: ${actual[i]} vs ${expected[i]}`);
    }
    assert.equal(trainer.predict(new Float32Array(0), 0).length, 0);
    trainer.dispose();
  }
});

test('weights() returns exactly the initial weights before any step', async () => {
  const initial = initMlpUniform([13, 7, 5, 3], 1);
  const trainer = await MlpTrainer.create(initial, PAPER_ADAM, 5);
  const copy = trainer.weights();
  assert.deepEqual(copy, { layers: initial.layers.map((l) => ({ ...l })) });
  copy.layers[0].weight[0] = 42;
  assert.notEqual(trainer.weights().layers[0].weight[0], 42);
});

test('training is deterministic: same start and batches give bit-identical weights', async () => {
  const sizes = [30, 20, 10, 4];
  const batches = makeBatches(sizes, 10, 20, 3);
  const run = async (): Promise<Uint8Array[]> => {
    const trainer = await MlpTrainer.create(initMlpNormal(sizes, 8), PAPER_ADAM, 10);
    for (const b of batches) {
      trainer.stepMse(b.inputs, b.targets, 10);
      trainer.stepCrossEntropy(b.inputs.subarray(0, 7 * 30), b.labels.subarray(0, 7), 7);
    }
    return trainer.weights().layers.flatMap((l) => [new Uint8Array(l.weight.buffer), new Uint8Array(l.bias.buffer)]);
  };
  const a = await run();
  const b = await run();
  assert.deepEqual(a, b);
});

test('a separable two-class problem is learnt (cross-entropy), and a linear target fitted (MSE)', async () => {
  const random = new SeededRandom(2024);
  const n = 256;
  const inputs = new Float32Array(n * 6);
  const labels = new Uint8Array(n);
  const targets = new Float32Array(n * 2);
  for (let s = 0; s < n; s++) {
    labels[s] = s % 2;
    for (let i = 0; i < 6; i++) inputs[s * 6 + i] = (labels[s] ? 0.7 : 0.3) + 0.1 * random.nextNormal();
    targets[s * 2] = inputs[s * 6] - inputs[s * 6 + 1];
    targets[s * 2 + 1] = 0.5 * inputs[s * 6 + 2];
  }
  const batch = 32;
  const adam = { ...PAPER_ADAM, learningRate: 1e-2 };
  const classifier = await MlpTrainer.create(initMlpUniform([6, 16, 2], 1), adam, batch);
  const regressor = await MlpTrainer.create(initMlpUniform([6, 16, 2], 2), adam, batch);
  const ceLosses: number[] = [];
  const mseLosses: number[] = [];
  for (let epoch = 0; epoch < 30; epoch++) {
    let ce = 0;
    let mse = 0;
    for (let s = 0; s < n; s += batch) {
      ce += classifier.stepCrossEntropy(inputs.subarray(s * 6, (s + batch) * 6), labels.subarray(s, s + batch), batch);
      mse += regressor.stepMse(inputs.subarray(s * 6, (s + batch) * 6), targets.subarray(s * 2, (s + batch) * 2), batch);
    }
    ceLosses.push(ce / (n / batch));
    mseLosses.push(mse / (n / batch));
  }
  assert.ok(ceLosses[0] > 0.5 && ceLosses[29] < 0.05, `cross-entropy went from ${ceLosses[0]} to ${ceLosses[29]}`);
  assert.ok(mseLosses[29] < mseLosses[0] / 20, `MSE went from ${mseLosses[0]} to ${mseLosses[29]}`);
  const logits = classifier.predict(inputs, n);
  let correct = 0;
  for (let s = 0; s < n; s++) correct += Number((logits[2 * s + 1] > logits[2 * s] ? 1 : 0) === labels[s]);
  assert.equal(correct, n);
});

test('buffers longer than the batch are accepted and only their first rows are used', async () => {
  const sizes = [13, 7, 5, 3];
  const [b] = makeBatches(sizes, 8, 1, 12);
  const exact = await MlpTrainer.create(initMlpUniform(sizes, 2), PAPER_ADAM, 8);
  const roomy = await MlpTrainer.create(initMlpUniform(sizes, 2), PAPER_ADAM, 8);
  const lossExact = exact.stepMse(b.inputs.slice(0, 5 * 13), b.targets.slice(0, 5 * 3), 5);
  const lossRoomy = roomy.stepMse(b.inputs, b.targets, 5);
  assert.equal(lossRoomy, lossExact);
  exact.stepCrossEntropy(b.inputs.slice(0, 3 * 13), b.labels.slice(0, 3), 3);
  roomy.stepCrossEntropy(b.inputs, b.labels, 3);
  assert.deepEqual(roomy.weights(), exact.weights());
  const out = new Float32Array(8 * 3).fill(7);
  roomy.predict(b.inputs, 2, out);
  assert.deepEqual(out.subarray(0, 6), exact.predict(b.inputs.subarray(0, 2 * 13), 2));
  assert.ok(out.subarray(6).every((v) => v === 7), 'predict wrote beyond count x outputs');
});

test('wrong sizes and bad arguments are refused with messages that say what was expected', async () => {
  const trainer = await MlpTrainer.create(initMlpNormal([13, 7, 5, 3], 1), PAPER_ADAM, 6);
  const inputs = new Float32Array(6 * 13);
  const targets = new Float32Array(6 * 3);
  assert.throws(() => trainer.stepMse(new Float32Array(6 * 12), targets, 6), /stepMse: inputs has 72 values, not a whole number of rows of 13 \(the network has 13 inputs\)/);
  assert.throws(() => trainer.stepMse(new Float32Array(5 * 13), targets, 6), /inputs has 5 rows of 13, fewer than the 6 samples asked for/);
  assert.throws(() => trainer.stepMse(inputs, new Float32Array(17), 6), /targets has 17 values, not a whole number of rows of 3 \(the network has 3 outputs\)/);
  assert.throws(() => trainer.stepMse(inputs, new Float32Array(15), 6), /targets has 5 rows of 3, fewer than the 6 samples/);
  assert.throws(() => trainer.stepMse(new Float32Array(7 * 13), new Float32Array(21), 7), /batch must be an integer from 1 to maxBatch 6, got 7/);
  assert.throws(() => trainer.stepMse(inputs, targets, 0), /batch must be an integer from 1 to maxBatch 6, got 0/);
  assert.throws(() => trainer.stepCrossEntropy(inputs, new Uint8Array(5), 6), /labels has 5 entries, fewer than the batch of 6/);
  assert.throws(() => trainer.stepCrossEntropy(inputs, Uint8Array.of(0, 1, 2, 3, 0, 0), 6), /label 3 of sample 3 is not a class of this 3-output network/);
  assert.throws(() => trainer.stepCrossEntropy(new Float32Array(6 * 14), new Uint8Array(6), 6), /stepCrossEntropy: inputs has 84 values, not a whole number of rows of 13/);
  assert.throws(() => trainer.predict(new Float32Array(14), 1), /predict: inputs has 14 values, not a whole number of rows of 13/);
  assert.throws(() => trainer.predict(inputs, 6, new Float32Array(17)), /predict: out has 17 values, not a whole number of rows of 3/);
  assert.throws(() => trainer.predict(inputs, 6, new Float32Array(15)), /predict: out has 5 rows of 3, fewer than the 6 samples/);
  assert.equal(trainer.stepCount, 0, 'refused calls must not step');
  trainer.stepMse(inputs, targets, 6);
  assert.equal(trainer.stepCount, 1);
  trainer.dispose();
  assert.throws(() => trainer.predict(inputs, 6), /disposed/);
  assert.throws(() => trainer.weights(), /disposed/);
  await assert.rejects(MlpTrainer.create(initMlpNormal([4, 3], 1), PAPER_ADAM, 0), /maxBatch must be a positive integer/);
  await assert.rejects(MlpTrainer.create(initMlpNormal([4, 3], 1), { ...PAPER_ADAM, beta2: 1 }, 4), /beta2/);
  const broken = initMlpNormal([4, 3, 2], 1);
  await assert.rejects(MlpTrainer.create({ layers: [broken.layers[1], broken.layers[0]] }, PAPER_ADAM, 4), /layer 1 takes 4 inputs but layer 0 gives 2/);
});
