import { readFileSync } from 'node:fs';
import { datasetChecksum, type ImageDataset } from '../workloads/datasets/dataset.ts';
import { argmaxRow, top1Accuracy } from '../workloads/models/argmax.ts';
import { modelInputs } from '../workloads/models/model-inputs.ts';
import { sha256Hex } from '../workloads/models/model-card.ts';
import type { ModelEntry, ModelSet } from '../workloads/models/model-set.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { createEncoder } from '../systems/parm/create-encoder.ts';
import { degradedAccuracy, encodeConsecutiveGroups } from '../systems/parm/degraded-accuracy.ts';
import type { EncoderKind } from '../systems/parm/encoder.ts';

/**
 * The accuracy half of parm-bench: what a model set keeps when predictions are unavailable.
 * - the deployed model's top-1 on the test set;
 * - each parity model's degraded-mode accuracy (paper definition: consecutive groups of k in
 *   the test set's fixed order, every position erased in turn), against the true label and as
 *   agreement with the deployed model;
 * - the baselines: a default prediction (a fixed class, the most frequent training label) and
 *   the approximate backup model;
 * - overall accuracy as the unavailable fraction f goes from 0 to 1:
 *   A(f) = (1 - f) * A_deployed + f * A_path.
 */
export const ACCURACY_REPORT_SCHEMA = 'parm-bench/accuracy-report@1';

export interface ModelFileInfo {
  readonly file: string;
  readonly sha256: string;
}

export interface ParityAccuracy extends ModelFileInfo {
  readonly k: number;
  readonly encoder: EncoderKind;
  readonly groups: number;
  readonly reconstructions: number;
  readonly accuracy: number;
  readonly agreement: number;
}

export interface OverallAccuracySeries {
  readonly label: string;
  /** A(f) for each of the report's fractions. */
  readonly accuracy: readonly number[];
}

export interface AccuracyReport {
  readonly schema: typeof ACCURACY_REPORT_SCHEMA;
  readonly workload: string;
  readonly modelSet: { readonly name: string; readonly manifest: string };
  readonly dataset: { readonly name: string; readonly split: 'test'; readonly count: number; readonly checksum: string };
  readonly deployed: ModelFileInfo & { readonly accuracy: number; readonly count: number };
  readonly parity: readonly ParityAccuracy[];
  readonly baselines: {
    readonly defaultPrediction:
      | { readonly available: true; readonly class: number; readonly className: string; readonly accuracy: number; readonly agreement: number; readonly basis: string }
      | { readonly available: false; readonly reason: string };
    readonly backup:
      | (ModelFileInfo & { readonly available: true; readonly accuracy: number; readonly agreement: number })
      | { readonly available: false; readonly reason: string };
  };
  readonly overall: { readonly fractions: readonly number[]; readonly series: readonly OverallAccuracySeries[] };
  readonly createdAt: string;
  readonly seconds: number;
}

