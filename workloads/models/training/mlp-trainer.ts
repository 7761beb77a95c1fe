/**
 * A fast single-threaded MLP training engine: dense layers with ReLU between them (the
 * MlpWeights architecture), trained with Adam on minibatches, by WebAssembly SIMD kernels
 * (kernels/mlp-kernels.wasm).
 *
 * The math is that of PyTorch's nn.Linear + nn.ReLU with MSELoss (mean over batch and
 * outputs) or CrossEntropyLoss (mean over batch) and torch.optim.Adam with an L2
 * weight-decay term added to every gradient (biases included; not AdamW), with PyTorch's
 * bias correction. Computation is in float32; the same initial weights and the same batches
 * give bit-identical weights.
 *
 * All state (weights, gradients, Adam moments, activations for the largest batch, inputs,
 * targets) lives in the kernel instance's linear memory. Every width is padded with zero
 * columns to a multiple of 4 floats and the row count is rounded up to a multiple of 4;
 * padding stays exactly zero through training, so it never changes a result.
 */
import { mlpLayerSizes, validateMlpWeights, type DenseLayer, type MlpWeights } from '../mlp-weights.ts';
import { instantiateMlpKernels, type MlpKernels } from './kernels/mlp-kernels.ts';

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 penalty added to the gradient (PyTorch Adam's weight_decay, not decoupled). */
  weightDecay: number;
}

/** The ParM training recipe's optimiser: Adam, lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-5. */
export const PAPER_ADAM: AdamOptions = Object.freeze({
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 1e-5,
});

/** Where one layer's arrays live (byte offsets into linear memory). */
interface LayerPlacement {
  readonly inputs: number;
  readonly outputs: number;
  /** Padded widths (multiples of 4). */
  readonly inWidth: number;
  readonly outWidth: number;
  /** Offsets of weight and bias inside the parameter block (same for gradients and moments). */
  readonly weightOffset: number;
  readonly biasOffset: number;
}

const ALIGN = 64;

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** Checks that `values` holds whole rows of `rowSize` and at least `count` of them. */
function checkRows(values: ArrayLike<number>, rowSize: number, count: number, method: string, name: string, unit: string): void {
  if (values.length % rowSize !== 0) {
    throw new RangeError(`${method}: ${name} has ${values.length} values, not a whole number of rows of ${rowSize} (the network has ${rowSize} ${unit})`);
  }
  if (values.length < count * rowSize) {
    throw new RangeError(`${method}: ${name} has ${values.length / rowSize} rows of ${rowSize}, fewer than the ${count} samples asked for`);
  }
}

