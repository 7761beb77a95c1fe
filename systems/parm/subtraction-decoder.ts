/**
 * The paper's default decoder: the unavailable output is reconstructed from the parity model's
 * output and the k - 1 outputs that did come back, by subtraction on raw output vectors:
 *   F(Xj) ~ Fp(P) - sum over i != j of F(Xi).
 */
export function decodeBySubtraction(
  parityOutput: Float32Array,
  availableOutputs: readonly Float32Array[],
  out: Float32Array = new Float32Array(parityOutput.length),
): Float32Array {
  const n = parityOutput.length;
  if (out.length !== n) throw new RangeError(`decoder output has ${out.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) out[i] = parityOutput[i];
  for (let j = 0; j < availableOutputs.length; j++) {
    const y = availableOutputs[j];
    if (y.length !== n) {
      throw new RangeError(`decoder: available output ${j} has ${y.length} values, parity output has ${n}`);
    }
    for (let i = 0; i < n; i++) out[i] -= y[i];
  }
  return out;
}
