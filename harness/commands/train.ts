import { existsSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { createProgress, formatDuration } from '../progress.ts';
import { REPO_ROOT, softwareVersions } from '../software-versions.ts';
import { datasetChecksum, subset, type ImageDataset } from '../../workloads/datasets/dataset.ts';
import { loadDataset } from '../../workloads/datasets/load-dataset.ts';
import { top1Accuracy } from '../../workloads/models/argmax.ts';
import { cardPathFor, MODEL_CARD_SCHEMA, sha256Hex, type ModelCard } from '../../workloads/models/model-card.ts';
import { modelInputs } from '../../workloads/models/model-inputs.ts';
import { entryLabel, loadModelSet, modelEntries, type ModelEntry, type ModelSet, type ParityEntry } from '../../workloads/models/model-set.ts';
import type { MlpWeights } from '../../workloads/models/mlp-weights.ts';
import { buildMlpOnnx } from '../../workloads/models/onnx/mlp-graph.ts';
import { OnnxModel } from '../../workloads/models/onnx-model.ts';
import { trainClassifier } from '../../workloads/models/training/classifier-training.ts';
import { PAPER_ADAM } from '../../workloads/models/training/mlp-trainer.ts';
import type { TrainingCallbacks, TrainingResult } from '../../workloads/models/training/training-history.ts';
import { loadWorkload } from '../../workloads/workload-file.ts';
import { createEncoder } from '../../systems/parm/create-encoder.ts';
import { paperGroupsPerBatch, trainParityModel } from '../../systems/parm/parity-training.ts';
import { degradedAccuracy, encodeConsecutiveGroups } from '../../systems/parm/degraded-accuracy.ts';

/** Images held out from the end of the training split for validation (the paper's 5,000). */
export const VALIDATION_IMAGES = 5000;

export interface TrainCommandOptions {
  workload: string;
  /** deployed | backup | parity | all */
  model: string;
  k?: number;
  encoder?: string;
  epochs?: number;
  seed?: number;
  dataDir?: string;
  /** Folder for the trained models and cards; default: the model set's own folder. */
  out?: string;
}

interface SplitData {
  train: ImageDataset;
  validation: ImageDataset;
  test: ImageDataset;
  trainFull: ImageDataset;
}

export async function trainCommand(options: TrainCommandOptions): Promise<void> {
  const workload = loadWorkload(options.workload);
  const set = loadModelSet(workload.models);
  const entries = selectEntries(set, options);
  const outDir = resolve(options.out ?? join(set.manifestPath, '..'));
  for (const entry of entries) {
    if (!entry.architecture) {
      throw new Error(`${entryLabel(entry)} in ${set.manifestPath} has no "architecture": parm-bench can only train MLPs it knows the widths of`);
    }
  }

  process.stderr.write(`loading ${workload.dataset} (train and test splits)\n`);
  const trainFull = await loadDataset(workload.dataset, 'train', { dataDir: options.dataDir });
  const test = await loadDataset(workload.dataset, 'test', { dataDir: options.dataDir });
  if (trainFull.count <= VALIDATION_IMAGES) {
    throw new Error(`${workload.dataset} training split has ${trainFull.count} images: at least ${VALIDATION_IMAGES + 1} are needed (${VALIDATION_IMAGES} are held out for validation)`);
  }
  const data: SplitData = {
    trainFull,
    train: subset(trainFull, 0, trainFull.count - VALIDATION_IMAGES),
    validation: subset(trainFull, trainFull.count - VALIDATION_IMAGES, trainFull.count),
    test,
  };

  for (const entry of entries) {
    const epochs = options.epochs ?? entry.epochs;
    const seed = options.seed ?? entry.seed;
    if (epochs === undefined || seed === undefined) {
      throw new Error(`${entryLabel(entry)}: no epochs/seed in ${set.manifestPath}: pass --epochs and --seed`);
    }
    const command = reproduceCommand(workload.name, entry, epochs, seed, options);
    process.stderr.write(`\ntraining ${entryLabel(entry)}: ${epochs} epochs, seed ${seed}\n  ${command}\n`);
    if (entry.role === 'parity') await trainParity(set, entry as ParityEntry, data, epochs, seed, outDir, command);
    else await trainClassifierEntry(set, entry, data, epochs, seed, outDir, command);
  }
}

function selectEntries(set: ModelSet, options: TrainCommandOptions): ModelEntry[] {
  const all = modelEntries(set);
  switch (options.model) {
    case 'all':
      return all;
    case 'deployed':
      return [set.deployed];
    case 'backup':
      if (!set.backup) throw new Error(`${set.manifestPath} names no backup model`);
      return [set.backup];
    case 'parity': {
      const chosen = set.parity.filter(
        (p) => (options.k === undefined || p.k === options.k) && (options.encoder === undefined || p.encoder === options.encoder),
      );
      if (chosen.length === 0) {
        throw new Error(
          `no parity model with${options.k ? ` k = ${options.k}` : ''}${options.encoder ? ` encoder ${options.encoder}` : ''} in ${set.manifestPath}; ` +
            `it has: ${set.parity.map((p) => `k=${p.k} ${p.encoder}`).join(', ') || 'none'}`,
        );
      }
      return chosen;
    }
    default:
      throw new Error(`--model must be deployed, backup, parity or all, got "${options.model}"`);
  }
}

function reproduceCommand(workload: string, entry: ModelEntry, epochs: number, seed: number, options: TrainCommandOptions): string {
  const parts = ['npm run train --', `--workload ${workload}`, `--model ${entry.role}`];
  if (entry.role === 'parity') parts.push(`--k ${(entry as ParityEntry).k}`, `--encoder ${(entry as ParityEntry).encoder}`);
  parts.push(`--epochs ${epochs}`, `--seed ${seed}`);
  if (options.out) parts.push(`--out ${options.out}`);
  return parts.join(' ');
}

/** Runs a training with a progress bar (time left, last epoch's figures); the bar is closed on success and on error. */
async function withTrainingProgress<T>(label: string, epochs: number, train: (callbacks: TrainingCallbacks) => Promise<T>): Promise<T> {
  let progress: ReturnType<typeof createProgress> | undefined;
  let best = Number.NaN;
  let lastDetail = '';
  const callbacks: TrainingCallbacks = {
    onStep({ epoch, step, stepsPerEpoch }) {
      progress ??= createProgress(label, epochs * stepsPerEpoch, { logEverySeconds: 30 });
      if (step === stepsPerEpoch || step % 16 === 0) progress.update((epoch - 1) * stepsPerEpoch + step, lastDetail);
    },
    onEpoch(record, isBest) {
      if (isBest) best = record.validationAccuracy;
      lastDetail =
        `epoch ${record.epoch}: loss ${record.loss.toPrecision(4)}, val ${(record.validationAccuracy * 100).toFixed(2)}%` +
        (record.testAccuracy !== undefined ? `, test ${(record.testAccuracy * 100).toFixed(2)}%` : '') +
        `, best val ${(best * 100).toFixed(2)}%, ${record.seconds.toFixed(1)} s`;
    },
  };
  try {
    return await train(callbacks);
  } finally {
    progress?.stop();
  }
}

async function trainClassifierEntry(
  set: ModelSet,
  entry: ModelEntry,
  data: SplitData,
  epochs: number,
  seed: number,
  outDir: string,
  command: string,
): Promise<void> {
  const labelled = (d: ImageDataset) => ({ images: modelInputs(set, d), labels: d.labels, count: d.count });
  const result = await withTrainingProgress(entryLabel(entry), epochs, (callbacks) =>
    trainClassifier(
      { train: labelled(data.train), validation: labelled(data.validation), test: labelled(data.test) },
      { architecture: entry.architecture!, epochs, seed, batchSize: 64 },
      callbacks,
    ),
  );
  const best = result.history[result.bestEpoch - 1];
  await writeModel(set, entry, outDir, result, {
    command,
    seed,
    epochs,
    data,
    recipe: {
      loss: 'cross-entropy',
      init: "Linear U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (PyTorch's default)",
      optimizer: 'adam',
      adam: PAPER_ADAM,
      batch: 64,
      batchUnit: 'images',
      selection: `best validation top-1 over ${epochs} epochs (last ${VALIDATION_IMAGES} training images held out)`,
    },
    accuracy: { validation: best.validationAccuracy, test: best.testAccuracy ?? Number.NaN },
    check: async (model) => {
      const out = await model.runAll(modelInputs(set, data.test), data.test.count);
      return top1Accuracy(out, data.test.labels, data.test.count, set.classes);
    },
  });
}

async function trainParity(
  set: ModelSet,
  entry: ParityEntry,
  data: SplitData,
  epochs: number,
  seed: number,
  outDir: string,
  command: string,
): Promise<void> {
  const deployedPath = existsSync(join(outDir, basename(set.deployed.path))) ? join(outDir, basename(set.deployed.path)) : set.deployed.path;
  if (!existsSync(deployedPath)) {
    throw new Error(`parity training needs the deployed model, and ${deployedPath} does not exist: train it first (--model deployed)`);
  }
  process.stderr.write(`  deployed model: ${deployedPath}\n`);
  const deployed = await OnnxModel.load(deployedPath, { label: 'deployed model' });
  const withOutputs = async (d: ImageDataset) => {
    const images = modelInputs(set, d);
    return { images, count: d.count, labels: d.labels, deployedOutputs: await deployed.runAll(images, d.count) };
  };
  let train, validation, test;
  try {
    [train, validation, test] = [await withOutputs(data.train), await withOutputs(data.validation), await withOutputs(data.test)];
  } finally {
    await deployed.release();
  }
  const shape = { channels: set.sampleShape[0], height: set.sampleShape[1], width: set.sampleShape[2] };
  const encoder = createEncoder(entry.encoder, entry.k, shape);
  const result = await withTrainingProgress(entryLabel(entry), epochs, (callbacks) =>
    trainParityModel({ train, validation, test }, { encoder, architecture: entry.architecture!, epochs, seed }, callbacks),
  );
  const best = result.history[result.bestEpoch - 1];
  const groups = paperGroupsPerBatch(entry.k);
  let agreement = Number.NaN;
  await writeModel(set, entry, outDir, result, {
    command,
    seed,
    epochs,
    data,
    recipe: {
      loss: 'mse-to-sum-of-deployed-logits',
      init: 'Linear weights N(0, 0.01) (std 0.01), zero bias',
      optimizer: 'adam',
      adam: PAPER_ADAM,
      batch: groups,
      batchUnit: 'coding groups',
      selection: `best validation reconstruction top-1 over ${epochs} epochs (last ${VALIDATION_IMAGES} training images held out, consecutive groups); new random groups every epoch`,
    },
    accuracy: { validation: best.validationAccuracy, test: best.testAccuracy ?? Number.NaN },
    check: async (model) => {
      const parityOutputs = await model.runAll(encodeConsecutiveGroups(encoder, test.images, test.count), Math.floor(test.count / entry.k));
      const r = degradedAccuracy(test.deployedOutputs, parityOutputs, test.labels, test.count, entry.k, set.classes);
      agreement = r.agreement;
      return r.accuracy;
    },
    extra: () => ({ k: entry.k, encoder: entry.encoder, testAgreement: agreement }),
  });
}

interface WriteDetails {
  command: string;
  seed: number;
  epochs: number;
  data: SplitData;
  recipe: ModelCard['recipe'];
  accuracy: { validation: number; test: number };
  /** Re-measures the test metric through onnxruntime on the exported file. */
  check: (model: OnnxModel) => Promise<number>;
  extra?: () => { k: number; encoder: ParityEntry['encoder']; testAgreement: number };
}

async function writeModel(
  set: ModelSet,
  entry: ModelEntry,
  outDir: string,
  result: TrainingResult<MlpWeights>,
  details: WriteDetails,
): Promise<void> {
  const file = basename(entry.path);
  const path = join(outDir, file);
  const bytes = buildMlpOnnx(result.weights, {
    inputShape: [...set.sampleShape],
    metadata: { 'parm-bench.model-set': set.name, 'parm-bench.role': entryLabel(entry), 'parm-bench.command': details.command },
    docString: `parm-bench ${entryLabel(entry)} of ${set.name}: MLP ${entry.architecture!.join('-')}`,
  });
  // The exported file must give what the trainer measured: check through onnxruntime before writing.
  const model = await OnnxModel.load(bytes, { label: file });
  let exported: number;
  try {
    exported = await details.check(model);
  } finally {
    await model.release();
  }
  const trainerTest = details.accuracy.test;
  if (Math.abs(exported - trainerTest) > 0.002) {
    throw new Error(
      `${file}: the exported ONNX model scores ${(exported * 100).toFixed(2)}% on the test set through onnxruntime, ` +
        `the trainer measured ${(trainerTest * 100).toFixed(2)}%: the export is wrong, not writing it`,
    );
  }
  const best = result.history[result.bestEpoch - 1];
  const extra = details.extra?.();
  const card: ModelCard = {
    schema: MODEL_CARD_SCHEMA,
    role: entry.role,
    modelSet: set.name,
    file,
    sha256: sha256Hex(bytes),
    architecture: entry.architecture!,
    ...(extra ? { k: extra.k, encoder: extra.encoder } : {}),
    command: details.command,
    seed: details.seed,
    epochs: details.epochs,
    bestEpoch: result.bestEpoch,
    recipe: details.recipe,
    dataset: {
      name: details.data.test.name,
      trainChecksum: datasetChecksum(details.data.trainFull),
      testChecksum: datasetChecksum(details.data.test),
      trainImages: details.data.train.count,
      validationImages: details.data.validation.count,
      testImages: details.data.test.count,
    },
    accuracy: {
      validation: best.validationAccuracy,
      test: exported,
      ...(extra ? { testAgreement: extra.testAgreement } : {}),
    },
    history: result.history,
    trainingSeconds: result.seconds,
    createdAt: new Date().toISOString(),
    software: softwareVersions(),
  };
  writeFileAtomic(path, bytes);
  writeJsonAtomic(cardPathFor(path), card);
  process.stderr.write(
    `  wrote ${relative(REPO_ROOT, path) || path}: best epoch ${result.bestEpoch}/${details.epochs}, ` +
      `validation ${(best.validationAccuracy * 100).toFixed(2)}%, test ${(exported * 100).toFixed(2)}% (onnxruntime), ` +
      `${formatDuration(result.seconds)} (${(result.seconds / details.epochs).toFixed(2)} s/epoch)\n`,
  );
}
