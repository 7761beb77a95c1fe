import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { FrameReader } from '../harness/instance-server/frame-reader.ts';
import {
  CONNECTION_ID,
  encodeCancel,
  encodeError,
  encodeHello,
  encodeInferRequest,
  encodeOk,
  HEADER_BYTES,
  OP_INFER,
  KIND_ERROR,
  KIND_HELLO,
  KIND_OK,
  parseFramedAddress,
  readFloats,
  readHeader,
  readText,
  socketPath,
  type FrameHeader,
  type FramedAddress,
} from '../harness/instance-server/framed-protocol.ts';
import { FramedClient } from '../harness/instances/framed-client.ts';
import type { InferenceOutcome } from '../systems/instance.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { startServerProcess, type ServerProcess } from './scripts/instance-server-process.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

interface ReceivedFrame extends FrameHeader {
  readonly body: Buffer;
}

/** A hand-driven framed connection: writes raw bytes, hands out the frames received in order. */
class RawConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  private readonly frames: ReceivedFrame[] = [];
  private waiter: (() => void) | null = null;

  constructor(address: FramedAddress) {
    this.socket = address.transport === 'tcp' ? connect(address.port, address.host) : connect(socketPath(address.path));
    const reader = new FrameReader(1 << 24, HEADER_BYTES, {
      onFrame: (body) => {
        const header = readHeader(body);
        assert.ok(header !== null, 'the server sent a frame shorter than a header');
        this.frames.push({ ...header, body: Buffer.from(body) });
        this.waiter?.();
      },
      onOversized: () => assert.fail('the server sent an oversized frame'),
    });
    this.socket.on('data', (chunk: Buffer) => reader.push(chunk));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    void this.closed.then(() => this.waiter?.());
  }

  /** The next frame, or null if the connection closes first (or nothing comes within 5 s). */
  async next(): Promise<ReceivedFrame | null> {
    const end = Date.now() + 5000;
    while (this.frames.length === 0) {
      if (this.socket.destroyed || Date.now() > end) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 100);
      });
    }
    return this.frames.shift() ?? null;
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }
}

function frameOf(body: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return Buffer.concat([length, body]);
}

function inferOnce(client: FramedClient, input: Float32Array, batch: number): Promise<InferenceOutcome> {
  return new Promise((resolve) => client.infer(input, batch, resolve));
}

async function withServer(args: readonly string[], body: (server: ServerProcess, address: FramedAddress) => Promise<void>): Promise<void> {
  const server = await startServerProcess(args);
  try {
    const address = parseFramedAddress(server.ready.framed);
    assert.ok(address !== null, `the ready line announces the framed endpoint: ${JSON.stringify(server.ready)}`);
    await body(server, address);
  } finally {
    await server.stop();
  }
}

test('framed endpoint (TCP and abstract Unix socket): outputs equal OnnxModel for batch 1 and batch > 1, pipelined requests keep their ids', { timeout: 60_000 }, async () => {
  const files = writeTestModel({ seed: 4 });
  const model = await OnnxModel.load(files.path);
  try {
    const sockets: (readonly string[])[] = [[]];
    if (process.platform === 'linux') sockets.push(['--framed-socket', `@parm-bench-test-${process.pid}`]);
    for (const extra of sockets) {
      await withServer(['--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"zero"}', ...extra], async (_server, address) => {
        assert.equal(address.transport, extra.length === 0 ? 'tcp' : 'unix');
        const client = await FramedClient.connect(address, { label: 'mlp-0' });
        try {
          assert.deepEqual({ ...client.model }, { version: 1, modelName: 'mlp', inputSize: 64, outputSize: 5, maxRequestBytes: 64 * 1024 * 1024 });
          for (const batch of [1, 3]) {
            const x = randomInputs(10 + batch, batch * files.inputSize);
            let returned = false;
            const outcome = await new Promise<InferenceOutcome>((resolve) => {
              client.infer(x, batch, (o) => {
                assert.ok(returned, 'done was called synchronously');
                resolve(o);
              });
              returned = true;
            });
            assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
            assert.ok(maxAbsDiff(outcome.output, await model.run(x, batch)) <= 1e-5, `batch ${batch}`);
          }

          // 200 requests in flight on one connection, each with its own input: every answer is its own.
          const inputs = Array.from({ length: 200 }, (_, i) => randomInputs(100 + i, (1 + (i % 3)) * files.inputSize));
          const order: number[] = [];
          const outcomes = await Promise.all(
            inputs.map(
              (x, i) =>
                new Promise<InferenceOutcome>((resolve) =>
                  client.infer(x, 1 + (i % 3), (o) => {
                    order.push(i);
                    resolve(o);
                  }),
                ),
            ),
          );
          assert.equal(client.inFlight, 0);
          for (const [i, outcome] of outcomes.entries()) {
            assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
            assert.ok(maxAbsDiff(outcome.output, await model.run(inputs[i], 1 + (i % 3))) <= 1e-5, `request ${i} got another request's answer`);
          }
          assert.deepEqual(order, [...order].sort((a, b) => a - b), 'a FIFO server answers in order');
        } finally {
          client.close();
        }
      });
    }
  } finally {
    await model.release();
    files.remove();
  }
});

