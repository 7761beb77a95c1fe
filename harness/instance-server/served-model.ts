/**
 * What the instance server needs to know about the model it serves, and how it describes the
 * model over the Open Inference Protocol (GET /v2/models/{name}).
 */
import type { OnnxModel } from '../../workloads/models/onnx-model.ts';
import type { OipModelMetadata } from './oip-protocol.ts';

export interface ServedModelSignature {
  /** The name clients use in URLs (/v2/models/{name}/...). */
  readonly name: string;
  readonly inputName: string;
  /** Per-sample input shape (batch dimension excluded), e.g. [1, 28, 28]. */
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly outputName: string;
  /** Values per output sample (class scores). */
  readonly outputSize: number;
}

/** A model name usable as one URL path segment. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function servedModelSignature(name: string, model: OnnxModel): ServedModelSignature {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new Error(`model name "${name}" is not usable in URLs: use 1-128 letters, digits, "_", "." or "-", starting with a letter or digit`);
  }
  return {
    name,
    inputName: model.inputName,
    inputShape: [...model.inputShape],
    inputSize: model.inputSize,
    outputName: model.outputName,
    outputSize: model.outputSize,
  };
}

/** OIP model metadata: FP32 tensors whose first dimension (-1) is the batch. */
export function modelMetadata(model: ServedModelSignature): OipModelMetadata {
  return {
    name: model.name,
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: model.inputName, datatype: 'FP32', shape: [-1, ...model.inputShape] }],
    outputs: [{ name: model.outputName, datatype: 'FP32', shape: [-1, model.outputSize] }],
  };
}
