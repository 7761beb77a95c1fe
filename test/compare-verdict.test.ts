import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { compareSystemSamples, type MetricComparison } from '../reports/compare-runs.ts';
import { METRICS, metricDefinition } from '../reports/compare-metrics.ts';
import type { QuerySamples } from '../reports/compare-query-samples.ts';
import { judgeChange } from '../reports/compare-verdict.ts';

/** The verdict rule of `compare` on synthetic per-query latencies. */
const OPTIONS = { confidence: 0.95, minEffect: 0.05, resamples: 200, seed: 2 };

function samples(latencyMs: readonly number[], correct?: readonly number[]): QuerySamples {
  return {
    ids: Float64Array.from(latencyMs, (_, i) => i),
    latencyMs: Float64Array.from(latencyMs),
    correct: Float64Array.from(correct ?? latencyMs.map(() => Number.NaN)),
  };
}

/** Lognormal-ish latencies around 20 ms with a small tail. */
function latencies(seed: number, n: number, scale = 1): number[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => scale * (20 * Math.exp(0.1 * r.nextNormal()) + (r.next() < 0.01 ? 30 * r.next() : 0)));
}

function verdicts(list: readonly MetricComparison[]): Record<string, string> {
  return Object.fromEntries(list.map((m) => [m.metric, m.verdict]));
}

test('the same latencies give "no change" for every figure, paired (interval exactly 1) and independent', () => {
  const a = samples(latencies(1, 6000));
  const paired = compareSystemSamples('s', a, a, true, OPTIONS);
  for (const m of paired) {
    assert.equal(m.verdict, m.metric === 'accuracy' ? 'n/a' : 'no change', m.metric);
    if (m.metric !== 'accuracy') assert.deepEqual(m.ci, m.change === 'ratio' ? [1, 1] : [0, 0], m.metric);
  }
  const independent = verdicts(compareSystemSamples('s', a, samples(latencies(2, 6000)), false, OPTIONS));
  assert.deepEqual(independent, { p50: 'no change', p99: 'no change', 'p99.9': 'no change', gap: 'no change', mean: 'no change', accuracy: 'n/a', lost: 'no change' });
});

test('20% slower is a regression on p50, p99 and the mean (never an improvement on the tail); 20% faster an improvement; 2% slower is no change (under the 5% minimum effect)', () => {
  const a = samples(latencies(1, 6000));
  const slower = compareSystemSamples('s', a, samples(latencies(2, 6000, 1.2)), false, OPTIONS);
  const v = verdicts(slower);
  for (const m of ['p50', 'p99', 'mean']) assert.equal(v[m], 'regression', m);
  // The 6th-slowest of 6,000 moves a lot from resample to resample: its interval may reach under 1.05.
  for (const m of ['p99.9', 'gap']) assert.ok(v[m] === 'regression' || v[m] === 'no change', `${m}: ${v[m]}`);
  const p50 = slower.find((m) => m.metric === 'p50')!;
  assert.ok(p50.value! > 1.17 && p50.value! < 1.23, `p50 ratio ${p50.value}`);
  assert.ok(p50.ci![0] > 1.05 && p50.ci![0] <= p50.value! && p50.value! <= p50.ci![1], JSON.stringify(p50.ci));
  const faster = verdicts(compareSystemSamples('s', a, samples(latencies(2, 6000, 0.8)), false, OPTIONS));
  for (const m of ['p50', 'p99', 'mean']) assert.equal(faster[m], 'improvement', m);
  const slightly = verdicts(compareSystemSamples('s', a, samples(latencies(2, 6000, 1.02)), false, OPTIONS));
  assert.equal(slightly.p50, 'no change', 'a real but small change stays under the minimum effect');
  assert.equal(slightly.mean, 'no change');
});

test('too few queries for p99.9 is "insufficient samples", never a regression, even when B is far slower', () => {
  const a = samples(latencies(1, 1000));
  const b = samples(latencies(2, 1000, 2));
  const r = compareSystemSamples('s', a, b, false, OPTIONS);
  const v = verdicts(r);
  assert.equal(v['p99.9'], 'insufficient samples');
  assert.equal(v.gap, 'insufficient samples');
  assert.equal(v.p99, 'regression', '1,000 queries are enough for p99 (459 needed)');
  assert.equal(v.p50, 'regression');
  assert.match(r.find((m) => m.metric === 'p99.9')!.note!, /needs at least 4603 measured queries/);
});

test('accuracy: a drop beyond the minimum effect is a regression (higher is better); lost queries: a clear rise is a regression', () => {
  const r = new SeededRandom(5);
  const lat = latencies(1, 5000);
  const correctA = lat.map(() => (r.next() < 0.9 ? 1 : 0));
  const correctB = lat.map(() => (r.next() < 0.8 ? 1 : 0));
  const v = verdicts(compareSystemSamples('s', samples(lat, correctA), samples(lat, correctB), false, OPTIONS));
  assert.equal(v.accuracy, 'regression');
  assert.equal(verdicts(compareSystemSamples('s', samples(lat, correctB), samples(lat, correctA), false, OPTIONS)).accuracy, 'improvement');
  const lossy = lat.map((x, i) => (i % 50 === 0 ? Infinity : x));
  const withLoss = compareSystemSamples('s', samples(lat), samples(lossy), false, OPTIONS);
  const lost = withLoss.find((m) => m.metric === 'lost')!;
  assert.equal(lost.verdict, 'regression');
  assert.ok(Math.abs(lost.value! - 0.02) < 1e-9, `lost share difference ${lost.value}`);
  const oneLost = lat.map((x, i) => (i === 7 ? Infinity : x));
  assert.equal(verdicts(compareSystemSamples('s', samples(lat), samples(oneLost), false, OPTIONS)).lost, 'no change', 'one lost query in 5,000 is within chance');
});

test('the rule itself: interval wholly beyond the minimum effect, on the worse or better side', () => {
  const p50 = metricDefinition('p50');
  const acc = metricDefinition('accuracy');
  const lost = metricDefinition('lost');
  const rule = { confidence: 0.95, minEffect: 0.05 };
  assert.equal(judgeChange(p50, [1.06, 1.2], rule), 'regression');
  assert.equal(judgeChange(p50, [1.04, 1.2], rule), 'no change', 'the interval reaches under 1.05');
  assert.equal(judgeChange(p50, [0.8, 0.94], rule), 'improvement');
  assert.equal(judgeChange(acc, [0.8, 0.94], rule), 'regression');
  assert.equal(judgeChange(acc, [1.06, 1.1], rule), 'improvement');
  assert.equal(judgeChange(lost, [0.001, 0.01], rule), 'regression');
  assert.equal(judgeChange(lost, [0, 0.01], rule), 'no change');
  assert.equal(judgeChange(p50, [Number.NaN, 1], rule), 'n/a');
  assert.equal(METRICS.length, 7);
});
