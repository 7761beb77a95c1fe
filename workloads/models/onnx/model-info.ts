/**
 * What an ONNX file says about itself, read from its ModelProto without running it: graph
 * inputs and outputs (names, element types, shapes), metadata_props, producer, opsets and
 * the number of parameters stored in initializers.
 */
import { ONNX_ELEMENT_TYPE_NAMES, onnx, type onnxTypes } from './onnx-proto.ts';

export interface OnnxValueInfo {
  readonly name: string;
  /** Element type name ("float32", "int64", ...), or "non-tensor" for sequences and maps. */
  readonly elementType: string;
  /** Dimensions: a number when fixed, a string when symbolic, null when unnamed and unknown. */
  readonly shape: readonly (number | string | null)[] | null;
}

export interface OnnxModelInfo {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Graph inputs that are not initializers (the values a caller must feed). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Total number of elements in all initializers. */
  readonly parameterCount: number;
  readonly nodeCount: number;
}

/** Decodes ONNX model bytes. `label` (usually the file path) names the model in errors. */
export function decodeOnnxModel(bytes: Uint8Array, label: string): onnxTypes.ModelProto {
  let model: onnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new Error(`${label} is not an ONNX model: its bytes do not decode as an ONNX ModelProto (${(err as Error).message}). Check that the file is an .onnx export and was not truncated.`);
  }
  if (!model.graph || ((model.graph.node ?? []).length === 0 && (model.graph.output ?? []).length === 0)) {
    throw new Error(`${label} is not an ONNX model: it decodes but holds no graph. Check that the file is an .onnx export and was not truncated.`);
  }
  return model;
}

export function readOnnxModelInfo(bytes: Uint8Array, label: string): OnnxModelInfo {
  return describeOnnxModel(decodeOnnxModel(bytes, label));
}

export function describeOnnxModel(model: onnxTypes.ModelProto): OnnxModelInfo {
  const graph = model.graph ?? {};
  const initializers = graph.initializer ?? [];
  const initializerNames = new Set(initializers.map((t) => t.name));
  let parameterCount = 0;
  for (const t of initializers) parameterCount += (t.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1);
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps) metadata[entry.key ?? ''] = entry.value ?? '';
  return {
    irVersion: toNumber(model.irVersion),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    docString: model.docString,
    opsets: model.opsetImport.map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version ?? 0) })),
    metadata,
    inputs: (graph.input ?? []).filter((v) => !initializerNames.has(v.name)).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
    parameterCount,
    nodeCount: (graph.node ?? []).length,
  };
}

function valueInfo(v: onnxTypes.IValueInfoProto): OnnxValueInfo {
  const tensor = v.type?.tensorType;
  if (!tensor) return { name: v.name ?? '', elementType: 'non-tensor', shape: null };
  const elementType = ONNX_ELEMENT_TYPE_NAMES[tensor.elemType ?? 0] ?? `type ${tensor.elemType}`;
  const shape = tensor.shape
    ? (tensor.shape.dim ?? []).map((d) => {
        if (typeof d.dimParam === 'string' && d.dimParam !== '') return d.dimParam;
        if (d.dimValue !== undefined && d.dimValue !== null) return toNumber(d.dimValue);
        return null;
      })
    : null;
  return { name: v.name ?? '', elementType, shape };
}

/** protobufjs gives 64-bit integers as numbers or as Long objects, depending on their size. */
function toNumber(v: number | { toNumber(): number }): number {
  return typeof v === 'number' ? v : v.toNumber();
}
