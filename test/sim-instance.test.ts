import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InferenceOutcome } from '../systems/instance.ts';
import { SimulatedInstance } from '../harness/sim/simulated-instance.ts';
import { VirtualClock } from '../harness/sim/virtual-clock.ts';
import { EmpiricalServiceTimeSampler, sortedQuantile } from '../harness/sim/empirical-service-times.ts';
import { SimulatedCluster } from '../harness/sim/simulated-cluster.ts';
import { ServiceTimeSampler } from '../harness/instance-server/service-time.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

/** Service times from a fixed list, in order. */
function scripted(times: number[]) {
  let i = 0;
  return { next: () => times[i++ % times.length] };
}

function setup(times: number[], maxQueue?: number) {
  const clock = new VirtualClock();
  const instance = new SimulatedInstance(clock, 'deployed-0', 'deployed', 2, 3, scripted(times), maxQueue);
  const log: string[] = [];
  const send = (label: string) =>
    instance.infer(new Float32Array(2), 1, (o: InferenceOutcome) => {
      log.push(o.ok ? `${label} ok@${clock.now()} [${[...o.output].join(',')}]` : `${label} ${o.instanceDown ? 'down' : 'error'}@${clock.now()}`);
    });
  return { clock, instance, log, send };
}

test('sim instance: FIFO, one at a time: completions at hand-computed times, zero outputs', () => {
  const { clock, log, send } = setup([10, 20, 5]);
  send('a');
  send('b');
  clock.setTimer(12, () => send('c'));
  clock.run();
  // a: 0..10; b: 10..30; c arrives at 12, starts at 30, takes 5.
  assert.deepEqual(log, ['a ok@10 [0,0,0]', 'b ok@30 [0,0,0]', 'c ok@35 [0,0,0]']);
});

test('sim instance: the slowdown factor in force when an inference starts applies to it', () => {
  const { clock, instance, log, send } = setup([10]);
  send('a'); // 0..10, factor 1
  send('b'); // starts at 10 with factor 3 -> 10..40
  clock.setTimer(5, () => instance.setSlowdown(3));
  clock.setTimer(35, () => instance.setSlowdown(1)); // b already running: unaffected
  clock.setTimer(36, () => send('c')); // starts at 40 with factor 1 -> 50
  clock.run();
  assert.deepEqual(log, ['a ok@10 [0,0,0]', 'b ok@40 [0,0,0]', 'c ok@50 [0,0,0]']);
  assert.throws(() => instance.setSlowdown(0.5), /slowdown factor must be a number >= 1/);
});

test('sim instance: pause holds work; an answer due during the pause comes at the resume; queued work waits', () => {
  const { clock, instance, log, send } = setup([10]);
  send('a'); // due at 10, but paused 5..100
  send('b');
  clock.setTimer(5, () => instance.pause());
  clock.setTimer(50, () => send('c'));
  clock.setTimer(100, () => instance.resume());
  clock.run();
  assert.deepEqual(log, ['a ok@100 [0,0,0]', 'b ok@110 [0,0,0]', 'c ok@120 [0,0,0]']);
  // A pause that ends before the answer is due does not delay it.
  const s2 = setup([10]);
  s2.send('x');
  s2.clock.setTimer(2, () => s2.instance.pause());
  s2.clock.setTimer(4, () => s2.instance.resume());
  s2.clock.run();
  assert.deepEqual(s2.log, ['x ok@10 [0,0,0]']);
});

test('sim instance: crash fails the running and queued inferences at once with instanceDown, later ones too', () => {
  const { clock, instance, log, send } = setup([10]);
  send('a');
  send('b');
  send('c');
  clock.setTimer(15, () => instance.crash()); // a done at 10; b running, c queued
  clock.setTimer(20, () => send('d'));
  clock.run();
  assert.deepEqual(log, ['a ok@10 [0,0,0]', 'b down@15', 'c down@15', 'd down@20']);
  assert.equal(instance.hasCrashed, true);
  assert.equal(instance.stats().failedByCrash, 2);
});

test('sim instance: cancel drops queued work (no callback) and discards a running answer', () => {
  const { clock, instance, log, send } = setup([10]);
  const a = send('a');
  const b = send('b');
  send('c');
  clock.setTimer(5, () => {
    a.cancel(); // running: finishes at 10, discarded
    b.cancel(); // queued: dropped
  });
  clock.run();
  assert.deepEqual(log, ['c ok@20 [0,0,0]']);
  assert.equal(instance.stats().served, 1);
  assert.equal(instance.queueLength, 0);
});

test('sim instance: callbacks are never synchronous; a full queue refuses (not instanceDown); bad input is an error', () => {
  const { clock, instance, log, send } = setup([10], 1);
  send('a'); // in service
  send('b'); // waits (1 allowed)
  send('c'); // refused
  assert.equal(log.length, 0, 'nothing yet');
  instance.infer(new Float32Array(3), 1, (o: InferenceOutcome) => {
    const message = o.ok ? 'ok' : o.error.message;
    log.push(`bad ${/input has 3 values/.test(message) ? 'size' : message}`);
  });
  clock.run();
  assert.deepEqual(log, ['c error@0', 'bad size', 'a ok@10 [0,0,0]', 'b ok@20 [0,0,0]']);
  assert.equal(instance.stats().refused, 1);
});

test('sim cluster: instances draw service times as the live backends seed them (same seeds, same sampler)', () => {
  const clock = new VirtualClock();
  const profile = { kind: 'lognormal', medianMs: 20, sigma: 0.05 } as const;
  const cluster = new SimulatedCluster({ clock, counts: { deployed: 2, parity: 1, backup: 0 }, inputSize: 1, outputSize: 1, serviceTime: profile, seed: 99 });
  assert.deepEqual(cluster.ids, ['deployed-0', 'deployed-1', 'parity-0']);
  const seeds = new SeededRandom(99);
  const expected = ['deployed-0', 'deployed-1', 'parity-0'].map(() => new ServiceTimeSampler(profile, seeds.nextUint32()).next());
  const got: number[] = [];
  for (const id of cluster.ids) {
    cluster.instance(id).infer(new Float32Array(1), 1, () => got.push(clock.now()));
  }
  clock.run();
  assert.deepEqual(got.slice().sort((a, b) => a - b), expected.slice().sort((a, b) => a - b));
});

test('empirical sampler: draws stay within the samples and follow their distribution', () => {
  const sorted = new Float64Array(Array.from({ length: 1001 }, (_, i) => 10 + i / 100)); // 10..20 uniform
  const s = new EmpiricalServiceTimeSampler(sorted, 3);
  const draws = Array.from({ length: 20000 }, () => s.next()).sort((a, b) => a - b);
  assert.ok(draws[0] >= 10 && draws[draws.length - 1] <= 20);
  const median = draws[10000];
  assert.ok(Math.abs(median - 15) < 0.2, `median ${median}`);
  assert.equal(sortedQuantile(sorted, 0.5), 15);
});
