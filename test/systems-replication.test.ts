import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { EqualResourcesSystem } from '../systems/baseline/equal-resources-system.ts';
import { ApproximateBackupSystem } from '../systems/replication/approximate-backup-system.ts';
import { HedgedSystem } from '../systems/replication/hedged-system.ts';
import { ReplicationSystem } from '../systems/replication/replication-system.ts';
import type { SystemContext } from '../systems/serving-system.ts';
import type { MeasuredServingSystem } from '../systems/system-stats.ts';
import { eventLog, linearModel, makeQueries, scriptedInstances, type ScriptedSetOptions } from './fixtures/scripted-instances.ts';

const D = 4;
const C = 5;
const F = linearModel(D, C, 1);
const BACKUP = linearModel(D, C, 3);

function setup(o: Partial<ScriptedSetOptions>) {
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: D, classes: C, serviceMs: 10, ...o });
  const events = eventLog();
  const context: SystemContext = { clock, instances, classes: C, events };
  return { clock, instances, events, context };
}

const show = (events: ReturnType<typeof eventLog>) => events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.path} ${a.instance}`);

test('replication: every query goes to both groups; first answer wins; the queued loser is cancelled, a running loser discarded', () => {
  const { clock, instances, events, context } = setup({ deployed: 2, serviceFor: (id) => (id === 'deployed-0' ? 10 : 30) });
  const system = new ReplicationSystem(context);
  const queries = makeQueries(3, D);
  for (const q of queries) system.submit(q);
  clock.advance(200);
  assert.deepEqual(show(events), ['0@10 original deployed-0', '1@20 original deployed-0', '2@30 original deployed-0']);
  // The replica group ran q0 (0-30, discarded), skipped q1 (cancelled at 20), and started q2 at 30 (discarded at 60).
  assert.deepEqual(
    instances.deployed[1].calls.map((c) => `${c.startedAt}`),
    ['0', '30'],
  );
  assert.deepEqual(Array.from(instances.deployed[1].calls[1].input), Array.from(queries[2].input));
  const s = system.stats();
  assert.equal(s.replicaRequestsSent, 3);
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 2);
  assert.equal(s.answers.original, 3);
});

test('replication: the replica answers when it is first (path "replica")', () => {
  const { clock, events, context } = setup({ deployed: 4, serviceFor: (id) => (id === 'deployed-0' ? [50, 10] : 10) });
  const system = new ReplicationSystem(context);
  const [q0] = makeQueries(1, D);
  system.submit(q0);
  clock.advance(100);
  assert.deepEqual(show(events), ['0@10 replica deployed-2']);
  assert.deepEqual(events.answers[0].output, F(q0.input));
});

test('replication: a group that loses every instance leaves the other group to answer; nothing is lost', () => {
  const { clock, events, context } = setup({ deployed: 2, downAt: { 'deployed-0': 5 } });
  const system = new ReplicationSystem(context);
  for (const q of makeQueries(3, D)) system.submit(q);
  clock.advance(100);
  assert.deepEqual(show(events), ['0@10 replica deployed-1', '1@20 replica deployed-1', '2@30 replica deployed-1']);
  assert.equal(system.stats().lost, 0);
});

test('approximate backup: the backup answers a slow query (path "backup", the backup model\'s output); queued losers are cancelled', () => {
  const { clock, instances, events, context } = setup({
    deployed: 1,
    backup: 1,
    serviceFor: (id) => (id === 'deployed-0' ? [100, 10] : 20),
  });
  const system = new ApproximateBackupSystem(context);
  const queries = makeQueries(2, D);
  for (const q of queries) system.submit(q);
  clock.advance(300);
  // backup-0: q0 0-20, q1 20-40; deployed-0 is busy with q0 until 100, so q1's deployed copy is cancelled at 40.
  assert.deepEqual(show(events), ['0@20 backup backup-0', '1@40 backup backup-0']);
  assert.deepEqual(events.answers[0].output, BACKUP(queries[0].input));
  assert.equal(instances.deployed[0].calls.length, 1);
  const s = system.stats();
  assert.equal(s.backupRequestsSent, 2);
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 1);
  assert.equal(s.answers.backup, 2);
});

test('approximate backup: when the deployed model is first, queued backup copies are cancelled', () => {
  const { clock, instances, events, context } = setup({ deployed: 1, backup: 1, serviceFor: (id) => (id === 'deployed-0' ? 10 : 100) });
  const system = new ApproximateBackupSystem(context);
  for (const q of makeQueries(3, D)) system.submit(q);
  clock.advance(300);
  assert.deepEqual(show(events), ['0@10 original deployed-0', '1@20 original deployed-0', '2@30 original deployed-0']);
  assert.equal(instances.backup[0].calls.length, 1);
  const s = system.stats();
  assert.equal(s.cancelledQueued, 2);
  assert.equal(s.discardedLate, 1);
});

test('approximate backup: with backupAfterMs the backup copy is sent only to queries still unanswered then', () => {
  const { clock, instances, events, context } = setup({ deployed: 1, backup: 1, serviceFor: (id) => (id === 'deployed-0' ? [10, 100] : 20) });
  const system = new ApproximateBackupSystem(context, { backupAfterMs: 25 });
  const [q0, q1] = makeQueries(2, D);
  system.submit(q0);
  clock.advance(10);
  system.submit(q1);
  clock.advance(300);
  // q0 answered at 10 (no backup); q1 runs 10-110, its backup is sent at 35 and answers at 55.
  assert.deepEqual(show(events), ['0@10 original deployed-0', '1@55 backup backup-0']);
  assert.equal(instances.backup[0].calls.length, 1);
  assert.equal(instances.backup[0].calls[0].startedAt, 35);
  assert.equal(system.stats().backupRequestsSent, 1);
  assert.equal(clock.pendingTimers, 0);
});

test('approximate backup: a pending backup timer keeps a query alive after the deployed instances are gone', () => {
  const { clock, events, context } = setup({ deployed: 1, backup: 1, serviceMs: 10, downAt: { 'deployed-0': 5 } });
  const system = new ApproximateBackupSystem(context, { backupAfterMs: 30 });
  system.submit(makeQueries(1, D)[0]);
  clock.advance(100);
  assert.deepEqual(show(events), ['0@40 backup backup-0']);
  assert.equal(events.lostQueries.length, 0);
});

test('hedged: a query in service past the hedge delay gets a copy at the head of the queue; the copy can win (path "hedge")', () => {
  const { clock, instances, events, context } = setup({ deployed: 3, serviceFor: (id) => (id === 'deployed-0' ? [100, 10] : 10) });
  const system = new HedgedSystem(context, { k: 2, initialHedgeDelayMs: 20 });
  const [q0] = makeQueries(1, D);
  system.submit(q0);
  clock.advance(200);
  assert.deepEqual(show(events), ['0@30 hedge deployed-1']);
  assert.equal(instances.deployed[1].calls[0].startedAt, 20);
  assert.deepEqual(events.answers[0].output, F(q0.input));
  const s = system.stats();
  assert.equal(s.hedgesSent, 1);
  assert.equal(s.discardedLate, 1);
  assert.equal(s.answers.hedge, 1);
});

test('hedged: a query still queued is not hedged; hedges of answered queries are cancelled while queued', () => {
  const { clock, instances, events, context } = setup({ deployed: 2, serviceFor: (id) => (id === 'deployed-0' ? 100 : [90, 100]) });
  const system = new HedgedSystem(context, { k: 2, initialHedgeDelayMs: 20 });
  const queries = makeQueries(3, D);
  for (const q of queries) system.submit(q);
  clock.advance(20);
  assert.equal(system.stats().hedgesSent, 2, 'q0 and q1 are in service and hedged; q2 waits and is not');
  // 90: q1 answered, its queued hedge cancelled; deployed-1 takes q0's hedge (the head).
  // 100: q0 answered (its hedge is running: discarded at 190); deployed-0 takes q2, hedged at 120.
  clock.advance(99);
  assert.equal(system.stats().hedgesSent, 2);
  clock.advance(1);
  assert.equal(system.stats().hedgesSent, 3);
  clock.advance(500);
  assert.deepEqual(show(events), ['1@90 original deployed-1', '0@100 original deployed-0', '2@200 original deployed-0']);
  assert.deepEqual(instances.deployed[1].calls.map((c) => c.startedAt), [0, 90, 190]);
  assert.deepEqual(Array.from(instances.deployed[1].calls[1].input), Array.from(queries[0].input));
  assert.deepEqual(Array.from(instances.deployed[1].calls[2].input), Array.from(queries[2].input));
  const s = system.stats();
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 2);
  assert.equal(s.answers.original, 3);
});

/** Heavy-tailed service: mostly ~10 ms, 1 call in 20 is 5-40 times slower. */
function heavyTail(seed: number) {
  const r = new SeededRandom(seed);
  return () => (r.next() < 0.05 ? 10 * (5 + 35 * r.next()) : 8 + 4 * r.next());
}

function runPoisson(system: MeasuredServingSystem, clock: ManualClock, n: number, meanGapMs: number, seed: number) {
  const r = new SeededRandom(seed);
  const queries = makeQueries(n, D, seed);
  for (const q of queries) {
    system.submit(q);
    clock.advance(r.nextExponential(meanGapMs));
  }
  clock.advance(100_000);
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

for (const k of [2, 4]) {
  test(`hedged: over a long heavy-tailed run, hedges stay within the 1/k budget (k = ${k}) and cut the tail`, () => {
    const n = 4000;
    const N = 8;
    const instancesTotal = N + N / k;
    const latencies: Record<string, number[]> = {};
    let hedged: HedgedSystem | undefined;
    for (const which of ['hedged', 'equal-resources'] as const) {
      const service = heavyTail(11);
      const { clock, instances, events, context } = setup({ deployed: instancesTotal, serviceMs: () => service() });
      const system =
        which === 'hedged' ? (hedged = new HedgedSystem(context, { k, initialHedgeDelayMs: 15 })) : new EqualResourcesSystem(context);
      runPoisson(system, clock, n, 4, 5); // ~250 q/s on N + N/k instances of ~12 ms mean service
      assert.equal(events.answers.length, n);
      for (const i of instances.deployed) assert.equal(i.overlaps, 0);
      latencies[which] = events.answers.map((a) => a.answeredAt - a.submittedAt);
    }
    const s = hedged!.stats();
    assert.ok(s.hedgesSent <= 1.05 * (n / k), `hedges ${s.hedgesSent} > budget ${n / k}`);
    assert.ok(s.hedgesSent >= 0.5 * (n / k), `hedges ${s.hedgesSent}: the budget is hardly used`);
    assert.equal(s.answers.original + s.answers.hedge, n);
    assert.ok(s.answers.hedge > 0);
    const p99 = (w: string) => percentile(latencies[w], 0.99);
    assert.ok(p99('hedged') < p99('equal-resources'), `p99 hedged ${p99('hedged')} vs equal resources ${p99('equal-resources')}`);
  });
}

test('hedged: the delay adapts to the (1 - 1/k) quantile of recent service times', () => {
  // Service times cycle 10, 10, 10, 40: the 0.75 quantile (k = 4) is 10, the 0.5 quantile (k = 2) too; with k = 1.25... use k = 8: 0.875 -> 40.
  const cycle = [10, 10, 10, 40];
  let call = 0;
  const { clock, context } = setup({ deployed: 2, serviceMs: () => cycle[call++ % 4] });
  const system = new HedgedSystem(context, { k: 8, initialHedgeDelayMs: 1000, hedgeWindow: 40, hedgeMinSamples: 20 });
  assert.equal(system.hedgeDelayMs, 1000);
  const queries = makeQueries(40, D);
  for (const q of queries) {
    system.submit(q);
    clock.advance(50);
  }
  assert.equal(system.hedgeDelayMs, 40);
  assert.equal(system.stats().hedgeDelayMs, 40);
  assert.equal(system.stats().hedgesSent, 0, 'no service time outlasted the delay');
});
