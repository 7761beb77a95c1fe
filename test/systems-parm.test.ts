import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { AdditionEncoder } from '../systems/parm/addition-encoder.ts';
import { ParmSystem } from '../systems/parm/parm-system.ts';
import { decodeBySubtraction } from '../systems/parm/subtraction-decoder.ts';
import type { Query, SystemContext } from '../systems/serving-system.ts';
import { argmaxRow } from '../workloads/models/argmax.ts';
import { eventLog, linearModel, makeQueries, scriptedInstances, type EventLog, type ScriptedSetOptions } from './fixtures/scripted-instances.ts';

const SHAPE = { channels: 1, height: 2, width: 2 };
const D = 4;
const C = 5;
/** F is linear (x W + b); with the addition encoder, x W + k b is its exact parity model. */
const F = linearModel(D, C, 1);
const parityModel = (k: number) => linearModel(D, C, 1, k);

function setup(k: number, o: Partial<ScriptedSetOptions> & { deadlineMs?: number; batchSize?: number } = {}) {
  const clock = new ManualClock();
  const encoder = new AdditionEncoder(k, SHAPE);
  const instances = scriptedInstances({
    clock,
    inputSize: D,
    classes: C,
    deployed: k,
    parity: 1,
    serviceMs: 10,
    compute: { deployed: F, parity: parityModel(k) },
    ...o,
  });
  const events = eventLog();
  const defaultOutput = Float32Array.of(0, 0, 0, 7, 0);
  const context: SystemContext = {
    clock,
    instances,
    classes: C,
    events,
    encoder,
    ...(o.deadlineMs === undefined ? {} : { deadlineMs: o.deadlineMs, defaultOutput }),
  };
  const system = new ParmSystem(context, o.batchSize === undefined ? {} : { batchSize: o.batchSize });
  return { clock, instances, events, context, encoder, system };
}

const show = (events: EventLog) => events.answers.map((a) => `${a.queryId}@${a.answeredAt} ${a.path} ${a.instance}`);

/** The exact reconstruction of member `missing` of a group: Fp(E(group)) minus the other outputs, in group order. */
function expectedReconstruction(k: number, group: readonly Query[], missing: number): Float32Array {
  const encoder = new AdditionEncoder(k, SHAPE);
  const parityOut = parityModel(k)(encoder.encode(group.map((q) => q.input)));
  return decodeBySubtraction(parityOut, group.filter((_, j) => j !== missing).map((q) => F(q.input)));
}

test('parm: queries are grouped in arrival order (not completion order) into groups of k; one parity query per group', () => {
  const k = 3;
  const r = new SeededRandom(4);
  const { clock, instances, events, encoder, system } = setup(k, {
    serviceFor: (id) => (id.startsWith('parity') ? 1 : () => 5 + 45 * r.next()),
  });
  const queries = makeQueries(30, D);
  const arrivals: number[] = [];
  for (const q of queries) {
    arrivals.push(clock.now());
    system.submit(q);
    clock.advance(2);
  }
  clock.advance(1000);
  assert.equal(events.answers.length, 30);
  assert.equal(system.outstanding, 0);
  const parityCalls = instances.parity[0].calls;
  assert.equal(parityCalls.length, 10);
  for (let g = 0; g < 10; g++) {
    const members = queries.slice(g * k, g * k + k);
    assert.deepEqual(parityCalls[g].input, encoder.encode(members.map((q) => q.input)), `parity input of group ${g}`);
    assert.equal(parityCalls[g].startedAt, arrivals[g * k + k - 1], `group ${g}'s parity query is sent when its k-th query arrives`);
  }
  for (const a of events.answers) {
    const g = Math.floor(a.queryId / k);
    const expected = a.path === 'original' ? F(queries[a.queryId].input) : expectedReconstruction(k, queries.slice(g * k, g * k + k), a.queryId % k);
    assert.deepEqual(a.output, expected, `answer of query ${a.queryId} (${a.path})`);
  }
  assert.ok(system.stats().answers.reconstruction > 0, 'the scripted tail produced reconstructions');
  assert.equal(system.stats().parityQueriesSent, 10);
  for (const i of [...instances.deployed, ...instances.parity]) assert.equal(i.overlaps, 0);
});

