/**
 * Times full training epochs of the MLP training engine (MlpTrainer) at the sizes of the ParM
 * Fashion-MNIST recipe:
 *   - deployed model F, 784-200-100-10: 55,000 images, cross-entropy, minibatch 64;
 *   - parity model Fp, same architecture: coding groups of k images (new random groups each
 *     epoch), input = elementwise sum of the k images, MSE to the sum of their F logits;
 *     k = 2 with minibatch 64 (27,500 groups), k = 4 with minibatch 32 (13,750 groups).
 * Each figure is the median of the measured epochs after one warm-up epoch. An epoch's time
 * includes building the coded minibatches.
 *
 * Run: node --import tsx benchmarks/training-speed.ts [--epochs 3] [--synthetic]
 * Uses /usr/share/datasets/fashion-mnist/ when present (Debian package dataset-fashion-mnist),
 * otherwise (or with --synthetic) random images in [0, 1].
 */
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { SeededRandom } from '../harness/seeded-random.ts';
import { initMlpNormal, initMlpUniform } from '../workloads/models/training/mlp-init.ts';
import { MlpTrainer, PAPER_ADAM } from '../workloads/models/training/mlp-trainer.ts';

const TRAINING_IMAGES = 55_000;
const PIXELS = 784;
const CLASSES = 10;
const SIZES = [PIXELS, 200, 100, CLASSES];
const PARITY_GOAL_SECONDS = 5;
const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

interface TrainingImages {
  readonly source: string;
  readonly images: Float32Array; // [count][784] in [0, 1]
  readonly labels: Uint8Array;
}

