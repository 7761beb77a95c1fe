/** Index of the largest value in row `row` of a [rows x width] matrix (first index wins ties). */
export function argmaxRow(values: Float32Array, row: number, width: number): number {
  const base = row * width;
  let best = 0;
  let bestValue = values[base];
  for (let i = 1; i < width; i++) {
    const v = values[base + i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Top-1 accuracy of [count x classes] scores against labels. */
export function top1Accuracy(scores: Float32Array, labels: ArrayLike<number>, count: number, classes: number): number {
  if (count === 0) return Number.NaN;
  let correct = 0;
  for (let n = 0; n < count; n++) if (argmaxRow(scores, n, classes) === labels[n]) correct++;
  return correct / count;
}