function checkAdamOptions(adam: AdamOptions): void {
  const { learningRate, beta1, beta2, epsilon, weightDecay } = adam;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`Adam learningRate must be a positive number, got ${learningRate}`);
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`Adam beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`Adam beta2 must be in [0, 1), got ${beta2}`);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`Adam epsilon must be a non-negative number, got ${epsilon}`);
  if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new RangeError(`Adam weightDecay must be a non-negative number, got ${weightDecay}`);
}

export class MlpTrainer {
  /** Layer widths from input to output, e.g. [784, 200, 100, 10]. */
  readonly sizes: readonly number[];
  readonly maxBatch: number;
  readonly adam: Readonly<AdamOptions>;

  private kernels: MlpKernels | undefined;
  private f32: Float32Array;
  private u8: Uint8Array;
  private readonly layers: readonly LayerPlacement[];
  /** Rows of every activation buffer: maxBatch rounded up to a multiple of 4. */
  private readonly rowCapacity: number;
  private readonly paramCount: number;
  private readonly params: number;
  private readonly grads: number;
  private readonly moment1: number;
  private readonly moment2: number;
  /** activations[l]: input of layer l ([rowCapacity][inWidth]); activations[L]: network output. */
  private readonly activations: readonly number[];
  /** outputGrads[l]: gradient of the loss w.r.t. activations[l] (index 0 unused). */
  private readonly outputGrads: readonly number[];
  private readonly targets: number;
  private readonly labels: number;
  private steps = 0;

  private constructor(kernels: MlpKernels, initial: MlpWeights, adam: AdamOptions, maxBatch: number) {
    this.kernels = kernels;
    this.sizes = Object.freeze(mlpLayerSizes(initial));
    this.maxBatch = maxBatch;
    this.adam = Object.freeze({ ...adam });
    this.rowCapacity = roundUp(maxBatch, 4);

    let paramFloats = 0;
    this.layers = initial.layers.map((layer) => {
      const inWidth = roundUp(layer.inputs, 4);
      const outWidth = roundUp(layer.outputs, 4);
      const weightOffset = paramFloats * 4;
      paramFloats += outWidth * inWidth;
      const biasOffset = paramFloats * 4;
      paramFloats += outWidth;
      return { inputs: layer.inputs, outputs: layer.outputs, inWidth, outWidth, weightOffset, biasOffset };
    });
    this.paramCount = paramFloats;

    let next = roundUp(kernels.heapBase(), ALIGN);
    const allocate = (bytes: number): number => {
      const at = next;
      next = roundUp(at + bytes, ALIGN);
      return at;
    };
    this.params = allocate(paramFloats * 4);
    this.grads = allocate(paramFloats * 4);
    this.moment1 = allocate(paramFloats * 4);
    this.moment2 = allocate(paramFloats * 4);
    const widths = [this.layers[0].inWidth, ...this.layers.map((l) => l.outWidth)];
    this.activations = widths.map((w) => allocate(this.rowCapacity * w * 4));
    this.outputGrads = widths.map((w, i) => (i === 0 ? -1 : allocate(this.rowCapacity * w * 4)));
    const outputs = this.sizes[this.sizes.length - 1];
    this.targets = allocate(this.rowCapacity * outputs * 4);
    this.labels = allocate(this.rowCapacity);

    const memory = kernels.memory;
    const needPages = Math.ceil(next / 65536) - memory.buffer.byteLength / 65536;
    if (needPages > 0) {
      try {
        memory.grow(needPages);
      } catch (err) {
        throw new Error(`cannot allocate ${Math.round(next / 1048576)} MiB of WebAssembly memory for the trainer (maxBatch ${maxBatch}): ${(err as Error).message}`);
      }
    }
    this.f32 = new Float32Array(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    // Fresh linear memory is zero, so every padding column, gradient and moment starts at 0.
    initial.layers.forEach((layer, i) => this.writeLayer(i, layer));
  }

  /** A trainer starting from `initial` (copied) for minibatches of up to maxBatch samples. */
  static async create(initial: MlpWeights, adam: AdamOptions, maxBatch: number): Promise<MlpTrainer> {
    validateMlpWeights(initial);
    if (initial.layers.length === 0) throw new Error('an MLP needs at least one layer');
    checkAdamOptions(adam);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    const kernels = await instantiateMlpKernels();
    return new MlpTrainer(kernels, initial, adam, maxBatch);
  }

  /** Number of Adam steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /**
   * One Adam step on the mean squared error between the network outputs and `targets`
   * ([batch][outputs], row-major) for the first `batch` samples of `inputs` ([batch][inputs]).
   * Returns the loss before the step. The arrays may be longer than the batch (buffers sized
   * for the largest batch can be reused), but must hold whole rows.
   */
  stepMse(inputs: Float32Array, targets: Float32Array, batch: number): number {
    const k = this.live();
    this.checkBatch(batch);
    checkRows(inputs, this.sizes[0], batch, 'stepMse', 'inputs', 'inputs');
    const outputs = this.outputs;
    checkRows(targets, outputs, batch, 'stepMse', 'targets', 'outputs');
    const rows = this.loadInputs(inputs, batch);
    this.f32.set(targets.subarray(0, batch * outputs), this.targets >> 2);
    this.forward(rows);
    const last = this.layers[this.layers.length - 1];
    const loss = k.mseLoss(this.activations[this.layers.length], this.targets, this.outputGrads[this.layers.length], batch, rows, outputs, last.outWidth);
    this.backwardAndUpdate(batch, rows);
    return loss;
  }

  /**
   * One Adam step on the softmax cross-entropy of the outputs (logits) against class
   * `labels` (one per sample, below the number of outputs) for the first `batch` samples.
   * Returns the loss before the step. As in stepMse, the arrays may be longer than the batch.
   */
  stepCrossEntropy(inputs: Float32Array, labels: Uint8Array, batch: number): number {
    const k = this.live();
    this.checkBatch(batch);
    checkRows(inputs, this.sizes[0], batch, 'stepCrossEntropy', 'inputs', 'inputs');
    const outputs = this.outputs;
    if (labels.length < batch) throw new RangeError(`stepCrossEntropy: labels has ${labels.length} entries, fewer than the batch of ${batch} samples`);
    for (let i = 0; i < batch; i++) {
      if (labels[i] >= outputs) throw new RangeError(`stepCrossEntropy: label ${labels[i]} of sample ${i} is not a class of this ${outputs}-output network`);
    }
    const rows = this.loadInputs(inputs, batch);
    this.u8.set(labels.subarray(0, batch), this.labels);
    this.forward(rows);
    const last = this.layers[this.layers.length - 1];
    const loss = k.crossEntropyLoss(this.activations[this.layers.length], this.labels, this.outputGrads[this.layers.length], batch, rows, outputs, last.outWidth);
    this.backwardAndUpdate(batch, rows);
    return loss;
  }

  /**
   * Outputs (logits, [count][outputs]) for the first `count` samples of `inputs`
   * ([count][inputs]); any count. Written to the first count x outputs values of `out` when
   * given (and returned), else to a new array.
   */
  predict(inputs: Float32Array, count: number, out?: Float32Array): Float32Array {
    this.live();
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`predict: count must be a non-negative integer, got ${count}`);
    checkRows(inputs, this.sizes[0], count, 'predict', 'inputs', 'inputs');
    const outputs = this.outputs;
    const result = out ?? new Float32Array(count * outputs);
    if (out) checkRows(out, outputs, count, 'predict', 'out', 'outputs');
    const inSize = this.sizes[0];
    const last = this.layers[this.layers.length - 1];
    const outBase = this.activations[this.layers.length] >> 2;
    for (let start = 0; start < count; start += this.maxBatch) {
      const n = Math.min(this.maxBatch, count - start);
      const rows = this.loadInputs(inputs.subarray(start * inSize, (start + n) * inSize), n);
      this.forward(rows);
      if (last.outWidth === outputs) {
        result.set(this.f32.subarray(outBase, outBase + n * outputs), start * outputs);
      } else {
        for (let r = 0; r < n; r++) {
          const from = outBase + r * last.outWidth;
          result.set(this.f32.subarray(from, from + outputs), (start + r) * outputs);
        }
      }
    }
    return result;
  }

  /** A copy of the current weights. */
  weights(): MlpWeights {
    this.live();
    const base = this.params >> 2;
    return {
      layers: this.layers.map((p) => {
        const weight = new Float32Array(p.outputs * p.inputs);
        const w0 = base + p.weightOffset / 4;
        if (p.inWidth === p.inputs) {
          weight.set(this.f32.subarray(w0, w0 + p.outputs * p.inputs));
        } else {
          for (let o = 0; o < p.outputs; o++) {
            weight.set(this.f32.subarray(w0 + o * p.inWidth, w0 + o * p.inWidth + p.inputs), o * p.inputs);
          }
        }
        const b0 = base + p.biasOffset / 4;
        const bias = this.f32.slice(b0, b0 + p.outputs);
        return { inputs: p.inputs, outputs: p.outputs, weight, bias };
      }),
    };
  }

  /** Releases the kernel instance and its memory; the trainer cannot be used afterwards. */
  dispose(): void {
    this.kernels = undefined;
    this.f32 = new Float32Array(0);
    this.u8 = new Uint8Array(0);
  }

  private get outputs(): number {
    return this.sizes[this.sizes.length - 1];
  }

  private live(): MlpKernels {
    if (!this.kernels) throw new Error('this MlpTrainer was disposed');
    return this.kernels;
  }

  private checkBatch(batch: number): void {
    if (!Number.isInteger(batch) || batch < 1 || batch > this.maxBatch) {
      throw new RangeError(`batch must be an integer from 1 to maxBatch ${this.maxBatch}, got ${batch}`);
    }
  }

  /** Copies `count` input rows into the first activation buffer; returns the padded row count. */
  private loadInputs(inputs: Float32Array, count: number): number {
    const inSize = this.sizes[0];
    const width = this.layers[0].inWidth;
    const base = this.activations[0] >> 2;
    if (width === inSize) {
      this.f32.set(inputs.subarray(0, count * inSize), base);
    } else {
      for (let r = 0; r < count; r++) this.f32.set(inputs.subarray(r * inSize, (r + 1) * inSize), base + r * width);
    }
    const rows = roundUp(count, 4);
    if (rows > count) this.f32.fill(0, base + count * width, base + rows * width);
    return rows;
  }

  private forward(rows: number): void {
    const k = this.kernels!;
    const last = this.layers.length - 1;
    this.layers.forEach((p, l) => {
      k.denseForward(this.activations[l], this.params + p.weightOffset, this.params + p.biasOffset, this.activations[l + 1], rows, p.inWidth, p.outWidth, l < last ? 1 : 0);
    });
  }

  /** Backpropagates the output gradient left by a loss kernel, then takes one Adam step. */
  private backwardAndUpdate(batch: number, rows: number): void {
    const k = this.kernels!;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const p = this.layers[l];
      const dy = this.outputGrads[l + 1];
      k.denseWeightGrad(dy, this.activations[l], this.grads + p.weightOffset, batch, p.inWidth, p.outWidth);
      k.denseBiasGrad(dy, this.grads + p.biasOffset, batch, p.outWidth);
      if (l > 0) k.denseInputGradRelu(dy, this.params + p.weightOffset, this.activations[l], this.outputGrads[l], rows, p.inWidth, p.outWidth);
    }
    this.steps++;
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this.adam;
    const biasCorrection1 = 1 - beta1 ** this.steps;
    const biasCorrection2 = 1 - beta2 ** this.steps;
    k.adamStep(
      this.params, this.grads, this.moment1, this.moment2, this.paramCount,
      learningRate / biasCorrection1, Math.sqrt(biasCorrection2), 1 - beta1, beta2, 1 - beta2,
      epsilon, weightDecay,
    );
  }

  private writeLayer(index: number, layer: DenseLayer): void {
    const p = this.layers[index];
    const base = this.params >> 2;
    const w0 = base + p.weightOffset / 4;
    if (p.inWidth === p.inputs) {
      this.f32.set(layer.weight, w0);
    } else {
      for (let o = 0; o < p.outputs; o++) this.f32.set(layer.weight.subarray(o * p.inputs, (o + 1) * p.inputs), w0 + o * p.inWidth);
    }
    this.f32.set(layer.bias, base + p.biasOffset / 4);
  }
}