export const UNAVAILABLE_FRACTIONS: readonly number[] = [0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

export interface AccuracyEvaluationInput {
  readonly workload: string;
  readonly set: ModelSet;
  readonly test: ImageDataset;
  /** Used only to pick the default prediction; without it the default-prediction baseline is n/a. */
  readonly train?: ImageDataset;
  readonly trainUnavailableReason?: string;
  readonly onProgress?: (message: string) => void;
}

export async function evaluateAccuracy(input: AccuracyEvaluationInput): Promise<AccuracyReport> {
  const started = performance.now();
  const { set, test } = input;
  const say = input.onProgress ?? (() => {});
  const inputs = modelInputs(set, test);
  const classes = set.classes;

  say(`deployed model ${set.deployed.file} on ${test.count} test images`);
  const deployedOutputs = await runModel(set.deployed, set, inputs, test.count);
  const deployedPredictions = new Uint8Array(test.count);
  for (let n = 0; n < test.count; n++) deployedPredictions[n] = argmaxRow(deployedOutputs, n, classes);
  const deployedAccuracy = top1Accuracy(deployedOutputs, test.labels, test.count, classes);

  const parity: ParityAccuracy[] = [];
  for (const entry of set.parity) {
    say(`parity model k=${entry.k} ${entry.encoder}: ${entry.file}`);
    const encoder = createEncoder(entry.encoder, entry.k, {
      channels: set.sampleShape[0],
      height: set.sampleShape[1],
      width: set.sampleShape[2],
    });
    const parityInputs = encodeConsecutiveGroups(encoder, inputs, test.count);
    const groups = Math.floor(test.count / entry.k);
    const parityOutputs = await runModel(entry, set, parityInputs, groups);
    const result = degradedAccuracy(deployedOutputs, parityOutputs, test.labels, test.count, entry.k, classes);
    parity.push({
      ...fileInfo(entry),
      k: entry.k,
      encoder: entry.encoder,
      groups: result.groups,
      reconstructions: result.reconstructions,
      accuracy: result.accuracy,
      agreement: result.agreement,
    });
  }

  let defaultPrediction: AccuracyReport['baselines']['defaultPrediction'];
  if (input.train) {
    const cls = mostFrequentLabel(input.train.labels, classes);
    defaultPrediction = {
      available: true,
      class: cls,
      className: test.classNames[cls] ?? String(cls),
      accuracy: fractionEqual(test.labels, cls),
      agreement: fractionEqual(deployedPredictions, cls),
      basis: `the most frequent label of the ${input.train.name} training split (ties go to the lowest class)`,
    };
  } else {
    defaultPrediction = { available: false, reason: input.trainUnavailableReason ?? 'the training split was not loaded' };
  }

  let backup: AccuracyReport['baselines']['backup'];
  if (set.backup) {
    say(`approximate backup model ${set.backup.file}`);
    const out = await runModel(set.backup, set, inputs, test.count);
    let agreeing = 0;
    for (let n = 0; n < test.count; n++) if (argmaxRow(out, n, classes) === deployedPredictions[n]) agreeing++;
    backup = {
      available: true,
      ...fileInfo(set.backup),
      accuracy: top1Accuracy(out, test.labels, test.count, classes),
      agreement: agreeing / test.count,
    };
  } else {
    backup = { available: false, reason: 'the model set names no backup model' };
  }

  const fractions = UNAVAILABLE_FRACTIONS;
  const overallFor = (label: string, degraded: number): OverallAccuracySeries => ({
    label,
    accuracy: fractions.map((f) => overallAccuracy(deployedAccuracy, degraded, f)),
  });
  const series: OverallAccuracySeries[] = [
    ...parity.map((p) => overallFor(`ParM k=${p.k} ${p.encoder}`, p.accuracy)),
    ...(backup.available ? [overallFor('approximate backup', backup.accuracy)] : []),
    ...(defaultPrediction.available ? [overallFor('default prediction', defaultPrediction.accuracy)] : []),
  ];

  return {
    schema: ACCURACY_REPORT_SCHEMA,
    workload: input.workload,
    modelSet: { name: set.name, manifest: set.manifestPath },
    dataset: { name: test.name, split: 'test', count: test.count, checksum: datasetChecksum(test) },
    deployed: { ...fileInfo(set.deployed), accuracy: deployedAccuracy, count: test.count },
    parity,
    baselines: { defaultPrediction, backup },
    overall: { fractions, series },
    createdAt: new Date().toISOString(),
    seconds: (performance.now() - started) / 1000,
  };
}

/** A_overall = (1 - f) * A_available + f * A_degraded. */
export function overallAccuracy(available: number, degraded: number, unavailableFraction: number): number {
  if (!(unavailableFraction >= 0 && unavailableFraction <= 1)) {
    throw new RangeError(`unavailable fraction must be in [0, 1], got ${unavailableFraction}`);
  }
  return (1 - unavailableFraction) * available + unavailableFraction * degraded;
}

export function mostFrequentLabel(labels: ArrayLike<number>, classes: number): number {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  let best = 0;
  for (let c = 1; c < classes; c++) if (counts[c] > counts[best]) best = c;
  return best;
}

function fractionEqual(values: ArrayLike<number>, cls: number): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === cls) n++;
  return values.length ? n / values.length : Number.NaN;
}

function fileInfo(entry: ModelEntry): ModelFileInfo {
  return { file: entry.path, sha256: sha256Hex(readFileSync(entry.path)) };
}

async function runModel(entry: ModelEntry, set: ModelSet, inputs: Float32Array, count: number): Promise<Float32Array> {
  const model = await OnnxModel.load(entry.path, { label: `${entry.role} model of ${set.name}` });
  try {
    const sampleValues = set.sampleShape[0] * set.sampleShape[1] * set.sampleShape[2];
    if (model.inputSize !== sampleValues) {
      throw new Error(
        `${entry.path}: input "${model.inputName}" takes ${model.inputShape.join('x')} (${model.inputSize} values), ` +
          `but the manifest's sampleShape ${set.sampleShape.join('x')} has ${sampleValues}`,
      );
    }
    if (model.outputSize !== set.classes) {
      throw new Error(`${entry.path}: output "${model.outputName}" has ${model.outputSize} values, the manifest says ${set.classes} classes`);
    }
    return await model.runAll(inputs, count);
  } finally {
    await model.release();
  }
}