for (const k of [2, 3, 4]) {
  test(`parm: decoding fires as soon as k of the k + 1 outputs are back, and equals Fp(P) minus the others bit for bit (k = ${k})`, () => {
    // deployed-0 is slow; deployed-j answers after 10 j ms; the parity after 15 ms.
    const { clock, events, system } = setup(k, {
      serviceFor: (id, role) => (role === 'parity' ? 15 : id === 'deployed-0' ? 100 : 10 * Number(id.split('-')[1])),
    });
    const queries = makeQueries(k, D);
    for (const q of queries) system.submit(q);
    const decodeAt = Math.max(15, 10 * (k - 1));
    clock.advance(decodeAt - 1);
    assert.equal(events.answerOf(0), undefined, 'nothing to decode before k outputs are back');
    clock.advance(1);
    const a = events.answerOf(0)!;
    assert.equal(a.path, 'reconstruction');
    assert.equal(a.answeredAt, decodeAt);
    assert.equal(a.instance, 'parity-0');
    const expected = expectedReconstruction(k, queries, 0);
    assert.deepEqual(a.output, expected);
    assert.equal(a.prediction, argmaxRow(expected, 0, C));
    assert.equal(a.correct, a.prediction === queries[0].label);
    // The parity model is exact for this linear F, so the reconstruction is F(x0) up to float rounding.
    const truth = F(queries[0].input);
    for (let c = 0; c < C; c++) assert.ok(Math.abs(a.output[c] - truth[c]) < 1e-3);
    clock.advance(200);
    assert.equal(events.answers.length, k, 'the late original is not a second answer');
    const s = system.stats();
    assert.equal(s.answers.reconstruction, 1);
    assert.equal(s.discardedLate, 1);
  });
}

test('parm: after a reconstruction the queued original is cancelled', () => {
  const { clock, instances, events, system } = setup(2, {
    serviceFor: (id, role) => (role === 'parity' ? 1 : id === 'deployed-0' ? 100 : 10),
  });
  for (const q of makeQueries(4, D)) system.submit(q);
  clock.advance(300);
  // q0 runs on deployed-0 (0-100); deployed-1 serves q1 then q2; q3 waits in the queue and is decoded from q2 and parity.
  assert.deepEqual(show(events), [
    '1@10 original deployed-1',
    '0@10 reconstruction parity-0',
    '2@20 original deployed-1',
    '3@20 reconstruction parity-0',
  ]);
  assert.equal(instances.deployed[0].calls.length, 1);
  assert.equal(instances.deployed[1].calls.length, 2, "q3's original never ran");
  const s = system.stats();
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 1);
  assert.equal(s.requestsStarted.deployed, 3);
});

test('parm: when all k originals come first, the queued parity query is cancelled', () => {
  const { clock, instances, events, system } = setup(2, { serviceFor: (_id, role) => (role === 'parity' ? 100 : 5) });
  for (const q of makeQueries(4, D)) system.submit(q);
  clock.advance(300);
  assert.deepEqual(events.answers.map((a) => a.path), ['original', 'original', 'original', 'original']);
  assert.equal(instances.parity[0].calls.length, 1, "group 1's parity query never ran");
  const s = system.stats();
  assert.equal(s.parityQueriesSent, 2);
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 1, "group 0's parity output came back unused");
});

test('parm: no grouping timer: a lone query at the end of a run is served normally', () => {
  const { clock, events, system } = setup(3, { deployed: 2, serviceFor: (_id, role) => (role === 'parity' ? 100 : 10) });
  for (const q of makeQueries(4, D)) system.submit(q);
  clock.advance(200);
  assert.deepEqual(show(events), ['0@10 original deployed-0', '1@10 original deployed-1', '2@20 original deployed-0', '3@20 original deployed-1']);
  assert.equal(system.outstanding, 0);
  assert.equal(system.stats().parityQueriesSent, 1);
  assert.equal(clock.pendingTimers, 0, 'no timer waits for the group to fill');
});

test('parm: a data query whose instance goes down is retried, and reconstructed if the parity comes first', () => {
  const { clock, events, system } = setup(2, {
    serviceFor: (id, role) => (role === 'parity' ? 15 : id === 'deployed-0' ? 50 : 10),
    downAt: { 'deployed-0': 5 },
  });
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(100);
  assert.deepEqual(show(events), ['1@10 original deployed-1', '0@15 reconstruction parity-0']);
  const s = system.stats();
  assert.equal(s.retries, 1);
  assert.equal(s.instancesDown, 1);
  assert.equal(s.discardedLate, 1, 'the retried original (10-20 on deployed-1) is discarded');
});

