/**
 * A small builder of ONNX models: float32 initializers, nodes, typed graph inputs and outputs
 * (with symbolic dimensions such as the batch dimension "N"), model metadata, and
 * serialisation to the ONNX protobuf bytes that onnxruntime loads.
 *
 * It checks wiring as the graph grows (every node input must already exist, names are unique,
 * tensor data matches its dims), so a mistake in an architecture file fails where it is made
 * instead of as an onnxruntime load error.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { onnx, type onnxTypes } from './onnx-proto.ts';

/** ONNX opset that parm-bench graphs are written against (well supported by onnxruntime 1.30). */
export const ONNX_OPSET_VERSION = 13;
/** ONNX IR version written into models (IR 8 = ONNX 1.10; onnxruntime 1.30 reads it). */
export const ONNX_IR_VERSION = 8;
export const ONNX_PRODUCER_NAME = 'parm-bench';
/** Input and output names of the models parm-bench builds (models brought by users may differ). */
export const MODEL_INPUT_NAME = 'input';
export const MODEL_OUTPUT_NAME = 'logits';

/** A tensor dimension: a fixed size, or a symbolic name such as "N" for the batch. */
export type OnnxDim = number | string;

/** A typed node attribute. Use the helpers below: ONNX distinguishes int from float attributes. */
export type OnnxAttribute =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

export const intAttr = (value: number): OnnxAttribute => ({ kind: 'int', value });
export const intsAttr = (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value });
export const floatAttr = (value: number): OnnxAttribute => ({ kind: 'float', value });
export const floatsAttr = (value: readonly number[]): OnnxAttribute => ({ kind: 'floats', value });
export const stringAttr = (value: string): OnnxAttribute => ({ kind: 'string', value });

export interface OnnxModelOptions {
  /** Free text stored as ModelProto.doc_string. */
  readonly docString?: string;
  /** Key/value pairs stored as ModelProto.metadata_props (e.g. manifest name, architecture). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to the parm-bench version from package.json. */
  readonly producerVersion?: string;
}

export class OnnxGraphBuilder {
  private readonly nodes: onnxTypes.NodeProto[] = [];
  private readonly initializers: onnxTypes.TensorProto[] = [];
  private readonly inputs: onnxTypes.ValueInfoProto[] = [];
  private readonly outputs: onnxTypes.ValueInfoProto[] = [];
  /** Every value name defined so far (graph inputs, initializers, node outputs). */
  private readonly defined = new Set<string>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private parameters = 0;

  constructor(readonly graphName: string) {}

  /** Number of float values stored in initializers (the model's parameter count). */
  get parameterCount(): number {
    return this.parameters;
  }

  /** A name not used yet, built from a prefix: "conv" -> "conv_0", "conv_1", ... */
  uniqueName(prefix: string): string {
    for (;;) {
      const n = this.counters.get(prefix) ?? 0;
      this.counters.set(prefix, n + 1);
      const name = `${prefix}_${n}`;
      if (!this.defined.has(name) && !this.nodeNames.has(name)) return name;
    }
  }

