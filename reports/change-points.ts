import { SeededRandom } from '../harness/seeded-random.ts';

/**
 * Change points in a series of nightly figures (one value per run, in run order): binary
 * segmentation on the mean with a permutation test.
 *
 * For a segment of n values, each split t (both sides at least `minSegment` long) scores
 *   S(t) = t (n - t) / n x (mean of the first t - mean of the rest)^2,
 * the likelihood-ratio statistic of a shift in the mean under equal noise. The best split is kept
 * when the largest score beats the largest scores of `permutations` random shuffles of the same
 * segment: p = (1 + shuffles scoring at least as high) / (1 + permutations) <= alpha. Shuffling
 * keeps the segment's own noise, so no noise model has to be assumed. Then both halves are
 * searched the same way, until no split is significant. A flat noisy series gives no change point
 * with probability about 1 - alpha; a step gives one at the first value of the new level.
 */
export interface ChangePointOptions {
  /** Fewest values on each side of a change point (also: how many runs confirm a shift). */
  readonly minSegment: number;
  readonly permutations: number;
  /** Significance level of each test. */
  readonly alpha: number;
  readonly seed: number;
}

export const DEFAULT_CHANGE_POINT_OPTIONS: ChangePointOptions = { minSegment: 3, permutations: 999, alpha: 0.01, seed: 1 };

export interface SegmentSummary {
  /** First index (inclusive) and end (exclusive) in the series. */
  readonly from: number;
  readonly to: number;
  readonly mean: number;
}

export interface ChangePoint {
  /** Index of the first value after the change. */
  readonly index: number;
  readonly pValue: number;
  /** The final segments on either side of it. */
  readonly before: SegmentSummary;
  readonly after: SegmentSummary;
}

/** Best split of values[from, to): index and score (index -1 when the segment is too short). */
function bestSplit(values: Float64Array, from: number, to: number, minSegment: number): { index: number; score: number } {
  const n = to - from;
  let total = 0;
  for (let i = from; i < to; i++) total += values[i];
  let left = 0;
  let best = { index: -1, score: -Infinity };
  for (let t = 1; t < n; t++) {
    left += values[from + t - 1];
    if (t < minSegment || n - t < minSegment) continue;
    const d = left / t - (total - left) / (n - t);
    const score = ((t * (n - t)) / n) * d * d;
    if (score > best.score) best = { index: from + t, score };
  }
  return best;
}

function permutationPValue(values: Float64Array, from: number, to: number, observed: number, options: ChangePointOptions, random: SeededRandom): number {
  const segment = values.slice(from, to);
  let atLeast = 0;
  // Relative tolerance: a shuffle that reproduces the observed order scores equal, not lower, despite rounding.
  const threshold = observed * (1 - 1e-12);
  for (let i = 0; i < options.permutations; i++) {
    random.shuffle(segment);
    if (bestSplit(segment, 0, segment.length, options.minSegment).score >= threshold) atLeast++;
  }
  return (1 + atLeast) / (1 + options.permutations);
}

export function detectChangePoints(series: readonly number[] | Float64Array, options: Partial<ChangePointOptions> = {}): ChangePoint[] {
  const o: ChangePointOptions = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  if (!(Number.isInteger(o.minSegment) && o.minSegment >= 1)) throw new RangeError(`change points: minSegment must be an integer >= 1, got ${o.minSegment}`);
  if (!(Number.isInteger(o.permutations) && o.permutations >= 19)) throw new RangeError(`change points: permutations must be an integer >= 19, got ${o.permutations}`);
  if (!(o.alpha > 0 && o.alpha < 1)) throw new RangeError(`change points: alpha must be between 0 and 1, got ${o.alpha}`);
  const values = Float64Array.from(series);
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`change points: value ${i} is not a finite number (${v})`);
  });
  const random = new SeededRandom(o.seed);
  const found: { index: number; pValue: number }[] = [];
  const pending: [number, number][] = [[0, values.length]];
  while (pending.length > 0) {
    const [from, to] = pending.pop()!;
    if (to - from < 2 * o.minSegment) continue;
    const split = bestSplit(values, from, to, o.minSegment);
    if (split.index < 0 || !(split.score > 0)) continue;
    const p = permutationPValue(values, from, to, split.score, o, random);
    if (p > o.alpha) continue;
    found.push({ index: split.index, pValue: p });
    pending.push([from, split.index], [split.index, to]);
  }
  found.sort((x, y) => x.index - y.index);
  const bounds = [0, ...found.map((f) => f.index), values.length];
  const segment = (k: number): SegmentSummary => {
    let sum = 0;
    for (let i = bounds[k]; i < bounds[k + 1]; i++) sum += values[i];
    return { from: bounds[k], to: bounds[k + 1], mean: sum / (bounds[k + 1] - bounds[k]) };
  };
  return found.map((f, k) => ({ index: f.index, pValue: f.pValue, before: segment(k), after: segment(k + 1) }));
}

/** The mean of each final segment, per index (for drawing the levels under a series). */
export function segmentLevels(length: number, points: readonly ChangePoint[], series: readonly number[] | Float64Array): Float64Array {
  const out = new Float64Array(length);
  const bounds = [0, ...points.map((p) => p.index), length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    let sum = 0;
    for (let i = bounds[k]; i < bounds[k + 1]; i++) sum += series[i];
    const mean = sum / (bounds[k + 1] - bounds[k]);
    for (let i = bounds[k]; i < bounds[k + 1]; i++) out[i] = mean;
  }
  return out;
}
