/**
 * A client of one Open Inference Protocol (KServe v2) model endpoint: parm-bench's instance
 * servers, Triton, KServe, MLServer, ... It reads the model's metadata once, then sends
 * inferences with the binary tensor extension over one keep-alive HTTP agent, asking for binary
 * outputs (and reading JSON outputs from servers that ignore the request).
 *
 * Outcomes follow systems/instance.ts: a refused or reset connection means the instance is down;
 * an HTTP error (4xx/5xx) is a failed inference from a live instance, with the server's message.
 */
import { Agent, request as httpRequest, type AgentOptions, type ClientRequest, type IncomingMessage } from 'node:http';
import type { InferenceHandle, InferenceOutcome } from '../../systems/instance.ts';
import {
  INFERENCE_HEADER_CONTENT_LENGTH,
  float32FromLittleEndian,
  float32ToLittleEndian,
  isJsonObject,
  joinInferenceBody,
  splitInferenceBody,
  type OipInferRequest,
} from '../instance-server/oip-protocol.ts';

/** What the client learned from the model's metadata. */
export interface OipModelInfo {
  readonly modelName: string;
  readonly inputName: string;
  /** Per-sample input shape (batch dimension excluded). */
  readonly inputShape: readonly number[];
  readonly inputSize: number;
  readonly outputName: string;
  readonly outputSize: number;
  /** The batch size the model's metadata fixes, or null when the batch dimension is variable (-1). */
  readonly fixedBatch: number | null;
}

export interface OipClientOptions {
  /** Names the endpoint in errors, e.g. "deployed-3"; default the URL and model name. */
  readonly label?: string;
  /** Time limit of metadata and control requests (not of inferences); default 10 s. */
  readonly controlTimeoutMs?: number;
}

/** A JSON answer to a control or metadata request. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

/** Network errors that mean nobody is serving at the address any more. */
const DOWN_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
  'ENOTFOUND', 'EAI_AGAIN', 'ERR_STREAM_PREMATURE_CLOSE',
]);

export class OipClient {
  private readonly agent: Agent;
  private readonly hostname: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly inferPath: string;
  private closed = false;

  private constructor(
    /** The server's base URL, e.g. http://127.0.0.1:8000 */
    readonly url: string,
    readonly model: OipModelInfo,
    readonly label: string,
    private readonly controlTimeoutMs: number,
  ) {
    const parsed = new URL(url);
    this.hostname = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(parsed.port || 80);
    this.basePath = parsed.pathname.replace(/\/+$/, '');
    this.inferPath = `${this.basePath}/v2/models/${encodeURIComponent(model.modelName)}/infer`;
    // noDelay is passed on to the sockets the agent creates.
    this.agent = new Agent({ keepAlive: true, scheduling: 'lifo', noDelay: true } as AgentOptions);
  }

