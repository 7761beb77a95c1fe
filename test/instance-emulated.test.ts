import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '../harness/instance-server/precise-wait.ts';
import { parseServiceTimeJson, ServiceTimeSampler } from '../harness/instance-server/service-time.ts';
import { startServerProcess } from './scripts/instance-server-process.ts';
import { randomInputs, writeTestModel } from './scripts/test-model.ts';

test('service-time profiles: seeded draws repeat, lognormal jitters around its median, bad profiles are named', () => {
  const profile = parseServiceTimeJson('{"kind":"lognormal","medianMs":20,"sigma":0.05}', '--service-time');
  const a = new ServiceTimeSampler(profile, 42);
  const b = new ServiceTimeSampler(profile, 42);
  const c = new ServiceTimeSampler(profile, 43);
  const da = Array.from({ length: 1001 }, () => a.next());
  const db = Array.from({ length: 1001 }, () => b.next());
  const dc = Array.from({ length: 1001 }, () => c.next());
  assert.deepEqual(da, db);
  assert.notDeepEqual(da, dc);
  const sorted = [...da].sort((x, y) => x - y);
  assert.ok(Math.abs(sorted[500] - 20) < 0.3, `median ${sorted[500]}`);
  assert.ok(sorted[0] > 14 && sorted[1000] < 28, `range ${sorted[0]}..${sorted[1000]}`);
  assert.equal(new ServiceTimeSampler(parseServiceTimeJson('{"kind":"constant","ms":30}', 'x'), 1).next(), 30);
  assert.equal(new ServiceTimeSampler(parseServiceTimeJson('{"kind":"zero"}', 'x'), 1).next(), 0);
  assert.throws(() => parseServiceTimeJson('{"kind":"constant"}', '--service-time'), /--service-time: "ms" must be a number of milliseconds >= 0/);
  assert.throws(() => parseServiceTimeJson('{"kind":"gamma"}', '--service-time'), /"kind" must be "constant", "lognormal" or "zero"/);
  assert.throws(() => parseServiceTimeJson('{"kind":"zero","ms":3}', '--service-time'), /unknown key "ms"/);
  assert.throws(() => parseServiceTimeJson('{kind', '--service-time'), /not valid JSON/);
});

test('waitUntil calls back once, never before the target', async () => {
  for (const delay of [0.3, 1.7, 6.2]) {
    const target = performance.now() + delay;
    const at = await new Promise<number>((resolve) => waitUntil(target, () => resolve(performance.now())));
    assert.ok(at >= target, `woke ${(target - at).toFixed(3)} ms early`);
    assert.ok(at - target < 200, `woke ${(at - target).toFixed(1)} ms late`);
  }
});

async function timedInfer(url: string, body: string): Promise<{ status: number; ms: number }> {
  const start = performance.now();
  const res = await fetch(`${url}/v2/models/mlp/infer`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - start };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test('emulated instance: constant 30 ms service time, slowdown x3, queue full gives 503', { timeout: 60_000 }, async () => {
  const files = writeTestModel();
  const server = await startServerProcess([
    '--model', files.path, '--name', 'mlp', '--service-time', '{"kind":"constant","ms":30}', '--seed', '3', '--max-queue', '2',
  ]);
  try {
    assert.deepEqual(server.ready.serviceTime, { kind: 'constant', ms: 30 });
    assert.equal(server.ready.mode, 'emulated');
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, ...files.inputShape], datatype: 'FP32', data: Array.from(randomInputs(1, files.inputSize)) }] });

    const plain: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await timedInfer(server.url, body);
      assert.equal(r.status, 200);
      plain.push(r.ms);
    }
    assert.ok(Math.min(...plain) >= 30, `a response came before its 30 ms service time: ${plain.map((v) => v.toFixed(1)).join(', ')}`);
    assert.ok(median(plain) < 150, `median ${median(plain).toFixed(1)} ms (bound 150 ms on a busy machine)`);

    const set = await fetch(`${server.url}/parm-bench/v1/slowdown`, { method: 'POST', body: '{"factor": 3}' });
    assert.equal(set.status, 200);
    assert.deepEqual(await set.json(), { factor: 3 });
    const slow: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await timedInfer(server.url, body);
      assert.equal(r.status, 200);
      slow.push(r.ms);
    }
    assert.ok(Math.min(...slow) >= 90, `a slowed-down response came before 90 ms: ${slow.map((v) => v.toFixed(1)).join(', ')}`);
    assert.ok(median(slow) < 300, `median ${median(slow).toFixed(1)} ms under slowdown 3`);

    // 300 ms per request: six sent at once find one in service, two waiting, and a full queue.
    await fetch(`${server.url}/parm-bench/v1/slowdown`, { method: 'POST', body: '{"factor": 10}' });
    const burst = await Promise.all(Array.from({ length: 6 }, () => timedInfer(server.url, body)));
    const ok = burst.filter((r) => r.status === 200).length;
    const full = burst.filter((r) => r.status === 503).length;
    assert.equal(ok + full, 6, `statuses ${burst.map((r) => r.status).join(', ')}`);
    assert.ok(ok >= 3 && full >= 1, `statuses ${burst.map((r) => r.status).join(', ')}`);
    const refused = await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', body });
    await fetch(`${server.url}/parm-bench/v1/slowdown`, { method: 'POST', body: '{"factor": 1}' });
    void refused.arrayBuffer();

    const stats = (await (await fetch(`${server.url}/parm-bench/v1/stats`)).json()) as {
      served: number;
      rejected: Record<string, number>;
      slowdownFactor: number;
      queue: { maxLength: number; limit: number };
      service: { count: number; p50Ms: number };
    };
    assert.equal(stats.rejected['503'], full + (refused.status === 503 ? 1 : 0));
    assert.equal(stats.queue.limit, 2);
    assert.equal(stats.queue.maxLength, 2);
    assert.equal(stats.slowdownFactor, 1);
    assert.ok(stats.service.p50Ms >= 30 && stats.service.p50Ms < 100, `service p50 ${stats.service.p50Ms}`);
  } finally {
    await server.stop();
    files.remove();
  }
});
