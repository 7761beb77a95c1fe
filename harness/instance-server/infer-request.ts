/**
 * Reads and validates an OIP infer request (JSON, or JSON header + binary tensors) against the
 * served model. Every problem becomes a RequestError (400) that names the field and what was
 * expected; nothing a client sends can make this throw anything else.
 */
import {
  BinaryBodyError,
  elementBytes,
  isJsonObject,
  isOipDatatype,
  splitInferenceBody,
  type OipDatatype,
} from './oip-protocol.ts';
import { RequestError } from './request-error.ts';
import type { ServedModelSignature } from './served-model.ts';

export interface InferRequest {
  /** The request's id, echoed in the response. */
  readonly id?: string;
  readonly batch: number;
  /** batch x inputSize values, row-major. */
  readonly input: Float32Array;
  /** Send the output in the binary tensor extension. */
  readonly binaryOutput: boolean;
}

/**
 * Input datatypes accepted, beside FP32: those whose every value converts to FP32 exactly. Others
 * (FP64, 32- and 64-bit integers, BOOL, BYTES) are refused rather than rounded.
 */
const CONVERTIBLE: ReadonlySet<OipDatatype> = new Set(['FP32', 'FP16', 'INT8', 'INT16', 'UINT8', 'UINT16']);

const INTEGER_RANGE: Partial<Record<OipDatatype, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  UINT8: [0, 255],
  UINT16: [0, 65535],
};

function bad(message: string): RequestError {
  return new RequestError(400, message);
}

/** `headerLength`: the Inference-Header-Content-Length HTTP header, if any. */
export function parseInferRequest(body: Buffer, headerLength: string | undefined, model: ServedModelSignature): InferRequest {
  let parts: { json: Buffer; binary: Buffer };
  try {
    parts = splitInferenceBody(body, headerLength);
  } catch (err) {
    if (err instanceof BinaryBodyError) throw bad(err.message);
    throw err;
  }
  const where = headerLength === undefined ? 'the request body' : `the JSON header (first ${parts.json.length} bytes of the body)`;
  let request: unknown;
  try {
    request = JSON.parse(parts.json.toString('utf8'));
  } catch (err) {
    throw bad(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(request)) throw bad(`${where} must be a JSON object {"inputs": [...]}`);

  const id = request.id;
  if (id !== undefined && typeof id !== 'string') throw bad(`"id" must be a string, got ${describe(id)}`);

  const parameters = request.parameters;
  if (parameters !== undefined && !isJsonObject(parameters)) throw bad(`"parameters" must be an object, got ${describe(parameters)}`);
  const binaryDataOutput = parameters?.binary_data_output;
  if (binaryDataOutput !== undefined && typeof binaryDataOutput !== 'boolean') {
    throw bad(`"parameters.binary_data_output" must be true or false, got ${describe(binaryDataOutput)}`);
  }

  const inputs = request.inputs;
  if (!Array.isArray(inputs)) throw bad(`"inputs" must be an array of input tensors, got ${describe(inputs)}`);
  if (inputs.length !== 1) {
    throw bad(`model "${model.name}" takes exactly one input ("${model.inputName}"); the request has ${inputs.length}`);
  }
  const { batch, input, binaryBytesUsed } = readInput(inputs[0], parts, model);
  if (binaryBytesUsed !== parts.binary.length) {
    throw bad(
      parts.binary.length > 0 && binaryBytesUsed === 0
        ? `the body has ${parts.binary.length} bytes of binary data after the JSON header but no input gives "parameters.binary_data_size"`
        : `the body has ${parts.binary.length - binaryBytesUsed} bytes of binary data left over after the inputs' binary_data_size`,
    );
  }

  const binaryOutput = readOutputs(request.outputs, model) ?? binaryDataOutput ?? false;
  return { id, batch, input, binaryOutput };
}

/** Returns the requested binary_data of the model's output, or undefined when not said. */
function readOutputs(outputs: unknown, model: ServedModelSignature): boolean | undefined {
  if (outputs === undefined) return undefined;
  if (!Array.isArray(outputs)) throw bad(`"outputs" must be an array of {"name": ...}, got ${describe(outputs)}`);
  let binary: boolean | undefined;
  outputs.forEach((output, i) => {
    if (!isJsonObject(output)) throw bad(`outputs[${i}] must be an object {"name": ...}, got ${describe(output)}`);
    if (output.name !== model.outputName) {
      throw bad(`outputs[${i}]: unknown output ${describe(output.name)}; model "${model.name}" has output "${model.outputName}"`);
    }
    const p = output.parameters;
    if (p === undefined) return;
    if (!isJsonObject(p)) throw bad(`outputs[${i}].parameters must be an object, got ${describe(p)}`);
    if (p.classification !== undefined) throw bad(`outputs[${i}].parameters.classification: the classification extension is not supported; ask for the raw output`);
    if (p.binary_data !== undefined) {
      if (typeof p.binary_data !== 'boolean') throw bad(`outputs[${i}].parameters.binary_data must be true or false, got ${describe(p.binary_data)}`);
      binary = p.binary_data;
    }
  });
  return binary;
}

function readInput(
  tensor: unknown,
  parts: { json: Buffer; binary: Buffer },
  model: ServedModelSignature,
): { batch: number; input: Float32Array; binaryBytesUsed: number } {
  if (!isJsonObject(tensor)) throw bad(`inputs[0] must be an object {"name", "shape", "datatype", "data"}, got ${describe(tensor)}`);
  const name = tensor.name;
  if (name !== model.inputName) {
    throw bad(`unknown input ${describe(name)}; model "${model.name}" takes input "${model.inputName}"`);
  }
  const label = `input "${model.inputName}"`;

  const datatype = tensor.datatype;
  if (!isOipDatatype(datatype)) throw bad(`${label}: "datatype" must be an OIP datatype such as "FP32", got ${describe(datatype)}`);
  if (!CONVERTIBLE.has(datatype)) {
    throw bad(
      `${label}: datatype ${datatype} is not accepted; the model takes FP32 ` +
        `(also accepted, converted exactly: ${[...CONVERTIBLE].filter((d) => d !== 'FP32').join(', ')})`,
    );
  }

  const expected = `[-1, ${model.inputShape.join(', ')}] (any batch size >= 1, then the per-sample shape)`;
  const shape = tensor.shape;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d))) {
    throw bad(`${label}: "shape" must be an array of integers, got ${describe(shape)}; model "${model.name}" takes ${expected}`);
  }
  const dims = shape as number[];
  const fits = dims.length === model.inputShape.length + 1 && dims[0] >= 1 && model.inputShape.every((d, i) => dims[i + 1] === d);
  if (!fits) throw bad(`${label} has shape [${dims.join(', ')}]; model "${model.name}" takes ${expected}`);
  const batch = dims[0];
  const count = batch * model.inputSize;

  const parameters = tensor.parameters;
  if (parameters !== undefined && !isJsonObject(parameters)) throw bad(`${label}: "parameters" must be an object, got ${describe(parameters)}`);
  const binary = parts.binary;
  const binarySize = parameters?.binary_data_size;
  if (binarySize !== undefined) {
    if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) {
      throw bad(`${label}: "parameters.binary_data_size" must be a non-negative integer, got ${describe(binarySize)}`);
    }
    if (tensor.data !== undefined) throw bad(`${label} gives both "data" and "parameters.binary_data_size"; give one`);
    const size = elementBytes(datatype) as number;
    if (binarySize !== count * size) {
      throw bad(`${label}: "parameters.binary_data_size" is ${binarySize} bytes but shape [${dims.join(', ')}] of ${datatype} needs ${count * size}`);
    }
    if (binarySize > binary.length) {
      throw bad(`${label}: "parameters.binary_data_size" is ${binarySize} bytes but the body has only ${binary.length} bytes after the JSON header`);
    }
    return { batch, input: fromBinary(binary.subarray(0, binarySize), datatype, count, label), binaryBytesUsed: binarySize };
  }
  if (tensor.data === undefined) throw bad(`${label} has neither "data" nor "parameters.binary_data_size"`);
  // Each JSON value takes at least two bytes ("0,"): refuse before allocating for an impossible count.
  if (count > parts.json.length / 2 + 1) {
    throw bad(`${label}: shape [${dims.join(', ')}] needs ${count} values in "data" but the JSON holds only ${parts.json.length} bytes`);
  }
  return { batch, input: fromJson(tensor.data, datatype, count, label, dims), binaryBytesUsed: 0 };
}

