import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ManualClock, RealClock } from '../harness/clock.ts';
import type { ArrivalProcess } from '../harness/load/arrival-process.ts';
import { ConstantArrivals } from '../harness/load/constant-arrivals.ts';
import { LatencyHistogram } from '../harness/load/latency-histogram.ts';
import { LoadDriver, type LoadDriverOptions, type SampleSource } from '../harness/load/load-driver.ts';
import type { LoadProgress, LoadRunSummary } from '../harness/load/load-run-summary.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { partialPathOf } from '../harness/load/query-record-file.ts';
import { QueryRecordLines } from '../harness/load/query-record-line.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { StepArrivals } from '../harness/load/step-arrivals.ts';
import { createSystem } from '../systems/create-system.ts';
import type { ServiceScript } from './fixtures/scripted-instances.ts';
import { linearModel, makeQueries, scriptedInstances } from './fixtures/scripted-instances.ts';
import { argmaxRow } from '../workloads/models/argmax.ts';
import { makeTempDir, removeTempDir } from './fixtures/dataset-files.ts';
import type { MeasuredServingSystem } from '../systems/system-stats.ts';
import type { InstanceRole } from '../systems/instance.ts';

const D = 4;
const C = 5;
const pool = makeQueries(64, D, 9, C);
const samples: SampleSource = (i) => pool[i % pool.length];

let dir = '';
before(async () => {
  dir = await makeTempDir('parm-bench-load-');
});
after(async () => {
  await removeTempDir(dir);
});

interface Setup {
  readonly clock: ManualClock;
  readonly driver: LoadDriver;
  readonly system: MeasuredServingSystem;
}

function setup(o: {
  arrivals: ArrivalProcess;
  driver: Partial<LoadDriverOptions>;
  serviceMs?: ServiceScript;
  serviceFor?: (id: string, role: InstanceRole) => ServiceScript;
  deployed?: number;
  downAt?: Record<string, number>;
  system?: string;
}): Setup {
  const clock = new ManualClock();
  const instances = scriptedInstances({
    clock,
    inputSize: D,
    classes: C,
    deployed: o.deployed ?? 1,
    serviceMs: o.serviceMs ?? 1,
    ...(o.serviceFor ? { serviceFor: o.serviceFor } : {}),
    ...(o.downAt ? { downAt: o.downAt } : {}),
  });
  const driver = new LoadDriver({ clock, arrivals: o.arrivals, samples, claimedPercentile: 99, ...o.driver });
  const system = createSystem(o.system ?? 'baseline', { clock, instances, classes: C, events: driver.events });
  return { clock, driver, system };
}

/** Runs the driver under the manual clock for `ms` and returns the summary; fails if the run has not ended by then. */
async function runFor(s: Setup, ms: number): Promise<LoadRunSummary> {
  const p = s.driver.run(s.system);
  s.clock.advance(ms);
  return ended(p);
}

/**
 * The run's result, once it has ended in the clock time advanced. A run with a records file
 * resolves when its writer thread has written the last line (a few ms of real time); one that has
 * not ended in the time advanced never resolves, and fails here after 10 s.
 */
async function ended<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const notEnded = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the run did not end in the time advanced')), 10_000);
  });
  try {
    return await Promise.race([p, notEnded]);
  } finally {
    clearTimeout(timer);
  }
}

