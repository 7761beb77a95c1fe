/**
 * The instance server's framed endpoint (framed-protocol.ts): the same inference queue, the same
 * checks and the same limits as the OIP endpoint, on a TCP port of 127.0.0.1 or a Unix socket.
 * Many requests may be in flight on one connection; each is answered when its computation is
 * due, by id. A refused request gets an error frame and the connection goes on; a malformed
 * frame (whose boundaries or id cannot be trusted) gets a connection error and the connection is
 * closed. Either way the server keeps running.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameReader } from './frame-reader.ts';
import {
  CONNECTION_ID,
  encodeError,
  encodeHello,
  encodeOk,
  HEADER_BYTES,
  OP_CANCEL,
  OP_INFER,
  readFloats,
  readHeader,
  socketPath,
  type FramedAddress,
} from './framed-protocol.ts';
import type { InferenceQueue, QueueTicket } from './inference-queue.ts';
import type { ServedModelSignature } from './served-model.ts';

/** Where to listen: a TCP port (default 127.0.0.1, any free port) or a Unix socket path ("@name": Linux's abstract namespace). */
export type FramedListen =
  | { readonly transport: 'tcp'; readonly host?: string; readonly port?: number }
  | { readonly transport: 'unix'; readonly path: string };

export interface FramedTransportOptions {
  readonly listen: FramedListen;
  readonly model: ServedModelSignature;
  readonly queue: InferenceQueue;
  /** Largest request body (header included); a larger one is refused and skipped. */
  readonly maxRequestBytes: number;
  /** Counts a refused request under the HTTP status the OIP endpoint would answer it with. */
  readonly onRejected: (status: number) => void;
}

export interface FramedTransportServer {
  readonly address: FramedAddress;
  /** Stops listening and closes every connection (requests in flight get no answer). */
  close(): Promise<void>;
}

/** The longest Unix socket path (sun_path holds 108 bytes on Linux, 104 on macOS, with a final NUL). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** How long a connection closed for a malformed frame may take to read its error before it is cut. */
const CLOSE_GRACE_MS = 1000;

