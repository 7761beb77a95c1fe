/**
 * The weights of parm-bench's small convolutional classifier: conv stages of
 * Conv (stride 1, "same" zero padding) - ReLU - MaxPool 2x2 (stride 2), then Flatten and one
 * dense layer to the classes (raw logits). The default shape is
 * Conv 5x5 (16) - ReLU - MaxPool 2 - Conv 5x5 (32) - ReLU - MaxPool 2 - Flatten - Dense.
 */
import { SeededRandom } from '../../harness/seeded-random.ts';
import type { DenseLayer } from './mlp-weights.ts';

export interface ConvLayer {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Square kernel side. */
  readonly kernel: number;
  /** Zero padding on each side of H and W. */
  readonly pad: number;
  /** [outChannels][inChannels][kernel][kernel] (OIHW, the ONNX Conv layout). */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface CnnWeights {
  /** Per-sample input [channels, height, width], e.g. [1, 28, 28] or [3, 32, 32]. */
  readonly inputShape: readonly [number, number, number];
  /** Each conv is followed by ReLU and a 2x2 max-pool with stride 2 (floor). */
  readonly convs: readonly ConvLayer[];
  /** Takes the flattened [C, H, W] features of the last stage. */
  readonly dense: DenseLayer;
}

export interface RandomCnnOptions {
  /** Output channels of each conv stage. Default [16, 32]. */
  readonly channels?: readonly number[];
  /** Kernel side (odd). Default 5. */
  readonly kernel?: number;
}

/** [C, H, W] of the features that a stack of conv stages gives for an input shape. */
export function cnnFeatureShape(inputShape: readonly [number, number, number], convs: readonly ConvLayer[]): [number, number, number] {
  let [c, h, w] = inputShape;
  for (const conv of convs) {
    c = conv.outChannels;
    h = Math.floor((h + 2 * conv.pad - conv.kernel + 1) / 2);
    w = Math.floor((w + 2 * conv.pad - conv.kernel + 1) / 2);
  }
  return [c, h, w];
}

/** Checks that every array has its declared length and that the stages fit together. */
export function validateCnnWeights(weights: CnnWeights): void {
  const [c0, h0, w0] = weights.inputShape;
  if (![c0, h0, w0].every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`CNN input shape [${weights.inputShape.join(', ')}] must be three positive integers [C, H, W]`);
  }
  let channels = c0;
  let [h, w] = [h0, w0];
  weights.convs.forEach((conv, i) => {
    if (conv.inChannels !== channels) throw new Error(`conv ${i} takes ${conv.inChannels} channels but receives ${channels}`);
    const expected = conv.outChannels * conv.inChannels * conv.kernel * conv.kernel;
    if (conv.weight.length !== expected) {
      throw new Error(`conv ${i}: weight has ${conv.weight.length} values, expected ${conv.outChannels} x ${conv.inChannels} x ${conv.kernel} x ${conv.kernel} (OIHW)`);
    }
    if (conv.bias.length !== conv.outChannels) throw new Error(`conv ${i}: bias has ${conv.bias.length} values, expected ${conv.outChannels}`);
    h = Math.floor((h + 2 * conv.pad - conv.kernel + 1) / 2);
    w = Math.floor((w + 2 * conv.pad - conv.kernel + 1) / 2);
    if (h < 1 || w < 1) throw new Error(`conv stage ${i} shrinks the ${h0}x${w0} input to nothing: use fewer stages or more padding`);
    channels = conv.outChannels;
  });
  const features = channels * h * w;
  const d = weights.dense;
  if (d.inputs !== features) throw new Error(`dense layer takes ${d.inputs} inputs but the conv stages give ${channels} x ${h} x ${w} = ${features}`);
  if (d.weight.length !== d.inputs * d.outputs) throw new Error(`dense layer: weight has ${d.weight.length} values, expected ${d.outputs} x ${d.inputs}`);
  if (d.bias.length !== d.outputs) throw new Error(`dense layer: bias has ${d.bias.length} values, expected ${d.outputs}`);
}

/**
 * Random initial weights: convs Xavier-uniform with the ReLU gain (sqrt 2), dense N(0, 0.01),
 * zero biases (the initialisation of the ParM paper's models).
 */
