/**
 * The ONNX protobuf classes (ModelProto, GraphProto, TensorProto, ...) from the onnx-proto
 * package, re-exported for ESM. The package is CommonJS and exposes everything on one
 * `onnx` namespace object, which Node's ESM loader only offers as the default export.
 */
import onnxProtoPackage from 'onnx-proto';
import type { onnx as OnnxNamespace } from 'onnx-proto';

export const onnx: typeof OnnxNamespace = onnxProtoPackage.onnx;
export type { OnnxNamespace as onnxTypes };

/** ONNX TensorProto.DataType codes that parm-bench reads or writes, with readable names. */
export const ONNX_ELEMENT_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'undefined',
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};