export async function startFramedTransport(options: FramedTransportOptions): Promise<FramedTransportServer> {
  const { model, queue, maxRequestBytes, onRejected } = options;
  const bytesPerSample = model.inputSize * 4;
  const hello = encodeHello({ modelName: model.name, inputSize: model.inputSize, outputSize: model.outputSize, maxRequestBytes });
  const sockets = new Set<Socket>();

  function serve(socket: Socket): void {
    sockets.add(socket);
    socket.setNoDelay(true);
    const inFlight = new Map<number, QueueTicket>();
    let closing = false;

    const refuse = (id: number, status: number, message: string): void => {
      onRejected(status);
      if (!closing) socket.write(encodeError(id, message));
    };
    /** A malformed frame: say why, drop the connection's work, close. */
    const fail = (message: string): void => {
      if (closing) return;
      onRejected(400);
      closing = true;
      reader.stop();
      dropAll();
      socket.end(encodeError(CONNECTION_ID, `malformed frame: ${message}; closing the connection`));
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    };
    const dropAll = (): void => {
      const tickets = [...inFlight.values()];
      inFlight.clear();
      for (const ticket of tickets) ticket.cancel();
    };

    const infer = (id: number, batch: number, body: Buffer): void => {
      if (batch < 1) return refuse(id, 400, `batch must be at least 1, got ${batch}`);
      const dataBytes = body.length - HEADER_BYTES;
      if (dataBytes !== batch * bytesPerSample) {
        return refuse(
          id,
          400,
          `input "${model.inputName}" takes ${model.inputSize} values per sample ([${model.inputShape.join(', ')}]); ` +
            `a batch of ${batch} needs ${batch * bytesPerSample} bytes of FP32 data, the frame has ${dataBytes}`,
        );
      }
      const ticket = queue.offer({
        input: readFloats(body),
        batch,
        finish: (result) => {
          // Gone from the map: cancelled, or the connection closed.
          if (!inFlight.delete(id) || closing || socket.destroyed) return;
          if (!result.ok) {
            refuse(id, 500, `model "${model.name}" failed on this request: ${result.error.message}`);
            return;
          }
          socket.write(encodeOk(id, batch, result.output));
        },
      });
      if (ticket === null) {
        return refuse(id, 503, `the queue of model "${model.name}" is full (${queue.length} requests waiting, --max-queue); retry later`);
      }
      // The job finishes in a later turn at the earliest (the model runs asynchronously).
      inFlight.set(id, ticket);
    };

    const reader = new FrameReader(Math.max(maxRequestBytes, HEADER_BYTES), HEADER_BYTES, {
      onFrame: (body) => {
        const header = readHeader(body);
        if (header === null) return fail(`a frame body of ${body.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
        const { id, code, batch } = header;
        if (id === CONNECTION_ID) return fail(`request id ${CONNECTION_ID} is reserved`);
        if (code === OP_CANCEL) {
          const ticket = inFlight.get(id);
          if (ticket !== undefined) {
            inFlight.delete(id);
            ticket.cancel();
          }
          return;
        }
        if (inFlight.has(id)) return fail(`request id ${id} is already in flight on this connection`);
        if (code !== OP_INFER) return refuse(id, 400, `unknown op ${code}; ops are ${OP_INFER} (infer) and ${OP_CANCEL} (cancel)`);
        infer(id, batch, body);
      },
      onOversized: (head, bodyLength) => {
        // Skipped only if its header describes an infer request of exactly that size: otherwise the
        // "length" is more likely stray bytes than a frame, and nothing after it can be trusted.
        const header = readHeader(head);
        const plausible =
          header !== null &&
          header.id !== CONNECTION_ID &&
          !inFlight.has(header.id) &&
          header.code === OP_INFER &&
          head.readUIntLE(5, 3) === 0 &&
          bodyLength === HEADER_BYTES + header.batch * bytesPerSample;
        if (!plausible) return fail(`a length of ${bodyLength} bytes (over the ${maxRequestBytes}-byte limit) whose header does not describe an infer request of that size`);
        refuse(header.id, 413, `the request is ${bodyLength} bytes; this server accepts at most ${maxRequestBytes} (--max-body-bytes)`);
      },
    });

    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('error', () => undefined); // a reset connection: 'close' follows
    socket.on('close', () => {
      closing = true;
      reader.stop();
      dropAll();
      sockets.delete(socket);
    });
    socket.write(hello);
  }

  const listen = options.listen;
  if (listen.transport === 'unix' && Buffer.byteLength(listen.path) > MAX_SOCKET_PATH_BYTES) {
    // The system would cut it silently.
    throw new Error(`cannot serve the framed protocol on ${listen.path}: a Unix socket path has at most ${MAX_SOCKET_PATH_BYTES} bytes; give a shorter one`);
  }
  const server: Server = createServer({ noDelay: true }, serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = listen.transport === 'unix' ? `the Unix socket ${listen.path}` : `port ${listen.port ?? 0} of ${listen.host ?? '127.0.0.1'}`;
      const hint =
        err.code === 'EADDRINUSE'
          ? listen.transport === 'unix'
            ? ': something already listens there (a socket file left behind? remove it, or give another path)'
            : ': the port is taken; give another, or 0 for any free port'
          : '';
      reject(new Error(`cannot serve the framed protocol on ${where}: ${err.message}${hint}`));
    });
    const ready = (): void => {
      server.removeAllListeners('error');
      resolve();
    };
    if (listen.transport === 'unix') server.listen(socketPath(listen.path), ready);
    else server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', ready);
  });
  const bound = server.address();
  let address: FramedAddress;
  if (listen.transport === 'unix') address = { transport: 'unix', path: listen.path };
  else if (bound !== null && typeof bound === 'object') address = { transport: 'tcp', host: bound.address, port: bound.port };
  else throw new Error('the framed endpoint has no TCP address');

  let closed: Promise<void> | undefined;
  return {
    address,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