  /** Reads the model's metadata; rejects with a clear message if the server is unreachable or lacks the model. */
  static async connect(url: string, modelName: string, options: OipClientOptions = {}): Promise<OipClient> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`"${url}" is not a URL; give the server's base URL, e.g. http://127.0.0.1:8000`);
    }
    if (parsed.protocol !== 'http:') throw new Error(`${url}: only http:// OIP servers are supported, got ${parsed.protocol}`);
    const base = parsed.origin + parsed.pathname.replace(/\/+$/, '');
    const label = options.label ?? `model "${modelName}" at ${base}`;
    const timeout = options.controlTimeoutMs ?? 10_000;
    const probe = new OipClient(base, placeholderInfo(modelName), label, timeout);
    let reply: JsonReply;
    try {
      reply = await probe.getJson(`/v2/models/${encodeURIComponent(modelName)}`);
    } catch (err) {
      probe.close();
      throw new Error(`${label}: cannot read the model's metadata: ${(err as Error).message}`);
    }
    probe.close();
    if (reply.status === 404) {
      throw new Error(`${label}: the server does not know model "${modelName}" (${errorText(reply.body)}). Check the model name, or list the server's models.`);
    }
    if (reply.status !== 200) throw new Error(`${label}: reading the model's metadata gave HTTP ${reply.status}: ${errorText(reply.body)}`);
    const info = readModelInfo(reply.body, modelName, label);
    return new OipClient(base, info, label, timeout);
  }

  /**
   * Runs the model on `batch` samples and calls `done` exactly once, never synchronously, unless
   * cancelled first (cancel aborts the HTTP request).
   */
  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    let cancelled = false;
    let settled = false;
    let current: ClientRequest | undefined;
    const finish = (outcome: InferenceOutcome): void => {
      if (settled || cancelled) return;
      settled = true;
      done(outcome);
    };
    const handle: InferenceHandle = {
      cancel: () => {
        if (cancelled || settled) return;
        cancelled = true;
        current?.destroy();
      },
    };

    const problem = this.checkInput(input, batch);
    if (problem !== null) {
      queueMicrotask(() => finish({ ok: false, error: new Error(`${this.label}: ${problem}`), instanceDown: false }));
      return handle;
    }
    if (this.closed) {
      queueMicrotask(() => finish({ ok: false, error: new Error(`${this.label}: the client was closed`), instanceDown: true }));
      return handle;
    }

    const m = this.model;
    const bytes = float32ToLittleEndian(input);
    const header: OipInferRequest = {
      inputs: [{ name: m.inputName, shape: [batch, ...m.inputShape], datatype: 'FP32', parameters: { binary_data_size: bytes.byteLength } }],
      outputs: [{ name: m.outputName, parameters: { binary_data: true } }],
    };
    const { body, headerLength } = joinInferenceBody(header, [bytes]);

    const send = (attempt: number): void => {
      const req = httpRequest({
        agent: this.agent,
        hostname: this.hostname,
        port: this.port,
        path: this.inferPath,
        method: 'POST',
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': body.length,
          'Inference-Header-Content-Length': headerLength,
        },
      });
      current = req;
      let responded = false;
      req.on('response', (res) => {
        responded = true;
        readResponse(res, (err, payload) => {
          if (err !== null) {
            finish({ ok: false, error: new Error(`${this.label}: the connection failed during the response: ${err.message}`), instanceDown: true });
            return;
          }
          finish(this.decodeInferResponse(res, payload, batch));
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (cancelled || settled) return;
        // A kept-alive socket the server closed while idle: the request never reached it. Retry once
        // (if the server is really gone, the retry is refused).
        if (!responded && attempt === 0 && req.reusedSocket && err.code === 'ECONNRESET') {
          send(1);
          return;
        }
        const down = err.code !== undefined && DOWN_CODES.has(err.code);
        finish({
          ok: false,
          error: new Error(`${this.label}: ${down ? 'instance unreachable' : 'request failed'}: ${err.message}${err.code ? ` (${err.code})` : ''}`),
          instanceDown: down || !responded,
        });
      });
      req.end(body);
    };
    send(0);
    return handle;
  }

  /** GET a JSON resource, e.g. "/v2/health/ready" or "/parm-bench/v1/stats". */
  getJson(path: string): Promise<JsonReply> {
    return this.jsonRequest('GET', path, undefined);
  }

  /** POST a JSON body, e.g. to "/parm-bench/v1/slowdown". */
  postJson(path: string, value: unknown): Promise<JsonReply> {
    return this.jsonRequest('POST', path, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  /** Closes the kept-alive connections; later inferences fail with instanceDown. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private checkInput(input: Float32Array, batch: number): string | null {
    const m = this.model;
    if (!Number.isInteger(batch) || batch < 1) return `batch must be a positive integer, got ${batch}`;
    if (m.fixedBatch !== null && batch !== m.fixedBatch) return `the model takes batches of exactly ${m.fixedBatch} (its metadata fixes the batch dimension), got ${batch}`;
    if (!(input instanceof Float32Array)) return 'the input must be a Float32Array';
    if (input.length !== batch * m.inputSize) {
      return `input "${m.inputName}" takes ${m.inputSize} values per sample ([${m.inputShape.join(', ')}]); got ${input.length} values for a batch of ${batch}`;
    }
    return null;
  }

  private decodeInferResponse(res: IncomingMessage, payload: Buffer, batch: number): InferenceOutcome {
    const status = res.statusCode ?? 0;
    const failed = (message: string): InferenceOutcome => ({ ok: false, error: new Error(`${this.label}: ${message}`), instanceDown: false });
    if (status !== 200) {
      let body: unknown = payload.toString('utf8');
      try {
        body = JSON.parse(body as string);
      } catch {
        // not JSON: show the text
      }
      return failed(`HTTP ${status}: ${errorText(body)}`);
    }
    const headerLength = res.headers[INFERENCE_HEADER_CONTENT_LENGTH];
    let header: unknown;
    let binary: Buffer;
    try {
      const parts = splitInferenceBody(payload, Array.isArray(headerLength) ? headerLength[0] : headerLength);
      binary = parts.binary;
      header = JSON.parse(parts.json.toString('utf8'));
    } catch (err) {
      return failed(`the server's answer is not a valid OIP response: ${(err as Error).message}`);
    }
    if (!isJsonObject(header) || !Array.isArray(header.outputs)) return failed('the server\'s answer has no "outputs" array');
    const m = this.model;
    const expected = batch * m.outputSize;
    let offset = 0;
    for (const output of header.outputs as unknown[]) {
      if (!isJsonObject(output)) return failed('the server\'s answer has an output that is not an object');
      const p = isJsonObject(output.parameters) ? output.parameters : {};
      const size = typeof p.binary_data_size === 'number' ? p.binary_data_size : undefined;
      if (output.name !== m.outputName) {
        offset += size ?? 0;
        continue;
      }
      if (output.datatype !== 'FP32') return failed(`output "${m.outputName}" has datatype ${String(output.datatype)}, expected FP32`);
      if (size !== undefined) {
        if (size !== expected * 4 || offset + size > binary.length) {
          return failed(`output "${m.outputName}" has ${size} bytes of binary data (${binary.length - offset} available); expected ${expected} FP32 values for a batch of ${batch}`);
        }
        return { ok: true, output: float32FromLittleEndian(binary.subarray(offset, offset + size)) };
      }
      const values = flattenNumbers(output.data);
      if (values === null || values.length !== expected) {
        return failed(`output "${m.outputName}" has ${values === null ? 'no numeric data' : `${values.length} values`}; expected ${expected} for a batch of ${batch}`);
      }
      return { ok: true, output: Float32Array.from(values) };
    }
    return failed(`the server's answer has no output "${m.outputName}"`);
  }

  private jsonRequest(method: 'GET' | 'POST', path: string, body: Buffer | undefined): Promise<JsonReply> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the client was closed'));
        return;
      }
      const headers: Record<string, string | number> = { Accept: 'application/json' };
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = body.length;
      }
      const req = httpRequest({ agent: this.agent, hostname: this.hostname, port: this.port, path: this.basePath + path, method, headers });
      req.setTimeout(this.controlTimeoutMs, () => req.destroy(new Error(`no answer within ${this.controlTimeoutMs} ms`)));
      req.on('response', (res) => {
        readResponse(res, (err, payload) => {
          if (err !== null) {
            reject(err);
            return;
          }
          const text = payload.toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : null;
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const hint = err.code === 'ECONNREFUSED' ? ' (nothing listens there: is the server running?)' : '';
        reject(new Error(`${method} ${this.url}${path} failed: ${err.message}${hint}`));
      });
      req.end(body);
    });
  }
}

function readResponse(res: IncomingMessage, done: (err: Error | null, payload: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let ended = false;
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => {
    ended = true;
    done(null, Buffer.concat(chunks));
  });
  res.on('error', (err) => {
    if (!ended) {
      ended = true;
      done(err, Buffer.alloc(0));
    }
  });
  res.on('close', () => {
    if (!ended) {
      ended = true;
      done(new Error('the connection closed before the response ended'), Buffer.alloc(0));
    }
  });
}

/** Row-major numbers from a flat or nested JSON array, or null if it is not one. */
function flattenNumbers(data: unknown): number[] | null {
  if (!Array.isArray(data)) return null;
  const out: number[] = [];
  const stack: unknown[][] = [data];
  const index: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    if (index[top] === stack[top].length) {
      stack.pop();
      index.pop();
      continue;
    }
    const v = stack[top][index[top]++];
    if (Array.isArray(v)) {
      stack.push(v);
      index.push(0);
    } else if (typeof v === 'number') {
      out.push(v);
    } else {
      return null;
    }
  }
  return out;
}

function errorText(body: unknown): string {
  if (isJsonObject(body) && typeof body.error === 'string') return body.error;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function placeholderInfo(modelName: string): OipModelInfo {
  return { modelName, inputName: '', inputShape: [], inputSize: 0, outputName: '', outputSize: 0, fixedBatch: null };
}

/** Reads the model's input and output from its OIP metadata. */
function readModelInfo(body: unknown, modelName: string, label: string): OipModelInfo {
  const fail = (what: string): never => {
    throw new Error(`${label}: ${what}; parm-bench serves models with one FP32 input [batch, ...sample shape] and an FP32 output [batch, classes]`);
  };
  if (!isJsonObject(body)) return fail('the model metadata is not a JSON object');
  const inputs = Array.isArray(body.inputs) ? (body.inputs as unknown[]) : fail('the model metadata has no "inputs"');
  const outputs = Array.isArray(body.outputs) ? (body.outputs as unknown[]) : fail('the model metadata has no "outputs"');
  if (inputs.length !== 1) fail(`the model has ${inputs.length} inputs`);
  if (outputs.length < 1) fail('the model has no outputs');
  const tensor = (kind: string, t: unknown): { name: string; shape: number[] } => {
    if (!isJsonObject(t) || typeof t.name !== 'string' || !Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d))) {
      return fail(`its first ${kind} has no name or no integer shape`);
    }
    const shape = t.shape as number[];
    if (t.datatype !== 'FP32') fail(`${kind} "${t.name}" has datatype ${String(t.datatype)}`);
    if (shape.length < 2) fail(`${kind} "${t.name}" has shape [${shape.join(', ')}] with no batch dimension`);
    if (!shape.slice(1).every((d) => d > 0)) fail(`${kind} "${t.name}" has shape [${shape.join(', ')}] with variable per-sample dimensions`);
    return { name: t.name, shape };
  };
  const input = tensor('input', inputs[0]);
  const output = tensor('output', outputs[0]);
  const inputShape = input.shape.slice(1);
  const batchDim = input.shape[0];
  return {
    modelName,
    inputName: input.name,
    inputShape,
    inputSize: inputShape.reduce((a, b) => a * b, 1),
    outputName: output.name,
    outputSize: output.shape.slice(1).reduce((a, b) => a * b, 1),
    fixedBatch: batchDim > 0 ? batchDim : null,
  };
}
