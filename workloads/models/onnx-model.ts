/**
 * A loaded ONNX classifier served by onnxruntime-node on the CPU: one float32 input whose
 * first dimension is the batch, and a float32 first output of per-sample length `outputSize`
 * (the class scores). Names, shapes and metadata are read from the model itself, so models
 * built by parm-bench and models brought by users (exported from PyTorch, Keras, ...) load
 * the same way.
 *
 * `run` keeps the event loop busy while onnxruntime computes: give each serving instance its
 * own worker thread or process.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readOnnxModelInfo, type OnnxModelInfo } from './onnx/model-info.ts';

export interface OnnxModelLoadOptions {
  /** Threads onnxruntime may use inside one operator. Default 1 (one core per instance). */
  readonly intraOpNumThreads?: number;
  /**
   * Names the model in errors, e.g. "deployed model of fashion-mnist"; the file path is
   * appended when the label does not already contain it. Default: the file path (or
   * "in-memory ONNX model").
   */
  readonly label?: string;
  /**
   * Per-sample input shape (batch dimension excluded), needed only when the model leaves
   * some per-sample dimension symbolic (e.g. [N, 3, H, W]). Must agree with the model's fixed dims.
   */
  readonly inputShape?: readonly number[];
}

type Dim = number | string | null;

const DEFAULT_BATCH_SIZE = 64;

