/**
 * A client of one parm-bench instance server over the framed protocol
 * (harness/instance-server/framed-protocol.ts): one persistent connection (Nagle off), many
 * requests in flight, answers matched by id. Requests made in the same tick go out in one write.
 *
 * Outcomes follow systems/instance.ts: a refused, reset or closed connection means the instance
 * is down, for every request in flight on it; an error frame is a failed inference from a live
 * instance, with the server's message. After the connection is lost, the next request opens a
 * new one (refused at once if the server is gone).
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { InferenceHandle, InferenceOutcome } from '../../systems/instance.ts';
import { FrameReader } from '../instance-server/frame-reader.ts';
import {
  CONNECTION_ID,
  describeFramedAddress,
  encodeCancel,
  encodeInferRequest,
  FRAMED_PROTOCOL_VERSION,
  HEADER_BYTES,
  KIND_ERROR,
  KIND_HELLO,
  KIND_OK,
  MAX_REQUEST_ID,
  readFloats,
  readHeader,
  readHello,
  readText,
  socketPath,
  type FramedAddress,
  type FramedHello,
} from '../instance-server/framed-protocol.ts';

export interface FramedClientOptions {
  /** Names the instance in errors, e.g. "deployed-3"; default the address. */
  readonly label?: string;
  /** Time limit of the first connection and hello; default 10 s. */
  readonly connectTimeoutMs?: number;
}

/** Longest answer accepted: far beyond any output of a served model (a longer one means a broken stream). */
const MAX_RESPONSE_BYTES = 1 << 30;

interface Pending {
  readonly batch: number;
  readonly done: (outcome: InferenceOutcome) => void;
}

/** One connection and the requests in flight on it. */
interface Connection {
  readonly socket: Socket;
  readonly pending: Map<number, Pending>;
  /** Frames written in this tick, sent together at its end. */
  outbox: Buffer[];
  hello: FramedHello | null;
  /** Why the connection is being closed, when this side or the server said so. */
  reason: string | null;
  /** The server's connection error: requests in flight failed on a live instance. */
  serverError: boolean;
  /** Settles with the server's hello, or when the connection closes before it. */
  readonly ready: Promise<void>;
}

export class FramedClient {
  private connection: Connection | null = null;
  private hello: FramedHello | null = null;
  private nextId = 1;
  private closed = false;

  private constructor(
    readonly address: FramedAddress,
    readonly label: string,
  ) {}

