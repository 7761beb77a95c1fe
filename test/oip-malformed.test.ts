import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { rawExchange, startServerProcess } from './scripts/instance-server-process.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

interface Reply {
  status: number;
  body: string;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'Content-Type': 'application/json', ...headers } });
  return { status: res.status, body: await res.text() };
}

function errorOf(reply: Reply): string {
  const parsed = JSON.parse(reply.body) as { error?: unknown };
  assert.equal(typeof parsed.error, 'string', `an {"error"} body, got ${reply.body}`);
  return parsed.error as string;
}

test('the instance server answers malformed requests with 4xx and a reason, and keeps serving', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  const server = await startServerProcess(['--model', files.path, '--name', 'mlp', '--mode', 'real', '--max-body-bytes', '100000']);
  const model = await OnnxModel.load(files.path);
  try {
    const infer = `${server.url}/v2/models/mlp/infer`;
    const shape = [1, ...files.inputShape];
    const good = Array.from(randomInputs(5, files.inputSize));
    const input = (over: Record<string, unknown>) => JSON.stringify({ inputs: [{ name: 'input', shape, datatype: 'FP32', data: good, ...over }] });

    // Bodies: [body, extra headers, expected status, pattern the error must match].
    const cases: [string | Buffer, Record<string, string>, number, RegExp][] = [
      ['{"inputs": [', {}, 400, /not valid JSON/],
      ['', {}, 400, /not valid JSON/],
      ['[1, 2, 3]', {}, 400, /must be a JSON object/],
      ['{"inputs": {}}', {}, 400, /"inputs" must be an array/],
      ['{"inputs": []}', {}, 400, /exactly one input/],
      ['{"inputs": [null]}', {}, 400, /inputs\[0\] must be an object/],
      [input({ name: 'image' }), {}, 400, /unknown input "image"/],
      [input({ shape: ['1', 1, 8, 8] }), {}, 400, /"shape" must be an array of integers/],
      [input({ shape: [0, 1, 8, 8] }), {}, 400, /has shape \[0, 1, 8, 8\]/],
      [input({ shape: [1e15, 1, 8, 8] }), {}, 400, /needs 64000000000000000 values/],
      [input({ datatype: 'FLOAT' }), {}, 400, /must be an OIP datatype/],
      [input({ data: good.slice(1) }), {}, 400, /needs 64 values in "data", got 63/],
      [input({ data: [...good, 1] }), {}, 400, /got more than that/],
      [input({ data: good.map((v, i) => (i === 3 ? 'x' : v)) }), {}, 400, /only numbers, found "x" at value 3/],
      [input({ data: good.map((v, i) => (i === 0 ? 1e39 : v)) }), {}, 400, /outside the FP32 range/],
      [input({ datatype: 'UINT8', data: good }), {}, 400, /is not a valid UINT8 value/],
      [input({ data: undefined }), {}, 400, /neither "data" nor/],
      ['{"id": 5, "inputs": []}', {}, 400, /"id" must be a string/],
      [JSON.stringify({ inputs: [{ name: 'input', shape, datatype: 'FP32', data: good }], outputs: [{ name: 'probs' }] }), {}, 400, /unknown output "probs"/],
      ['['.repeat(45_000) + ']'.repeat(45_000), {}, 400, /not valid JSON|must be a JSON object/],
      [input({ data: [] }).replace('"data":[]', `"data":${'['.repeat(40_000)}1${']'.repeat(40_000)}`), {}, 400, /needs 64 values in "data", got 1/],
      // Binary tensor extension.
      [input({}), { 'Inference-Header-Content-Length': 'abc' }, 400, /must be a non-negative integer/],
      [input({}), { 'Inference-Header-Content-Length': '999999' }, 400, /says the JSON header has 999999 bytes/],
      [Buffer.concat([Buffer.from(input({})), Buffer.alloc(8)]), { 'Inference-Header-Content-Length': String(input({}).length) }, 400, /8 bytes of binary data/],
      [
        Buffer.concat([Buffer.from(input({ data: undefined, parameters: { binary_data_size: 12 } })), Buffer.alloc(12)]),
        { 'Inference-Header-Content-Length': String(input({ data: undefined, parameters: { binary_data_size: 12 } }).length) },
        400,
        /binary_data_size" is 12 bytes but shape \[1, 1, 8, 8\] of FP32 needs 256/,
      ],
      [
        Buffer.from(input({ data: undefined, parameters: { binary_data_size: 256 } })),
        { 'Inference-Header-Content-Length': String(input({ data: undefined, parameters: { binary_data_size: 256 } }).length) },
        400,
        /the body has only 0 bytes after the JSON header/,
      ],
      [Buffer.alloc(100_001, 0x20), {}, 413, /at most 100000/],
    ];
    for (const [body, headers, status, pattern] of cases) {
      const reply = await post(infer, body, headers);
      const shown = (typeof body === 'string' ? body : body.toString('latin1')).slice(0, 80);
      assert.equal(reply.status, status, `${shown}: ${reply.body}`);
      assert.match(errorOf(reply), pattern, shown);
    }

    // Routes and methods.
    assert.equal((await fetch(`${server.url}/v2/models/mlp/infer`)).status, 405);
    assert.equal((await fetch(`${server.url}/v3/anything`)).status, 404);
    assert.equal((await fetch(`${server.url}/v2/models/mlp/versions/7`)).status, 404);
    assert.equal((await fetch(`${server.url}/v2/models/%E0%A4%A/ready`)).status, 400);
    assert.equal((await post(`${server.url}/parm-bench/v1/slowdown`, '{"factor": 0.5}')).status, 400);

    // Malformed HTTP: node's parser refuses these; the server answers 400 (or 431) and closes.
    const raw = [
      'GARBAGE\r\n\r\n',
      'POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      'POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n',
      'POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n12345',
      `GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of raw) {
      const answer = await rawExchange(server.url, request);
      assert.match(answer, /^HTTP\/1\.1 4(00|31) /, `${request.slice(0, 60)} -> ${answer.slice(0, 120)}`);
    }
    // A client that promises a body and hangs up early.
    await rawExchange(server.url, 'POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"inp', 200);

    // Still alive, and a good request (a nested batch of 2) still works.
    assert.ok(server.alive(), `the server died: ${server.stderr()}`);
    const x = randomInputs(9, 2 * files.inputSize);
    const reply = await post(infer, JSON.stringify({ inputs: [{ name: 'input', shape: [2, ...files.inputShape], datatype: 'FP32', data: [Array.from(x.subarray(0, 64)), Array.from(x.subarray(64))] }] }));
    assert.equal(reply.status, 200, reply.body);
    const data = (JSON.parse(reply.body) as { outputs: { data: number[] }[] }).outputs[0].data;
    assert.ok(maxAbsDiff(Float32Array.from(data), await model.run(x, 2)) <= 1e-5);

    const stats = (await (await fetch(`${server.url}/parm-bench/v1/stats`)).json()) as { served: number; rejected: Record<string, number> };
    assert.equal(stats.served, 1);
    assert.equal(stats.rejected['413'], 1);
    assert.ok(stats.rejected['400'] >= cases.length - 1);
  } finally {
    await model.release();
    await server.stop();
    files.remove();
  }
});