function readRecords(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('driver: sends on schedule, measures every answer, counts paths, writes the records file and judges the run valid', async () => {
  const recordsPath = join(dir, 'basic', 'queries.ndjson');
  const s = setup({ arrivals: new ConstantArrivals(100), driver: { queries: 500, recordsPath } });
  const summary = await runFor(s, 6000);
  assert.equal(summary.schema, 'parm-bench/load-run@1');
  assert.equal(summary.system, 'baseline');
  assert.deepEqual(summary.validity, { valid: true, reasons: [] });
  assert.equal(summary.partial, false);
  assert.deepEqual({ ...summary.queries, lostByReason: undefined }, {
    submitted: 500, warmup: 0, measured: 500, answered: 500, lost: 0, lostByReason: undefined, unexpectedEvents: 0,
  });
  // Every query is alone on the instance: 1 ms each, from scheduled and from submit alike; the driver is never late under a manual clock.
  for (const l of [summary.latencyFromScheduled, summary.latencyFromSubmit]) {
    assert.deepEqual([l.count, l.p50Us, l.p99_9Us, l.maxUs, l.meanUs], [500, 1000, 1000, 1000, 1000]);
  }
  assert.deepEqual([summary.lag.count, summary.lag.p99Us, summary.lag.maxUs], [500, 0, 0]);
  assert.equal(summary.eventLoopDelay, null);
  assert.equal(summary.elapsedMs, 4991);
  assert.ok(Math.abs(summary.offeredRatePerS - 100) < 0.5, `offered ${summary.offeredRatePerS}/s`);
  assert.equal(summary.sampleSize.required, 459);
  assert.equal(summary.byPath.original?.answers, 500);
  assert.equal(summary.systemStats?.submitted, 500);
  assert.match(summary.percentileDefinition, /nearest rank/);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(summary)));
  // Accuracy: the system's answers against the labels of the samples sent.
  const F = linearModel(D, C, 1);
  const expectedCorrect = Array.from({ length: 500 }, (_, i) => samples(i)).filter((q) => argmaxRow(F(q.input), 0, C) === q.label).length;
  assert.deepEqual(summary.accuracy, { labelled: 500, correct: expectedCorrect, accuracy: expectedCorrect / 500 });

  assert.deepEqual(summary.records, { path: recordsPath, complete: true, count: 500 });
  assert.equal(existsSync(partialPathOf(recordsPath)), false);
  const records = readRecords(recordsPath);
  assert.equal(records.length, 500);
  assert.deepEqual(records[7], {
    id: 7, warmup: false, outcome: 'answer', scheduledMs: 70, submittedMs: 70, answeredMs: 71, latencyUs: 1000, fromSubmitUs: 1000,
    path: 'original', instance: 'deployed-0', prediction: argmaxRow(F(samples(7).input), 0, C), label: samples(7).label, correct: records[7].correct,
  });
  assert.equal(records.filter((r) => r.correct === true).length, expectedCorrect);
  assert.equal(s.clock.pendingTimers, 0, 'the driver and the system leave no timer behind');
});

test('driver: answers per path, with accuracy and latency per path (replication: originals and replicas race)', async () => {
  // deployed-0 (original group) is fast on even calls and slow on odd ones; deployed-1 (replica group) takes 5 ms.
  const s = setup({
    system: 'replication',
    deployed: 2,
    arrivals: new ConstantArrivals(50),
    serviceFor: (id) => (id === 'deployed-0' ? ({ index }) => (index % 2 === 0 ? 2 : 8) : 5),
    driver: { queries: 600 },
  });
  const summary = await runFor(s, 13_000);
  const { original, replica } = summary.byPath;
  assert.ok(original && replica);
  assert.equal(original.answers + replica.answers, 600);
  assert.ok(original.answers > 250 && replica.answers > 250, `${original.answers} originals, ${replica.answers} replicas`);
  assert.equal(original.latencyFromScheduled.maxUs, 2000);
  // 5000 µs sits in a histogram bucket 4 µs wide (3 significant digits): reported as its top, 5003.
  assert.equal(replica.latencyFromScheduled.p50Us, 5003);
  assert.equal(original.labelled + replica.labelled, summary.accuracy.labelled);
  assert.equal(original.correct + replica.correct, summary.accuracy.correct);
  assert.ok(original.accuracy !== null && original.accuracy === original.correct / original.labelled);
});

/**
 * The stall of one instance for 500 ms: calls that start in [2000, 2500) ms end at 2501; others take 1 ms.
 * The system answers every query eventually.
 */
const stall: ServiceScript = ({ startedAt }) => (startedAt >= 2000 && startedAt < 2500 ? 2501 - startedAt : 1);

/**
 * What a closed-loop client would report against the same system and schedule: one query in
 * flight, the next sent at its scheduled time or when the previous answer arrives, whichever is
 * later, latency timed from the actual send (coordinated omission).
 */
function closedLoopMeasurement(arrivals: ArrivalProcess, endMs: number): LatencyHistogram {
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: D, classes: C, deployed: 1, serviceMs: stall });
  const latencies = new LatencyHistogram();
  const times = arrivals.times();
  let id = 0;
  const sendNext = () => {
    const r = times.next();
    if (r.done || r.value >= endMs) return;
    clock.setTimer(Math.max(r.value, clock.now()) - clock.now(), () => system.submit({ id: id, ...samples(id++) }));
  };
  const system = createSystem('baseline', {
    clock,
    instances,
    classes: C,
    events: {
      answer: (a) => {
        latencies.recordMs(a.answeredAt - a.submittedAt);
        sendNext();
      },
      lost: () => sendNext(),
    },
  });
  sendNext();
  clock.advance(endMs + 1000);
  return latencies;
}

