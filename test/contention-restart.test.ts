import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { parseContentionSpec, ContentionConfigError } from '../harness/contention/contention-spec.ts';
import { generateContentionSchedule } from '../harness/contention/contention-schedule.ts';
import { startLocalInstances } from '../harness/instances/local-instances.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { ManualClock, RealClock } from '../harness/clock.ts';
import { ContentionPlayer } from '../harness/contention/contention-player.ts';
import type { ContentionTarget } from '../harness/contention/contention-target.ts';
import { PullQueue } from '../systems/pull-queue.ts';
import type { InferenceOutcome, Instance } from '../systems/instance.ts';

/**
 * Crash with restart: the schedule carries the restart, the cluster starts the same instance again,
 * the systems put it back in their pools (Instance.whenUp), and no query is lost on the way.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-restart-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = join(REPO_ROOT, 'workloads/models/fashion-mnist/deployed.onnx');
const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

test('a crash with restartAfterMs is validated and scheduled as crash then restart', () => {
  const spec = parseContentionSpec({ crashes: [{ atMs: 1000, machine: 1, restartAfterMs: 500, reason: 'supervisor restart' }, { atMs: 2000, machine: 0 }] });
  assert.equal(spec.crashes[0].restartAfterMs, 500);
  assert.equal(spec.crashes[1].restartAfterMs, null);
  const schedule = generateContentionSchedule(spec, { seed: 1, machines: 2, horizonMs: 5000 });
  assert.deepEqual(
    schedule.events.map((e) => [e.atMs, e.kind]),
    [
      [1000, 'crash'],
      [1500, 'restart'],
      [2000, 'crash'],
    ],
  );
  // A restart past the end of the run is not scheduled.
  const late = generateContentionSchedule(parseContentionSpec({ crashes: [{ atMs: 1000, machine: 0, restartAfterMs: 9000, reason: 'r' }] }), { seed: 1, machines: 2, horizonMs: 5000 });
  assert.deepEqual(late.events.map((e) => e.kind), ['crash']);
  assert.throws(() => parseContentionSpec({ crashes: [{ atMs: 1, machine: 0, restartAfterMs: 500 }] }), (e: Error) => e instanceof ContentionConfigError && /crashes\[0\]\.reason/.test(e.message));
  assert.throws(() => parseContentionSpec({ crashes: [{ atMs: 1, machine: 0, restartAfterMs: -5, reason: 'r' }] }), /crashes\[0\]\.restartAfterMs: must be a positive number of ms/);
  assert.throws(() => parseContentionSpec({ crashes: [{ atMs: 1, machine: 0, restartsAfter: 5 }] }), /crashes\[0\]\.restartsAfter: unknown field/);
});

function infer(instance: Instance, input: Float32Array): Promise<InferenceOutcome> {
  return new Promise((resolve) => instance.infer(input, 1, resolve));
}

test('a killed local instance restarts under the same id and a pull queue takes it back', { timeout: 60_000 }, async () => {
  const cluster = await startLocalInstances({ mode: 'emulated', groups: [{ role: 'deployed', modelPath: MODEL, count: 2, serviceTime: { kind: 'constant', ms: 2 } }], seed: 5 });
  try {
    const [a, b] = cluster.instances.deployed;
    const input = new Float32Array(a.inputSize).fill(0.5);
    assert.equal((await infer(a, input)).ok, true);
    const oldPid = cluster.pids()['deployed-0'];
    const clock = new RealClock();
    const served: string[] = [];
    const failures: boolean[] = [];
    const queue = new PullQueue<{ input: Float32Array; batch: number }>('deployed', [a, b], clock, {
      completed: (_r, _o, instance) => served.push(instance.id),
      failed: (_r, _e, _i, down) => failures.push(down),
    });
    // Hold b busy so that the next request goes to a; then crash a under it.
    cluster.kill('deployed-0', 'SIGSTOP');
    queue.push({ input, batch: 1 });
    queue.push({ input, batch: 1 });
    cluster.kill('deployed-0', 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(cluster.hasExited('deployed-0'));
    assert.deepEqual(failures, [true], 'the request on the killed instance fails with instanceDown');
    assert.equal(queue.alive, 1);
    await cluster.restart('deployed-0');
    assert.equal(cluster.hasExited('deployed-0'), false);
    assert.notEqual(cluster.pids()['deployed-0'], oldPid, 'a new process');
    await new Promise((r) => setImmediate(r));
    assert.equal(queue.alive, 2, 'the queue took the restarted instance back');
    // The same Instance object serves again.
    const outcome = await infer(a, input);
    assert.equal(outcome.ok, true, outcome.ok ? '' : outcome.error.message);
    // Both instances take work from the queue again.
    served.length = 0;
    for (let i = 0; i < 20; i++) queue.push({ input, batch: 1 });
    const deadline = Date.now() + 10_000;
    while (served.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(served.includes('deployed-0'), `deployed-0 served again: ${served.join(', ')}`);
    assert.ok(served.includes('deployed-1'));
    queue.close();
    assert.equal((await cluster.stats('deployed-0')).served > 0, true);
  } finally {
    await cluster.stop();
  }
});

test('bench: an instance killed mid-run and restarted serves again and no query is lost', { timeout: 90_000 }, async () => {
  const path = join(dir, 'restart.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'restart',
      dataset: 'fashion-mnist',
      models: MANIFEST,
      seed: 4,
      load: { arrivals: { kind: 'constant', rate: 100 }, durationMs: 9000, warmupMs: 500, drainTimeoutMs: 5000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'emulated', serviceTime: { kind: 'constant', ms: 5 }, reason: 'test' },
      systems: ['baseline', 'parm'],
      contention: { crashes: [{ atMs: 1500, machine: 0, restartAfterMs: 500, reason: 'test: a supervisor restarts the process' }] },
    }),
  );
  const out = join(dir, 'restart-run');
  const { results } = await benchCommand({ workload: path, out });
  assert.equal(results.partial, false);
  for (const r of results.systems) {
    assert.equal(r.contention.failed, 0, `${r.system}: ${JSON.stringify(r.contention.errors)}`);
    assert.equal(r.contention.applied, 2, `${r.system}: crash and restart applied`);
    assert.equal(r.summary.queries.lost, 0, `${r.system}: no query lost`);
    const records = readFileSync(join(out, r.system, 'records.ndjson'), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as { scheduledMs: number; submittedMs: number; instance: string | null; outcome: string });
    // deployed-0 is dead from 1500 ms until its restart (begun at 2000 ms; a new process takes a
    // few seconds to load on a busy machine): any answer of its to a query sent after 2000 ms comes
    // from the restarted process.
    const late = records.filter((x) => x.submittedMs > 2000);
    assert.ok(late.some((x) => x.instance === 'deployed-0'), `${r.system}: deployed-0 serves again after its restart`);
    assert.ok(records.filter((x) => x.submittedMs > 1600 && x.submittedMs < 2000).every((x) => x.instance !== 'deployed-0'), `${r.system}: nothing answered by the dead process`);
  }
});

test('the player sends restart events to targets that can restart, and counts them skipped for targets that cannot', async () => {
  const schedule = generateContentionSchedule(parseContentionSpec({ crashes: [{ atMs: 10, machine: 1, restartAfterMs: 20, reason: 'r' }] }), { seed: 1, machines: 2, horizonMs: 100 });
  const base = {
    setSlowdown: () => true,
    pause: () => true,
    resume: () => true,
    startNeighbour: () => true,
    stopNeighbour: () => true,
    startCpuHog: () => undefined,
    stopCpuHog: () => undefined,
  };
  const calls: string[] = [];
  const withRestart: ContentionTarget = { ...base, crash: (m) => void calls.push(`crash ${m}`), restart: async (m) => void calls.push(`restart ${m}`) };
  const clock = new ManualClock(0);
  const player = new ContentionPlayer(clock, schedule, withRestart);
  player.start();
  clock.advance(100);
  const played = await player.stop();
  assert.deepEqual(calls, ['crash 1', 'restart 1']);
  assert.equal(played.applied, 2);
  const withoutRestart: ContentionTarget = { ...base, crash: () => true };
  const clock2 = new ManualClock(0);
  const player2 = new ContentionPlayer(clock2, schedule, withoutRestart);
  player2.start();
  clock2.advance(100);
  const played2 = await player2.stop();
  assert.equal(played2.applied, 1);
  assert.equal(played2.skipped, 1);
});