test('framed endpoint: cancel drops a queued request; refusals are error frames on a live connection', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  try {
    await withServer(['--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"constant","ms":200}', '--max-queue', '2'], async (server, address) => {
      const stats = async () => (await (await fetch(`${server.url}/parm-bench/v1/stats`)).json()) as { served: number; cancelled: number; rejected: Record<string, number> };
      const client = await FramedClient.connect(address);
      try {
        const x = randomInputs(1, files.inputSize);
        // One in service, then one queued and cancelled: no callback, not served, counted as cancelled.
        const first = inferOnce(client, x, 1);
        await new Promise((r) => setTimeout(r, 20));
        let cancelledCalled = false;
        const queued = client.infer(x, 1, () => (cancelledCalled = true));
        await new Promise((r) => setTimeout(r, 20));
        queued.cancel();
        queued.cancel(); // twice is harmless
        assert.ok((await first).ok);
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(cancelledCalled, false);
        let s = await stats();
        assert.equal(s.served, 1);
        assert.equal(s.cancelled, 1);

        // A full queue: an error frame, reported as a failure of a live instance.
        const burst = await Promise.all(Array.from({ length: 4 }, () => inferOnce(client, x, 1)));
        const refused = burst.filter((o) => !o.ok);
        assert.equal(refused.length, 1, 'one in service, two waiting, the fourth refused');
        assert.ok(!refused[0].ok && !refused[0].instanceDown && /queue of model "mlp" is full/.test(refused[0].error.message), JSON.stringify(refused[0]));
        s = await stats();
        assert.equal(s.rejected['503'], 1);
      } finally {
        client.close();
      }

      // Wrong batch and wrong data length, sent raw: error frames for that id, the connection goes on.
      const raw = new RawConnection(address);
      assert.equal((await raw.next())?.code, KIND_HELLO);
      const x = randomInputs(2, files.inputSize);
      raw.send(encodeInferRequest(5, 2, x)); // data for 1 sample, batch 2
      raw.send(encodeInferRequest(6, 0, new Float32Array(0)));
      const r5 = await raw.next();
      assert.deepEqual([r5?.id, r5?.code], [5, KIND_ERROR]);
      assert.match(readText(r5!.body), /takes 64 values per sample .* a batch of 2 needs 512 bytes of FP32 data, the frame has 256/);
      const r6 = await raw.next();
      assert.deepEqual([r6?.id, r6?.code], [6, KIND_ERROR]);
      assert.match(readText(r6!.body), /batch must be at least 1, got 0/);
      raw.socket.destroy();
    });
  } finally {
    files.remove();
  }
});

