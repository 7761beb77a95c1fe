import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { ContentionPlayer } from '../harness/contention/contention-player.ts';
import { generateContentionSchedule } from '../harness/contention/contention-schedule.ts';
import { ContentionConfigError, parseContentionSpec } from '../harness/contention/contention-spec.ts';
import type { ContentionTarget } from '../harness/contention/contention-target.ts';
import { NeighbourStream } from '../harness/contention/neighbour-stream.ts';
import { ScriptedInstance } from './fixtures/scripted-instances.ts';

const SPEC = {
  slowdowns: { concurrent: 4, transferMB: [128, 256], bandwidthMBps: 125, factor: 3, reason: 'test' },
  neighbour: { machines: [0, 1], rate: 28, fromMs: 1000, durationMs: 2000, reason: 'test' },
  pauses: [{ atMs: 3000, machine: 2, durationMs: 500 }],
  crashes: [{ atMs: 6000, machine: 5 }],
  cpuHog: { fromMs: 500, durationMs: 1000, processes: 1, reason: 'test' },
};

test('a contention schedule is seeded data: same seed, same events; another seed, other pairs', () => {
  const spec = parseContentionSpec(SPEC);
  const a = generateContentionSchedule(spec, { seed: 7, machines: 18, horizonMs: 20_000 });
  const b = generateContentionSchedule(spec, { seed: 7, machines: 18, horizonMs: 20_000 });
  const c = generateContentionSchedule(spec, { seed: 8, machines: 18, horizonMs: 20_000 });
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
  assert.notDeepEqual(a.events, c.events);
  for (let i = 1; i < a.events.length; i++) assert.ok(a.events[i].atMs >= a.events[i - 1].atMs, 'events in time order');
  const starts = a.events.filter((e) => e.kind === 'slowdown-start');
  for (const e of starts) {
    assert.equal(e.machines.length, 2);
    assert.notEqual(e.machines[0], e.machines[1]);
    assert.ok(e.machines.every((m) => m >= 0 && m < 18));
    assert.ok(e.transferMB >= 128 && e.transferMB <= 256);
  }
  // 4 concurrent episodes of 1.0-2.0 s over 20 s: between 40 and 80 episodes, 4 in force at t = 10 s.
  assert.ok(starts.length >= 40 && starts.length <= 84, `${starts.length} episodes`);
  let active = 0;
  for (const e of a.events) {
    if (e.atMs > 10_000) break;
    if (e.kind === 'slowdown-start') active++;
    if (e.kind === 'slowdown-end') active--;
  }
  assert.equal(active, 4);
  const kinds = new Set(a.events.map((e) => e.kind));
  for (const k of ['pause', 'resume', 'crash', 'neighbour-start', 'neighbour-stop', 'cpu-hog-start', 'cpu-hog-stop']) assert.ok(kinds.has(k as never), k);
  // Adding a fault leaves the slowdown episodes where they were.
  const more = generateContentionSchedule(parseContentionSpec({ ...SPEC, pauses: [...SPEC.pauses, { atMs: 100, machine: 1, durationMs: 10 }] }), { seed: 7, machines: 18, horizonMs: 20_000 });
  assert.deepEqual(more.events.filter((e) => e.kind === 'slowdown-start'), starts);
});

test('contention spec errors name the field', () => {
  const bad = (value: unknown, field: RegExp) => assert.throws(() => parseContentionSpec(value), (e: Error) => e instanceof ContentionConfigError && field.test(e.message), JSON.stringify(value));
  bad({ slowdowns: { ...SPEC.slowdowns, factor: 0.5 } }, /^contention\.slowdowns\.factor: /);
  bad({ slowdowns: { ...SPEC.slowdowns, reason: '' } }, /^contention\.slowdowns\.reason: /);
  bad({ slowdowns: { ...SPEC.slowdowns, transferMB: [256, 128] } }, /^contention\.slowdowns\.transferMB: /);
  bad({ pauses: [{ atMs: 1, machine: 0, durationMs: -1 }] }, /^contention\.pauses\[0\]\.durationMs: /);
  bad({ crashes: [{ atMs: 1, machine: 'a' }] }, /^contention\.crashes\[0\]\.machine: /);
  bad({ shuffles: 4 }, /^contention\.shuffles: unknown field/);
  bad({ neighbour: { machines: [1, 1], rate: 28, reason: 'x' } }, /^contention\.neighbour\.machines: /);
  assert.throws(() => generateContentionSchedule(parseContentionSpec({ pauses: [{ atMs: 1, machine: 30, durationMs: 5 }] }), { seed: 1, machines: 18, horizonMs: 1000 }), /pauses\[0\]\.machine: machine 30 does not exist/);
});

class FakeTarget implements ContentionTarget {
  readonly calls: string[] = [];
  constructor(private readonly clock: ManualClock) {}
  private log(s: string): void {
    this.calls.push(`${this.clock.now()} ${s}`);
  }
  setSlowdown(m: number, f: number) {
    this.log(`slow ${m} ${f}`);
  }
  pause(m: number) {
    this.log(`pause ${m}`);
  }
  resume(m: number) {
    this.log(`resume ${m}`);
  }
  crash(m: number) {
    this.log(`crash ${m}`);
  }
  startNeighbour(m: number, rate: number) {
    this.log(`neighbour ${m} ${rate}`);
  }
  stopNeighbour(m: number) {
    this.log(`neighbour-stop ${m}`);
  }
  startCpuHog(n: number) {
    this.log(`hog ${n}`);
  }
  async stopCpuHog() {
    this.log('hog-stop');
  }
}

