/**
 * The Open Inference Protocol (KServe v2) over HTTP, as parm-bench's instance server speaks it
 * and its instance client uses it: message shapes, datatypes and the binary tensor extension.
 *
 * Binary tensor extension: the body is a JSON header followed by raw little-endian tensor bytes;
 * the HTTP header Inference-Header-Content-Length gives the JSON header's length in bytes, and
 * each binary tensor says its byte length in parameters.binary_data_size, in tensor order.
 */
import { endianness } from 'node:os';

/** HTTP header (lower case, as node reports it) giving the byte length of the JSON header. */
export const INFERENCE_HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/** Every OIP datatype; BYTES has no fixed element size. */
export const OIP_DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
] as const;
export type OipDatatype = (typeof OIP_DATATYPES)[number];

const ELEMENT_BYTES: Readonly<Record<OipDatatype, number | null>> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8,
  FP16: 2, FP32: 4, FP64: 8, BYTES: null,
};

export function isOipDatatype(value: unknown): value is OipDatatype {
  return typeof value === 'string' && (OIP_DATATYPES as readonly string[]).includes(value);
}

/** Bytes per element in the binary tensor extension; null for BYTES (length-prefixed strings). */
export function elementBytes(datatype: OipDatatype): number | null {
  return ELEMENT_BYTES[datatype];
}

/** One tensor in model metadata: shape uses -1 for a variable dimension (the batch). */
export interface OipTensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** GET /v2/models/{name}. */
export interface OipModelMetadata {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly platform: string;
  readonly inputs: readonly OipTensorMetadata[];
  readonly outputs: readonly OipTensorMetadata[];
}

/** GET /v2. */
export interface OipServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

/** One input of an infer request (JSON form: `data`; binary form: parameters.binary_data_size). */
export interface OipRequestInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data?: unknown;
  readonly parameters?: { readonly binary_data_size?: number; readonly [key: string]: unknown };
}

export interface OipRequestOutput {
  readonly name: string;
  readonly parameters?: { readonly binary_data?: boolean; readonly [key: string]: unknown };
}

/** POST /v2/models/{name}/infer (the JSON part). */
export interface OipInferRequest {
  readonly id?: string;
  readonly inputs: readonly OipRequestInput[];
  readonly outputs?: readonly OipRequestOutput[];
  readonly parameters?: { readonly binary_data_output?: boolean; readonly [key: string]: unknown };
}

export interface OipResponseOutput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data?: readonly number[];
  readonly parameters?: { readonly binary_data_size?: number };
}

/** The answer to an infer request (the JSON part). */
export interface OipInferResponse {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id?: string;
  readonly outputs: readonly OipResponseOutput[];
}

/** An error body: every non-2xx answer of the protocol. */
export interface OipErrorResponse {
  readonly error: string;
}

/** A body of the binary tensor extension that does not hold together. */
export class BinaryBodyError extends Error {}

/**
 * Splits a body into its JSON header and binary section. `headerLength` is the value of the
 * Inference-Header-Content-Length HTTP header; without it the whole body is JSON.
 */
export function splitInferenceBody(body: Buffer, headerLength: string | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const text = headerLength.trim();
  if (!/^\d{1,15}$/.test(text)) {
    throw new BinaryBodyError(`the Inference-Header-Content-Length header must be a non-negative integer (bytes of the JSON header), got "${headerLength}"`);
  }
  const n = Number(text);
  if (n > body.length) {
    throw new BinaryBodyError(`the Inference-Header-Content-Length header says the JSON header has ${n} bytes but the whole body has ${body.length}`);
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** Joins a JSON header and binary tensors into one body; returns the header length to send. */
export function joinInferenceBody(header: unknown, tensors: readonly Uint8Array[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const body = Buffer.concat([json, ...tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))]);
  return { body, headerLength: json.length };
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The little-endian bytes of float32 values (a view, not a copy, on little-endian hosts). */
export function float32ToLittleEndian(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** Float32 values from little-endian bytes (always a copy: the bytes may be unaligned). */
export function float32FromLittleEndian(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new BinaryBodyError(`${bytes.byteLength} bytes is not a whole number of FP32 values`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** A JSON value that is a plain object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
