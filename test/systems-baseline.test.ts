import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { BaselineSystem } from '../systems/baseline/baseline-system.ts';
import { EqualResourcesSystem } from '../systems/baseline/equal-resources-system.ts';
import type { SystemContext } from '../systems/serving-system.ts';
import { argmaxRow } from '../workloads/models/argmax.ts';
import { eventLog, linearModel, makeQueries, scriptedInstances, type ScriptedSetOptions } from './fixtures/scripted-instances.ts';

const D = 4;
const C = 5;
const F = linearModel(D, C, 1);

function setup(o: Partial<ScriptedSetOptions> & { deadlineMs?: number } = {}) {
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: D, classes: C, deployed: 2, serviceMs: 10, ...o });
  const events = eventLog();
  const defaultOutput = Float32Array.of(0, 0, 9, 0, 0);
  const context: SystemContext = {
    clock,
    instances,
    classes: C,
    events,
    ...(o.deadlineMs === undefined ? {} : { deadlineMs: o.deadlineMs, defaultOutput }),
  };
  return { clock, instances, events, context, defaultOutput };
}

test('baseline: one shared FIFO queue, pull-based; answers carry path, instance, output, prediction and correctness', () => {
  const { clock, instances, events, context } = setup();
  const system = new BaselineSystem(context);
  assert.equal(system.name, 'baseline');
  const queries = makeQueries(5, D, 3, C);
  for (const q of queries) system.submit(q);
  assert.equal(system.outstanding, 5);
  clock.advance(100);
  assert.equal(system.outstanding, 0);
  const seen = events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.instance}`);
  assert.deepEqual(seen, ['0@10 deployed-0', '1@10 deployed-1', '2@20 deployed-0', '3@20 deployed-1', '4@30 deployed-0']);
  for (const a of events.answers) {
    const q = queries[a.queryId];
    assert.equal(a.path, 'original');
    assert.equal(a.submittedAt, 0);
    assert.deepEqual(a.output, F(q.input));
    assert.equal(a.prediction, argmaxRow(F(q.input), 0, C));
    assert.equal(a.correct, a.prediction === q.label);
  }
  for (const i of instances.deployed) assert.equal(i.overlaps, 0);
  const s = system.stats();
  assert.equal(s.submitted, 5);
  assert.equal(s.answers.original, 5);
  assert.equal(s.requestsStarted.deployed, 5);
  assert.equal(s.retries + s.cancelledQueued + s.discardedLate + s.lost, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('baseline: a query without a label gets no correctness field', () => {
  const { clock, events, context } = setup();
  const system = new BaselineSystem(context);
  system.submit({ id: 1, input: new Float32Array(D) });
  clock.advance(10);
  assert.equal('correct' in events.answers[0], false);
});

test('baseline: the query of an instance that goes down is retried first, elsewhere; that instance gets nothing more', () => {
  const { clock, instances, events, context } = setup({ downAt: { 'deployed-0': 5 } });
  const system = new BaselineSystem(context);
  for (const q of makeQueries(3, D)) system.submit(q);
  clock.advance(100);
  // deployed-1: q1 0-10, then q0 (retried at the head, before q2) 10-20, then q2 20-30.
  assert.deepEqual(
    events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.instance}`),
    ['1@10 deployed-1', '0@20 deployed-1', '2@30 deployed-1'],
  );
  assert.equal(instances.deployed[0].calls.length, 1);
  const s = system.stats();
  assert.equal(s.retries, 1);
  assert.equal(s.instancesDown, 1);
  assert.equal(s.lost, 0);
});

test('baseline: with no deployed instance left, running and queued queries are lost, and so are new ones', () => {
  const { clock, events, context } = setup({ deployed: 1, downAt: { 'deployed-0': 5 } });
  const system = new BaselineSystem(context);
  for (const q of makeQueries(3, D)) system.submit(q);
  clock.advance(6);
  assert.deepEqual(
    events.lostQueries.map((l) => `${l.queryId}@${l.lostAt}`),
    ['0@5', '1@5', '2@5'],
  );
  assert.match(events.lostQueries[0].reason, /no instance left.*all 1 deployed instances are down/);
  system.submit(makeQueries(1, D, 9, C, 10)[0]);
  assert.equal(events.lostQueries.length, 4);
  assert.equal(system.outstanding, 0);
  assert.equal(system.stats().lost, 4);
  assert.equal(events.answers.length, 0);
  clock.advance(100);
  assert.equal(clock.pendingTimers, 0);
});