test('driver: a 500 ms stall shows in p99.9 measured from the scheduled time; a closed-loop measurement would hide it', async () => {
  const arrivals = new PoissonArrivals(200, 2024);
  const s = setup({ arrivals, serviceMs: stall, driver: { durationMs: 25_000, claimedPercentile: 99.9 } });
  const open = await runFor(s, 30_000);
  assert.equal(open.queries.lost, 0, 'every query is answered');
  assert.ok(open.queries.measured >= 4603, `${open.queries.measured} queries`);
  assert.equal(open.validity.valid, true, open.validity.reasons.join('; '));
  assert.ok(open.latencyFromScheduled.p99_9Us >= 400_000, `open-loop p99.9 ${open.latencyFromScheduled.p99_9Us} µs`);
  assert.ok(open.latencyFromScheduled.p99Us >= 100_000, `open-loop p99 ${open.latencyFromScheduled.p99Us} µs`);
  assert.ok(open.latencyFromScheduled.maxUs >= 495_000);

  const closed = closedLoopMeasurement(arrivals, 25_000);
  assert.ok(closed.count >= 4603);
  assert.ok(closed.summary().maxUs >= 495_000, 'the closed loop saw the stall once ...');
  assert.ok(closed.summary().p99_9Us <= 2000, `... but its p99.9 is ${closed.summary().p99_9Us} µs: the stall is hidden`);
  assert.ok(closed.summary().p99Us <= 1000);
});

test('driver: warm-up by time is recorded but excluded from the main figures', async () => {
  const recordsPath = join(dir, 'warm', 'q.ndjson');
  const s = setup({
    arrivals: new ConstantArrivals(100),
    serviceMs: ({ startedAt }) => (startedAt < 1000 ? 5 : 1),
    driver: { warmup: { ms: 1000 }, durationMs: 5000, recordsPath, claimedPercentile: 99 },
  });
  const summary = await runFor(s, 7000);
  assert.equal(summary.queries.warmup, 100);
  assert.equal(summary.queries.measured, 500);
  assert.equal(summary.latencyFromScheduled.maxUs, 1000, 'warm-up latencies are not in the main figures');
  assert.equal(summary.warmup.answered, 100);
  assert.equal(summary.warmup.latencyFromScheduled.maxUs, 5000);
  assert.equal(summary.lag.count, 500);
  assert.equal(summary.measuredWindowMs, 5000);
  assert.equal(summary.offeredRatePerS, 100);
  const records = readRecords(recordsPath);
  assert.equal(records.length, 600);
  assert.ok(records.every((r) => r.warmup === ((r.scheduledMs as number) < 1000)));
});

test('driver: warm-up by count flags the first queries; a count bound sends that many measured queries', async () => {
  const s = setup({ arrivals: new ConstantArrivals(100), driver: { warmup: { queries: 30 }, queries: 200 } });
  const summary = await runFor(s, 3000);
  assert.equal(summary.queries.submitted, 230);
  assert.equal(summary.queries.warmup, 30);
  assert.equal(summary.queries.measured, 200);
  assert.equal(summary.measuredWindowMs, 1990); // from query 30 (300 ms) to query 229 (2290 ms)
});

test('driver: queries the system loses make the run invalid, with the reason and the count', async () => {
  const s = setup({ arrivals: new ConstantArrivals(100), downAt: { 'deployed-0': 2000 }, driver: { durationMs: 5000 } });
  const summary = await runFor(s, 6000);
  assert.ok(summary.queries.lost >= 290, `${summary.queries.lost} lost`);
  assert.equal(summary.queries.answered + summary.queries.lost, 500);
  assert.equal(Object.values(summary.queries.lostByReason).reduce((a, b) => a + b, 0), summary.queries.lost);
  assert.equal(summary.validity.valid, false);
  assert.ok(summary.validity.reasons.some((r) => r.startsWith(`${summary.queries.lost} measured queries were lost`)), summary.validity.reasons.join('; '));
});

