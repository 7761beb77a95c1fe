/**
 * Encodes the answer to an infer request: the output tensor as JSON numbers, or (when the client
 * asked for binary data) in the binary tensor extension.
 */
import { float32ToLittleEndian, joinInferenceBody, type OipInferResponse } from './oip-protocol.ts';
import type { ServedModelSignature } from './served-model.ts';

export interface EncodedResponse {
  readonly body: Buffer;
  readonly contentType: string;
  /** Set for a binary answer: the value of the Inference-Header-Content-Length header. */
  readonly headerLength?: number;
}

export function encodeInferResponse(
  model: ServedModelSignature,
  request: { readonly id?: string; readonly batch: number; readonly binaryOutput: boolean },
  output: Float32Array,
): EncodedResponse {
  const shape = [request.batch, model.outputSize];
  const base = { model_name: model.name, model_version: '1', ...(request.id !== undefined ? { id: request.id } : {}) };
  if (request.binaryOutput) {
    const bytes = float32ToLittleEndian(output);
    const header: OipInferResponse = {
      ...base,
      outputs: [{ name: model.outputName, datatype: 'FP32', shape, parameters: { binary_data_size: bytes.byteLength } }],
    };
    const { body, headerLength } = joinInferenceBody(header, [bytes]);
    return { body, contentType: 'application/octet-stream', headerLength };
  }
  const response: OipInferResponse = {
    ...base,
    outputs: [{ name: model.outputName, datatype: 'FP32', shape, data: Array.from(output) }],
  };
  return { body: Buffer.from(JSON.stringify(response), 'utf8'), contentType: 'application/json' };
}
