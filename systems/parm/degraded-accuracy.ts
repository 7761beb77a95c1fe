import { argmaxRow } from '../../workloads/models/argmax.ts';
import type { Encoder } from './encoder.ts';
import { decodeBySubtraction } from './subtraction-decoder.ts';

/**
 * Degraded-mode accuracy as the paper defines it: the test set, in its fixed order, is cut into
 * consecutive coding groups of k; for each group each of the k positions is erased in turn,
 * decoded from the parity output and the other k - 1 true outputs, and its argmax compared
 * with the true label (accuracy) and with the deployed model's own prediction (agreement).
 */
export interface DegradedAccuracy {
  readonly k: number;
  readonly groups: number;
  readonly reconstructions: number;
  readonly correct: number;
  readonly agreeing: number;
  /** correct / reconstructions */
  readonly accuracy: number;
  /** agreeing / reconstructions */
  readonly agreement: number;
}

/** Number of whole coding groups of k in `count` samples (a trailing partial group is left out). */
export function groupCount(count: number, k: number): number {
  return Math.floor(count / k);
}

/**
 * Parity inputs for consecutive groups: group g encodes samples g*k .. g*k+k-1.
 * Returns [groups x sampleLength] floats.
 */
export function encodeConsecutiveGroups(encoder: Encoder, images: Float32Array, count: number): Float32Array {
  const len = encoder.shape.channels * encoder.shape.height * encoder.shape.width;
  const k = encoder.k;
  const groups = groupCount(count, k);
  const out = new Float32Array(groups * len);
  const members: Float32Array[] = new Array(k);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < k; j++) {
      const s = g * k + j;
      members[j] = images.subarray(s * len, (s + 1) * len);
    }
    encoder.encodeInto(members, out, g * len);
  }
  return out;
}

/**
 * Scores reconstructions given the deployed model's outputs for every sample ([count x classes]),
 * the parity model's outputs for every consecutive group ([groups x classes]) and the labels.
 */
export function degradedAccuracy(
  deployedOutputs: Float32Array,
  parityOutputs: Float32Array,
  labels: ArrayLike<number>,
  count: number,
  k: number,
  classes: number,
): DegradedAccuracy {
  const groups = groupCount(count, k);
  if (parityOutputs.length < groups * classes) {
    throw new RangeError(`degraded accuracy: ${groups} groups need ${groups * classes} parity outputs, got ${parityOutputs.length}`);
  }
  const decoded = new Float32Array(classes);
  const others: Float32Array[] = new Array(k - 1);
  let correct = 0;
  let agreeing = 0;
  for (let g = 0; g < groups; g++) {
    const parity = parityOutputs.subarray(g * classes, (g + 1) * classes);
    for (let erased = 0; erased < k; erased++) {
      let o = 0;
      for (let j = 0; j < k; j++) {
        if (j === erased) continue;
        const s = g * k + j;
        others[o++] = deployedOutputs.subarray(s * classes, (s + 1) * classes);
      }
      decodeBySubtraction(parity, others, decoded);
      const predicted = argmaxRow(decoded, 0, classes);
      const sample = g * k + erased;
      if (predicted === labels[sample]) correct++;
      if (predicted === argmaxRow(deployedOutputs, sample, classes)) agreeing++;
    }
  }
  const reconstructions = groups * k;
  return {
    k,
    groups,
    reconstructions,
    correct,
    agreeing,
    accuracy: reconstructions ? correct / reconstructions : Number.NaN,
    agreement: reconstructions ? agreeing / reconstructions : Number.NaN,
  };
}
