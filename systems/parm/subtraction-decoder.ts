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
  for (let j = 0; j < availableOutputs.length; j++) {
    const y = availableOutputs[j];
    if (y.length !== n) {
      throw new RangeError(`decoder: available output ${j} has ${y.length} values, parity output has ${n}`);
    }
  }
  return decodeSampleBySubtraction(parityOutput, availableOutputs, 0, n, out);
}

/**
 * The same decoding for one sample of batched outputs: values offset..offset + length of the
 * parity output minus the same values of each available output, written to out[0..length).
 * No views are made (it runs once per reconstructed query).
 */
export function decodeSampleBySubtraction(
  parityOutput: Float32Array,
  availableOutputs: readonly Float32Array[],
  offset: number,
  length: number,
  out: Float32Array,
): Float32Array {
  if (out.length < length || offset + length > parityOutput.length) {
    throw new RangeError(`decoder: values ${offset}..${offset + length} of a parity output of ${parityOutput.length} into ${out.length}`);
  }
  for (let i = 0; i < length; i++) out[i] = parityOutput[offset + i];
  for (let j = 0; j < availableOutputs.length; j++) {
    const y = availableOutputs[j];
    if (offset + length > y.length) throw new RangeError(`decoder: available output ${j} has ${y.length} values, needs ${offset + length}`);
    for (let i = 0; i < length; i++) out[i] -= y[offset + i];
  }
  return out;
}