test('framed endpoint: malformed frames get a connection error and a close; the server keeps serving', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  const model = await OnnxModel.load(files.path);
  try {
    await withServer(['--model', files.path, '--name', 'mlp', '--mode', 'real', '--max-body-bytes', '1000'], async (server, address) => {
      const x = randomInputs(3, files.inputSize);
      const body = (id: number, op: number, batch: number, data: Uint8Array = new Uint8Array(0)): Buffer => {
        const b = Buffer.alloc(HEADER_BYTES + data.length);
        b.writeUInt32LE(id, 0);
        b[4] = op;
        b.writeUInt32LE(batch, 8);
        b.set(data, HEADER_BYTES);
        return b;
      };
      const data = Buffer.from(x.buffer, x.byteOffset, x.byteLength);

      // Requests refused on a connection that stays usable: unknown op, oversized (skipped), wrong data length.
      const raw = new RawConnection(address);
      assert.equal((await raw.next())?.code, KIND_HELLO);
      raw.send(frameOf(body(1, 9, 1, data)));
      raw.send(frameOf(body(2, 1, 4, Buffer.concat([data, data, data, data])))); // 1036 bytes > 1000
      raw.send(frameOf(body(3, 1, 1, data.subarray(0, 255))));
      raw.send(encodeCancel(99)); // nothing to cancel: no answer
      raw.send(frameOf(body(4, 1, 1, data)));
      const answers = [await raw.next(), await raw.next(), await raw.next(), await raw.next()];
      assert.deepEqual(answers.map((a) => [a?.id, a?.code]), [[1, KIND_ERROR], [2, KIND_ERROR], [3, KIND_ERROR], [4, KIND_OK]]);
      assert.match(readText(answers[0]!.body), /unknown op 9/);
      assert.match(readText(answers[1]!.body), /the request is 1036 bytes; this server accepts at most 1000/);
      assert.match(readText(answers[2]!.body), /the frame has 255/);
      assert.ok(maxAbsDiff(readFloats(answers[3]!.body), await model.run(x, 1)) <= 1e-5);
      raw.socket.destroy();

      // Malformed: each gets a connection error (id 0) and the connection is closed.
      const malformed: [string, Buffer, RegExp][] = [
        ['a body shorter than a header', frameOf(Buffer.from([1, 2, 3])), /shorter than the 12-byte header/],
        ['id 0', frameOf(body(0, 1, 1, data)), /request id 0 is reserved/],
        ['a duplicate id in flight', Buffer.concat([frameOf(body(8, 1, 1, data)), frameOf(body(8, 1, 1, data))]), /request id 8 is already in flight/],
        ['garbage', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /malformed frame/],
      ];
      for (const [what, bytes, pattern] of malformed) {
        const c = new RawConnection(address);
        assert.equal((await c.next())?.code, KIND_HELLO);
        c.send(bytes);
        let frame = await c.next();
        while (frame !== null && frame.id !== 0) frame = await c.next(); // the answer to id 8, if it came first
        assert.ok(frame !== null, `${what}: no connection error`);
        assert.equal(frame.code, KIND_ERROR, what);
        assert.match(readText(frame.body), pattern, what);
        await c.closed;
      }
      // A connection cut in the middle of a frame.
      const cut = new RawConnection(address);
      cut.send(frameOf(body(9, 1, 1, data)).subarray(0, 40));
      await new Promise((r) => setTimeout(r, 50));
      cut.socket.destroy();

      // Still alive; a good request on a new connection works.
      assert.ok(server.alive(), server.stderr());
      const client = await FramedClient.connect(address);
      const outcome = await inferOnce(client, x, 1);
      client.close();
      assert.ok(outcome.ok && maxAbsDiff(outcome.output, await model.run(x, 1)) <= 1e-5);
      const stats = (await (await fetch(`${server.url}/parm-bench/v1/stats`)).json()) as { rejected: Record<string, number> };
      assert.equal(stats.rejected['413'], 1);
      assert.ok(stats.rejected['400'] >= 6, JSON.stringify(stats.rejected));
    });
  } finally {
    await model.release();
    files.remove();
  }
});

test('framed client: a killed server fails every request in flight with instanceDown; close() fails the rest', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  try {
    await withServer(['--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"constant","ms":200}'], async (server, address) => {
      const client = await FramedClient.connect(address, { label: 'deployed-7' });
      const x = randomInputs(4, files.inputSize);
      const counts = new Map<number, number>();
      const pending = Array.from(
        { length: 5 },
        (_, i) =>
          new Promise<InferenceOutcome>((resolve) =>
            client.infer(x, 1, (o) => {
              counts.set(i, (counts.get(i) ?? 0) + 1);
              resolve(o);
            }),
          ),
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(client.inFlight, 5);
      process.kill(server.pid, 'SIGKILL');
      const outcomes = await Promise.all(pending);
      for (const o of outcomes) {
        assert.ok(!o.ok && o.instanceDown, JSON.stringify(o));
        assert.match(!o.ok ? o.error.message : '', /^deployed-7: /);
      }
      const again = await inferOnce(client, x, 1);
      assert.ok(!again.ok && again.instanceDown, 'a dead instance stays down');
      await new Promise((r) => setTimeout(r, 50));
      assert.ok([...counts.values()].every((n) => n === 1), 'each callback ran exactly once');
      client.close();
      const closed = await inferOnce(client, x, 1);
      assert.ok(!closed.ok && closed.instanceDown && /the client was closed/.test(closed.error.message));
    });

    await withServer(['--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"constant","ms":200}'], async (_server, address) => {
      const client = await FramedClient.connect(address);
      const x = randomInputs(5, files.inputSize);
      const inFlight = inferOnce(client, x, 1);
      const bad = await inferOnce(client, new Float32Array(3), 1);
      assert.ok(!bad.ok && !bad.instanceDown && /takes 64 values per sample/.test(bad.error.message));
      client.close();
      const o = await inFlight;
      assert.ok(!o.ok && o.instanceDown && /the client was closed/.test(o.error.message), JSON.stringify(o));
    });
  } finally {
    files.remove();
  }
  await assert.rejects(FramedClient.connect({ transport: 'tcp', host: '127.0.0.1', port: 1 }, { label: 'nobody' }), /nobody: cannot use the framed endpoint tcp:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*is the server running/);
});

