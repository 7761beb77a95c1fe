import { SeededRandom } from '../../harness/seeded-random.ts';
import type { MlpWeights } from '../../workloads/models/mlp-weights.ts';
import { initMlpNormal } from '../../workloads/models/training/mlp-init.ts';
import { MlpTrainer, PAPER_ADAM, type AdamOptions } from '../../workloads/models/training/mlp-trainer.ts';
import type { EpochRecord, TrainingCallbacks, TrainingResult } from '../../workloads/models/training/training-history.ts';
import { degradedAccuracy, encodeConsecutiveGroups } from './degraded-accuracy.ts';
import { sampleLength, type Encoder } from './encoder.ts';

/** Samples with the deployed model's raw outputs (logits), computed once with F frozen. */
export interface ParitySamples {
  readonly images: Float32Array;
  readonly count: number;
  readonly deployedOutputs: Float32Array;
}

export interface LabelledParitySamples extends ParitySamples {
  readonly labels: Uint8Array;
}

export interface ParityTrainingData {
  readonly train: ParitySamples;
  /** Held-out training images: the best epoch is chosen on their reconstruction top-1. */
  readonly validation: LabelledParitySamples;
  /** Optional: scored every epoch for the learning curve only. */
  readonly test?: LabelledParitySamples;
}

export interface ParityTrainingOptions {
  readonly encoder: Encoder;
  /** Layer widths of Fp, the deployed model's architecture, e.g. [784, 200, 100, 10]. */
  readonly architecture: readonly number[];
  readonly epochs: number;
  readonly seed: number;
  /** Coding groups per minibatch: the paper uses 64 for k = 2 and 32 for k = 3 and 4. */
  readonly groupsPerBatch?: number;
  readonly adam?: AdamOptions;
}

export function paperGroupsPerBatch(k: number): number {
  return k === 2 ? 64 : 32;
}

/**
 * Trains a parity model the paper's way: MSE between Fp(E(X1..Xk)) and F(X1) + ... + F(Xk)
 * on raw outputs; Adam; new random k-tuples every epoch (an epoch uses every training image
 * once); Linear weights N(0, 0.01), zero bias; the epoch with the best validation
 * reconstruction top-1 is kept.
 */
export async function trainParityModel(
  data: ParityTrainingData,
  options: ParityTrainingOptions,
  callbacks: TrainingCallbacks = {},
): Promise<TrainingResult<MlpWeights>> {
  const { encoder, epochs, seed } = options;
  const k = encoder.k;
  const len = sampleLength(encoder.shape);
  const classes = options.architecture[options.architecture.length - 1];
  if (options.architecture[0] !== len) {
    throw new RangeError(`parity model takes ${options.architecture[0]} inputs but samples have ${len} values`);
  }
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  const groupsPerBatch = options.groupsPerBatch ?? paperGroupsPerBatch(k);
  const random = new SeededRandom(seed);
  const initial = initMlpNormal([...options.architecture], random.nextUint32(), 0.01);
  const trainer = await MlpTrainer.create(initial, options.adam ?? PAPER_ADAM, groupsPerBatch);
  const started = performance.now();
  try {
    const { train } = data;
    const groupsPerEpoch = Math.floor(train.count / k);
    const stepsPerEpoch = Math.ceil(groupsPerEpoch / groupsPerBatch);
    const inputs = new Float32Array(groupsPerBatch * len);
    const targets = new Float32Array(groupsPerBatch * classes);
    const members: Float32Array[] = new Array(k);
    const validationParity = encodeConsecutiveGroups(encoder, data.validation.images, data.validation.count);
    const testParity = data.test ? encodeConsecutiveGroups(encoder, data.test.images, data.test.count) : undefined;

    const history: EpochRecord[] = [];
    let best: { epoch: number; accuracy: number; weights: MlpWeights } | undefined;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      const order = random.permutation(train.count);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const firstGroup = step * groupsPerBatch;
        const batch = Math.min(groupsPerBatch, groupsPerEpoch - firstGroup);
        targets.fill(0, 0, batch * classes);
        for (let b = 0; b < batch; b++) {
          for (let j = 0; j < k; j++) {
            const s = order[(firstGroup + b) * k + j];
            members[j] = train.images.subarray(s * len, (s + 1) * len);
            const y = s * classes;
            const t = b * classes;
            for (let c = 0; c < classes; c++) targets[t + c] += train.deployedOutputs[y + c];
          }
          encoder.encodeInto(members, inputs, b * len);
        }
        lossSum += trainer.stepMse(inputs, targets, batch);
        callbacks.onStep?.({ epoch, epochs, step: step + 1, stepsPerEpoch });
      }
      const v = data.validation;
      const validation = degradedAccuracy(
        v.deployedOutputs,
        trainer.predict(validationParity, validationParity.length / len),
        v.labels,
        v.count,
        k,
        classes,
      );
      const t = data.test;
      const test =
        t && testParity
          ? degradedAccuracy(t.deployedOutputs, trainer.predict(testParity, testParity.length / len), t.labels, t.count, k, classes)
          : undefined;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / stepsPerEpoch,
        validationAccuracy: validation.accuracy,
        ...(test ? { testAccuracy: test.accuracy } : {}),
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      const isBest = !best || validation.accuracy > best.accuracy;
      if (isBest) best = { epoch, accuracy: validation.accuracy, weights: trainer.weights() };
      callbacks.onEpoch?.(record, isBest);
    }
    return {
      weights: best!.weights,
      bestEpoch: best!.epoch,
      history,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}