test('driver: queries still open after the drain timeout are lost as "outstanding at end"', async () => {
  const s = setup({ arrivals: new ConstantArrivals(100), serviceMs: ({ index }) => (index < 10 ? 1 : 1e9), driver: { queries: 50, drainTimeoutMs: 200 } });
  const summary = await runFor(s, 1000);
  assert.equal(summary.elapsedMs, 490 + 200);
  assert.equal(summary.queries.answered, 10);
  assert.deepEqual(summary.queries.lostByReason, { 'outstanding at end': 40 });
  assert.equal(summary.validity.valid, false);
  s.system.close();
});

test('driver: too few measured queries for the claimed percentile make the run invalid (binomial rule)', async () => {
  const s = setup({ arrivals: new ConstantArrivals(100), driver: { queries: 100, claimedPercentile: 99 } });
  const summary = await runFor(s, 2000);
  assert.deepEqual([summary.sampleSize.required, summary.sampleSize.measured, summary.sampleSize.enough], [459, 100, false]);
  assert.equal(summary.validity.valid, false);
  assert.deepEqual(summary.validity.reasons.length, 1);
  assert.match(summary.validity.reasons[0], /too few queries for p99: 100 measured, at least 459 needed/);
  assert.equal(summary.latencyFromScheduled.p99Us, 1000, 'the figures are still given');
});

test('driver: the records file keeps a partial name while the run goes, and takes its final name only when complete', async () => {
  const recordsPath = join(dir, 'atomic', 'queries.ndjson');
  const s = setup({ arrivals: new ConstantArrivals(1000), driver: { durationMs: 5000, recordsPath } });
  const p = s.driver.run(s.system);
  s.clock.advance(2500);
  assert.equal(existsSync(recordsPath), false, 'no final file before the end');
  assert.equal(existsSync(partialPathOf(recordsPath)), true);
  s.clock.advance(3000);
  const summary = await ended(p);
  assert.equal(existsSync(recordsPath), true);
  assert.equal(existsSync(partialPathOf(recordsPath)), false);
  const records = readRecords(recordsPath);
  assert.equal(records.length, 5000);
  assert.equal(summary.records?.count, 5000);
  assert.deepEqual(new Set(records.map((r) => r.id)).size, 5000);
});

test('driver: stop() ends the run early, marks it partial, keeps what was measured and the partial records file', async () => {
  const recordsPath = join(dir, 'stopped', 'queries.ndjson');
  const progress: LoadProgress[] = [];
  const s = setup({
    arrivals: new ConstantArrivals(100),
    serviceMs: 5,
    driver: { durationMs: 10_000, recordsPath, onProgress: (p) => progress.push(p), progressIntervalMs: 500 },
  });
  const p = s.driver.run(s.system);
  s.clock.advance(3000);
  s.driver.stop('interrupted (SIGINT)');
  const summary = await ended(p);
  assert.equal(summary.partial, true);
  assert.equal(summary.endedEarly, 'interrupted (SIGINT)');
  assert.equal(summary.validity.valid, false);
  assert.match(summary.validity.reasons[0], /the run ended early \(interrupted \(SIGINT\)\)/);
  assert.equal(summary.queries.measured, 301);
  assert.equal(summary.queries.answered, 300);
  assert.deepEqual(summary.queries.lostByReason, { 'outstanding at stop': 1 }, 'the query sent at 3000 ms had no answer yet');
  assert.equal(summary.measuredWindowMs, 3000);
  assert.equal(summary.records?.complete, false);
  assert.equal(summary.records?.path, partialPathOf(recordsPath));
  assert.equal(existsSync(recordsPath), false);
  assert.equal(readRecords(partialPathOf(recordsPath)).length, 301);
  // Progress: every 500 ms of clock time, then once at the end.
  assert.deepEqual(progress.map((x) => x.elapsedMs), [500, 1000, 1500, 2000, 2500, 3000, 3000]);
  assert.equal(progress[progress.length - 1].phase, 'done');
  assert.equal(progress[0].phase, 'measuring');
  assert.equal(progress[0].plannedMs, 10_000);
  assert.ok(progress.every((x, i) => i === 0 || x.submitted >= progress[i - 1].submitted));
  s.system.close();
});

test('driver: an overloaded system (more open queries than allowed) ends the run early', async () => {
  const s = setup({ arrivals: new ConstantArrivals(100), serviceMs: 100, driver: { durationMs: 10_000, maxOutstanding: 20 } });
  const summary = await runFor(s, 1000);
  assert.equal(summary.partial, true);
  assert.match(summary.endedEarly ?? '', /^overloaded: more than 20 queries open at once/);
  s.system.close();
});

