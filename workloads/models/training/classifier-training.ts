import { SeededRandom } from '../../../harness/seeded-random.ts';
import { top1Accuracy } from '../argmax.ts';
import type { MlpWeights } from '../mlp-weights.ts';
import { initMlpUniform } from './mlp-init.ts';
import { MlpTrainer, PAPER_ADAM, type AdamOptions } from './mlp-trainer.ts';
import type { EpochRecord, TrainingCallbacks, TrainingResult } from './training-history.ts';

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
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${epochs}`);
  const random = new SeededRandom(seed);
  const trainer = await MlpTrainer.create(initMlpUniform([...options.architecture], random.nextUint32()), options.adam ?? PAPER_ADAM, batchSize);
  const started = performance.now();
  try {
    const { train } = data;
    const stepsPerEpoch = Math.ceil(train.count / batchSize);
    const inputs = new Float32Array(batchSize * len);
    const labels = new Uint8Array(batchSize);
    const history: EpochRecord[] = [];
    let best: { epoch: number; accuracy: number; weights: MlpWeights } | undefined;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      const order = random.permutation(train.count);
      let lossSum = 0;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const first = step * batchSize;
        const batch = Math.min(batchSize, train.count - first);
        for (let b = 0; b < batch; b++) {
          const s = order[first + b];
          inputs.set(train.images.subarray(s * len, (s + 1) * len), b * len);
          labels[b] = train.labels[s];
        }
        lossSum += trainer.stepCrossEntropy(inputs, labels, batch);
        callbacks.onStep?.({ epoch, epochs, step: step + 1, stepsPerEpoch });
      }
      const v = data.validation;
      const validationAccuracy = top1Accuracy(trainer.predict(v.images, v.count), v.labels, v.count, classes);
      const t = data.test;
      const record: EpochRecord = {
        epoch,
        loss: lossSum / stepsPerEpoch,
        validationAccuracy,
        ...(t ? { testAccuracy: top1Accuracy(trainer.predict(t.images, t.count), t.labels, t.count, classes) } : {}),
        seconds: (performance.now() - epochStart) / 1000,
      };
      history.push(record);
      const isBest = !best || validationAccuracy > best.accuracy;
      if (isBest) best = { epoch, accuracy: validationAccuracy, weights: trainer.weights() };
      callbacks.onEpoch?.(record, isBest);
    }
    return { weights: best!.weights, bestEpoch: best!.epoch, history, seconds: (performance.now() - started) / 1000 };
  } finally {
    trainer.dispose();
  }
}
