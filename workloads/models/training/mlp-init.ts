/**
 * Initial weights for MLPs trained by parm-bench, drawn from a SeededRandom so that a seed
 * reproduces them exactly.
 */
import { SeededRandom } from '../../../harness/seeded-random.ts';
import type { DenseLayer, MlpWeights } from '../mlp-weights.ts';

function checkSizes(sizes: readonly number[]): void {
  if (sizes.length < 2) throw new RangeError(`an MLP needs at least an input and an output size, got [${sizes.join(', ')}]`);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 1) throw new RangeError(`layer sizes must be positive integers, got [${sizes.join(', ')}]`);
  }
}

function buildLayers(sizes: readonly number[], fill: (layer: number, inputs: number, weight: Float32Array, bias: Float32Array) => void): MlpWeights {
  checkSizes(sizes);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l];
    const outputs = sizes[l + 1];
    const weight = new Float32Array(outputs * inputs);
    const bias = new Float32Array(outputs);
    fill(l, inputs, weight, bias);
    layers.push({ inputs, outputs, weight, bias });
  }
  return { layers };
}

/**
 * The ParM recipe's initialisation: every weight drawn from N(0, std^2) (std 0.01 by default),
 * every bias zero. `sizes` are the layer widths from input to output, e.g. [784, 200, 100, 10].
 */
export function initMlpNormal(sizes: number[], seed: number, std = 0.01): MlpWeights {
  if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`std must be a non-negative number, got ${std}`);
  const random = new SeededRandom(seed);
  return buildLayers(sizes, (_l, _inputs, weight) => {
    for (let i = 0; i < weight.length; i++) weight[i] = random.nextNormal() * std;
  });
}

/**
 * PyTorch's default nn.Linear initialisation: weights and biases uniform in
 * [-1/sqrt(fan_in), 1/sqrt(fan_in)] (used for the deployed model F).
 */
export function initMlpUniform(sizes: number[], seed: number): MlpWeights {
  const random = new SeededRandom(seed);
  return buildLayers(sizes, (_l, inputs, weight, bias) => {
    const bound = 1 / Math.sqrt(inputs);
    for (let i = 0; i < weight.length; i++) weight[i] = (2 * random.next() - 1) * bound;
    for (let i = 0; i < bias.length; i++) bias[i] = (2 * random.next() - 1) * bound;
  });
}
