import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { benchCommand } from '../harness/commands/bench.ts';
import { startLocalInstances } from '../harness/instances/local-instances.ts';
import { readRemoteInstancesFile } from '../harness/instances/remote-instances.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';

/**
 * `--backend remote`: bench drives OIP v2 servers named in an endpoints file. Here the "remote"
 * servers are parm-bench instance servers on 127.0.0.1 (started with the OIP transport), so the
 * slowdowns go through their control endpoint, while signals (pauses) are skipped and counted with
 * their reason.
 */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-remote-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODELS = join(REPO_ROOT, 'workloads/models/fashion-mnist');

function workloadFile(): string {
  const path = join(dir, 'remote.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'remote',
      dataset: 'fashion-mnist',
      models: join(MODELS, 'manifest.json'),
      seed: 2,
      load: { arrivals: { kind: 'poisson', rate: 80 }, durationMs: 3000, warmupMs: 500, drainTimeoutMs: 5000, reason: 'test' },
      instances: { n: 2, k: 2, backend: 'remote', reason: 'test' },
      systems: ['parm', 'baseline'],
      contention: {
        slowdowns: { concurrent: 1, transferMB: [50, 100], bandwidthMBps: 125, factor: 3, reason: 'test' },
        pauses: [{ atMs: 1500, machine: 1, durationMs: 300 }],
      },
    }),
  );
  return path;
}

test('bench --backend remote drives OIP servers from an endpoints file; control where it exists, signals skipped with a reason', { timeout: 90_000 }, async () => {
  const servers = await startLocalInstances({
    mode: 'emulated',
    transport: 'oip',
    seed: 9,
    groups: [
      { role: 'deployed', modelPath: join(MODELS, 'deployed.onnx'), count: 2, serviceTime: { kind: 'constant', ms: 4 } },
      { role: 'parity', modelPath: join(MODELS, 'parity-k2-addition.onnx'), count: 1, serviceTime: { kind: 'constant', ms: 4 } },
    ],
  });
  try {
    const endpoints = join(dir, 'endpoints.json');
    writeFileSync(
      endpoints,
      JSON.stringify({
        schema: 'parm-bench/remote-instances@1',
        instances: [
          { role: 'deployed', url: servers.url('deployed-0'), model: 'deployed' },
          { role: 'deployed', url: servers.url('deployed-1'), model: 'deployed' },
          { role: 'parity', url: servers.url('parity-0'), model: 'parity-k2-addition' },
        ],
      }),
    );
    assert.equal(readRemoteInstancesFile(endpoints).length, 3);
    const out = join(dir, 'run');
    const before = await Promise.all(servers.ids.map((id) => servers.stats(id)));
    const { results } = await benchCommand({ workload: workloadFile(), backend: 'remote', remote: endpoints, out });
    assert.equal(results.partial, false);
    assert.deepEqual(results.systems.map((r) => r.system), ['parm', 'baseline']);
    for (const r of results.systems) {
      assert.equal(r.summary.queries.lost, 0, r.system);
      assert.ok(r.summary.queries.measured > 150, `${r.system}: ${r.summary.queries.measured} measured`);
      assert.equal(r.contention.failed, 0, `${r.system}: ${JSON.stringify(r.contention.errors)}`);
      assert.ok(r.contention.applied > 0, `${r.system}: slowdowns applied through the control endpoint`);
      assert.ok(r.contention.skipped >= 2, `${r.system}: the pause and resume are skipped`);
      const summary = JSON.parse(readFileSync(join(out, r.system, 'summary.json'), 'utf8')) as { contentionSkipped: Record<string, number> };
      const reasons = Object.keys(summary.contentionSkipped);
      assert.ok(reasons.some((why) => /no local process to signal/.test(why)), reasons.join(' | '));
    }
    const after = await Promise.all(servers.ids.map((id) => servers.stats(id)));
    const served = after.reduce((a, s, i) => a + s.served - before[i].served, 0);
    assert.ok(served > 300, `the remote servers served ${served} inferences`);
    assert.ok(after.every((s) => s.slowdownFactor === 1), 'slowdowns are reset at the end of each system');
    const remoteEndpoints = JSON.parse(readFileSync(join(out, 'remote-endpoints.json'), 'utf8')) as { control: boolean }[];
    assert.ok(remoteEndpoints.every((e) => e.control));
  } finally {
    await servers.stop();
  }
});

test('bench --backend remote: a missing --remote, a short endpoints file and a bad field are clear errors', async () => {
  await assert.rejects(benchCommand({ workload: workloadFile(), backend: 'remote', out: join(dir, 'x') }), /--backend remote: give --remote FILE/);
  const short = join(dir, 'short.json');
  writeFileSync(short, JSON.stringify({ schema: 'parm-bench/remote-instances@1', instances: [{ role: 'deployed', url: 'http://127.0.0.1:9', model: 'deployed' }] }));
  await assert.rejects(benchCommand({ workload: workloadFile(), backend: 'remote', remote: short, out: join(dir, 'y') }), /need 2 deployed instances, the file lists 1/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ schema: 'parm-bench/remote-instances@1', instances: [{ role: 'deployed', url: 'gpu-1:8000', model: 'deployed' }] }));
  assert.throws(() => readRemoteInstancesFile(bad), /instances\[0\]\.url: expected the server's base URL/);
  await assert.rejects(benchCommand({ workload: 'fashion-contention', remote: short, out: join(dir, 'z') }), /--remote: applies to --backend remote only/);
});
