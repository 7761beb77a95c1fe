import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader } from '../harness/instance-server/frame-reader.ts';
import { encodeError, encodeHello, encodeInferRequest, encodeOk, HEADER_BYTES, KIND_OK, OP_INFER, readFloats, readHeader, readHello, readText } from '../harness/instance-server/framed-protocol.ts';

function collect(max = 1 << 20): { reader: FrameReader; frames: Buffer[]; oversized: [Buffer, number][] } {
  const frames: Buffer[] = [];
  const oversized: [Buffer, number][] = [];
  const reader = new FrameReader(max, HEADER_BYTES, {
    onFrame: (body) => frames.push(Buffer.from(body)),
    onOversized: (head, length) => oversized.push([Buffer.from(head), length]),
  });
  return { reader, frames, oversized };
}

test('framed protocol: frames round-trip; the reader cuts them whatever the chunks', () => {
  const input = Float32Array.from([1.5, -2, 3.25, 0]);
  const stream = Buffer.concat([
    encodeInferRequest(7, 2, input),
    encodeOk(8, 1, Float32Array.from([0.5, 9])),
    encodeError(9, 'batch must be at least 1, got 0 — ünïcode'),
    encodeHello({ modelName: 'mlp', inputSize: 64, outputSize: 5, maxRequestBytes: 1000 }),
  ]);
  // Every way of cutting the stream in two, and byte by byte.
  const cuts: Buffer[][] = [];
  for (let at = 0; at <= stream.length; at++) cuts.push([stream.subarray(0, at), stream.subarray(at)]);
  cuts.push(Array.from(stream, (b) => Buffer.from([b])));
  for (const chunks of cuts) {
    const { reader, frames } = collect();
    for (const chunk of chunks) if (chunk.length > 0) reader.push(chunk);
    assert.equal(frames.length, 4);
    assert.equal(reader.buffered, 0);
    assert.deepEqual(readHeader(frames[0]), { id: 7, code: OP_INFER, batch: 2 });
    assert.deepEqual(readFloats(frames[0]), input);
    assert.deepEqual(readHeader(frames[1]), { id: 8, code: KIND_OK, batch: 1 });
    assert.deepEqual(readFloats(frames[1]), Float32Array.from([0.5, 9]));
    assert.equal(readText(frames[2]), 'batch must be at least 1, got 0 — ünïcode');
    assert.deepEqual(readHello(frames[3]), { version: 1, modelName: 'mlp', inputSize: 64, outputSize: 5, maxRequestBytes: 1000 });
  }
  assert.equal(readHeader(Buffer.alloc(HEADER_BYTES - 1)), null);
  assert.equal(readText(encodeError(1, 'x'.repeat(10_000)).subarray(4)).length, 4096);
  const cut = readText(encodeError(1, 'é'.repeat(5000)).subarray(4));
  assert.match(cut, /^é+\.\.\.$/);
  assert.ok(Buffer.byteLength(cut) <= 4096);
});

test('framed protocol: an oversized frame shows its head and is skipped, even across chunks', () => {
  const big = encodeInferRequest(3, 1, new Float32Array(100)); // 412-byte body
  const after = encodeInferRequest(4, 1, Float32Array.from([1]));
  const stream = Buffer.concat([big, after, big]);
  for (const step of [1, 7, 100, stream.length]) {
    const { reader, frames, oversized } = collect(64);
    for (let at = 0; at < stream.length; at += step) reader.push(stream.subarray(at, at + step));
    assert.equal(oversized.length, 2, `step ${step}`);
    assert.deepEqual(readHeader(oversized[0][0]), { id: 3, code: OP_INFER, batch: 1 });
    assert.equal(oversized[0][1], HEADER_BYTES + 400);
    assert.equal(frames.length, 1);
    assert.deepEqual(readHeader(frames[0]), { id: 4, code: OP_INFER, batch: 1 });
  }
  const { reader, frames } = collect();
  reader.push(encodeOk(1, 1, Float32Array.from([1])));
  reader.stop();
  reader.push(encodeOk(2, 1, Float32Array.from([1])));
  assert.equal(frames.length, 1, 'a stopped reader hands out nothing more');
  assert.throws(() => new FrameReader(4, HEADER_BYTES, { onFrame: () => undefined, onOversized: () => undefined }), /at least 12 bytes/);
});
