/**
 * Seconds per training epoch, measured on the project's own training loops (the ones
 * `npm run train` runs), at the sizes of the ParM Fashion-MNIST recipe:
 *   - parity model Fp, MLP 784-200-100-10, 55,000 training images: k = 2 (27,500 coding groups,
 *     64 per minibatch) and k = 4 (13,750 groups, 32 per minibatch); addition encoder; MSE to the
 *     sum of the deployed model's logits; one validation pass (5,000 images) per epoch included;
 *   - deployed model F, same MLP, 55,000 images, cross-entropy, minibatch 64.
 * Each figure is the median over the epochs after the first (warm-up).
 *
 * Run: node --import tsx benchmarks/training-speed.ts [--epochs 4] [--synthetic]
 * Uses Fashion-MNIST (dataset-fashion-mnist, or --data-dir / PARM_BENCH_DATA_DIR) and the
 * committed deployed model for the targets; --synthetic uses random images and random targets.
 */
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SeededRandom } from '../harness/seeded-random.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { subset } from '../workloads/datasets/dataset.ts';
import { loadDataset } from '../workloads/datasets/load-dataset.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { trainClassifier } from '../workloads/models/training/classifier-training.ts';
import type { EpochRecord } from '../workloads/models/training/training-history.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { trainParityModel, type LabelledParitySamples } from '../systems/parm/parity-training.ts';

const GOAL_SECONDS = 5;
const ARCH = [784, 200, 100, 10];
const TRAIN = 55_000;
const VALIDATION = 5_000;

const { values } = parseArgs({
  options: { epochs: { type: 'string', default: '4' }, synthetic: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } },
});
const epochs = Number(values.epochs);
if (!Number.isInteger(epochs) || epochs < 2) throw new Error('--epochs must be an integer >= 2 (the first epoch is a warm-up)');

async function samples(): Promise<{ source: string; train: LabelledParitySamples; validation: LabelledParitySamples }> {
  if (values.synthetic) {
    const r = new SeededRandom(1);
    const make = (count: number): LabelledParitySamples => ({
      images: Float32Array.from({ length: count * 784 }, () => r.next()),
      labels: Uint8Array.from({ length: count }, () => r.nextInt(10)),
      deployedOutputs: Float32Array.from({ length: count * 10 }, () => r.nextNormal() * 5),
      count,
    });
    return { source: 'synthetic images and targets', train: make(TRAIN), validation: make(VALIDATION) };
  }
  const full = await loadDataset('fashion-mnist', 'train', { dataDir: values['data-dir'] });
  const deployedPath = join(REPO_ROOT, 'workloads/models/fashion-mnist/deployed.onnx');
  if (!existsSync(deployedPath)) throw new Error(`${deployedPath} is missing: run npm run train -- --model deployed, or pass --synthetic`);
  const model = await OnnxModel.load(deployedPath);
  try {
    const part = async (start: number, end: number): Promise<LabelledParitySamples> => {
      const d = subset(full, start, end);
      return { images: d.images, labels: d.labels, count: d.count, deployedOutputs: await model.runAll(d.images, d.count) };
    };
    return { source: 'Fashion-MNIST, targets from the committed deployed model', train: await part(0, TRAIN), validation: await part(TRAIN, TRAIN + VALIDATION) };
  } finally {
    await model.release();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function measured(history: readonly EpochRecord[]): string {
  const secs = history.slice(1).map((h) => h.seconds);
  return `${median(secs).toFixed(2)} s/epoch (median of ${secs.length} after a warm-up epoch; each: ${secs.map((s) => s.toFixed(2)).join(', ')})`;
}

const data = await samples();
console.log(`training-speed: ${data.source}; ${epochs} epochs per figure; load average ${loadavg()[0].toFixed(2)}`);
const shape = { channels: 1, height: 28, width: 28 };
for (const k of [2, 4]) {
  const r = await trainParityModel(data, { encoder: new AdditionEncoder(k, shape), architecture: ARCH, epochs, seed: 7 });
  const m = median(r.history.slice(1).map((h) => h.seconds));
  console.log(`parity MLP k=${k}: ${m.toFixed(2)} s/epoch (goal <= ${GOAL_SECONDS} s) | ${measured(r.history)}`);
}
const f = await trainClassifier(
  { train: data.train, validation: data.validation },
  { architecture: ARCH, epochs, seed: 7, batchSize: 64 },
);
console.log(`deployed MLP (cross-entropy, 55,000 images): ${measured(f.history)}`);
console.log(`load average at the end ${loadavg()[0].toFixed(2)} (2 cores; a figure taken under load is slower)`);