export function randomCnnWeights(
  seed: number,
  inputShape: readonly [number, number, number],
  classes: number,
  options: RandomCnnOptions = {},
): CnnWeights {
  const channels = options.channels ?? [16, 32];
  const kernel = options.kernel ?? 5;
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) throw new Error(`CNN kernel must be an odd positive integer, got ${kernel}`);
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`CNN classes must be a positive integer, got ${classes}`);
  const rng = new SeededRandom(seed);
  const convs: ConvLayer[] = [];
  let inChannels = inputShape[0];
  for (const outChannels of channels) {
    const fanIn = inChannels * kernel * kernel;
    const fanOut = outChannels * kernel * kernel;
    const bound = Math.SQRT2 * Math.sqrt(6 / (fanIn + fanOut));
    const weight = new Float32Array(outChannels * fanIn);
    for (let i = 0; i < weight.length; i++) weight[i] = (2 * rng.next() - 1) * bound;
    convs.push({ inChannels, outChannels, kernel, pad: (kernel - 1) / 2, weight, bias: new Float32Array(outChannels) });
    inChannels = outChannels;
  }
  const [c, h, w] = cnnFeatureShape(inputShape, convs);
  const inputs = c * h * w;
  const denseWeight = new Float32Array(classes * inputs);
  for (let i = 0; i < denseWeight.length; i++) denseWeight[i] = 0.01 * rng.nextNormal();
  const weights: CnnWeights = {
    inputShape: [inputShape[0], inputShape[1], inputShape[2]],
    convs,
    dense: { inputs, outputs: classes, weight: denseWeight, bias: new Float32Array(classes) },
  };
  validateCnnWeights(weights);
  return weights;
}

/** Number of weights and biases. */
export function cnnParameterCount(weights: CnnWeights): number {
  let n = weights.dense.weight.length + weights.dense.bias.length;
  for (const conv of weights.convs) n += conv.weight.length + conv.bias.length;
  return n;
}

/** Plain-JS forward pass (float64 accumulation): the reference that onnxruntime is checked against. */
export function cnnForwardReference(weights: CnnWeights, inputs: Float32Array, count: number): Float32Array {
  validateCnnWeights(weights);
  const [c0, h0, w0] = weights.inputShape;
  const sampleSize = c0 * h0 * w0;
  if (inputs.length !== count * sampleSize) {
    throw new Error(`cnnForwardReference: ${inputs.length} input values for ${count} samples of [${c0}, ${h0}, ${w0}]`);
  }
  const d = weights.dense;
  const out = new Float32Array(count * d.outputs);
  for (let n = 0; n < count; n++) {
    let x = inputs.subarray(n * sampleSize, (n + 1) * sampleSize);
    let [c, h, w] = [c0, h0, w0];
    for (const conv of weights.convs) {
      const y = conv2dRelu(x, c, h, w, conv);
      const pooled = maxPool2x2(y, conv.outChannels, h + 2 * conv.pad - conv.kernel + 1, w + 2 * conv.pad - conv.kernel + 1);
      x = pooled.data;
      [c, h, w] = [conv.outChannels, pooled.h, pooled.w];
    }
    for (let o = 0; o < d.outputs; o++) {
      let s = d.bias[o];
      const row = o * d.inputs;
      for (let i = 0; i < d.inputs; i++) s += d.weight[row + i] * x[i];
      out[n * d.outputs + o] = s;
    }
  }
  return out;
}

/** One sample: stride-1 convolution with zero padding, bias, ReLU. */
function conv2dRelu(x: Float32Array, c: number, h: number, w: number, conv: ConvLayer): Float32Array {
  const k = conv.kernel;
  const oh = h + 2 * conv.pad - k + 1;
  const ow = w + 2 * conv.pad - k + 1;
  const y = new Float32Array(conv.outChannels * oh * ow);
  for (let o = 0; o < conv.outChannels; o++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let s = conv.bias[o];
        for (let ci = 0; ci < c; ci++) {
          for (let ki = 0; ki < k; ki++) {
            const yi = i + ki - conv.pad;
            if (yi < 0 || yi >= h) continue;
            for (let kj = 0; kj < k; kj++) {
              const xj = j + kj - conv.pad;
              if (xj < 0 || xj >= w) continue;
              s += conv.weight[((o * c + ci) * k + ki) * k + kj] * x[(ci * h + yi) * w + xj];
            }
          }
        }
        y[(o * oh + i) * ow + j] = s > 0 ? s : 0;
      }
    }
  }
  return y;
}

/** One sample: 2x2 max-pool with stride 2, dropping a last odd row or column. */
function maxPool2x2(x: Float32Array, c: number, h: number, w: number): { data: Float32Array; h: number; w: number } {
  const ph = Math.floor(h / 2);
  const pw = Math.floor(w / 2);
  const y = new Float32Array(c * ph * pw);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const base = (ch * h + 2 * i) * w + 2 * j;
        y[(ch * ph + i) * pw + j] = Math.max(x[base], x[base + 1], x[base + w], x[base + w + 1]);
      }
    }
  }
  return { data: y, h: ph, w: pw };
}
