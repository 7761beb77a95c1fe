import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { startServerProcess } from './scripts/instance-server-process.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

const SCRIPT = fileURLToPath(new URL('./scripts/oip-curl.sh', import.meta.url));
const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
const hasBash = spawnSync('bash', ['--version'], { stdio: 'ignore' }).status === 0;
const MAX_BODY = 64 * 1024;

/** Reads "Name: value" from headers curl dumped with -D (the last response's, after any 100 Continue). */
function header(dump: string, name: string): string | undefined {
  const blocks = dump.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
  const last = blocks[blocks.length - 1] ?? '';
  for (const line of last.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).trim().toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
  }
  return undefined;
}

test(
  'OIP v2 with curl: health, metadata, JSON and binary inference match OnnxModel; bad requests get 4xx',
  { skip: !hasCurl ? 'curl is not installed (apt-get install -y curl)' : !hasBash ? 'bash is not installed' : false, timeout: 60_000 },
  async () => {
    const files = writeTestModel();
    const server = await startServerProcess(['--model', files.path, '--name', 'mlp', '--mode', 'real', '--max-body-bytes', String(MAX_BODY)]);
    const model = await OnnxModel.load(files.path);
    try {
      const batch = 3;
      const x = randomInputs(21, batch * files.inputSize);
      const expected = await model.run(x, batch);
      const shape = [batch, ...files.inputShape];

      // Nested row-major data in the JSON request (OIP allows flat or nested).
      const rows = Array.from({ length: batch }, (_, b) => Array.from(x.subarray(b * files.inputSize, (b + 1) * files.inputSize)));
      writeFileSync(join(files.dir, 'request.json'), JSON.stringify({ id: 'json-1', inputs: [{ name: 'input', shape, datatype: 'FP32', data: rows }] }));

      const bytes = Buffer.from(x.buffer, x.byteOffset, x.byteLength); // this machine is little-endian (checked below)
      assert.equal(new Uint8Array(new Float32Array([1]).buffer)[3], 0x3f, 'the test writes little-endian floats');
      const binHeader = Buffer.from(
        JSON.stringify({
          id: 'bin-1',
          inputs: [{ name: 'input', shape, datatype: 'FP32', parameters: { binary_data_size: bytes.length } }],
          outputs: [{ name: 'logits', parameters: { binary_data: true } }],
        }),
      );
      writeFileSync(join(files.dir, 'request.bin'), Buffer.concat([binHeader, bytes]));
      writeFileSync(join(files.dir, 'request.bin.hlen'), String(binHeader.length));

      const flat = Array.from(x.subarray(0, files.inputSize));
      writeFileSync(join(files.dir, 'bad-shape.json'), JSON.stringify({ inputs: [{ name: 'input', shape: [1, files.inputSize], datatype: 'FP32', data: flat }] }));
      writeFileSync(join(files.dir, 'bad-datatype.json'), JSON.stringify({ inputs: [{ name: 'input', shape: [1, ...files.inputShape], datatype: 'FP64', data: flat }] }));
      const big = new Array(files.inputSize * Math.ceil((MAX_BODY * 2) / 6 / files.inputSize)).fill(0.125);
      writeFileSync(join(files.dir, 'oversized.json'), JSON.stringify({ inputs: [{ name: 'input', shape: [big.length / files.inputSize, ...files.inputShape], datatype: 'FP32', data: big }] }));

      const run = spawnSync('bash', [SCRIPT, server.url, 'mlp', files.dir], { encoding: 'utf8', timeout: 50_000 });
      assert.equal(run.status, 0, `oip-curl.sh failed: ${run.stderr}`);
      const status = Object.fromEntries(run.stdout.trim().split('\n').map((l) => l.split(' ') as [string, string]));
      const out = (name: string) => readFileSync(join(files.dir, `${name}.out`));
      const json = (name: string) => JSON.parse(out(name).toString('utf8')) as Record<string, unknown>;

      // Health and metadata.
      assert.equal(status.live, '200');
      assert.deepEqual(json('live'), { live: true });
      assert.equal(status.ready, '200');
      assert.equal(status['model-ready'], '200');
      assert.deepEqual(json('model-ready'), { name: 'mlp', ready: true });
      assert.equal(status['server-metadata'], '200');
      assert.ok((json('server-metadata').extensions as string[]).includes('binary_tensor_data'));
      assert.equal(status['model-metadata'], '200');
      const meta = json('model-metadata');
      assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, ...files.inputShape] }]);
      assert.deepEqual(meta.outputs, [{ name: 'logits', datatype: 'FP32', shape: [-1, files.outputSize] }]);

      // JSON inference.
      assert.equal(status['infer-json'], '200', out('infer-json').toString());
      const jr = json('infer-json') as { id: string; model_name: string; outputs: { name: string; shape: number[]; datatype: string; data: number[] }[] };
      assert.equal(jr.id, 'json-1');
      assert.equal(jr.model_name, 'mlp');
      assert.equal(jr.outputs[0].name, 'logits');
      assert.equal(jr.outputs[0].datatype, 'FP32');
      assert.deepEqual(jr.outputs[0].shape, [batch, files.outputSize]);
      assert.ok(maxAbsDiff(Float32Array.from(jr.outputs[0].data), expected) <= 1e-5);

      // Binary inference: JSON header, then the raw output bytes.
      assert.equal(status['infer-binary'], '200', out('infer-binary').toString());
      const headers = readFileSync(join(files.dir, 'infer-binary.headers'), 'utf8');
      const hlen = Number(header(headers, 'Inference-Header-Content-Length'));
      assert.ok(hlen > 0, `no Inference-Header-Content-Length in:\n${headers}`);
      const body = out('infer-binary');
      const bh = JSON.parse(body.subarray(0, hlen).toString('utf8')) as { id: string; outputs: { shape: number[]; parameters: { binary_data_size: number } }[] };
      assert.equal(bh.id, 'bin-1');
      assert.deepEqual(bh.outputs[0].shape, [batch, files.outputSize]);
      assert.equal(bh.outputs[0].parameters.binary_data_size, batch * files.outputSize * 4);
      assert.equal(body.length, hlen + batch * files.outputSize * 4);
      const raw = body.subarray(hlen);
      const got = new Float32Array(batch * files.outputSize).map((_, i) => raw.readFloatLE(i * 4));
      assert.ok(maxAbsDiff(got, expected) <= 1e-5);

      // Refusals, each with a message naming what was wrong.
      assert.equal(status['wrong-shape'], '400');
      assert.match(json('wrong-shape').error as string, /shape \[1, 64\].*takes \[-1, 1, 8, 8\]/);
      assert.equal(status['wrong-datatype'], '400');
      assert.match(json('wrong-datatype').error as string, /datatype FP64 is not accepted/);
      assert.equal(status['oversized-body'], '413');
      assert.match(json('oversized-body').error as string, /at most 65536/);
      assert.equal(status['oversized-expect'], '413');
      assert.equal(status['unknown-model'], '404');
      assert.match(json('unknown-model').error as string, /unknown model "no-such-model"/);
      assert.equal(status['unknown-model-metadata'], '404');
      assert.ok(server.alive(), 'the server is still running');
    } finally {
      await model.release();
      await server.stop();
      files.remove();
    }
  },
);
