import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { startInstanceServer } from '../harness/instance-server/instance-server.ts';
import { remoteInstances } from '../harness/instances/remote-instances.ts';
import type { InferenceOutcome, Instance } from '../systems/instance.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

function inferOnce(instance: Instance, input: Float32Array, batch: number): Promise<InferenceOutcome> {
  return new Promise((resolve) => instance.infer(input, batch, resolve));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return `http://127.0.0.1:${address.port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

test('remote backend against a local instance server: metadata read first, outputs equal OnnxModel', { timeout: 30_000 }, async () => {
  const files = writeTestModel({ seed: 5 });
  const served = await OnnxModel.load(files.path);
  const reference = await OnnxModel.load(files.path);
  const server = await startInstanceServer({ model: served, name: 'mlp', mode: 'real' });
  const cluster = await remoteInstances([
    { role: 'deployed', url: server.url, modelName: 'mlp' },
    { role: 'deployed', url: `${server.url}/`, modelName: 'mlp' },
    { role: 'parity', url: server.url, modelName: 'mlp', id: 'p' },
  ]);
  try {
    assert.deepEqual(cluster.instances.deployed.map((i) => i.id), ['deployed-0', 'deployed-1']);
    assert.deepEqual(cluster.instances.parity.map((i) => i.id), ['p']);
    const inst = cluster.instances.deployed[0];
    assert.equal(inst.inputSize, files.inputSize);
    assert.equal(inst.outputSize, files.outputSize);
    assert.deepEqual(cluster.clients.get('p')?.model.inputShape, files.inputShape);

    for (const batch of [1, 4]) {
      const x = randomInputs(batch, batch * files.inputSize);
      const outcome = await inferOnce(inst, x, batch);
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.ok(maxAbsDiff(outcome.output, await reference.run(x, batch)) <= 1e-5);
    }
    // Several in flight at once on one instance (the server queues them).
    const xs = [0, 1, 2, 3].map((s) => randomInputs(100 + s, files.inputSize));
    const outs = await Promise.all(xs.map((x) => inferOnce(cluster.instances.parity[0], x, 1)));
    for (const [i, o] of outs.entries()) assert.ok(o.ok && maxAbsDiff(o.output, await reference.run(xs[i], 1)) <= 1e-5);

    const stats = server.stats();
    assert.equal(stats.served, 6);
    assert.deepEqual(stats.rejected, {});
  } finally {
    await cluster.stop();
    await server.close();
    await served.release();
    await reference.release();
    files.remove();
  }
  // After stop, the instances report themselves down.
  const late = await inferOnce(cluster.instances.deployed[0], new Float32Array(files.inputSize), 1);
  assert.ok(!late.ok && late.instanceDown);
});

test('remote backend: unknown model, unreachable server, bad URL and bad role fail with clear messages', { timeout: 30_000 }, async () => {
  const files = writeTestModel();
  const served = await OnnxModel.load(files.path);
  const server = await startInstanceServer({ model: served, name: 'mlp', mode: 'real' });
  const closed = createServer();
  const closedUrl = await listen(closed);
  await closeServer(closed);
  try {
    await assert.rejects(
      remoteInstances([{ role: 'deployed', url: server.url, modelName: 'resnet' }]),
      /deployed-0 \(model "resnet" at .*\): the server does not know model "resnet" \(unknown model "resnet"; this server serves "mlp"\)/,
    );
    await assert.rejects(
      remoteInstances([
        { role: 'deployed', url: server.url, modelName: 'mlp' },
        { role: 'parity', url: closedUrl, modelName: 'mlp' },
      ]),
      /1 of 2 could not be used:\n {2}parity-0 .*cannot read the model's metadata: .*ECONNREFUSED.*is the server running\?/,
    );
    await assert.rejects(remoteInstances([{ role: 'deployed', url: 'not a url', modelName: 'mlp' }]), /"not a url" is not a URL/);
    await assert.rejects(remoteInstances([{ role: 'primary' as 'deployed', url: server.url, modelName: 'mlp' }]), /role must be one of deployed, parity, backup/);
  } finally {
    await server.close();
    await served.release();
    files.remove();
  }
});

test('instance client: JSON output when the server ignores the binary request, HTTP errors are not "down", cancel suppresses the callback', { timeout: 30_000 }, async () => {
  let mode: 'json' | 'error' | 'hang' = 'json';
  const fake = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v2/models/toy') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ name: 'toy', platform: 'x', inputs: [{ name: 'in', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'out', datatype: 'FP32', shape: [-1, 3] }] }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const hlen = Number(req.headers['inference-header-content-length']);
      const header = JSON.parse(body.subarray(0, hlen).toString()) as { inputs: { shape: number[] }[] };
      const batch = header.inputs[0].shape[0];
      const x = body.subarray(hlen);
      if (mode === 'hang') return;
      if (mode === 'error') {
        res.writeHead(422, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'input "in" is not acceptable today' }));
        return;
      }
      // Ignores binary_data: answers JSON, nested per sample: out = [x0 + x1, x0 - x1, batch].
      const data = Array.from({ length: batch }, (_, b) => {
        const a = x.readFloatLE(b * 8);
        const c = x.readFloatLE(b * 8 + 4);
        return [a + c, a - c, batch];
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ model_name: 'toy', outputs: [{ name: 'out', datatype: 'FP32', shape: [batch, 3], data }] }));
    });
  });
  const url = await listen(fake);
  const cluster = await remoteInstances([{ role: 'backup', url, modelName: 'toy' }]);
  try {
    const inst = cluster.instances.backup[0];
    const ok = await inferOnce(inst, new Float32Array([1, 2, 5, 3]), 2);
    assert.ok(ok.ok);
    assert.deepEqual(Array.from(ok.output), [3, -1, 2, 8, 2, 2]);

    mode = 'error';
    const refused = await inferOnce(inst, new Float32Array([1, 2]), 1);
    assert.ok(!refused.ok && !refused.instanceDown);
    assert.match(!refused.ok ? refused.error.message : '', /HTTP 422: input "in" is not acceptable today/);

    mode = 'hang';
    let called = false;
    const handle = inst.infer(new Float32Array([1, 2]), 1, () => (called = true));
    await new Promise((r) => setTimeout(r, 50));
    handle.cancel();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(called, false);

    mode = 'json';
    assert.ok((await inferOnce(inst, new Float32Array([1, 2]), 1)).ok, 'works again after a cancel');
  } finally {
    await cluster.stop();
    await closeServer(fake);
  }
});