test('driver: the same seeds give the same records, byte for byte; a finite arrival process needs no other bound', async () => {
  const files: string[] = [];
  for (const run of [1, 2]) {
    const recordsPath = join(dir, `same-${run}`, 'q.ndjson');
    const s = setup({
      arrivals: new StepArrivals([{ atMs: 0, rate: 300 }, { atMs: 1000, rate: 50 }, { atMs: 2000, rate: 0 }], 77),
      deployed: 2,
      serviceMs: ({ index }) => 1 + (index % 7),
      driver: { recordsPath, warmup: { queries: 20 } },
    });
    const summary = await runFor(s, 5000);
    assert.ok(summary.queries.submitted > 300);
    files.push(readFileSync(recordsPath, 'utf8'));
  }
  assert.equal(files[0], files[1]);
});

test('driver: live on a RealClock it schedules precisely, measures the event-loop delay, and stop() ends it (no timing asserted)', async () => {
  const clock = new RealClock();
  const instances = scriptedInstances({ clock, inputSize: D, classes: C, deployed: 2, serviceMs: 0 });
  const driver = new LoadDriver({ clock, arrivals: new PoissonArrivals(1000, 3), samples, durationMs: 60_000 });
  const system = createSystem('baseline', { clock, instances, classes: C, events: driver.events });
  const stopper = setTimeout(() => driver.stop('interrupted (SIGINT)'), 150);
  const summary = await driver.run(system);
  clearTimeout(stopper);
  system.close();
  assert.equal(summary.settings.scheduling, 'precise');
  assert.equal(summary.partial, true);
  assert.ok(summary.queries.submitted > 10, `${summary.queries.submitted} sent in 150 ms`);
  assert.equal(summary.lag.count, summary.queries.measured);
  assert.ok(summary.lag.p50Us >= 0 && summary.lag.maxUs >= summary.lag.p50Us);
  assert.ok(summary.latencyFromScheduled.p50Us >= summary.latencyFromSubmit.p50Us);
  assert.ok(summary.eventLoopDelay !== null && summary.eventLoopDelay.samples > 0);
});

test('driver: a failing sample source or a bad arrival process ends the run with an error that says which query, and keeps a partial records file', async () => {
  const recordsPath = join(dir, 'failed', 'q.ndjson');
  const clock = new ManualClock();
  const instances = scriptedInstances({ clock, inputSize: D, classes: C, deployed: 1, serviceMs: 1 });
  const driver = new LoadDriver({
    clock,
    arrivals: new ConstantArrivals(100),
    samples: (i) => {
      if (i === 42) throw new Error('sample 42 is unreadable');
      return samples(i);
    },
    queries: 100,
    recordsPath,
  });
  const system = createSystem('baseline', { clock, instances, classes: C, events: driver.events });
  const p = driver.run(system);
  clock.advance(1000);
  await assert.rejects(ended(p), /the sample source failed for query 42: sample 42 is unreadable/);
  assert.equal(existsSync(recordsPath), false);
  assert.equal(readRecords(partialPathOf(recordsPath)).length, 42);

  const backwards: ArrivalProcess = { ...new ConstantArrivals(1), kind: 'backwards', times: () => [0, 5, 3][Symbol.iterator]() as Iterator<number, undefined> };
  const s2 = setup({ arrivals: backwards, driver: { queries: 10 } });
  await assert.rejects(runFor(s2, 100), /arrival process "backwards" gave send time 3 after 5: times must be finite and non-decreasing/);
});

