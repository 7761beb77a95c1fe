/**
 * The instance server: one model served over the Open Inference Protocol (KServe v2) on HTTP,
 * one request computed at a time from a bounded FIFO queue (see inference-queue.ts for the
 * emulated and real modes).
 *
 * Endpoints:
 *   GET  /v2/health/live, /v2/health/ready          {"live": true} / {"ready": true}
 *   GET  /v2                                        server metadata
 *   GET  /v2/models/{name}[/versions/1]             model metadata (FP32, batch dimension -1)
 *   GET  /v2/models/{name}[/versions/1]/ready       {"name", "ready": true}
 *   POST /v2/models/{name}[/versions/1]/infer       inference (JSON or binary tensor extension)
 *   POST /parm-bench/v1/slowdown {"factor": F}      multiply service times from now on (F >= 1; 1 = none)
 *   GET  /parm-bench/v1/slowdown                    {"factor": F}
 *   GET  /parm-bench/v1/stats                       InstanceServerStats
 * Every refusal is a 4xx/5xx with {"error": "..."}: 400 bad request, 404 unknown model or route,
 * 405 wrong method, 413 body too large, 503 queue full.
 *
 * Beside OIP, the same queue is served over parm-bench's private framed protocol (see
 * framed-transport-server.ts), for the frontend's own local instances.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../software-versions.ts';
import type { OnnxModel } from '../../workloads/models/onnx-model.ts';
import type { FramedAddress } from './framed-protocol.ts';
import { startFramedTransport, type FramedListen, type FramedTransportServer } from './framed-transport-server.ts';
import { InferenceQueue } from './inference-queue.ts';
import { parseInferRequest } from './infer-request.ts';
import { encodeInferResponse } from './infer-response.ts';
import { INFERENCE_HEADER_CONTENT_LENGTH, isJsonObject, type OipServerMetadata } from './oip-protocol.ts';
import { RequestError } from './request-error.ts';
import { modelMetadata, servedModelSignature, type ServedModelSignature } from './served-model.ts';
import type { InstanceServerStats } from './server-stats.ts';
import { DEFAULT_SERVICE_TIME, ServiceTimeSampler, type ServiceTimeProfile } from './service-time.ts';

export type InstanceMode = 'emulated' | 'real';
/**
 * What an emulated instance answers: "model" computes the model's real outputs; "none" checks the
 * input like any request but answers zeros of the model's output shape, without running it (for
 * models too costly to compute on this machine at the emulated rate, e.g. ResNet-18 with random
 * weights: the answers are meaningless anyway, and the frontend still handles real-shaped tensors).
 */
export type InstanceOutputs = 'model' | 'none';
export const INSTANCE_OUTPUTS: readonly InstanceOutputs[] = ['model', 'none'];

export const DEFAULT_MAX_QUEUE = 1024;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Extra bytes of an oversized body read and discarded after the 413 (so the client sees the answer, not a reset). */
const OVERSIZED_DRAIN_BYTES = 64 * 1024 * 1024;

export interface InstanceServerOptions {
  readonly model: OnnxModel;
  /** The name clients use in URLs. */
  readonly name: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default emulated. */
  readonly mode?: InstanceMode;
  /** Emulated mode only; default DEFAULT_SERVICE_TIME. */
  readonly serviceTime?: ServiceTimeProfile;
  /** Seeds the service-time draws; default 1. */
  readonly seed?: number;
  /** Emulated mode: "model" (default) or "none" (zeros of the output shape, the model is not run). */
  readonly outputs?: InstanceOutputs;
  readonly maxQueue?: number;
  readonly maxBodyBytes?: number;
  /** Where to serve the framed protocol too; default a free TCP port of 127.0.0.1; null: not at all. */
  readonly framed?: FramedListen | null;
}

export interface InstanceServer {
  readonly host: string;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  readonly model: ServedModelSignature;
  readonly mode: InstanceMode;
  readonly outputs: InstanceOutputs;
  /** The service-time profile in force (emulated mode), or null (real mode). */
  readonly serviceTime: ServiceTimeProfile | null;
  /** Where the framed protocol is served, or null. */
  readonly framed: FramedAddress | null;
  stats(): InstanceServerStats;
  setSlowdown(factor: number): void;
  /** Stops listening and closes every connection (requests in progress get no answer). */
  close(): Promise<void>;
}

const SERVER_NAME = 'parm-bench-instance-server';

