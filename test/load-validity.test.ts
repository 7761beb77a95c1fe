import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../harness/clock.ts';
import { EventLoopDelayMonitor } from '../harness/load/event-loop-delay.ts';
import { LATENCY_HIGHEST_US, LatencyHistogram } from '../harness/load/latency-histogram.ts';
import { logBinomialCdf, minQueriesForPercentile } from '../harness/load/percentile-sample-size.ts';
import { partialPathOf } from '../harness/load/query-record-file.ts';
import { checkSampleSize, judgeRun, type ValidityFacts } from '../harness/load/run-validity.ts';
import { ClockSendTimer, PreciseSendTimer } from '../harness/load/send-timer.ts';

test('sample size: the binomial rule gives MLPerf LoadGen\'s figures (459 for p99, 4,603 for p99.9, 6,636 with one over the bound)', () => {
  assert.equal(minQueriesForPercentile(99), 459);
  assert.equal(minQueriesForPercentile(99.9), 4603);
  assert.equal(minQueriesForPercentile(99.9, 1), 6636);
  assert.equal(minQueriesForPercentile(90), 44);
  // More queries over the bound, or more confidence, need more queries.
  assert.ok(minQueriesForPercentile(99, 5) > minQueriesForPercentile(99, 1));
  assert.ok(minQueriesForPercentile(99, 0, 0.999) > 459);
  // The rule itself: at n the chance is at most 1%, at n - 1 it is more.
  for (const [p, k] of [[99, 0], [99.9, 1], [99, 10]] as const) {
    const n = minQueriesForPercentile(p, k);
    const q = 1 - p / 100;
    assert.ok(logBinomialCdf(k, n, q) <= Math.log(0.01));
    assert.ok(logBinomialCdf(k, n - 1, q) > Math.log(0.01));
  }
  assert.throws(() => minQueriesForPercentile(100), /percentile must be between 0 and 100/);
  assert.throws(() => minQueriesForPercentile(99, -1), /overBound must be an integer >= 0/);
});

test('validity: each failed condition is a reason with its figures', () => {
  const ok: ValidityFacts = {
    measured: 5000,
    lost: 0,
    lagP99Us: 800,
    maxLagP99Ms: 2,
    sampleSize: checkSampleSize(99.9, 5000, 0, null),
    stoppedEarly: null,
    unexpectedEvents: 0,
  };
  assert.deepEqual(judgeRun(ok), { valid: true, reasons: [] });
  const late = judgeRun({ ...ok, lagP99Us: 2500 });
  assert.equal(late.valid, false);
  assert.match(late.reasons[0], /send lag p99 2\.500 ms is over the bound of 2 ms/);
  const all = judgeRun({ ...ok, lost: 1, stoppedEarly: 'stopped', unexpectedEvents: 2, sampleSize: checkSampleSize(99.9, 4000, 0, null) });
  assert.equal(all.reasons.length, 4);
  assert.match(all.reasons.join('\n'), /ended early \(stopped\)[\s\S]*1 measured query was lost[\s\S]*p99\.9: 4000 measured, at least 4603[\s\S]*2 answer\(s\)/);
  // With a latency bound, queries over it raise the count needed.
  const over = checkSampleSize(99.9, 5000, 1, 50);
  assert.deepEqual([over.required, over.enough, over.latencyBoundMs], [6636, false, 50]);
});

test('latency histogram: nearest-rank percentiles in µs, 3 significant digits, clamped to 10 minutes', () => {
  const h = new LatencyHistogram();
  for (let v = 1; v <= 1000; v++) h.recordUs(v);
  const s = h.summary();
  assert.deepEqual([s.count, s.p50Us, s.p90Us, s.p99Us, s.p99_5Us, s.p99_9Us, s.maxUs, s.meanUs], [1000, 500, 900, 990, 995, 999, 1000, 501]);
  h.recordMs(20 * 60 * 1000);
  h.recordUs(-3);
  assert.equal(h.summary().clampedAboveRange, 1);
  assert.ok(Math.abs(h.summary().maxUs - LATENCY_HIGHEST_US) <= LATENCY_HIGHEST_US / 1000);
  assert.equal(new LatencyHistogram().summary().p99Us, 0);
  // 123,456 µs is kept to 0.1%.
  const one = new LatencyHistogram();
  one.recordUs(123_456);
  assert.ok(Math.abs(one.percentileUs(50) - 123_456) <= 124);
});

test('records file names: the partial name says partial', () => {
  assert.equal(partialPathOf('/runs/a/queries.ndjson'), '/runs/a/queries.partial.ndjson');
  assert.equal(partialPathOf('records'), 'records.partial');
});

test('send timers: the clock timer wakes exactly on a manual clock; the precise timer is never early on the real clock', async () => {
  const clock = new ManualClock();
  const t = new ClockSendTimer(clock);
  const woke: number[] = [];
  t.wakeAt(12.5, () => woke.push(clock.now()));
  clock.advance(20);
  t.wakeAt(30, () => woke.push(-1));
  t.cancel();
  t.wakeSoon(() => woke.push(clock.now()));
  clock.advance(20);
  assert.deepEqual(woke, [12.5, 20]);

  const precise = new PreciseSendTimer(() => performance.now());
  const targets = [0.3, 1.2, 4.7].map((d) => performance.now() + d);
  for (const target of targets) {
    const at = await new Promise<number>((resolve) => precise.wakeAt(target, () => resolve(performance.now())));
    assert.ok(at >= target, `woke ${(target - at).toFixed(3)} ms early`);
  }
  let fired = false;
  precise.wakeAt(performance.now() + 3, () => (fired = true));
  precise.cancel();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(fired, false, 'a cancelled wake does not fire');
});

test('event-loop delay: reported as the delay beyond the sampling resolution, never negative', async () => {
  const m = new EventLoopDelayMonitor(20);
  m.start();
  await new Promise((r) => setTimeout(r, 200));
  m.stop();
  const s = m.summary();
  assert.ok(s.samples > 0);
  assert.equal(s.resolutionMs, 20);
  assert.ok(s.p50Ms >= 0 && s.p99Ms >= s.p50Ms && s.maxMs >= s.p99Ms);
  // Node records whole intervals (>= 20 ms here); a median delay of 20 ms more would need a badly stalled machine.
  assert.ok(s.p50Ms < 20, `p50 ${s.p50Ms} ms: the resolution was not taken off`);
});