test('driver: options are checked, naming the option and what it needs', () => {
  const clock = new ManualClock();
  const base = { clock, arrivals: new PoissonArrivals(10, 1), samples };
  assert.throws(() => new LoadDriver(base), /the arrival process "poisson" never ends: give durationMs .* or queries/);
  assert.throws(() => new LoadDriver({ ...base, durationMs: -5 }), /durationMs must be a positive number of ms, got -5/);
  assert.throws(() => new LoadDriver({ ...base, queries: 2.5 }), /queries must be a positive integer, got 2.5/);
  assert.throws(() => new LoadDriver({ ...base, queries: 5, warmup: { ms: 1, queries: 2 } as never }), /warmup must be \{"ms"/);
  assert.throws(() => new LoadDriver({ ...base, queries: 5, scheduling: 'precise' }), /scheduling "precise" needs a RealClock/);
  assert.throws(() => new LoadDriver({ ...base, queries: 5, claimedPercentile: 100 }), /claimedPercentile must be between 0 and 100/);
});

test('records: a record line is exactly the JSON.stringify text of the record, strings escaped, non-finite numbers null', () => {
  const lines = new QueryRecordLines();
  const answers = [
    { id: 0, warmup: true, scheduledMs: 1.5, submittedMs: 1.502, answeredMs: 22.25, latencyUs: 20750, fromSubmitUs: 20748, path: 'original', instance: 'deployed-3', prediction: 7, label: 7, correct: true },
    { id: 12, warmup: false, scheduledMs: 0, submittedMs: -0, answeredMs: 1e21, latencyUs: NaN, fromSubmitUs: Infinity, path: 'reconstruction', instance: 'a "quoted"\\ id\n\u2028', prediction: -1, label: null, correct: null },
    { id: 13, warmup: false, scheduledMs: 3, submittedMs: 3, answeredMs: 4, latencyUs: 1000, fromSubmitUs: 1000, path: 'default', instance: null, prediction: 0, label: 2, correct: false },
  ];
  for (const a of answers) {
    const { id, warmup, ...rest } = a;
    assert.equal(lines.answer(a), JSON.stringify({ id, warmup, outcome: 'answer', ...rest }));
  }
  const loss = { id: 5, warmup: false, scheduledMs: 2.125, submittedMs: 2.2, lostMs: 10_000.001, reason: 'parm: no "deployed" instance\tleft', label: null };
  const { id, warmup, ...rest } = loss;
  assert.equal(lines.loss(loss), JSON.stringify({ id, warmup, outcome: 'lost', ...rest }));
  assert.equal(lines.loss({ ...loss, label: 4 }), JSON.stringify({ id, warmup, outcome: 'lost', ...rest, label: 4 }));
});

test('records: ms values with 3 decimals are written as JSON.stringify writes them', () => {
  const random = new SeededRandom(9);
  const values = [0, -0, 0.001, 0.01, 0.1, 0.5, 1, 1.05, 12.345, 100.1, 999.999, 1000, -0.25, -12.03, 3_600_000.001, 1e12 + 0.5, 1e15, 1e21, 0.0001, 1 / 3, NaN, Infinity];
  for (let i = 0; i < 20_000; i++) values.push(Math.round((random.next() - 0.2) * 10 ** (1 + random.nextInt(9)) * 1000) / 1000);
  const lines = new QueryRecordLines();
  for (const x of values) {
    const loss = { id: 1, warmup: false, scheduledMs: x, submittedMs: 2, lostMs: 3, reason: 'r', label: null };
    assert.equal(lines.loss(loss), JSON.stringify({ id: 1, warmup: false, outcome: 'lost', scheduledMs: x, submittedMs: 2, lostMs: 3, reason: 'r', label: null }), `${x}`);
  }
});

test('records: integers, labels and predictions are written as JSON.stringify writes them; lines are appended as UTF-8 bytes', () => {
  const random = new SeededRandom(4);
  const lines = new QueryRecordLines();
  const expected: string[] = [];
  const ints = [0, -0, 1, 9, 10, 99, 100, -1, -10, 2 ** 31, 2 ** 32 + 1, 999_999_999_999_999, 1e15, -1e15, 1e21, 2.5, -7.125, 1e-7, NaN, -Infinity];
  for (let i = 0; i < 5_000; i++) ints.push(Math.round((random.next() - 0.3) * 10 ** random.nextInt(16)));
  for (const [i, x] of ints.entries()) {
    const a = { id: i, warmup: i % 2 === 0, scheduledMs: i / 8, submittedMs: i / 8, answeredMs: i, latencyUs: x, fromSubmitUs: -x, path: 'original', instance: 'deployed-é', prediction: x, label: i % 3 === 0 ? null : x, correct: i % 5 === 0 ? null : i % 2 === 1 };
    lines.appendAnswer(a.id, a.warmup, a.scheduledMs, a.submittedMs, a.answeredMs, a.latencyUs, a.fromSubmitUs, a.path, a.instance, a.prediction, a.label, a.correct);
    const { id, warmup, ...rest } = a;
    expected.push(JSON.stringify({ id, warmup, outcome: 'answer', ...rest }));
  }
  assert.ok(lines.length > 1 << 16, 'the buffer grew past its first size');
  assert.equal(new TextDecoder().decode(lines.bytes.subarray(0, lines.length)), expected.map((l) => `${l}\n`).join(''));
  lines.clear();
  assert.equal(lines.length, 0);
});
