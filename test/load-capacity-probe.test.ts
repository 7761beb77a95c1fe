import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { CapacityProbe } from '../harness/load/closed-loop-probe.ts';
import { createSystem } from '../systems/create-system.ts';
import { scriptedInstances } from './fixtures/scripted-instances.ts';

/** Advances a manual clock in small steps until `promise` settles (bounded). */
async function runClock<T>(clock: ManualClock, promise: Promise<T>, stepMs: number, maxMs: number): Promise<T> {
  let settled = false;
  void promise.then(() => (settled = true));
  for (let t = 0; t < maxMs && !settled; t += stepMs) {
    clock.advance(stepMs);
    await Promise.resolve();
  }
  assert.ok(settled, `did not finish within ${maxMs} ms of clock time`);
  return promise;
}

test('capacity probe: 4 instances of 10 ms sustain 400 queries/s', async () => {
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: 3, classes: 2, deployed: 4, serviceMs: 10 });
  const probe = new CapacityProbe({ clock, samples: () => ({ input: new Float32Array(3) }), concurrency: 16, durationMs: 1000, warmupMs: 100 });
  const system = createSystem('baseline', { clock, instances, classes: 2, events: probe.events });
  const result = await runClock(clock, probe.run(system), 1, 5000);
  // 4 instances x 100 per second; the window boundaries may cut one round of 4.
  assert.ok(Math.abs(result.queriesPerSecond - 400) <= 4, `q/s ${result.queriesPerSecond}`);
  assert.equal(result.lost, 0);
  assert.equal(system.outstanding, 0, 'the probe drains what it started');
});

test('capacity probe: concurrency below the instance count limits throughput (closed loop)', async () => {
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: 3, classes: 2, deployed: 4, serviceMs: 10 });
  const probe = new CapacityProbe({ clock, samples: () => ({ input: new Float32Array(3) }), concurrency: 2, durationMs: 1000 });
  const system = createSystem('baseline', { clock, instances, classes: 2, events: probe.events });
  const result = await runClock(clock, probe.run(system), 1, 5000);
  assert.ok(Math.abs(result.queriesPerSecond - 200) <= 2, `q/s ${result.queriesPerSecond}`);
  assert.throws(() => new CapacityProbe({ clock, samples: () => ({ input: new Float32Array(3) }), concurrency: 0, durationMs: 1 }), /concurrency/);
});
