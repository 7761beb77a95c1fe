import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RealClock } from '../harness/clock.ts';
import { warmUpCluster } from '../harness/bench/cluster-warm-up.ts';
import { ConstantArrivals } from '../harness/load/constant-arrivals.ts';
import { instanceSetOf } from '../harness/instances/instance-cluster.ts';
import { ScriptedInstance } from './fixtures/scripted-instances.ts';

function cluster(clock: RealClock) {
  const make = (id: string, role: 'deployed' | 'parity') =>
    new ScriptedInstance({ id, role, clock, inputSize: 4, outputSize: 3, serviceMs: 1, compute: () => new Float32Array(3) });
  const all = [make('deployed-0', 'deployed'), make('deployed-1', 'deployed'), make('parity-0', 'parity')];
  return { all, cluster: { instances: instanceSetOf(all), stop: async () => {} } };
}

const input = new Float32Array(4);

test('cluster warm-up: every instance of the cluster (parity included) serves; one window when the machine is settled', async () => {
  const clock = new RealClock();
  const { all, cluster: c } = cluster(clock);
  const seen: number[] = [];
  const r = await warmUpCluster({
    clock,
    cluster: c,
    arrivals: () => new ConstantArrivals(300),
    samples: () => ({ input }),
    classes: 3,
    windowMs: 200,
    maxWindows: 3,
    settledLagP99Ms: Infinity,
    onWindow: (w) => seen.push(w),
  });
  assert.equal(r.windows, 1);
  assert.deepEqual(seen, [1]);
  assert.equal(r.settled, true);
  assert.ok(r.queries >= 50, `queries ${r.queries}`);
  for (const i of all) assert.ok(i.calls.length > 0, `${i.id} took no warm-up query`);
});

test('cluster warm-up: keeps warming, window after window, until the lag settles or the maximum is reached', async () => {
  const clock = new RealClock();
  const { cluster: c } = cluster(clock);
  const seeds: number[] = [];
  const r = await warmUpCluster({
    clock,
    cluster: c,
    arrivals: (w) => {
      seeds.push(w);
      return new ConstantArrivals(200);
    },
    samples: () => ({ input }),
    classes: 3,
    windowMs: 100,
    maxWindows: 3,
    settledLagP99Ms: -1,
  });
  assert.equal(r.windows, 3);
  assert.deepEqual(seeds, [0, 1, 2], 'each window gets its own arrivals');
  assert.equal(r.settled, false);
  assert.equal(r.durationMs, 300);
  assert.ok(Number.isFinite(r.lastLagP99Ms));
});
