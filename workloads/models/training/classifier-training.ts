import { SeededRandom } from '../../../harness/seeded-random.ts';
import { top1Accuracy } from '../argmax.ts';
import type { MlpWeights } from '../mlp-weights.ts';
import { initMlpUniform } from './mlp-init.ts';
import { MlpTrainer, PAPER_ADAM, type AdamOptions } from './mlp-trainer.ts';
import { runEpochLoop } from './epoch-loop.ts';
import type { TrainingCallbacks, TrainingResult } from './training-history.ts';

export interface LabelledImages {
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface ClassifierTrainingOptions {
  /** Layer widths, e.g. [784, 200, 100, 10] for the deployed model. */
  readonly architecture: readonly number[];
  readonly epochs: number;
  readonly seed: number;
  readonly batchSize?: number;
  readonly adam?: AdamOptions;
}

/**
 * Trains an MLP classifier (the deployed model F, or the approximate backup) with softmax
 * cross-entropy and Adam, shuffling every epoch; keeps the epoch with the best validation top-1.
 */
export async function trainClassifier(
  data: { train: LabelledImages; validation: LabelledImages; test?: LabelledImages },
  options: ClassifierTrainingOptions,
  callbacks: TrainingCallbacks = {},
): Promise<TrainingResult<MlpWeights>> {
  const { epochs, seed } = options;
  const batchSize = options.batchSize ?? 64;
  const len = options.architecture[0];
  const classes = options.architecture[options.architecture.length - 1];
  if (data.train.images.length !== data.train.count * len) {
    throw new RangeError(`classifier takes ${len} inputs per sample, training images have ${data.train.images.length / data.train.count}`);
  }
  const random = new SeededRandom(seed);
  const trainer = await MlpTrainer.create(initMlpUniform([...options.architecture], random.nextUint32()), options.adam ?? PAPER_ADAM, batchSize);
  try {
    const { train } = data;
    const inputs = new Float32Array(batchSize * len);
    const labels = new Uint8Array(batchSize);
    const accuracy = (d: LabelledImages) => top1Accuracy(trainer.predict(d.images, d.count), d.labels, d.count, classes);
    let order: Uint32Array = new Uint32Array(0);
    return runEpochLoop(
      {
        epochs,
        stepsPerEpoch: Math.ceil(train.count / batchSize),
        startEpoch: () => {
          order = random.permutation(train.count);
        },
        step: (step) => {
          const first = step * batchSize;
          const batch = Math.min(batchSize, train.count - first);
          for (let b = 0; b < batch; b++) {
            const s = order[first + b];
            inputs.set(train.images.subarray(s * len, (s + 1) * len), b * len);
            labels[b] = train.labels[s];
          }
          return trainer.stepCrossEntropy(inputs, labels, batch);
        },
        evaluate: () => ({
          validationAccuracy: accuracy(data.validation),
          ...(data.test ? { testAccuracy: accuracy(data.test) } : {}),
        }),
        snapshot: () => trainer.weights(),
      },
      callbacks,
    );
  } finally {
    trainer.dispose();
  }
}