test('the player applies each event at its time, takes the largest overlapping factor, and undoes what is in force on stop', async () => {
  const clock = new ManualClock(100);
  const target = new FakeTarget(clock);
  const schedule = {
    schema: 'parm-bench/contention-schedule@1' as const,
    seed: 1,
    machines: 4,
    horizonMs: 10_000,
    spec: parseContentionSpec(null),
    events: [
      { atMs: 0, kind: 'slowdown-start' as const, episode: 0, machines: [0, 1], factor: 3, transferMB: 1 },
      { atMs: 10, kind: 'slowdown-start' as const, episode: 1, machines: [1, 2], factor: 5, transferMB: 1 },
      { atMs: 20, kind: 'slowdown-end' as const, episode: 1, machines: [1, 2] },
      { atMs: 30, kind: 'pause' as const, machine: 3, durationMs: 500 },
      { atMs: 40, kind: 'neighbour-start' as const, machines: [2], rate: 28, seed: 5 },
      { atMs: 50, kind: 'cpu-hog-start' as const, processes: 1 },
      { atMs: 530, kind: 'resume' as const, machine: 3 },
      { atMs: 5000, kind: 'crash' as const, machine: 0 },
    ],
  };
  const player = new ContentionPlayer(clock, schedule, target);
  player.start();
  clock.advance(0);
  assert.deepEqual(target.calls, ['100 slow 0 3', '100 slow 1 3']);
  clock.advance(25);
  assert.deepEqual(target.calls.slice(2), ['110 slow 1 5', '110 slow 2 5', '120 slow 1 3', '120 slow 2 1']);
  clock.advance(100);
  assert.deepEqual(target.calls.slice(6), ['130 pause 3', '140 neighbour 2 28', '150 hog 1']);
  clock.advance(1000);
  assert.deepEqual(target.calls.slice(9), ['630 resume 3']);
  const playback = await player.stop();
  assert.deepEqual(target.calls.slice(10).sort(), ['1225 hog-stop', '1225 neighbour-stop 2', '1225 slow 0 1', '1225 slow 1 1'].sort());
  clock.advance(10_000);
  assert.equal(target.calls.length, 14, 'nothing after stop (the crash at 5 s is not applied)');
  assert.equal(playback.applied, 14);
  assert.equal(playback.failed, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('the player records a failing target call instead of throwing', async () => {
  const clock = new ManualClock();
  const target = new FakeTarget(clock);
  target.setSlowdown = () => Promise.reject(new Error('HTTP 500'));
  const schedule = generateContentionSchedule(parseContentionSpec({ slowdowns: SPEC.slowdowns }), { seed: 1, machines: 4, horizonMs: 1000 });
  const player = new ContentionPlayer(clock, schedule, target);
  player.start();
  clock.advance(0);
  const playback = await player.stop();
  assert.ok(playback.failed >= 2);
  assert.match(playback.errors[0].error, /HTTP 500/);
});

test('a neighbour stream sends seeded Poisson queries to its instance, bounded, and stops when told', () => {
  const run = (seed: number, serviceMs: number) => {
    const clock = new ManualClock();
    const instance = new ScriptedInstance({ id: 'deployed-0', clock, inputSize: 2, outputSize: 1, serviceMs, compute: () => new Float32Array(1) });
    const stream = new NeighbourStream(clock, instance, 28, seed, new Float32Array(2), 8);
    stream.start();
    clock.advance(10_000);
    stream.stop();
    const sentAtStop = instance.calls.length;
    clock.advance(10_000);
    assert.equal(instance.calls.length, sentAtStop, 'nothing sent after stop');
    return { times: instance.calls.map((c) => c.startedAt), stats: stream.stats() };
  };
  const a = run(5, 1);
  assert.deepEqual(a.times, run(5, 1).times, 'same seed, same send times');
  assert.notDeepEqual(a.times, run(6, 1).times);
  // 28 q/s for 10 s: about 280 (Poisson: well within 200..360).
  assert.ok(a.stats.sent > 200 && a.stats.sent < 360, `${a.stats.sent} sent`);
  assert.ok(a.stats.answered >= a.stats.sent - 1, 'answers come back (one may be in flight at stop)');
  // A stalled instance (service 1 min): at most 8 open, the rest skipped.
  const stalled = run(5, 60_000);
  assert.equal(stalled.stats.sent, 8);
  assert.ok(stalled.stats.skipped > 150);
});

test('actions on machines a system has no instance on are counted as skipped', async () => {
  const clock = new ManualClock();
  const target = new FakeTarget(clock);
  target.pause = () => false;
  target.resume = () => false;
  const schedule = generateContentionSchedule(parseContentionSpec({ pauses: [{ atMs: 5, machine: 3, durationMs: 10 }], crashes: [{ atMs: 1, machine: 0 }] }), { seed: 1, machines: 4, horizonMs: 100 });
  const player = new ContentionPlayer(clock, schedule, target);
  player.start();
  clock.advance(50);
  const playback = await player.stop();
  assert.equal(playback.skipped, 2);
  assert.equal(playback.applied, 1);
});