function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 100) / 10;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function startInstanceServer(options: InstanceServerOptions): Promise<InstanceServer> {
  const model = servedModelSignature(options.name, options.model);
  const mode = options.mode ?? 'emulated';
  if (mode !== 'emulated' && mode !== 'real') throw new Error(`mode must be "emulated" or "real", got "${String(mode)}"`);
  if (mode === 'real' && options.serviceTime !== undefined) {
    throw new Error('a service-time profile applies to emulated instances only; drop it or use mode "emulated"');
  }
  const serviceTime = mode === 'emulated' ? (options.serviceTime ?? DEFAULT_SERVICE_TIME) : null;
  const outputs = options.outputs ?? 'model';
  if (!INSTANCE_OUTPUTS.includes(outputs)) throw new Error(`outputs must be "model" or "none", got ${JSON.stringify(outputs)}`);
  if (outputs === 'none' && mode !== 'emulated') throw new Error('outputs "none" applies to emulated instances only (a real instance computes its answers); drop it or use mode "emulated"');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new Error(`max body bytes must be a positive integer, got ${maxBodyBytes}`);
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  const onnx = options.model;
  const queue = new InferenceQueue({
    run: outputs === 'model' ? (input, batch) => onnx.run(input, batch) : (_input, batch) => Promise.resolve(new Float32Array(batch * model.outputSize)),
    maxQueue,
    serviceTime: serviceTime === null ? null : new ServiceTimeSampler(serviceTime, options.seed ?? 1),
  });
  const startedAt = performance.now();
  const rejected = new Map<number, number>();
  const serverMetadata: OipServerMetadata = {
    name: SERVER_NAME,
    version: packageVersion(),
    extensions: ['binary_tensor_data', 'parm_bench_control'],
  };

  const stats = (): InstanceServerStats => ({
    model: model.name,
    mode,
    uptimeMs: Math.round(performance.now() - startedAt),
    served: queue.served,
    rejected: Object.fromEntries([...rejected].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n])),
    cancelled: queue.cancelled,
    queue: { length: queue.length, maxLength: queue.maxLength, limit: maxQueue, inService: queue.inService },
    slowdownFactor: queue.slowdownFactor,
    cpuMs: cpuMs(),
    ...queue.durations(),
  });

  function sendJson(res: ServerResponse, status: number, value: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  }

  function sendError(res: ServerResponse, status: number, message: string): void {
    if (res.headersSent || res.destroyed) return; // the client is gone: nobody to tell
    rejected.set(status, (rejected.get(status) ?? 0) + 1);
    sendJson(res, status, { error: message });
  }

  /** Reads the whole body, refusing more than maxBodyBytes with a 413 (the rest is drained, not read). */
  function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const declared = req.headers['content-length'];
      const tooLarge = (size: string): RequestError =>
        new RequestError(413, `the request body is ${size} bytes; this server accepts at most ${maxBodyBytes} (--max-body-bytes)`);
      if (declared !== undefined && Number(declared) > maxBodyBytes) {
        // Answered before reading: node discards the body once the answer is sent.
        reject(tooLarge(declared));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (refused) {
          if (size > maxBodyBytes + OVERSIZED_DRAIN_BYTES) req.socket.destroy();
          return;
        }
        if (size > maxBodyBytes) {
          refused = true;
          chunks.length = 0;
          reject(tooLarge(`more than ${maxBodyBytes}`));
          return;
        }
        chunks.push(chunk);
      });
      let ended = false;
      req.on('end', () => {
        ended = true;
        if (!refused) resolve(Buffer.concat(chunks, size));
      });
      req.on('error', (err) => reject(new RequestError(400, `could not read the request body: ${err.message}`)));
      req.on('close', () => {
        if (!ended) reject(new RequestError(400, 'the client closed the connection before the request body ended'));
      });
    });
  }

  function modelOr404(name: string): ServedModelSignature {
    if (name !== model.name) throw new RequestError(404, `unknown model "${name}"; this server serves "${model.name}"`);
    return model;
  }

  function requireMethod(req: IncomingMessage, method: 'GET' | 'POST', path: string): void {
    if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
    throw new RequestError(405, `${req.method} ${path} is not allowed; use ${method}`);
  }

  async function infer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const headerLength = req.headers[INFERENCE_HEADER_CONTENT_LENGTH];
    const request = parseInferRequest(body, Array.isArray(headerLength) ? headerLength[0] : headerLength, model);
    const ticket = queue.offer({
      input: request.input,
      batch: request.batch,
      finish: (result) => {
        if (res.destroyed || res.writableEnded) return;
        if (!result.ok) {
          sendError(res, 500, `model "${model.name}" failed on this request: ${result.error.message}`);
          return;
        }
        const encoded = encodeInferResponse(model, request, result.output);
        const headers: Record<string, string | number> = { 'Content-Type': encoded.contentType, 'Content-Length': encoded.body.length };
        if (encoded.headerLength !== undefined) headers['Inference-Header-Content-Length'] = encoded.headerLength;
        res.writeHead(200, headers);
        res.end(encoded.body);
      },
    });
    if (ticket === null) {
      throw new RequestError(503, `the queue of model "${model.name}" is full (${queue.length} requests waiting, --max-queue ${maxQueue}); retry later`);
    }
    res.on('close', () => {
      if (!res.writableFinished) ticket.cancel();
    });
  }

  async function slowdown(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD') {
      sendJson(res, 200, { factor: queue.slowdownFactor });
      return;
    }
    requireMethod(req, 'POST', '/parm-bench/v1/slowdown');
    const body = await readBody(req);
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw new RequestError(400, `the body must be JSON {"factor": F}: ${(err as Error).message}`);
    }
    const factor = isJsonObject(value) ? value.factor : undefined;
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1) {
      throw new RequestError(400, `the body must be {"factor": F} with F a number >= 1 (1 = no slowdown), got ${JSON.stringify(value)}`);
    }
    queue.setSlowdown(factor);
    sendJson(res, 200, { factor });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawPath = (req.url ?? '/').split('?')[0];
    let segments: string[];
    try {
      segments = rawPath.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      throw new RequestError(400, `the path ${JSON.stringify(rawPath)} has a malformed percent-encoding`);
    }
    const path = '/' + segments.join('/');
    if (segments[0] === 'v2') {
      if (segments.length === 1) {
        requireMethod(req, 'GET', path);
        return sendJson(res, 200, serverMetadata);
      }
      if (segments[1] === 'health' && segments.length === 3 && (segments[2] === 'live' || segments[2] === 'ready')) {
        requireMethod(req, 'GET', path);
        return sendJson(res, 200, { [segments[2]]: true });
      }
      if (segments[1] === 'models' && segments.length >= 3) {
        const served = modelOr404(segments[2]);
        let rest = segments.slice(3);
        if (rest[0] === 'versions') {
          if (rest.length < 2) throw new RequestError(404, `no route ${path}: give a version, e.g. /v2/models/${served.name}/versions/1`);
          if (rest[1] !== '1') throw new RequestError(404, `model "${served.name}" has no version "${rest[1]}"; its only version is "1"`);
          rest = rest.slice(2);
        }
        if (rest.length === 0) {
          requireMethod(req, 'GET', path);
          return sendJson(res, 200, modelMetadata(served));
        }
        if (rest.length === 1 && rest[0] === 'ready') {
          requireMethod(req, 'GET', path);
          return sendJson(res, 200, { name: served.name, ready: true });
        }
        if (rest.length === 1 && rest[0] === 'infer') {
          requireMethod(req, 'POST', path);
          return infer(req, res);
        }
      }
    }
    if (segments[0] === 'parm-bench' && segments[1] === 'v1' && segments.length === 3) {
      if (segments[2] === 'slowdown') return slowdown(req, res);
      if (segments[2] === 'stats') {
        requireMethod(req, 'GET', path);
        return sendJson(res, 200, stats());
      }
    }
    throw new RequestError(
      404,
      `no route ${req.method} ${path}; this server answers /v2, /v2/health/{live,ready}, /v2/models/${model.name}[/ready|/infer], /parm-bench/v1/{slowdown,stats}`,
    );
  }

  const server: Server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof RequestError) sendError(res, err.status, err.message);
      else sendError(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  // Idle keep-alive connections stay open long: clients reuse them for every request.
  server.keepAliveTimeout = 10 * 60 * 1000;
  server.headersTimeout = 11 * 60 * 1000;
  server.requestTimeout = 0;

  // A client that announces its body (Expect: 100-continue) learns about an oversized body before sending it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      res.setHeader('Connection', 'close');
      sendError(res, 413, `the request body is ${declared} bytes; this server accepts at most ${maxBodyBytes} (--max-body-bytes)`);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });

  // Requests node cannot parse (bad request line, headers, chunking) are answered here, not crashed on.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const text = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
    rejected.set(status, (rejected.get(status) ?? 0) + 1);
    const body = JSON.stringify({ error: `malformed HTTP request (${code || 'parse error'}): ${err.message}` });
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the instance server has no TCP address');
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  const framedListen = options.framed === undefined ? { transport: 'tcp' as const } : options.framed;
  let framed: FramedTransportServer | null = null;
  if (framedListen !== null) {
    try {
      framed = await startFramedTransport({
        listen: framedListen,
        model,
        queue,
        maxRequestBytes: maxBodyBytes,
        onRejected: (status) => rejected.set(status, (rejected.get(status) ?? 0) + 1),
      });
    } catch (err) {
      server.close();
      server.closeAllConnections();
      throw err;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    host,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    model,
    mode,
    outputs,
    serviceTime,
    framed: framed?.address ?? null,
    stats,
    setSlowdown: (factor) => queue.setSlowdown(factor),
    close: () => {
      closing ??= Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        framed?.close(),
      ]).then(() => undefined);
      return closing;
    },
  };
}