test('parm: ... and answered by the retry when the parity is slower', () => {
  const { clock, events, system } = setup(2, {
    serviceFor: (id, role) => (role === 'parity' ? 100 : id === 'deployed-0' ? 50 : 10),
    downAt: { 'deployed-0': 5 },
  });
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(200);
  assert.deepEqual(show(events), ['1@10 original deployed-1', '0@20 original deployed-1']);
  assert.equal(system.stats().retries, 1);
});

test('parm: with no deployed instance left, a query is still reconstructed when its group can decode it', () => {
  const { clock, events, system } = setup(2, { deployed: 1, serviceFor: (_id, role) => (role === 'parity' ? 30 : 10), downAt: { 'deployed-0': 15 } });
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(100);
  assert.deepEqual(show(events), ['0@10 original deployed-0', '1@30 reconstruction parity-0']);
  assert.equal(events.lostQueries.length, 0);
});

test('parm: queries that can neither be served nor reconstructed are lost, with the reason', () => {
  {
    // Both queries of the group are missing when the only deployed instance goes down.
    const { clock, events, system } = setup(2, { deployed: 1, serviceFor: (_id, role) => (role === 'parity' ? 30 : 10), downAt: { 'deployed-0': 5 } });
    for (const q of makeQueries(3, D)) system.submit(q);
    clock.advance(100);
    assert.deepEqual(events.lostQueries.map((l) => `${l.queryId}@${l.lostAt}`), ['0@5', '1@5', '2@5']);
    assert.match(events.lostQueries[0].reason, /no deployed instance is left.*another query of its coding group is missing too/);
    assert.match(events.lostQueries[2].reason, /only 1 of 2 queries/);
    system.submit(makeQueries(1, D, 3, C, 10)[0]);
    assert.equal(events.lostQueries.length, 4, 'a query submitted with no deployed instance left is lost at once');
    assert.equal(system.outstanding, 0);
    clock.advance(100);
    const s = system.stats();
    assert.equal(s.parityQueriesSent, 1, 'no parity query for a group whose queries are all lost');
    assert.equal(s.discardedLate, 1, "group 0's parity output came back with nothing to decode");
    assert.equal(s.lost, 4);
  }
  {
    // The parity instance dies first, then the deployed one with q1 in flight.
    const { clock, events, system } = setup(2, {
      deployed: 1,
      serviceFor: (_id, role) => (role === 'parity' ? 30 : 10),
      downAt: { 'parity-0': 12, 'deployed-0': 15 },
    });
    for (const q of makeQueries(2, D)) system.submit(q);
    clock.advance(100);
    assert.deepEqual(show(events), ['0@10 original deployed-0']);
    assert.deepEqual(events.lostQueries.map((l) => `${l.queryId}@${l.lostAt}`), ['1@15']);
    assert.match(events.lostQueries[0].reason, /parity query cannot be served/);
  }
});

test('parm: a parity query whose instance goes down is re-queued on the parity queue', () => {
  const { clock, events, system } = setup(2, {
    parity: 2,
    serviceFor: (id, role) => (role === 'parity' ? 20 : id === 'deployed-0' ? 100 : 10),
    downAt: { 'parity-0': 5 },
  });
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(200);
  assert.deepEqual(show(events), ['1@10 original deployed-1', '0@25 reconstruction parity-1']);
  assert.equal(system.stats().retries, 1);
});

test('parm: batch size 2: batches of consecutive queries, groups of k batches, a parity batch of sample-wise encodings', () => {
  const k = 2;
  const { clock, instances, events, encoder, system } = setup(k, {
    batchSize: 2,
    serviceFor: (id, role) => (role === 'parity' ? 15 : id === 'deployed-0' ? 100 : 10),
  });
  const queries = makeQueries(6, D);
  for (const q of queries.slice(0, 5)) system.submit(q);
  const x = queries.map((q) => q.input);
  const d0 = instances.deployed[0].calls[0];
  assert.equal(d0.batch, 2);
  assert.deepEqual(Array.from(d0.input), [...x[0], ...x[1]]);
  const p = instances.parity[0].calls[0];
  assert.equal(p.batch, 2);
  assert.deepEqual(Array.from(p.input), [...encoder.encode([x[0], x[2]]), ...encoder.encode([x[1], x[3]])]);
  assert.equal(system.stats().waitingForBatch, 1, 'the fifth query waits for its batch to fill');
  clock.advance(15);
  assert.deepEqual(show(events), [
    '2@10 original deployed-1',
    '3@10 original deployed-1',
    '0@15 reconstruction parity-0',
    '1@15 reconstruction parity-0',
  ]);
  const parityOut = parityModel(k)(encoder.encode([x[1], x[3]]));
  assert.deepEqual(events.answerOf(1)!.output, decodeBySubtraction(parityOut, [F(x[3])]));
  assert.deepEqual(events.answerOf(0)!.output, expectedReconstruction(k, [queries[0], queries[2]], 0));
  assert.equal(system.outstanding, 1);
  system.submit(queries[5]);
  clock.advance(200);
  assert.equal(system.outstanding, 0);
  assert.deepEqual(events.answerOf(5)!.output, F(x[5]));
});

