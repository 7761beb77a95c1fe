import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientInstance } from '../harness/instances/client-instance.ts';
import { FramedClient } from '../harness/instances/framed-client.ts';
import { startLocalInstances, type FramedSocketKind, type LocalTransport } from '../harness/instances/local-instances.ts';
import { OipClient } from '../harness/instances/oip-client.ts';
import type { InferenceOutcome, Instance } from '../systems/instance.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

function inferOnce(instance: Instance, input: Float32Array, batch: number): Promise<InferenceOutcome> {
  return new Promise((resolve) => instance.infer(input, batch, resolve));
}

const variants: [LocalTransport | undefined, FramedSocketKind | undefined, typeof FramedClient | typeof OipClient][] = [
  [undefined, undefined, FramedClient],
  ['framed', 'tcp', FramedClient],
  ['oip', undefined, OipClient],
];

for (const [transport, framedSocket, expectedClass] of variants) {
  test(`local cluster, transport ${transport ?? '(default)'}${framedSocket ? ` over ${framedSocket}` : ''}: outputs equal OnnxModel, SIGKILL fails every request in flight with instanceDown`, { timeout: 60_000 }, async () => {
    const files = writeTestModel({ seed: 5 });
    const model = await OnnxModel.load(files.path);
    const cluster = await startLocalInstances({
      mode: 'emulated',
      seed: 2,
      transport,
      framedSocket,
      groups: [
        { role: 'deployed', modelPath: files.path, count: 1, serviceTime: { kind: 'zero' } },
        { role: 'parity', modelPath: files.path, count: 1, serviceTime: { kind: 'constant', ms: 150 } },
      ],
    });
    try {
      assert.equal(cluster.transport, transport ?? 'framed');
      const [deployed] = cluster.instances.deployed;
      const [parity] = cluster.instances.parity;
      assert.ok(deployed instanceof ClientInstance && parity instanceof ClientInstance);
      assert.ok(deployed.client instanceof expectedClass && parity.client instanceof expectedClass);
      if (deployed.client instanceof FramedClient) {
        assert.equal(deployed.client.address.transport, framedSocket ?? (process.platform === 'linux' ? 'unix' : 'tcp'));
      }
      for (const batch of [1, 4]) {
        const x = randomInputs(batch, batch * files.inputSize);
        const outcome = await inferOnce(deployed, x, batch);
        assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
        assert.ok(maxAbsDiff(outcome.output, await model.run(x, batch)) <= 1e-5);
      }
      assert.equal((await cluster.stats('deployed-0')).served, 2);

      // Three requests in flight on the slow instance (one in service, two queued), then SIGKILL.
      const x = randomInputs(9, files.inputSize);
      const pending = [inferOnce(parity, x, 1), inferOnce(parity, x, 1), inferOnce(parity, x, 1)];
      await new Promise((r) => setTimeout(r, 60));
      cluster.kill('parity-0', 'SIGKILL');
      for (const outcome of await Promise.all(pending)) {
        assert.ok(!outcome.ok && outcome.instanceDown, JSON.stringify(outcome));
        assert.match(!outcome.ok ? outcome.error.message : '', /parity-0/);
      }
      const again = await inferOnce(parity, x, 1);
      assert.ok(!again.ok && again.instanceDown, 'a dead instance stays down');
      assert.ok((await inferOnce(deployed, x, 1)).ok, 'the other instance still answers');
    } finally {
      await model.release();
      await cluster.stop();
      files.remove();
    }
  });
}

test('local cluster: a bad transport option is named', async () => {
  const files = writeTestModel();
  try {
    await assert.rejects(
      startLocalInstances({ mode: 'emulated', seed: 1, transport: 'grpc' as LocalTransport, groups: [{ role: 'deployed', modelPath: files.path, count: 1 }] }),
      /transport must be "framed" or "oip", got "grpc"/,
    );
    await assert.rejects(
      startLocalInstances({ mode: 'emulated', seed: 1, framedSocket: 'pipe' as FramedSocketKind, groups: [{ role: 'deployed', modelPath: files.path, count: 1 }] }),
      /framedSocket must be "unix" or "tcp", got "pipe"/,
    );
  } finally {
    files.remove();
  }
});
