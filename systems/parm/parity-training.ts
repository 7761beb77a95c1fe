import { SeededRandom } from '../../harness/seeded-random.ts';
import type { MlpWeights } from '../../workloads/models/mlp-weights.ts';
import { initMlpNormal } from '../../workloads/models/training/mlp-init.ts';
import { MlpTrainer, PAPER_ADAM, type AdamOptions } from '../../workloads/models/training/mlp-trainer.ts';
import { runEpochLoop } from '../../workloads/models/training/epoch-loop.ts';
import type { TrainingCallbacks, TrainingResult } from '../../workloads/models/training/training-history.ts';
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
  const groupsPerBatch = options.groupsPerBatch ?? paperGroupsPerBatch(k);
  const random = new SeededRandom(seed);
  const initial = initMlpNormal([...options.architecture], random.nextUint32(), 0.01);
  const trainer = await MlpTrainer.create(initial, options.adam ?? PAPER_ADAM, groupsPerBatch);
  try {
    const { train } = data;
    const groupsPerEpoch = Math.floor(train.count / k);
    const inputs = new Float32Array(groupsPerBatch * len);
    const targets = new Float32Array(groupsPerBatch * classes);
    const members: Float32Array[] = new Array(k);
    const validationParity = encodeConsecutiveGroups(encoder, data.validation.images, data.validation.count);
    const testParity = data.test ? encodeConsecutiveGroups(encoder, data.test.images, data.test.count) : undefined;
    const reconstructionAccuracy = (samples: LabelledParitySamples, parityInputs: Float32Array): number =>
      degradedAccuracy(samples.deployedOutputs, trainer.predict(parityInputs, parityInputs.length / len), samples.labels, samples.count, k, classes)
        .accuracy;
    let order: Uint32Array = new Uint32Array(0);
    return runEpochLoop(
      {
        epochs,
        stepsPerEpoch: Math.ceil(groupsPerEpoch / groupsPerBatch),
        startEpoch: () => {
          order = random.permutation(train.count);
        },
        step: (step) => {
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
          return trainer.stepMse(inputs, targets, batch);
        },
        evaluate: () => ({
          validationAccuracy: reconstructionAccuracy(data.validation, validationParity),
          ...(data.test && testParity ? { testAccuracy: reconstructionAccuracy(data.test, testParity) } : {}),
        }),
        snapshot: () => trainer.weights(),
      },
      callbacks,
    );
  } finally {
    trainer.dispose();
  }
}