test('framed endpoint: an unusable --framed-socket stops the server at start with the reason', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  try {
    await assert.rejects(
      startServerProcess(['--model', files.path, '--framed-socket', `${files.dir}/${'s'.repeat(120)}.sock`]),
      /instance-server: cannot serve the framed protocol on .*: a Unix socket path has at most \d+ bytes; give a shorter one/,
    );
    const path = `${files.dir}/taken.sock`;
    await withServer(['--model', files.path, '--framed-socket', path], async () => {
      await assert.rejects(
        startServerProcess(['--model', files.path, '--framed-socket', path]),
        /cannot serve the framed protocol on the Unix socket .*taken\.sock: .*EADDRINUSE.*something already listens there/,
      );
    });
  } finally {
    files.remove();
  }
});

test('framed client: answers are matched by id whatever their order; error frames fail one request, a connection error all', { timeout: 20_000 }, async () => {
  // A scripted server: holds requests until it has four, then answers them in reverse order,
  // the second one with an error frame and the first with a wrong size; then a connection error.
  const received: number[][] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(encodeHello({ modelName: 'scripted', inputSize: 2, outputSize: 1, maxRequestBytes: 1000 }));
    const held: { id: number; batch: number; input: Float32Array }[] = [];
    const reader = new FrameReader(1000, HEADER_BYTES, {
      onFrame: (body) => {
        const header = readHeader(body)!;
        if (header.code !== OP_INFER) return;
        held.push({ id: header.id, batch: header.batch, input: readFloats(body) });
        received.push(Array.from(readFloats(body)));
        if (held.length === 4) {
          const [a, b, c, d] = held;
          // Each output is the sum of the request's two inputs.
          socket.write(encodeOk(d.id, 1, Float32Array.from([d.input[0] + d.input[1]])));
          socket.write(encodeOk(c.id, 1, Float32Array.from([c.input[0] + c.input[1]])));
          socket.write(encodeError(b.id, 'scripted refusal'));
          socket.write(encodeOk(a.id, 1, Float32Array.from([1, 2])));
        }
        if (held.length === 6) socket.end(encodeError(CONNECTION_ID, 'malformed frame: scripted; closing the connection'));
      },
      onOversized: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const client = await FramedClient.connect({ transport: 'tcp', host: '127.0.0.1', port }, { label: 'scripted-0' });
  try {
    assert.equal(client.model.modelName, 'scripted');
    const outcomes = await Promise.all([1, 2, 3, 4].map((i) => inferOnce(client, Float32Array.from([i, 10 * i]), 1)));
    assert.deepEqual(received, [[1, 10], [2, 20], [3, 30], [4, 40]]);
    assert.ok(!outcomes[0].ok && !outcomes[0].instanceDown && /does not fit a batch of 1/.test(outcomes[0].error.message), JSON.stringify(outcomes[0]));
    assert.ok(!outcomes[1].ok && !outcomes[1].instanceDown && outcomes[1].error.message === 'scripted-0: scripted refusal');
    assert.deepEqual(outcomes[2].ok && Array.from(outcomes[2].output), [33]);
    assert.deepEqual(outcomes[3].ok && Array.from(outcomes[3].output), [44]);

    // The server's connection error: both requests in flight fail, from a live instance.
    const closed = await Promise.all([5, 6].map((i) => inferOnce(client, Float32Array.from([i, i]), 1)));
    for (const o of closed) assert.ok(!o.ok && !o.instanceDown && /the server closed the connection: malformed frame: scripted/.test(o.error.message), JSON.stringify(o));
    // The next request opens a new connection.
    const next = inferOnce(client, Float32Array.from([7, 70]), 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(received.at(-1), [7, 70]);
    client.close();
    const o = await next;
    assert.ok(!o.ok && o.instanceDown);
  } finally {
    client.close();
    server.close();
  }
});
