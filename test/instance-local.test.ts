import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { startLocalInstances } from '../harness/instances/local-instances.ts';
import type { InferenceOutcome, Instance } from '../systems/instance.ts';
import { OnnxModel } from '../workloads/models/onnx-model.ts';
import { maxAbsDiff, randomInputs, writeTestModel } from './scripts/test-model.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./scripts/cluster-until-signal.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Instance-server processes whose parent is `parent` (Linux /proc). */
function instanceServerChildren(parent = process.pid): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('instance-server/main.ts')) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

function inferOnce(instance: Instance, input: Float32Array, batch: number): Promise<InferenceOutcome> {
  return new Promise((resolve) => instance.infer(input, batch, resolve));
}

test('local emulated cluster: outputs equal OnnxModel, cancel drops queued work, SIGKILL/SIGSTOP faults, stop leaves no process', { timeout: 60_000 }, async () => {
  const files = writeTestModel({ seed: 3 });
  const model = await OnnxModel.load(files.path);
  const cluster = await startLocalInstances({
    mode: 'emulated',
    seed: 9,
    groups: [{ role: 'deployed', modelPath: files.path, count: 3, serviceTime: { kind: 'constant', ms: 5 } }],
  });
  const pids = Object.values(cluster.pids());
  try {
    assert.deepEqual(cluster.ids, ['deployed-0', 'deployed-1', 'deployed-2']);
    assert.equal(cluster.instances.deployed.length, 3);
    assert.equal(cluster.instances.parity.length, 0);
    assert.equal(pids.length, 3);
    assert.ok(pids.every(isRunning));
    const [d0, d1, d2] = cluster.instances.deployed;
    assert.equal(d0.inputSize, files.inputSize);
    assert.equal(d0.outputSize, files.outputSize);

    // Outputs equal the model's; the callback never runs synchronously.
    const x = randomInputs(4, 2 * files.inputSize);
    const expected = await model.run(x, 2);
    for (const inst of cluster.instances.deployed) {
      let returned = false;
      const outcome = await new Promise<InferenceOutcome>((resolve) => {
        inst.infer(x, 2, (o) => {
          assert.ok(returned, 'done was called synchronously');
          resolve(o);
        });
        returned = true;
      });
      assert.ok(outcome.ok, outcome.ok ? '' : outcome.error.message);
      assert.ok(maxAbsDiff(outcome.output, expected) <= 1e-5);
    }
    // A wrong input size fails without reaching the server, asynchronously too.
    const wrong = await inferOnce(d0, new Float32Array(3), 1);
    assert.equal(wrong.ok, false);
    assert.ok(!wrong.ok && !wrong.instanceDown && /takes 64 values per sample/.test(wrong.error.message));

    // Cancel: a queued request is dropped, its callback never called.
    await cluster.setSlowdown('deployed-0', 40); // 200 ms per request
    const before = await cluster.stats('deployed-0');
    let cancelledCalled = false;
    const first = inferOnce(d0, x, 2);
    await new Promise((r) => setTimeout(r, 20));
    const queued = d0.infer(x, 2, () => (cancelledCalled = true));
    await new Promise((r) => setTimeout(r, 20));
    queued.cancel();
    assert.ok((await first).ok);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(cancelledCalled, false);
    const after = await cluster.stats('deployed-0');
    assert.equal(after.served - before.served, 1, 'the cancelled request was not served');
    assert.equal(after.cancelled - before.cancelled, 1);
    await cluster.setSlowdown('deployed-0', 1);

    // SIGKILL mid-request: that outcome says the instance is down; the others keep answering.
    await cluster.setSlowdown('deployed-1', 60); // 300 ms
    const pending = inferOnce(d1, x, 2);
    await new Promise((r) => setTimeout(r, 80));
    cluster.kill('deployed-1', 'SIGKILL');
    const killed = await pending;
    assert.equal(killed.ok, false);
    assert.ok(!killed.ok && killed.instanceDown, `expected instanceDown, got ${JSON.stringify(killed)}`);
    assert.match(!killed.ok ? killed.error.message : '', /deployed-1/);
    const again = await inferOnce(d1, x, 2);
    assert.ok(!again.ok && again.instanceDown, 'a dead instance stays down');
    assert.ok(await eventually(() => cluster.hasExited('deployed-1'), 2000));
    for (const inst of [d0, d2]) assert.ok((await inferOnce(inst, x, 2)).ok, `${inst.id} still answers`);

    // SIGSTOP pauses an instance (no answer, not down); SIGCONT resumes it.
    cluster.kill('deployed-2', 'SIGSTOP');
    let answered = false;
    const resumed = inferOnce(d2, x, 2).then((o) => {
      answered = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(answered, false, 'a stopped instance does not answer');
    cluster.kill('deployed-2', 'SIGCONT');
    assert.ok((await resumed).ok);

    assert.throws(() => cluster.kill('parity-7', 'SIGKILL'), /no local instance "parity-7"; the instances are deployed-0, deployed-1, deployed-2/);
  } finally {
    await model.release();
    await cluster.stop();
    files.remove();
  }
  assert.deepEqual(pids.filter(isRunning), [], 'stop() left instance processes running');
  assert.deepEqual(instanceServerChildren(), []);
  await cluster.stop(); // idempotent
});

test('local cluster start failures reject with a clear message and leave no process', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  try {
    await assert.rejects(
      startLocalInstances({ mode: 'real', seed: 1, groups: [{ role: 'deployed', modelPath: `${files.dir}/missing.onnx`, count: 2 }] }),
      /group 0 \(deployed\): the model file .*missing\.onnx does not exist/,
    );
    await assert.rejects(
      startLocalInstances({ mode: 'real', seed: 1, groups: [{ role: 'deployed', modelPath: files.path, count: 1, serviceTime: { kind: 'zero' } }] }),
      /applies to mode "emulated" only/,
    );
    await assert.rejects(
      startLocalInstances({
        mode: 'emulated',
        seed: 1,
        groups: [
          { role: 'deployed', modelPath: files.path, count: 1 },
          { role: 'parity', modelPath: files.corruptPath, count: 1 },
        ],
      }),
      (err: Error) => {
        assert.match(err.message, /^parity-0: the instance server exited with code 1 before it was ready\. Its stderr ends with:/);
        assert.match(err.message, /onnxruntime could not load the model|not a valid ONNX|corrupt/i);
        return true;
      },
    );
    assert.deepEqual(instanceServerChildren(), [], 'a failed start left instance processes running');
  } finally {
    files.remove();
  }
});

for (const [how, expectSignal] of [['wait', 'SIGINT'], ['throw', null]] as const) {
  test(`a process that started a cluster and then ${how === 'wait' ? 'gets SIGINT' : 'dies of an uncaught error'} leaves no instance behind`, { timeout: 60_000 }, async () => {
    const files = writeTestModel();
    const child = execa(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, files.path, how], {
      cwd: ROOT,
      reject: false,
      buffer: { stdout: false, stderr: true },
      env: { NODE_TEST_CONTEXT: undefined },
    });
    let pids: number[] = [];
    try {
      pids = await new Promise<number[]>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => {
          try {
            resolve(Object.values((JSON.parse(line) as { pids: Record<string, number> }).pids));
          } catch {
            // not the pid line
          }
        });
        void child.then((r) => reject(new Error(`the script exited early: ${String(r.stderr)}`)));
      });
      assert.equal(pids.length, 1);
      assert.ok(pids.every(isRunning));
      if (how === 'wait') child.kill('SIGINT');
      const result = await child;
      if (expectSignal) assert.equal(result.signal, expectSignal, 'the script ends by the signal, as it would without the cleanup handlers');
      else assert.equal(result.exitCode, 1, String(result.stderr));
      assert.ok(await eventually(() => !pids.some(isRunning), 5000), `instances left running: ${pids.filter(isRunning).join(', ')}`);
    } finally {
      child.kill('SIGKILL');
      for (const pid of pids.filter(isRunning)) process.kill(pid, 'SIGKILL');
      files.remove();
    }
  });
}