test('parm: flush() sends a partial batch as a data request with no parity, and closes its coding group', () => {
  const k = 2;
  const { clock, instances, events, system } = setup(k, { batchSize: 2 });
  const queries = makeQueries(7, D);
  for (const q of queries.slice(0, 3)) system.submit(q);
  assert.equal(system.stats().waitingForBatch, 1);
  system.flush();
  assert.equal(system.stats().waitingForBatch, 0);
  clock.advance(50);
  assert.equal(system.outstanding, 0, 'the flushed query is answered, not stranded');
  assert.deepEqual(events.answerOf(2)!.output, F(queries[2].input));
  assert.equal(instances.parity[0].calls.length, 0, 'no parity pairs a batch of 2 with a batch of 1');
  // Queries after a flush start a new coding group: two full batches make one parity batch.
  for (const q of queries.slice(3)) system.submit(q);
  clock.advance(50);
  assert.equal(instances.parity[0].calls.length, 1);
  assert.equal(instances.parity[0].calls[0].batch, 2);
  assert.equal(system.outstanding, 0);
});

test('parm: the deadline answers with the default; the late original and reconstruction are ignored; queued work is dropped', () => {
  const { clock, instances, events, system } = setup(2, {
    deployed: 1,
    deadlineMs: 30,
    serviceFor: (_id, role) => (role === 'parity' ? 50 : 100),
  });
  for (const q of makeQueries(2, D)) system.submit(q);
  clock.advance(300);
  assert.deepEqual(show(events), ['0@30 default null', '1@30 default null']);
  assert.equal(events.answers[0].prediction, 3);
  assert.equal(instances.deployed[0].calls.length, 1, "q1's queued original was dropped at its deadline");
  const s = system.stats();
  assert.equal(s.answers.default, 2);
  assert.equal(s.cancelledQueued, 1);
  assert.equal(s.discardedLate, 2, "q0's original and the parity output came back unused");
  assert.equal(system.outstanding, 0);
});

test('parm: a long heavy-tailed run answers every query once, exactly as F or as the decode of its own group', () => {
  const k = 3;
  const n = 600;
  const r = new SeededRandom(21);
  const tail = () => (r.next() < 0.05 ? 200 + 300 * r.next() : 8 + 4 * r.next());
  const { clock, instances, events, system } = setup(k, { deployed: 6, parity: 2, serviceMs: () => tail() });
  const queries = makeQueries(n, D, 8);
  const gaps = new SeededRandom(2);
  for (const q of queries) {
    system.submit(q);
    clock.advance(gaps.nextExponential(4));
  }
  clock.advance(10_000);
  assert.equal(events.answers.length, n);
  assert.equal(events.lostQueries.length, 0);
  for (const a of events.answers) {
    const g = Math.floor(a.queryId / k);
    const expected = a.path === 'original' ? F(queries[a.queryId].input) : expectedReconstruction(k, queries.slice(g * k, g * k + k), a.queryId % k);
    assert.deepEqual(a.output, expected, `query ${a.queryId} (${a.path})`);
  }
  const s = system.stats();
  assert.equal(s.answers.original + s.answers.reconstruction, n);
  assert.ok(s.answers.reconstruction > 5, `reconstructions: ${s.answers.reconstruction}`);
  // Every request was either started or cancelled while queued (no failures here).
  assert.equal(s.requestsStarted.deployed + s.requestsStarted.parity + s.cancelledQueued, n + n / k);
  for (const i of [...instances.deployed, ...instances.parity]) assert.equal(i.overlaps, 0);
  assert.equal(clock.pendingTimers, 0);
});