  /** Connects and reads the server's hello; rejects with a clear message if nobody answers in the framed protocol. */
  static async connect(address: FramedAddress, options: FramedClientOptions = {}): Promise<FramedClient> {
    const where = describeFramedAddress(address);
    const client = new FramedClient(address, options.label ?? where);
    const connection = client.open();
    const timeoutMs = options.connectTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        connection.ready,
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no hello within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      client.close();
      throw new Error(`${client.label}: cannot use the framed endpoint ${where}: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  /** What the server said about its model in its hello. */
  get model(): FramedHello {
    if (this.hello === null) throw new Error(`${this.label}: the framed client has not connected yet`);
    return this.hello;
  }

  /** Requests sent and not yet answered, cancelled or failed. */
  get inFlight(): number {
    return this.connection?.pending.size ?? 0;
  }

  /**
   * Runs the model on `batch` samples and calls `done` exactly once, never synchronously, unless
   * cancelled first (cancel asks the server to drop the request if it has not started it).
   */
  infer(input: Float32Array, batch: number, done: (outcome: InferenceOutcome) => void): InferenceHandle {
    const problem = this.checkInput(input, batch);
    if (problem !== null || this.closed) {
      let cancelled = false;
      const error = new Error(`${this.label}: ${problem ?? 'the client was closed'}`);
      queueMicrotask(() => {
        if (!cancelled) done({ ok: false, error, instanceDown: problem === null });
      });
      return { cancel: () => (cancelled = true) };
    }
    const connection = this.connection ?? this.open();
    const id = this.takeId(connection);
    connection.pending.set(id, { batch, done });
    this.send(connection, encodeInferRequest(id, batch, input));
    return {
      cancel: () => {
        if (connection.pending.delete(id) && !connection.socket.destroyed) this.send(connection, encodeCancel(id));
      },
    };
  }

  /** Closes the connection; requests in flight and later ones fail with instanceDown. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.connection;
    if (c !== null) {
      c.reason ??= 'the client was closed';
      c.socket.destroy();
    }
  }

  private checkInput(input: Float32Array, batch: number): string | null {
    const m = this.model;
    if (!Number.isInteger(batch) || batch < 1) return `batch must be a positive integer, got ${batch}`;
    if (!(input instanceof Float32Array)) return 'the input must be a Float32Array';
    if (input.length !== batch * m.inputSize) {
      return `the model takes ${m.inputSize} values per sample; got ${input.length} values for a batch of ${batch}`;
    }
    if (HEADER_BYTES + input.byteLength > m.maxRequestBytes) {
      return `a batch of ${batch} is ${HEADER_BYTES + input.byteLength} bytes; the server accepts at most ${m.maxRequestBytes} (its --max-body-bytes)`;
    }
    return null;
  }

  /** An id not in flight (ids wrap around after 2^32 - 1 and skip 0). */
  private takeId(connection: Connection): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id === MAX_REQUEST_ID ? 1 : id + 1;
      if (id !== CONNECTION_ID && !connection.pending.has(id)) return id;
    }
  }

  private send(connection: Connection, frame: Buffer): void {
    if (connection.outbox.length === 0) process.nextTick(() => this.flush(connection));
    connection.outbox.push(frame);
  }

  private flush(connection: Connection): void {
    const frames = connection.outbox;
    connection.outbox = [];
    if (connection.socket.destroyed || frames.length === 0) return;
    connection.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  private open(): Connection {
    const socket = openSocket(this.address);
    let helloArrived: () => void = () => undefined;
    let closedEarly: (err: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      helloArrived = resolve;
      closedEarly = reject;
    });
    ready.catch(() => undefined); // only connect() waits for it
    const connection: Connection = { socket, pending: new Map(), outbox: [], hello: null, reason: null, serverError: false, ready };
    this.connection = connection;
    const stop = (reason: string, serverError = false): void => {
      connection.reason ??= reason;
      connection.serverError ||= serverError;
      reader.stop();
      socket.destroy();
    };
    const onHello = (body: Buffer): void => {
      let hello: FramedHello;
      try {
        hello = readHello(body);
      } catch (err) {
        return stop((err as Error).message);
      }
      if (hello.version !== FRAMED_PROTOCOL_VERSION) {
        return stop(`the server speaks framed protocol version ${hello.version}, this client version ${FRAMED_PROTOCOL_VERSION}`);
      }
      const known = this.hello;
      if (known !== null && (hello.inputSize !== known.inputSize || hello.outputSize !== known.outputSize || hello.modelName !== known.modelName)) {
        return stop(`the server at ${describeFramedAddress(this.address)} now serves another model ("${hello.modelName}")`);
      }
      this.hello ??= hello;
      connection.hello = hello;
      helloArrived();
    };
    const reader = new FrameReader(MAX_RESPONSE_BYTES, HEADER_BYTES, {
      onFrame: (body) => {
        const header = readHeader(body);
        if (header === null) return stop(`the server sent a frame of ${body.length} bytes, shorter than a header`);
        if (connection.hello === null) {
          if (header.code !== KIND_HELLO) return stop('the server did not start with a hello: is this a parm-bench instance server?');
          return onHello(body);
        }
        if (header.id === CONNECTION_ID) {
          const serverError = header.code === KIND_ERROR;
          return stop(serverError ? `the server closed the connection: ${readText(body)}` : 'the server sent an unexpected frame', serverError);
        }
        const request = connection.pending.get(header.id);
        if (request === undefined) return; // cancelled
        connection.pending.delete(header.id);
        request.done(this.outcomeOf(header.code, header.batch, body, request.batch));
      },
      onOversized: (_head, length) => stop(`the server sent a frame of ${length} bytes: is this a parm-bench instance server?`),
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? ' (is the server running?)' : '';
      connection.reason ??= `instance unreachable: ${err.message}${hint}`;
    });
    socket.on('close', () => {
      reader.stop();
      if (this.connection === connection) this.connection = null;
      const reason = connection.reason ?? 'the server closed the connection';
      closedEarly(new Error(reason));
      const failed = [...connection.pending.values()];
      connection.pending.clear();
      for (const request of failed) {
        request.done({ ok: false, error: new Error(`${this.label}: ${reason}`), instanceDown: !connection.serverError });
      }
    });
    return connection;
  }

  private outcomeOf(kind: number, batch: number, body: Buffer, askedBatch: number): InferenceOutcome {
    if (kind === KIND_ERROR) return { ok: false, error: new Error(`${this.label}: ${readText(body)}`), instanceDown: false };
    const expected = HEADER_BYTES + askedBatch * this.model.outputSize * 4;
    if (kind !== KIND_OK || batch !== askedBatch || body.length !== expected) {
      return {
        ok: false,
        error: new Error(`${this.label}: the server's answer (kind ${kind}, batch ${batch}, ${body.length} bytes) does not fit a batch of ${askedBatch} (${expected} bytes)`),
        instanceDown: false,
      };
    }
    return { ok: true, output: readFloats(body) };
  }
}

function openSocket(address: FramedAddress): Socket {
  const socket = address.transport === 'tcp' ? netConnect({ host: address.host, port: address.port, noDelay: true }) : netConnect({ path: socketPath(address.path) });
  return socket;
}