export class OnnxModel {
  /** Per-sample input dims (batch dimension removed). */
  readonly inputShape: readonly number[];
  /** Number of values in one input sample (product of inputShape). */
  readonly inputSize: number;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Names the model in errors: the given label and/or the file path. */
    readonly label: string,
    readonly inputName: string,
    readonly outputName: string,
    inputShape: readonly number[],
    /** Per-sample output length (number of classes). */
    readonly outputSize: number,
    /** The batch size the model was exported with, or null when the batch dimension is symbolic. */
    readonly fixedBatch: number | null,
    /** ModelProto metadata_props. */
    readonly metadata: Readonly<Record<string, string>>,
    /** Everything else the file says about itself (producer, opsets, parameter count, ...). */
    readonly info: OnnxModelInfo,
  ) {
    this.inputShape = Object.freeze([...inputShape]);
    this.inputSize = inputShape.reduce((a, b) => a * b, 1);
  }

  static async load(source: string | Uint8Array, options: OnnxModelLoadOptions = {}): Promise<OnnxModel> {
    const label = modelLabel(source, options.label);
    const threads = options.intraOpNumThreads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(`${label}: intraOpNumThreads must be a positive integer, got ${threads}`);
    }
    const bytes = typeof source === 'string' ? await readModelFile(source, label) : source;
    const info = readOnnxModelInfo(bytes, label);

    let session: ort.InferenceSession;
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    try {
      // A path lets onnxruntime find external weight files next to the model.
      session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, sessionOptions)
          : await ort.InferenceSession.create(source, sessionOptions);
    } catch (err) {
      throw new Error(`${label}: onnxruntime could not load the model: ${(err as Error).message}`);
    }

    try {
      return await OnnxModel.fromSession(session, label, info, options.inputShape);
    } catch (err) {
      await session.release().catch(() => undefined);
      throw err;
    }
  }

  private static async fromSession(
    session: ort.InferenceSession,
    label: string,
    info: OnnxModelInfo,
    givenShape: readonly number[] | undefined,
  ): Promise<OnnxModel> {
    const inputs = valuesOf(session.inputMetadata, info.inputs);
    const outputs = valuesOf(session.outputMetadata, info.outputs);
    if (inputs.length !== 1) {
      const names = inputs.map((v) => `"${v.name}"`).join(', ') || 'none';
      throw new Error(`${label}: a served model needs exactly one input, this one has ${inputs.length} (${names}). Export the model with a single image/feature tensor input.`);
    }
    const input = inputs[0];
    if (input.type !== 'float32') {
      throw new Error(`${label}: input "${input.name}" has element type ${input.type}, expected float32. Export the model with a float32 input.`);
    }
    if (outputs.length === 0) throw new Error(`${label}: the model has no outputs`);
    const output = outputs[0];
    if (output.type !== 'float32') {
      throw new Error(`${label}: first output "${output.name}" has element type ${output.type}, expected float32 class scores.`);
    }

    const dims = input.shape;
    if (dims === null || dims.length < 2) {
      const shown = dims === null ? 'no shape' : `shape [${dims.map(showDim).join(', ')}]`;
      throw new Error(`${label}: input "${input.name}" has ${shown}; expected a batch dimension followed by the per-sample dimensions, e.g. [N, 1, 28, 28].`);
    }
    const fixedBatch = typeof dims[0] === 'number' && dims[0] > 0 ? dims[0] : null;
    const inputShape = perSampleShape(label, input.name, dims, givenShape);

    let outputSize: number;
    const outDims = output.shape;
    if (outDims !== null && outDims.length >= 2 && outDims.slice(1).every((d) => typeof d === 'number')) {
      outputSize = (outDims.slice(1) as number[]).reduce((a, b) => a * b, 1);
    } else {
      // The output's per-sample size is not declared: learn it from one run on zeros.
      const batch = fixedBatch ?? 1;
      const size = inputShape.reduce((a, b) => a * b, 1);
      const feeds = { [input.name]: new ort.Tensor('float32', new Float32Array(batch * size), [batch, ...inputShape]) };
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run(feeds, [output.name]);
      } catch (err) {
        throw new Error(`${label}: a trial run to learn the size of output "${output.name}" failed: ${(err as Error).message}`);
      }
      outputSize = result[output.name].size / batch;
    }
    if (!Number.isInteger(outputSize) || outputSize < 1) {
      throw new Error(`${label}: output "${output.name}" has ${outputSize} values per sample; expected at least one class score.`);
    }
    return new OnnxModel(session, label, input.name, output.name, inputShape, outputSize, fixedBatch, info.metadata, info);
  }

  /**
   * Throws unless a sample of the given shape can be fed to the model: the sizes must match
   * (a [1, 28, 28] image feeds a model that takes [784]). `source` names where the shape comes
   * from, e.g. "dataset fashion-mnist".
   */
  assertAcceptsSampleShape(shape: readonly number[], source: string): void {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== this.inputSize) {
      throw new Error(
        `${this.label}: input "${this.inputName}" takes samples of shape [${this.inputShape.join(', ')}] (${this.inputSize} values) ` +
          `but ${source} gives samples of shape [${shape.join(', ')}] (${size} values). Use a model exported for this input shape.`,
      );
    }
  }

  /** Runs one batch; `inputs` holds `batch` samples back to back. Returns [batch, outputSize] scores. */
  async run(inputs: Float32Array, batch: number): Promise<Float32Array> {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`${this.label}: batch must be a positive integer, got ${batch}`);
    this.checkInputLength(inputs, batch);
    if (this.fixedBatch === null || this.fixedBatch === batch) return this.runExact(inputs, batch);
    // The model was exported with a fixed batch size: feed it batches of exactly that size.
    const out = new Float32Array(batch * this.outputSize);
    const step = this.fixedBatch;
    for (let start = 0; start < batch; start += step) {
      const n = Math.min(step, batch - start);
      let chunk = inputs.subarray(start * this.inputSize, (start + n) * this.inputSize);
      if (n < step) {
        const padded = new Float32Array(step * this.inputSize);
        padded.set(chunk);
        chunk = padded;
      }
      const scores = await this.runExact(chunk, step);
      out.set(scores.subarray(0, n * this.outputSize), start * this.outputSize);
    }
    return out;
  }

  /** Runs `count` samples in batches of `batchSize` (default 64) and returns [count, outputSize] scores. */
  async runAll(inputs: Float32Array, count: number, batchSize = DEFAULT_BATCH_SIZE): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`${this.label}: count must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`${this.label}: batchSize must be a positive integer, got ${batchSize}`);
    this.checkInputLength(inputs, count);
    const out = new Float32Array(count * this.outputSize);
    const step = this.fixedBatch ?? batchSize;
    for (let start = 0; start < count; start += step) {
      const n = Math.min(step, count - start);
      const scores = await this.run(inputs.subarray(start * this.inputSize, (start + n) * this.inputSize), n);
      out.set(scores, start * this.outputSize);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private async runExact(inputs: Float32Array, batch: number): Promise<Float32Array> {
    const feeds = { [this.inputName]: new ort.Tensor('float32', inputs, [batch, ...this.inputShape]) };
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run(feeds, [this.outputName]);
    } catch (err) {
      throw new Error(`${this.label}: inference on a batch of ${batch} failed: ${(err as Error).message}`);
    }
    const tensor = result[this.outputName];
    const data = tensor.data;
    if (!(data instanceof Float32Array) || data.length !== batch * this.outputSize) {
      throw new Error(
        `${this.label}: output "${this.outputName}" has shape [${tensor.dims.join(', ')}], expected [${batch}, ${this.outputSize}] float32 values`,
      );
    }
    return data;
  }

  private checkInputLength(inputs: Float32Array, batch: number): void {
    if (inputs.length !== batch * this.inputSize) {
      const perSample = batch > 0 ? inputs.length / batch : inputs.length;
      throw new Error(
        `${this.label}: input "${this.inputName}" expects shape [${batch}, ${this.inputShape.join(', ')}] = ${batch * this.inputSize} values ` +
          `(${this.inputSize} per sample), but was given ${inputs.length} values for ${batch} samples (${perSample} per sample). ` +
          `Check that the dataset's sample shape matches the model.`,
      );
    }
  }
}

