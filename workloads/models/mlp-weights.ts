/**
 * The weights of a multi-layer perceptron as parm-bench trains, exports and evaluates it:
 * dense layers with ReLU between them and none after the last (outputs are raw logits).
 */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [outputs][inputs], the layout of ONNX Gemm with transB = 1. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface MlpWeights {
  readonly layers: readonly DenseLayer[];
}

/** Layer widths from input to output, e.g. [784, 200, 100, 10]. */
export function mlpLayerSizes(weights: MlpWeights): number[] {
  if (weights.layers.length === 0) throw new Error('an MLP needs at least one layer');
  return [weights.layers[0].inputs, ...weights.layers.map((l) => l.outputs)];
}

/** Checks that consecutive layers fit and that every array has its declared length. */
export function validateMlpWeights(weights: MlpWeights): void {
  weights.layers.forEach((layer, i) => {
    if (layer.weight.length !== layer.inputs * layer.outputs) {
      throw new Error(`layer ${i}: weight has ${layer.weight.length} values, expected ${layer.outputs} x ${layer.inputs}`);
    }
    if (layer.bias.length !== layer.outputs) {
      throw new Error(`layer ${i}: bias has ${layer.bias.length} values, expected ${layer.outputs}`);
    }
    const prev = weights.layers[i - 1];
    if (prev && prev.outputs !== layer.inputs) {
      throw new Error(`layer ${i} takes ${layer.inputs} inputs but layer ${i - 1} gives ${prev.outputs}`);
    }
  });
}

/** Plain-JS forward pass (float64 accumulation): the reference that fast paths are checked against. */
export function mlpForwardReference(weights: MlpWeights, inputs: Float32Array, count: number): Float32Array {
  let x = inputs;
  weights.layers.forEach((layer, li) => {
    const last = li === weights.layers.length - 1;
    const y = new Float32Array(count * layer.outputs);
    for (let n = 0; n < count; n++) {
      for (let o = 0; o < layer.outputs; o++) {
        let s = layer.bias[o];
        const wRow = o * layer.inputs;
        const xRow = n * layer.inputs;
        for (let i = 0; i < layer.inputs; i++) s += layer.weight[wRow + i] * x[xRow + i];
        y[n * layer.outputs + o] = last || s > 0 ? s : 0;
      }
    }
    x = y;
  });
  return x;
}