/** Row-major values from a flat or nested JSON array. */
function fromJson(data: unknown, datatype: OipDatatype, count: number, label: string, dims: readonly number[]): Float32Array {
  if (!Array.isArray(data)) throw bad(`${label}: "data" must be an array of numbers, got ${describe(data)}`);
  const out = new Float32Array(count);
  const range = INTEGER_RANGE[datatype];
  let n = 0;
  // Depth-first over nested arrays without recursion (a deeply nested body must not overflow the stack).
  const stack: { items: unknown[]; next: number }[] = [{ items: data, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next === top.items.length) {
      stack.pop();
      continue;
    }
    const v = top.items[top.next++];
    if (Array.isArray(v)) {
      stack.push({ items: v, next: 0 });
      continue;
    }
    if (typeof v !== 'number') throw bad(`${label}: "data" must hold only numbers, found ${describe(v)} at value ${n}`);
    if (n === count) break;
    if (range !== undefined && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
      throw bad(`${label}: value ${n} (${v}) is not a valid ${datatype} value (integers ${range[0]}..${range[1]})`);
    }
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw bad(`${label}: value ${n} (${v}) is outside the FP32 range`);
    out[n++] = f;
  }
  if (n !== count || stack.length > 0) {
    const given = n === count ? 'more than that' : `${n}`;
    throw bad(`${label}: shape [${dims.join(', ')}] needs ${count} values in "data", got ${given}`);
  }
  return out;
}

function fromBinary(bytes: Buffer, datatype: OipDatatype, count: number, label: string): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (datatype) {
    case 'FP32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'FP16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'INT8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'UINT8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case 'INT16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, true);
      break;
    case 'UINT16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
      break;
    default:
      throw bad(`${label}: datatype ${datatype} is not accepted`);
  }
  return out;
}

/** IEEE 754 half precision to a JS number (exact; every half is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A short description of a JSON value for error messages. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
