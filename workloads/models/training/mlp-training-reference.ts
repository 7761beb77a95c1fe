/**
 * A plain-JS float64 reference of what MlpTrainer computes: forward pass, MSE and softmax
 * cross-entropy losses, backpropagation and PyTorch-style Adam (L2 weight decay added to the
 * gradient). Slow and simple on purpose: the fast engine is tested against it.
 */
import type { MlpWeights } from '../mlp-weights.ts';
import type { AdamOptions } from './mlp-trainer.ts';

export interface ReferenceLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** [outputs][inputs] row-major, as in DenseLayer. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

export interface ReferenceMlp {
  readonly layers: ReferenceLayer[];
}

export type ReferenceLoss =
  | { readonly kind: 'mse'; readonly targets: ArrayLike<number> }
  | { readonly kind: 'cross-entropy'; readonly labels: ArrayLike<number> };

export interface ReferenceGradients {
  readonly loss: number;
  /** One entry per layer, shaped like the layer's weight and bias. */
  readonly layers: { readonly weight: Float64Array; readonly bias: Float64Array }[];
}

export function toReferenceMlp(weights: MlpWeights): ReferenceMlp {
  return {
    layers: weights.layers.map((l) => ({ inputs: l.inputs, outputs: l.outputs, weight: Float64Array.from(l.weight), bias: Float64Array.from(l.bias) })),
  };
}

/** Activations of every layer: [0] = inputs, [L] = outputs (no ReLU on the last layer). */
export function referenceForward(mlp: ReferenceMlp, inputs: ArrayLike<number>, batch: number): Float64Array[] {
  const acts: Float64Array[] = [Float64Array.from({ length: batch * mlp.layers[0].inputs }, (_, i) => inputs[i])];
  mlp.layers.forEach((layer, li) => {
    const x = acts[li];
    const y = new Float64Array(batch * layer.outputs);
    const relu = li < mlp.layers.length - 1;
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < layer.outputs; o++) {
        let s = layer.bias[o];
        for (let i = 0; i < layer.inputs; i++) s += layer.weight[o * layer.inputs + i] * x[n * layer.inputs + i];
        y[n * layer.outputs + o] = relu && s < 0 ? 0 : s;
      }
    }
    acts.push(y);
  });
  return acts;
}

/** Loss and its gradient with respect to the network outputs. */
function lossAndOutputGradient(outputs: Float64Array, batch: number, width: number, loss: ReferenceLoss): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(batch * width);
  let total = 0;
  if (loss.kind === 'mse') {
    const count = batch * width;
    for (let i = 0; i < count; i++) {
      const d = outputs[i] - loss.targets[i];
      total += d * d;
      grad[i] = (2 * d) / count;
    }
    return { loss: total / count, grad };
  }
  for (let n = 0; n < batch; n++) {
    const row = outputs.subarray(n * width, (n + 1) * width);
    const max = Math.max(...row);
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logSum = Math.log(sum);
    const label = loss.labels[n];
    for (let o = 0; o < width; o++) {
      const logp = row[o] - max - logSum;
      if (o === label) total -= logp;
      grad[n * width + o] = (Math.exp(logp) - (o === label ? 1 : 0)) / batch;
    }
  }
  return { loss: total / batch, grad };
}

/** Mean loss over the batch and its gradient with respect to every weight and bias. */
export function referenceGradients(mlp: ReferenceMlp, inputs: ArrayLike<number>, batch: number, loss: ReferenceLoss): ReferenceGradients {
  const acts = referenceForward(mlp, inputs, batch);
  const L = mlp.layers.length;
  const { loss: value, grad } = lossAndOutputGradient(acts[L], batch, mlp.layers[L - 1].outputs, loss);
  let dy = grad;
  const layers: { weight: Float64Array; bias: Float64Array }[] = new Array(L);
  for (let l = L - 1; l >= 0; l--) {
    const layer = mlp.layers[l];
    const x = acts[l];
    const weight = new Float64Array(layer.outputs * layer.inputs);
    const bias = new Float64Array(layer.outputs);
    const dx = new Float64Array(batch * layer.inputs);
    for (let n = 0; n < batch; n++) {
      for (let o = 0; o < layer.outputs; o++) {
        const g = dy[n * layer.outputs + o];
        bias[o] += g;
        for (let i = 0; i < layer.inputs; i++) {
          weight[o * layer.inputs + i] += g * x[n * layer.inputs + i];
          dx[n * layer.inputs + i] += g * layer.weight[o * layer.inputs + i];
        }
      }
    }
    // ReLU backward: the input of this layer is the ReLU output of the previous one.
    if (l > 0) for (let i = 0; i < dx.length; i++) if (!(x[i] > 0)) dx[i] = 0;
    layers[l] = { weight, bias };
    dy = dx;
  }
  return { loss: value, layers };
}

/** Adam state for a ReferenceMlp, following torch.optim.Adam (weight decay as L2 on the gradient). */
export class ReferenceAdam {
  private steps = 0;
  private readonly m: { weight: Float64Array; bias: Float64Array }[];
  private readonly v: { weight: Float64Array; bias: Float64Array }[];

  constructor(private readonly mlp: ReferenceMlp, private readonly options: AdamOptions) {
    const zeros = () => mlp.layers.map((l) => ({ weight: new Float64Array(l.weight.length), bias: new Float64Array(l.bias.length) }));
    this.m = zeros();
    this.v = zeros();
  }

  /** Updates the MLP in place with the given gradients. */
  step(gradients: ReferenceGradients): void {
    this.steps++;
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this.options;
    const stepSize = learningRate / (1 - beta1 ** this.steps);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** this.steps);
    const update = (p: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array) => {
      for (let i = 0; i < p.length; i++) {
        const g = grad[i] + weightDecay * p[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + epsilon);
      }
    };
    this.mlp.layers.forEach((layer, l) => {
      update(layer.weight, gradients.layers[l].weight, this.m[l].weight, this.v[l].weight);
      update(layer.bias, gradients.layers[l].bias, this.m[l].bias, this.v[l].bias);
    });
  }
}
