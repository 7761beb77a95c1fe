import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfToFloat, parseInferRequest } from '../harness/instance-server/infer-request.ts';
import { encodeInferResponse } from '../harness/instance-server/infer-response.ts';
import { RequestError } from '../harness/instance-server/request-error.ts';
import type { ServedModelSignature } from '../harness/instance-server/served-model.ts';

const model: ServedModelSignature = { name: 'm', inputName: 'x', inputShape: [2, 2], inputSize: 4, outputName: 'y', outputSize: 3 };

function binaryBody(header: unknown, bytes: Buffer): { body: Buffer; hlen: string } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, bytes]), hlen: String(json.length) };
}

test('JSON request: flat or nested FP32 data, id, binary output requested either way', () => {
  const flat = parseInferRequest(Buffer.from(JSON.stringify({ id: 'a', inputs: [{ name: 'x', shape: [1, 2, 2], datatype: 'FP32', data: [1, 2, 3, 4.5] }] })), undefined, model);
  assert.deepEqual(flat, { id: 'a', batch: 1, input: new Float32Array([1, 2, 3, 4.5]), binaryOutput: false });
  const nested = parseInferRequest(
    Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2, 2, 2], datatype: 'FP32', data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }], parameters: { binary_data_output: true } })),
    undefined,
    model,
  );
  assert.equal(nested.batch, 2);
  assert.deepEqual(Array.from(nested.input), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(nested.binaryOutput, true);
  const perOutput = parseInferRequest(
    Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'y', parameters: { binary_data: false } }], parameters: { binary_data_output: true } })),
    undefined,
    model,
  );
  assert.equal(perOutput.binaryOutput, false, 'the per-output setting wins');
});

test('exact conversions: UINT8, INT16 and FP16 inputs become FP32; FP64 and INT32 are refused', () => {
  const u8 = binaryBody({ inputs: [{ name: 'x', shape: [1, 2, 2], datatype: 'UINT8', parameters: { binary_data_size: 4 } }] }, Buffer.from([0, 1, 128, 255]));
  assert.deepEqual(Array.from(parseInferRequest(u8.body, u8.hlen, model).input), [0, 1, 128, 255]);

  const i16 = Buffer.alloc(8);
  [-32768, -1, 0, 32767].forEach((v, i) => i16.writeInt16LE(v, i * 2));
  const b16 = binaryBody({ inputs: [{ name: 'x', shape: [1, 2, 2], datatype: 'INT16', parameters: { binary_data_size: 8 } }] }, i16);
  assert.deepEqual(Array.from(parseInferRequest(b16.body, b16.hlen, model).input), [-32768, -1, 0, 32767]);

  const half = Buffer.alloc(8);
  [0x3c00, 0xc000, 0x3555, 0x0001].forEach((v, i) => half.writeUInt16LE(v, i * 2)); // 1, -2, 0.333251953125, 2^-24
  const bh = binaryBody({ inputs: [{ name: 'x', shape: [1, 2, 2], datatype: 'FP16', parameters: { binary_data_size: 8 } }] }, half);
  assert.deepEqual(Array.from(parseInferRequest(bh.body, bh.hlen, model).input), [1, -2, 0.333251953125, 2 ** -24]);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));

  const json = (datatype: string, data: unknown[]) => Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2, 2], datatype, data }] }));
  assert.deepEqual(Array.from(parseInferRequest(json('INT8', [-128, 0, 5, 127]), undefined, model).input), [-128, 0, 5, 127]);
  for (const [datatype, data, pattern] of [
    ['FP64', [1, 2, 3, 4], /datatype FP64 is not accepted/],
    ['INT32', [1, 2, 3, 4], /datatype INT32 is not accepted/],
    ['INT8', [1, 2, 3, 128], /value 3 \(128\) is not a valid INT8 value/],
    ['UINT16', [1, 2, 3, 0.5], /value 3 \(0.5\) is not a valid UINT16 value/],
  ] as const) {
    assert.throws(
      () => parseInferRequest(json(datatype, [...data]), undefined, model),
      (err: unknown) => err instanceof RequestError && err.status === 400 && pattern.test(err.message),
      datatype,
    );
  }
});

test('binary request: FP32 bytes at an odd offset, and the response in both forms', () => {
  const values = new Float32Array([0.1, -2, 3.5, 1e-20, 7, 8, 9, 10]);
  const bytes = Buffer.alloc(32);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  // A header of odd length puts the tensor at an unaligned offset.
  const { body, hlen } = binaryBody({ id: 'odd', inputs: [{ name: 'x', shape: [2, 2, 2], datatype: 'FP32', parameters: { binary_data_size: 32 } }], outputs: [{ name: 'y', parameters: { binary_data: true } }], z: 'p' }, bytes);
  const req = parseInferRequest(body, hlen, model);
  assert.deepEqual(req.input, values);
  assert.equal(req.binaryOutput, true);

  const out = new Float32Array([1, 2, 3, 4, 5, 6]);
  const bin = encodeInferResponse(model, req, out);
  assert.equal(bin.contentType, 'application/octet-stream');
  const header = JSON.parse(bin.body.subarray(0, bin.headerLength).toString()) as Record<string, unknown>;
  assert.deepEqual(header, { model_name: 'm', model_version: '1', id: 'odd', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 24 } }] });
  const raw = bin.body.subarray(bin.headerLength!);
  assert.deepEqual(Array.from({ length: 6 }, (_, i) => raw.readFloatLE(i * 4)), [1, 2, 3, 4, 5, 6]);

  const asJson = encodeInferResponse(model, { ...req, binaryOutput: false }, out);
  assert.equal(asJson.headerLength, undefined);
  assert.deepEqual(JSON.parse(asJson.body.toString()), { model_name: 'm', model_version: '1', id: 'odd', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }] });
});
