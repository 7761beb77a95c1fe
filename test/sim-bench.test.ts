import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { WorkloadError } from '../workloads/workload-file.ts';

/** `bench --backend sim` end to end: the same run directory as a live run, in virtual time. */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-sim-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MANIFEST = join(REPO_ROOT, 'workloads/models/fashion-mnist/manifest.json');

function workloadFile(name: string, overrides: Record<string, unknown> = {}): string {
  const w = {
    name,
    dataset: 'fashion-mnist',
    models: MANIFEST,
    seed: 3,
    load: { arrivals: { kind: 'poisson', rate: 200 }, durationMs: 4000, warmupMs: 500, drainTimeoutMs: 3000, reason: 'test' },
    instances: { n: 4, k: 2, backend: 'sim', serviceTime: { kind: 'constant', ms: 10 }, reason: 'test' },
    systems: ['parm', 'equal-resources', 'replication'],
    contention: {
      pauses: [{ atMs: 1500, machine: 0, durationMs: 500 }],
      crashes: [{ atMs: 3000, machine: 1 }],
      cpuHog: { processes: 1, fromMs: 1000, durationMs: 1000, reason: 'test' },
    },
    ...overrides,
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(w));
  return path;
}

test('bench --backend sim: pause, crash and CPU hog semantics show in the results; the run directory is complete', { timeout: 120_000 }, async () => {
  const out = join(dir, 'faults');
  const { results } = await benchCommand({ workload: workloadFile('faults'), out });
  for (const f of ['settings.json', 'contention-schedule.json', 'results.json', 'results.md', 'parm/summary.json', 'parm/records.ndjson', 'replication/records.ndjson']) {
    assert.ok(existsSync(join(out, f)), `${f} written`);
  }
  const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
  assert.equal(settings.resolved.instances.backend, 'sim');
  assert.match(results.accuracyNote, /simulated run \(backend sim\): latency only/);
  assert.equal(results.systems.length, 3);
  for (const r of results.systems) {
    assert.equal(r.summary.accuracy.accuracy, null, `${r.system}: no accuracy in simulation`);
    assert.equal(r.summary.settings.scheduling, 'clock');
    // 2 CPU-hog events skipped; pause, resume and crash applied on machines 0 and 1 (every system has instances there).
    assert.equal(r.contention.skipped, 2, `${r.system}: CPU hog events skipped`);
    assert.equal(r.contention.applied, 3, `${r.system}: pause, resume, crash applied`);
    assert.equal(r.summary.lag.maxUs, 0, 'sends are exactly on schedule in virtual time');
  }
  // The 500 ms pause with 10 ms service times: Equal-Resources' worst query waits about the pause;
  // ParM reconstructs the paused instance's queries and replication answers from the replica.
  const max = (name: string) => results.systems.find((r) => r.system === name)!.summary.latencyFromScheduled.maxUs;
  assert.ok(max('equal-resources') > 400_000, `equal-resources: max ${max('equal-resources')} us shows the pause`);
  assert.ok(max('parm') < 100_000, `parm: max ${max('parm')} us: reconstructed around the pause`);
  assert.ok(max('replication') < 100_000, `replication: max ${max('replication')} us: answered by the replicas`);
  const summary = JSON.parse(readFileSync(join(out, 'parm/summary.json'), 'utf8'));
  assert.equal(summary.sim.cpuHogEventsSkipped, 2);
  assert.equal(summary.sim.instances['deployed-1'].failedByCrash >= 0, true);
  const parm = results.systems.find((r) => r.system === 'parm')!;
  assert.ok((parm.summary.byPath.reconstruction?.answers ?? 0) > 0, 'ParM reconstructs around the pause and the crash');
  assert.equal(parm.summary.queries.lost, 0, 'ParM loses nothing with one instance paused, then one crashed');
});

test('bench --backend sim: empirical service times from a calibration file; bad input names the field', { timeout: 60_000 }, async () => {
  const file = join(dir, 'times.json');
  writeFileSync(file, JSON.stringify({ schema: 'parm-bench/service-times@1', unit: 'ms', source: { test: true }, samplesMs: [30, 30, 30] }));
  const out = join(dir, 'empirical');
  const { results } = await benchCommand({
    workload: workloadFile('empirical', { systems: ['equal-resources'], contention: {}, instances: { n: 4, k: 2, backend: 'sim', serviceTime: { kind: 'empirical', file: 'times.json' }, reason: 'test' } }),
    out,
    rate: 50,
  });
  const s = results.systems[0].summary.latencyFromScheduled;
  assert.ok(s.p50Us >= 29_900 && s.p50Us <= 30_100, `p50 ${s.p50Us} us is the file's 30 ms`);
  writeFileSync(file, JSON.stringify({ schema: 'parm-bench/service-times@1', unit: 'ms', source: {}, samplesMs: [30, -1] }));
  await assert.rejects(
    benchCommand({ workload: workloadFile('bad', { instances: { n: 4, k: 2, backend: 'sim', serviceTime: { kind: 'empirical', file: 'times.json' }, reason: 'test' } }), out: join(dir, 'bad') }),
    (e: Error) => e instanceof WorkloadError && /instances\.serviceTime: service-times file .*times\.json: samplesMs\[1\] must be a number of ms > 0/.test(e.message),
  );
  writeFileSync(file, JSON.stringify({ schema: 'parm-bench/service-times@1', unit: 'ms', source: {}, samplesMs: [30] }));
  await assert.rejects(
    benchCommand({ workload: workloadFile('emu', { instances: { n: 4, k: 2, backend: 'emulated', serviceTime: { kind: 'empirical', file: 'times.json' }, reason: 'test' } }), out: join(dir, 'emu') }),
    /instances\.serviceTime: kind "empirical" applies to backend "sim" only/,
  );
});