interface ValueDescription {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly Dim[] | null;
}

/** Input/output descriptions from the session, or from the ModelProto if the session lacks them. */
function valuesOf(
  metadata: readonly ort.InferenceSession.ValueMetadata[] | undefined,
  fromProto: OnnxModelInfo['inputs'],
): ValueDescription[] {
  if (metadata === undefined) return fromProto.map((v) => ({ name: v.name, type: v.elementType, shape: v.shape }));
  return metadata.map((m) => {
    if (!m.isTensor) return { name: m.name, type: 'non-tensor', shape: null };
    const proto = fromProto.find((v) => v.name === m.name);
    // onnxruntime reports an unknown shape as []: prefer the ModelProto's view then.
    const shape: readonly Dim[] | null = m.shape.length > 0 ? m.shape.map((d) => ((typeof d === 'number' && d < 0) || d === '' ? null : d)) : (proto?.shape ?? null);
    return { name: m.name, type: m.type, shape };
  });
}

function perSampleShape(label: string, inputName: string, dims: readonly Dim[], given: readonly number[] | undefined): number[] {
  const sample = dims.slice(1);
  const shown = `[${dims.map(showDim).join(', ')}]`;
  if (given !== undefined) {
    const ok =
      given.length === sample.length &&
      given.every((g, i) => Number.isInteger(g) && g > 0 && (typeof sample[i] !== 'number' || sample[i] === g));
    if (!ok) {
      throw new Error(`${label}: the given per-sample input shape [${given.join(', ')}] does not fit input "${inputName}" of shape ${shown}`);
    }
    return [...given];
  }
  if (!sample.every((d): d is number => typeof d === 'number' && d > 0)) {
    throw new Error(
      `${label}: input "${inputName}" has shape ${shown} with symbolic per-sample dimensions; ` +
        `give the per-sample input shape (e.g. inputShape: [3, 32, 32]) so parm-bench knows what to feed.`,
    );
  }
  return sample;
}

function modelLabel(source: string | Uint8Array, label: string | undefined): string {
  if (typeof source !== 'string') return label ?? 'in-memory ONNX model';
  if (label === undefined || label.includes(source)) return label ?? source;
  return `${label} (${source})`;
}

function showDim(d: Dim): string {
  return d === null ? '?' : String(d);
}

async function readModelFile(path: string, label: string): Promise<Uint8Array> {
  const absolute = resolve(path);
  try {
    const s = await stat(absolute);
    if (s.isDirectory()) throw new Error(`${label}: ${absolute} is a directory, not an ONNX model file`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${label}: the ONNX model file ${absolute} does not exist. Check the model path, or build/train the model first.`);
    }
    if (code !== undefined) throw new Error(`${label}: cannot read the ONNX model file ${absolute}: ${(err as Error).message}`);
    throw err;
  }
  return readFile(absolute);
}