/** The first `count` training images of Fashion-MNIST (gzipped idx files), scaled to [0, 1]. */
function loadFashionMnist(count: number): TrainingImages | undefined {
  const imagesPath = `${FASHION_DIR}/train-images-idx3-ubyte.gz`;
  const labelsPath = `${FASHION_DIR}/train-labels-idx1-ubyte.gz`;
  if (!existsSync(imagesPath) || !existsSync(labelsPath)) return undefined;
  const rawImages = gunzipSync(readFileSync(imagesPath));
  const rawLabels = gunzipSync(readFileSync(labelsPath));
  if (rawImages.readUInt32BE(0) !== 0x803 || rawLabels.readUInt32BE(0) !== 0x801) {
    throw new Error(`${FASHION_DIR}: not idx image/label files (bad magic numbers)`);
  }
  const available = rawImages.readUInt32BE(4);
  if (available < count || rawImages.readUInt32BE(8) * rawImages.readUInt32BE(12) !== PIXELS) {
    throw new Error(`${imagesPath}: expected at least ${count} images of 28x28, found ${available}`);
  }
  const images = new Float32Array(count * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = rawImages[16 + i] / 255;
  return { source: `Fashion-MNIST (${imagesPath})`, images, labels: rawLabels.subarray(8, 8 + count).slice() };
}

function syntheticImages(count: number, seed: number): TrainingImages {
  const random = new SeededRandom(seed);
  const images = new Float32Array(count * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = random.next();
  const labels = Uint8Array.from({ length: count }, () => random.nextInt(CLASSES));
  return { source: 'synthetic images (uniform in [0, 1])', images, labels };
}

interface EpochResult {
  readonly seconds: number;
  readonly stepSeconds: number;
  readonly steps: number;
  readonly meanLoss: number;
}

/** One epoch of F: shuffled images, cross-entropy. */
function deployedEpoch(trainer: MlpTrainer, data: TrainingImages, batch: number, random: SeededRandom): EpochResult {
  const start = performance.now();
  const order = random.permutation(TRAINING_IMAGES);
  const inputs = new Float32Array(batch * PIXELS);
  const labels = new Uint8Array(batch);
  let steps = 0;
  let lossSum = 0;
  let stepMs = 0;
  for (let first = 0; first < TRAINING_IMAGES; first += batch) {
    const n = Math.min(batch, TRAINING_IMAGES - first);
    for (let j = 0; j < n; j++) {
      const image = order[first + j];
      inputs.set(data.images.subarray(image * PIXELS, (image + 1) * PIXELS), j * PIXELS);
      labels[j] = data.labels[image];
    }
    const t = performance.now();
    lossSum += trainer.stepCrossEntropy(inputs.subarray(0, n * PIXELS), labels.subarray(0, n), n);
    stepMs += performance.now() - t;
    steps++;
  }
  return { seconds: (performance.now() - start) / 1000, stepSeconds: stepMs / 1000, steps, meanLoss: lossSum / steps };
}

/** One epoch of a parity model: new random k-tuples, summed images in, summed F logits as target. */
function parityEpoch(trainer: MlpTrainer, images: Float32Array, logits: Float32Array, k: number, batch: number, random: SeededRandom): EpochResult {
  const start = performance.now();
  const order = random.permutation(TRAINING_IMAGES);
  const groups = Math.floor(TRAINING_IMAGES / k);
  const inputs = new Float32Array(batch * PIXELS);
  const targets = new Float32Array(batch * CLASSES);
  let steps = 0;
  let lossSum = 0;
  let stepMs = 0;
  for (let firstGroup = 0; firstGroup < groups; firstGroup += batch) {
    const n = Math.min(batch, groups - firstGroup);
    for (let j = 0; j < n; j++) {
      const first = order[(firstGroup + j) * k];
      inputs.set(images.subarray(first * PIXELS, (first + 1) * PIXELS), j * PIXELS);
      targets.set(logits.subarray(first * CLASSES, (first + 1) * CLASSES), j * CLASSES);
      for (let m = 1; m < k; m++) {
        const image = order[(firstGroup + j) * k + m];
        const from = image * PIXELS;
        const to = j * PIXELS;
        for (let p = 0; p < PIXELS; p++) inputs[to + p] += images[from + p];
        for (let c = 0; c < CLASSES; c++) targets[j * CLASSES + c] += logits[image * CLASSES + c];
      }
    }
    const t = performance.now();
    lossSum += trainer.stepMse(inputs.subarray(0, n * PIXELS), targets.subarray(0, n * CLASSES), n);
    stepMs += performance.now() - t;
    steps++;
  }
  return { seconds: (performance.now() - start) / 1000, stepSeconds: stepMs / 1000, steps, meanLoss: lossSum / steps };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs one warm-up epoch and `epochs` measured ones; prints and returns the median seconds. */
function measure(label: string, epochs: number, runEpoch: () => EpochResult, goalSeconds?: number): number {
  runEpoch();
  const results: EpochResult[] = [];
  for (let e = 0; e < epochs; e++) results.push(runEpoch());
  const seconds = median(results.map((r) => r.seconds));
  const stepSeconds = median(results.map((r) => r.stepSeconds));
  const steps = results[0].steps;
  const goal = goalSeconds === undefined ? '' : ` (goal <= ${goalSeconds} s${seconds <= goalSeconds ? '' : ': MISSED'})`;
  console.log(`${label}: ${seconds.toFixed(2)} s/epoch${goal}`);
  console.log(
    `  ${steps} steps, ${(steps / seconds).toFixed(0)} steps/s; engine alone ${stepSeconds.toFixed(2)} s (${(steps / stepSeconds).toFixed(0)} steps/s);` +
      ` epochs ${results.map((r) => r.seconds.toFixed(2)).join(', ')} s; mean loss of the last ${results[results.length - 1].meanLoss.toPrecision(4)}`,
  );
  return seconds;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { epochs: { type: 'string', default: '3' }, synthetic: { type: 'boolean', default: false } },
  });
  const epochs = Number(values.epochs);
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
  const data = (values.synthetic ? undefined : loadFashionMnist(TRAINING_IMAGES)) ?? syntheticImages(TRAINING_IMAGES, 1);
  console.log(`data: ${TRAINING_IMAGES} images from ${data.source}`);
  console.log(`machine load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared)`);

  const random = new SeededRandom(42);
  const deployed = await MlpTrainer.create(initMlpUniform(SIZES, 1), PAPER_ADAM, 64);
  measure(`deployed MLP F (cross-entropy, ${TRAINING_IMAGES} images, batch 64)`, epochs, () => deployedEpoch(deployed, data, 64, random));
  // The parity targets are F's logits, as in the recipe (F frozen, computed once on clean inputs).
  const logits = deployed.predict(data.images, TRAINING_IMAGES);
  deployed.dispose();

  let missed = false;
  for (const { k, batch } of [{ k: 2, batch: 64 }, { k: 4, batch: 32 }]) {
    const parity = await MlpTrainer.create(initMlpNormal(SIZES, 2 + k), PAPER_ADAM, batch);
    const groups = Math.floor(TRAINING_IMAGES / k);
    const seconds = measure(
      `parity MLP k=${k} (${groups} groups, batch ${batch})`,
      epochs,
      () => parityEpoch(parity, data.images, logits, k, batch, random),
      k === 2 ? PARITY_GOAL_SECONDS : undefined,
    );
    if (k === 2) {
      console.log(`parity MLP k=2: ${seconds.toFixed(1)} s/epoch (goal <= ${PARITY_GOAL_SECONDS} s)`);
      missed = seconds > PARITY_GOAL_SECONDS;
    }
    parity.dispose();
  }
  console.log(`machine load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (missed) process.exitCode = 1;
}

await main();
