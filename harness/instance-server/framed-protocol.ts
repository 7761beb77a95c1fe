/**
 * The framed binary protocol between parm-bench's frontend and its own instance servers: a
 * private, cheaper alternative to the Open Inference Protocol over HTTP for local instances (no
 * HTTP parsing, no JSON, many requests in flight on one connection). Remote servers always speak
 * OIP.
 *
 * A connection carries frames in both directions. Every frame is a u32 body length followed by
 * the body; every integer is little-endian; every body starts with a 12-byte header:
 *
 *   offset 0   u32 id       the request's id, chosen by the client (1 .. 2^32-1; 0 is reserved)
 *   offset 4   u8  op/kind  requests: 1 infer, 2 cancel; responses: 0 ok, 1 error, 2 hello
 *   offset 5   3 bytes      zero
 *   offset 8   u32 batch    infer and ok: the batch size; otherwise 0
 *   offset 12  payload      infer: batch x inputSize float32; ok: batch x outputSize float32;
 *                           error: a UTF-8 message; cancel: nothing; hello: see below
 *
 * The server sends a hello (id 0) first on every connection: payload u32 protocol version, u32
 * inputSize, u32 outputSize, u32 largest request body accepted, then the model name in UTF-8.
 * Requests are answered in completion order, each by id; a cancelled request gets no answer. An
 * error with id 0 is about the connection itself (a malformed frame): the server closes it after
 * sending that error.
 */
import { float32FromLittleEndian, float32ToLittleEndian } from './oip-protocol.ts';

export const FRAMED_PROTOCOL_VERSION = 1;

/** Bytes of the length prefix. */
export const LENGTH_BYTES = 4;
/** Bytes of every body's header (id, op or kind, batch). */
export const HEADER_BYTES = 12;

export const OP_INFER = 1;
export const OP_CANCEL = 2;

export const KIND_OK = 0;
export const KIND_ERROR = 1;
export const KIND_HELLO = 2;

/** The id of frames about the connection rather than one request (hello, connection errors). */
export const CONNECTION_ID = 0;
export const MAX_REQUEST_ID = 0xffffffff;

/** Longest error message sent, in UTF-8 bytes (longer ones are cut). */
const MAX_MESSAGE_BYTES = 4096;
const HELLO_FIXED_BYTES = 16;

/**
 * Where an instance server listens for framed connections. A Unix socket path that starts with
 * "@" names a socket in Linux's abstract namespace (no file to create or remove).
 */
export type FramedAddress =
  | { readonly transport: 'tcp'; readonly host: string; readonly port: number }
  | { readonly transport: 'unix'; readonly path: string };

/** The path to give node's net module: "@name" becomes the abstract name "\0name". */
export function socketPath(path: string): string {
  return path.startsWith('@') ? `\0${path.slice(1)}` : path;
}

export function describeFramedAddress(address: FramedAddress): string {
  return address.transport === 'tcp' ? `tcp://${address.host}:${address.port}` : `unix:${address.path}`;
}

/** Checks a value read from JSON (the server's ready line) and returns it as an address. */
export function parseFramedAddress(value: unknown): FramedAddress | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.transport === 'tcp' && typeof v.host === 'string' && Number.isInteger(v.port) && (v.port as number) > 0 && (v.port as number) < 65536) {
    return { transport: 'tcp', host: v.host, port: v.port as number };
  }
  if (v.transport === 'unix' && typeof v.path === 'string' && v.path.length > 0) return { transport: 'unix', path: v.path };
  return null;
}

/** What the server says about itself in its hello. */
export interface FramedHello {
  readonly version: number;
  readonly modelName: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** The largest request body (header included) the server accepts. */
  readonly maxRequestBytes: number;
}

/** The first `HEADER_BYTES` of a body. */
export interface FrameHeader {
  readonly id: number;
  /** Requests: the op; responses: the kind. */
  readonly code: number;
  readonly batch: number;
}

function frame(id: number, code: number, batch: number, payloadBytes: number): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + HEADER_BYTES + payloadBytes);
  out.writeUInt32LE(HEADER_BYTES + payloadBytes, 0);
  out.writeUInt32LE(id, 4);
  out.writeUInt32LE(code, 8); // the op or kind byte, then three zero bytes
  out.writeUInt32LE(batch, 12);
  return out;
}

function withFloats(id: number, code: number, batch: number, values: Float32Array): Buffer {
  const out = frame(id, code, batch, values.byteLength);
  out.set(float32ToLittleEndian(values), LENGTH_BYTES + HEADER_BYTES);
  return out;
}

function withText(id: number, code: number, text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_MESSAGE_BYTES) {
    let end = MAX_MESSAGE_BYTES - 3;
    while ((bytes[end] & 0xc0) === 0x80) end--; // cut before a character, not inside one
    bytes = Buffer.concat([bytes.subarray(0, end), Buffer.from('...')]);
  }
  const out = frame(id, code, 0, bytes.length);
  out.set(bytes, LENGTH_BYTES + HEADER_BYTES);
  return out;
}

export function encodeInferRequest(id: number, batch: number, input: Float32Array): Buffer {
  return withFloats(id, OP_INFER, batch, input);
}

export function encodeCancel(id: number): Buffer {
  return frame(id, OP_CANCEL, 0, 0);
}

export function encodeOk(id: number, batch: number, output: Float32Array): Buffer {
  return withFloats(id, KIND_OK, batch, output);
}

export function encodeError(id: number, message: string): Buffer {
  return withText(id, KIND_ERROR, message);
}

export function encodeHello(hello: Omit<FramedHello, 'version'>): Buffer {
  const name = Buffer.from(hello.modelName, 'utf8');
  const out = frame(CONNECTION_ID, KIND_HELLO, 0, HELLO_FIXED_BYTES + name.length);
  const at = LENGTH_BYTES + HEADER_BYTES;
  out.writeUInt32LE(FRAMED_PROTOCOL_VERSION, at);
  out.writeUInt32LE(hello.inputSize, at + 4);
  out.writeUInt32LE(hello.outputSize, at + 8);
  out.writeUInt32LE(hello.maxRequestBytes, at + 12);
  out.set(name, at + HELLO_FIXED_BYTES);
  return out;
}

/** The header of a body, or null when the body is shorter than a header. */
export function readHeader(body: Buffer): FrameHeader | null {
  if (body.length < HEADER_BYTES) return null;
  return { id: body.readUInt32LE(0), code: body[4], batch: body.readUInt32LE(8) };
}

/** The float32 payload of an infer or ok body (a copy). */
export function readFloats(body: Buffer): Float32Array {
  return float32FromLittleEndian(body.subarray(HEADER_BYTES));
}

export function readText(body: Buffer): string {
  return body.subarray(HEADER_BYTES).toString('utf8');
}

/** The hello's payload; throws a message naming what is wrong. */
export function readHello(body: Buffer): FramedHello {
  if (body.length < HEADER_BYTES + HELLO_FIXED_BYTES) throw new Error(`the hello frame has ${body.length} bytes, fewer than ${HEADER_BYTES + HELLO_FIXED_BYTES}`);
  const at = HEADER_BYTES;
  return {
    version: body.readUInt32LE(at),
    inputSize: body.readUInt32LE(at + 4),
    outputSize: body.readUInt32LE(at + 8),
    maxRequestBytes: body.readUInt32LE(at + 12),
    modelName: body.subarray(at + HELLO_FIXED_BYTES).toString('utf8'),
  };
}