  /**
   * Adds a float32 constant tensor (a weight) and returns its name. The data is referenced,
   * not copied (a 45 MB ResNet would otherwise be held twice): do not change it before serialising.
   */
  addInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    for (const d of dims) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`initializer "${name}": dims ${fmt(dims)} must be non-negative integers`);
    }
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new Error(`initializer "${name}": dims ${fmt(dims)} hold ${size} values but ${data.length} were given`);
    }
    this.define(name, 'initializer');
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims: [...dims],
        dataType: onnx.TensorProto.DataType.FLOAT,
        rawData: float32LittleEndianBytes(data),
      }),
    );
    this.parameters += data.length;
    return name;
  }

  /** Declares a float32 graph input; dims may hold symbolic names (e.g. ["N", 784]). */
  addInput(name: string, dims: readonly OnnxDim[]): string {
    this.define(name, 'graph input');
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares an existing value (a node output) as a float32 graph output. */
  addOutput(name: string, dims: readonly OnnxDim[]): string {
    if (!this.defined.has(name)) throw new Error(`graph output "${name}" is not produced by any node`);
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph output "${name}" is declared twice`);
    this.outputs.push(valueInfo(name, dims));
    return name;
  }

  /**
   * Adds a node. Inputs must be already defined values ("" marks an omitted optional input).
   * Outputs default to one fresh name derived from the op type. Returns the first output's name.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
    outputs: readonly string[] = [this.uniqueName(opType.toLowerCase())],
  ): string {
    for (const input of inputs) {
      if (input !== '' && !this.defined.has(input)) {
        throw new Error(`${opType} node: input "${input}" is not defined yet (add the initializer, graph input or producing node first)`);
      }
    }
    if (outputs.length === 0) throw new Error(`${opType} node: needs at least one output`);
    for (const output of outputs) this.define(output, `${opType} output`);
    const name = this.uniqueName(`${opType}_node`);
    this.nodeNames.add(name);
    this.nodes.push(
      onnx.NodeProto.create({
        name,
        opType,
        input: [...inputs],
        output: [...outputs],
        attribute: Object.entries(attributes).map(([attrName, a]) => attributeProto(attrName, a)),
      }),
    );
    return outputs[0];
  }

  toModelProto(options: OnnxModelOptions = {}): onnxTypes.ModelProto {
    if (this.inputs.length === 0) throw new Error(`graph "${this.graphName}" has no inputs`);
    if (this.outputs.length === 0) throw new Error(`graph "${this.graphName}" has no outputs`);
    return onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: ONNX_OPSET_VERSION })],
      producerName: ONNX_PRODUCER_NAME,
      producerVersion: options.producerVersion ?? parmBenchVersion(),
      docString: options.docString ?? '',
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => {
        if (typeof value !== 'string') throw new Error(`metadata "${key}" must be a string, got ${typeof value}`);
        return onnx.StringStringEntryProto.create({ key, value });
      }),
      graph: onnx.GraphProto.create({
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
  }

  /** The serialised model: the bytes of an .onnx file. */
  serialize(options: OnnxModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModelProto(options)).finish();
  }

  private define(name: string, what: string): void {
    if (name === '') throw new Error(`${what}: empty names are not allowed`);
    if (this.defined.has(name)) throw new Error(`${what} "${name}": the name is already used in graph "${this.graphName}"`);
    this.defined.add(name);
  }
}

function valueInfo(name: string, dims: readonly OnnxDim[]): onnxTypes.ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => {
            if (typeof d === 'string') return onnx.TensorShapeProto.Dimension.create({ dimParam: d });
            if (!Number.isInteger(d) || d < 0) throw new Error(`value "${name}": dimension ${d} must be a non-negative integer or a name`);
            return onnx.TensorShapeProto.Dimension.create({ dimValue: d });
          }),
        }),
      }),
    }),
  });
}

function attributeProto(name: string, a: OnnxAttribute): onnxTypes.AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return onnx.AttributeProto.create({ name, type: T.INT, i: checkInt(name, a.value) });
    case 'ints':
      return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value.map((v) => checkInt(name, v)) });
    case 'float':
      return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'floats':
      return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: [...a.value] });
    case 'string':
      return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(a.value) });
  }
}

function checkInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw new Error(`attribute "${name}": ${v} is not an integer`);
  return v;
}

/** ONNX raw_data is little-endian: a view of the array on little-endian hosts, a swapped copy otherwise. */
function float32LittleEndianBytes(data: Float32Array): Uint8Array {
  if (endianness() === 'LE') return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

let cachedVersion: string | undefined;

/** The version field of parm-bench's package.json ("unknown" if it cannot be read). */
export function parmBenchVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

function fmt(dims: readonly OnnxDim[]): string {
  return `[${dims.join(', ')}]`;
}