test('baseline: with a deadline, queries that nothing can serve get the default at their deadline instead of being lost', () => {
  const { clock, events, context, defaultOutput } = setup({ deployed: 1, downAt: { 'deployed-0': 5 }, deadlineMs: 40 });
  const system = new BaselineSystem(context);
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(100);
  assert.equal(events.lostQueries.length, 0);
  assert.deepEqual(
    events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.path} ${a.instance}`),
    ['0@40 default null', '1@40 default null'],
  );
  assert.deepEqual(events.answers[0].output, defaultOutput);
  assert.equal(events.answers[0].prediction, 2);
});

test('baseline: deadline answers with the default, removes the queued copy, and ignores the late result', () => {
  const { clock, instances, events, context } = setup({ deployed: 1, serviceMs: 100, deadlineMs: 50 });
  const system = new BaselineSystem(context);
  const queries = makeQueries(2, D);
  system.submit(queries[0]);
  clock.advance(20);
  system.submit(queries[1]);
  clock.advance(30);
  assert.deepEqual(events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.path}`), ['0@50 default']);
  clock.advance(20);
  assert.deepEqual(events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.path}`), ['0@50 default', '1@70 default']);
  clock.advance(100);
  assert.equal(events.answers.length, 2, 'the late original result is not a second answer');
  assert.equal(instances.deployed[0].calls.length, 1, 'query 1 was removed from the queue at its deadline');
  const s = system.stats();
  assert.equal(s.answers.default, 2);
  assert.equal(s.discardedLate, 1);
  assert.equal(s.cancelledQueued, 1);
  assert.equal(system.outstanding, 0);
});

test('baseline: a failing call on a live instance is retried, then the query is lost with the error', () => {
  const { clock, events, context } = setup({ deployed: 1, failCall: { 'deployed-0': (i) => i !== 3 } });
  const system = new BaselineSystem(context);
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(200);
  // q0: calls 0, 1, 2 fail (3 attempts) -> lost at 30; q1: call 3 succeeds.
  assert.deepEqual(events.lostQueries.map((l) => `${l.queryId}@${l.lostAt}`), ['0@30']);
  assert.match(events.lostQueries[0].reason, /failed 3 times.*scripted failure/);
  assert.deepEqual(events.answers.map((a) => `${a.queryId}@${a.answeredAt}`), ['1@40']);
  const s = system.stats();
  assert.equal(s.inferenceErrors, 3);
  assert.equal(s.retries, 2);
});

test('baseline: batch size 2 sends consecutive pairs as one request and splits the outputs', () => {
  const { clock, instances, events, context } = setup({ deployed: 1 });
  const system = new BaselineSystem(context, { batchSize: 2 });
  const queries = makeQueries(5, D);
  for (const q of queries) system.submit(q);
  clock.advance(100);
  const calls = instances.deployed[0].calls;
  assert.equal(calls.length, 2);
  assert.equal(calls[0].batch, 2);
  assert.deepEqual(Array.from(calls[0].input), [...queries[0].input, ...queries[1].input]);
  assert.equal(events.answers.length, 4);
  for (const a of events.answers) assert.deepEqual(a.output, F(queries[a.queryId].input));
  assert.equal(system.stats().waitingForBatch, 1, 'the fifth query waits for its batch to fill');
  assert.equal(system.outstanding, 1);
  // The driver's last send is followed by flush(): the partial batch goes out alone.
  system.flush();
  assert.equal(system.stats().waitingForBatch, 0);
  clock.advance(100);
  assert.equal(calls.length, 3);
  assert.equal(calls[2].batch, 1);
  assert.deepEqual(events.answerOf(4)!.output, F(queries[4].input));
  assert.equal(system.outstanding, 0);
});

test('equal-resources: the baseline policy under its own name', () => {
  const { clock, events, context } = setup({ deployed: 3 });
  const system = new EqualResourcesSystem(context);
  assert.equal(system.name, 'equal-resources');
  for (const q of makeQueries(3, D)) system.submit(q);
  clock.advance(10);
  assert.deepEqual(events.answers.map((a) => a.instance), ['deployed-0', 'deployed-1', 'deployed-2']);
  assert.equal(system.stats().system, 'equal-resources');
});

test('baseline: close() stops everything; submit after close is an error', () => {
  const { clock, events, context } = setup({ deadlineMs: 50 });
  const system = new BaselineSystem(context);
  for (const q of makeQueries(3, D)) system.submit(q);
  system.close();
  clock.advance(100);
  assert.equal(events.answers.length, 0);
  assert.equal(clock.pendingTimers, 0);
  assert.throws(() => system.submit(makeQueries(1, D, 1, C, 99)[0]), /after close/);
});

test('baseline: rejects a query of the wrong size and a duplicate id', () => {
  const { context } = setup();
  const system = new BaselineSystem(context);
  assert.throws(() => system.submit({ id: 1, input: new Float32Array(3) }), /query 1 has 3 input values, the instances take 4/);
  system.submit({ id: 2, input: new Float32Array(D) });
  assert.throws(() => system.submit({ id: 2, input: new Float32Array(D) }), /query id 2 was submitted while/);
});
