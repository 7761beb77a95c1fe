import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from './scripts/instance-server-process.ts';
import { writeTestModel } from './scripts/test-model.ts';
import { startLocalInstances } from '../harness/instances/local-instances.ts';
import type { InferenceOutcome, Instance } from '../systems/instance.ts';

/**
 * outputs "none": the emulated instance loads its model and checks every input, but answers zeros
 * of the model's output shape after its service time, without running the model.
 */
const ENTRY = fileURLToPath(new URL('../harness/instance-server/main.ts', import.meta.url));

test('instance server --outputs none: zeros of the output shape after the service time; bad inputs still refused', { timeout: 60_000 }, async () => {
  const files = writeTestModel({ seed: 3, inputShape: [1, 4, 4], hidden: 8, classes: 5 });
  const server = await startServerProcess(['--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"constant","ms":25}', '--outputs', 'none']);
  try {
    assert.equal(server.ready.outputs, 'none');
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [2, 1, 4, 4], datatype: 'FP32', data: Array.from({ length: 32 }, (_, i) => i / 32) }] });
    const start = performance.now();
    const res = await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    const ms = performance.now() - start;
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { outputs: { shape: number[]; data: number[] }[] };
    assert.deepEqual(answer.outputs[0].shape, [2, 5]);
    assert.deepEqual(answer.outputs[0].data, new Array(10).fill(0));
    assert.ok(ms >= 25, `answered after ${ms.toFixed(1)} ms, before the 25 ms service time`);
    const wrong = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3, 4, 4], datatype: 'FP32', data: new Array(48).fill(0) }] });
    const refused = await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', body: wrong, headers: { 'Content-Type': 'application/json' } });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /shape \[1, 3, 4, 4\]/);
  } finally {
    await server.stop();
    files.remove();
  }
});

test('instance server: --outputs none with --mode real, or an unknown value, stops with a message', { timeout: 60_000 }, async () => {
  const files = writeTestModel({ seed: 4 });
  try {
    const real = await execa(process.execPath, ['--import', 'tsx', ENTRY, '--model', files.path, '--mode', 'real', '--outputs', 'none'], { reject: false, env: { NODE_TEST_CONTEXT: undefined } });
    assert.equal(real.exitCode, 1);
    assert.match(real.stderr, /--outputs none applies to --mode emulated only/);
    const bad = await execa(process.execPath, ['--import', 'tsx', ENTRY, '--model', files.path, '--outputs', 'some'], { reject: false, env: { NODE_TEST_CONTEXT: undefined } });
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /--outputs must be "model" or "none", got "some"/);
  } finally {
    files.remove();
  }
});

test('local instances with outputs "none" answer zeros over the framed transport', { timeout: 60_000 }, async () => {
  const files = writeTestModel({ seed: 5, inputShape: [1, 4, 4], hidden: 8, classes: 5 });
  const cluster = await startLocalInstances({ mode: 'emulated', seed: 1, groups: [{ role: 'deployed', modelPath: files.path, count: 1, serviceTime: { kind: 'constant', ms: 2 }, outputs: 'none' }] });
  try {
    const instance: Instance = cluster.instances.deployed[0];
    const outcome = await new Promise<InferenceOutcome>((resolve) => instance.infer(new Float32Array(16).fill(0.7), 1, resolve));
    assert.ok(outcome.ok);
    assert.deepEqual([...outcome.output], [0, 0, 0, 0, 0]);
  } finally {
    await cluster.stop();
    files.remove();
  }
  await assert.rejects(
    startLocalInstances({ mode: 'real', seed: 1, groups: [{ role: 'deployed', modelPath: files.path, count: 1, outputs: 'none' }] }),
    /outputs "none" applies to mode "emulated" only/,
  );
});
