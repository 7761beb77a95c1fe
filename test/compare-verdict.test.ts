import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { compareRuns, compareSystemSamples, DEFAULT_COMPARE_OPTIONS, figureDistributions, type MetricComparison } from '../reports/compare-runs.ts';
import { METRICS, metricDefinition, type MetricDefinition } from '../reports/compare-metrics.ts';
import type { QuerySamples } from '../reports/compare-query-samples.ts';
import { formatComparison } from '../reports/compare-report.ts';
import type { BenchRunDirectory } from '../reports/compare-run-directory.ts';
import { judgeChange } from '../reports/compare-verdict.ts';
import { EXACT_BOOTSTRAP_MAX_QUERIES } from '../reports/gap-comparison.ts';

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

/**
 * Two runs of one schedule (same query ids): lognormal latencies around 20 ms with a rare tail of
 * 0.5-2 s outliers, lost queries (Infinity; 0.1% in A, 0.2% in B, independently), B's latency
 * `scale` times A's query by query (times uniform noise of +-`noise`), and labels: 1 right, 0
 * wrong, NaN unlabelled, B right where A is 90% of the time.
 */
function twoRuns(seed: number, n: number, scale = 1.05, noise = 0.25): { a: QuerySamples; b: QuerySamples } {
  const r = new SeededRandom(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const ca = new Float64Array(n);
  const cb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = 20 * Math.exp(0.3 * r.nextNormal()) + (r.next() < 0.002 ? 500 + 1500 * r.next() : 0);
    a[i] = r.next() < 0.001 ? Infinity : x;
    b[i] = r.next() < 0.002 ? Infinity : x * (scale - noise + 2 * noise * r.next());
    const right = r.next() < 0.9;
    ca[i] = r.next() < 0.05 ? NaN : right ? 1 : 0;
    cb[i] = r.next() < 0.05 ? NaN : (r.next() < 0.9 ? right : !right) ? 1 : 0;
  }
  const ids = Float64Array.from(a, (_, i) => i);
  return { a: { ids, latencyMs: a, correct: ca }, b: { ids, latencyMs: b, correct: cb } };
}

test('up to 100,000 queries a run every figure is resampled in full, with exactly the numbers of before the large-sample methods', () => {
  // Numbers written by the code before the large-sample methods existed (same data, seed, resamples).
  assert.equal(EXACT_BOOTSTRAP_MAX_QUERIES, 100_000);
  const { a, b } = twoRuns(6, 3000, 1.05, 0.25);
  const expected = {
    paired: {
      p50: [[1.01292, 1.0392], 'no change'],
      p99: [[1.07199, 1.21097], 'regression'],
      'p99.9': [[1, Infinity], 'insufficient samples'],
      gap: [[1, Infinity], 'insufficient samples'],
      mean: [[1.04402, 1.06613], 'no change'],
      accuracy: [[0.895188, 0.920355], 'regression'],
      lost: [[-0.002, 0.002675], 'no change'],
    },
    independent: {
      p50: [[1.0082, 1.04803], 'no change'],
      p99: [[1.04434, 1.2147], 'no change'],
      'p99.9': [[1, Infinity], 'insufficient samples'],
      gap: [[1, Infinity], 'insufficient samples'],
      mean: [[0.943157, 1.1658], 'no change'],
      accuracy: [[0.888735, 0.928219], 'regression'],
      lost: [[-0.002, 0.00300833], 'no change'],
    },
  };
  for (const paired of [true, false]) {
    const c = compareSystemSamples('s', a, b, paired, OPTIONS);
    assert.deepEqual(Object.fromEntries(c.map((m) => [m.metric, [m.ci, m.verdict]])), expected[paired ? 'paired' : 'independent']);
    assert.ok(c.every((m) => m.bootstrap === 'resample'), c.map((m) => m.bootstrap).join());
  }
});

test('above 100,000 queries: 200,000 queries 20% slower are a regression on every latency figure by the fast methods, which are reported', { timeout: 60_000 }, () => {
  const started = performance.now();
  const r = new SeededRandom(12);
  const n = 200_000;
  const base = Float64Array.from({ length: n }, () => 20 * Math.exp(0.2 * r.nextNormal()) + (r.next() < 0.01 ? 30 * r.next() : 0));
  const labels = Float64Array.from(base, () => (r.next() < 0.9 ? 1 : 0));
  const run = (latencyMs: Float64Array): QuerySamples => ({ ids: Float64Array.from(latencyMs, (_, i) => i), latencyMs, correct: labels });
  const a = run(base);
  // Paired: the same queries, each 1.2 times slower (times +-5% noise). Independent: a fresh run, 1.2 times slower.
  const pairedB = run(Float64Array.from(base, (x) => 1.2 * x * (0.95 + 0.1 * r.next())));
  const freshB = run(Float64Array.from({ length: n }, () => 1.2 * (20 * Math.exp(0.2 * r.nextNormal()) + (r.next() < 0.01 ? 30 * r.next() : 0))));
  for (const [paired, b] of [[true, pairedB], [false, freshB]] as const) {
    const c = compareSystemSamples('s', a, b, paired, { ...OPTIONS, resamples: 1000 });
    const what = (m: MetricComparison) => `${paired ? 'paired' : 'independent'} ${m.metric}: ${m.value} ${JSON.stringify(m.ci)} ${m.verdict} (${m.bootstrap})`;
    assert.deepEqual(
      Object.fromEntries(c.map((m) => [m.metric, [m.verdict, m.bootstrap]])),
      {
        p50: ['regression', 'order-statistics'],
        p99: ['regression', 'order-statistics'],
        'p99.9': ['regression', 'order-statistics'],
        gap: ['regression', 'order-statistics'],
        mean: ['regression', 'normal-bulk'],
        accuracy: ['no change', 'category-counts'],
        lost: ['no change', 'category-counts'],
      },
      c.map(what).join('\n'),
    );
    for (const m of c.filter((x) => x.metric === 'p50' || x.metric === 'mean' || x.metric === 'p99')) {
      assert.ok(m.ci![0] <= m.value! && m.value! <= m.ci![1], what(m));
      assert.ok(Math.abs(m.value! - 1.2) < 0.02 && m.ci![0] > 1.15 && m.ci![1] < 1.25, what(m));
    }
    const accuracy = c.find((m) => m.metric === 'accuracy')!;
    if (paired) assert.deepEqual(accuracy.ci, [1, 1], 'the same labels, resampled in pairs: the ratio is exactly 1 in every resample');
    else assert.ok(accuracy.ci![0] < 1 && 1 < accuracy.ci![1] && accuracy.ci![1] - accuracy.ci![0] < 0.01, what(accuracy));
    assert.deepEqual(c.find((m) => m.metric === 'lost')!.ci, [0, 0]);
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
});

/** Two-sample Kolmogorov-Smirnov distance of two sorted samples (NaN sorts last and counts as largest). */
function ksDistance(x: Float64Array, y: Float64Array): number {
  const key = (v: number) => (Number.isNaN(v) ? 1 : 0);
  const less = (u: number, v: number) => key(u) < key(v) || (key(u) === key(v) && key(u) === 0 && u < v);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = less(x[i], y[j]) ? x[i] : y[j];
    while (i < x.length && !less(v, x[i])) i++;
    while (j < y.length && !less(v, y[j])) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

test('the large-sample methods against resampling in full (forced on 10,000 queries): the same distribution for every figure (KS test), lost queries, outliers and labels included', { timeout: 60_000 }, () => {
  // Percentiles and counts draw the same bootstrap distribution; the mean's normal bulk is an
  // approximation whose error must stay far inside the test's power. Two-sample KS at the 0.1%
  // level (critical distance 1.95 sqrt(2 / R); conservative for these discrete distributions).
  const { a, b } = twoRuns(7, 10_000, 1.05, 0.25);
  const resamples = 1000;
  const critical = 1.95 * Math.sqrt(2 / resamples);
  const figure = (m: MetricDefinition, [va, vb]: readonly number[]) => (m.change === 'ratio' ? vb / va : vb - va);
  const samplesOf = (of: MetricDefinition['of']) => (of === 'latency' ? [a.latencyMs, b.latencyMs] : [a.correct, b.correct]);
  for (const paired of [true, false]) {
    const exact = figureDistributions(METRICS, samplesOf, figure, { resamples, seed: 1, paired, method: 'resample' });
    const fast = figureDistributions(METRICS, samplesOf, figure, { resamples, seed: 2, paired, method: 'order-statistics' });
    const rows = METRICS.map((m) => {
      const e = exact.get(m)!;
      const f = fast.get(m)!;
      assert.equal(e.method, 'resample');
      return { metric: m.name, method: f.method, d: ksDistance(e.distribution, f.distribution) };
    });
    assert.deepEqual(rows.map((x) => x.method), ['order-statistics', 'order-statistics', 'order-statistics', 'order-statistics', 'normal-bulk', 'category-counts', 'category-counts']);
    const text = rows.map((x) => `${x.metric} ${x.d.toFixed(3)}`).join(', ');
    assert.ok(rows.every((x) => x.d < critical), `${paired ? 'paired' : 'independent'}: KS distances ${text} (critical ${critical.toFixed(3)})`);
  }
  // One 5-second query in 10,000 of about 20 ms: how often a resample holds it (Poisson(1): none
  // in 37% of them) makes the mean's bootstrap distribution lumpy, far from normal (the normal
  // limit of the whole sum fails this test, KS distances 0.11-0.23); drawn exactly, as the tails
  // are, it is kept.
  const r = new SeededRandom(5);
  const outliers = Float64Array.from({ length: 10_000 }, (_, i) => (i === 7 ? 5000 : 20 * Math.exp(0.3 * r.nextNormal())));
  const fixed = Float64Array.from(outliers, (x) => (x > 1000 ? 20 : x * (0.9 + 0.2 * r.next())));
  const mean = metricDefinition('mean');
  for (const paired of [true, false]) {
    const [exact, fast] = (['resample', 'order-statistics'] as const).map((method, seed) => figureDistributions([mean], () => [outliers, fixed], figure, { resamples, seed, paired, method }).get(mean)!);
    assert.deepEqual([exact.method, fast.method], ['resample', 'normal-bulk']);
    const d = ksDistance(exact.distribution, fast.distribution);
    assert.ok(d < critical, `outliers, ${paired ? 'paired' : 'independent'}: KS distance ${d.toFixed(3)} (critical ${critical.toFixed(3)})`);
  }
});

/** A bench run directory as compare reads it, with one records file per system (enough for compareRuns). */
function fakeRun(dir: string, name: string, systems: Record<string, Float64Array>): BenchRunDirectory {
  const runDir = join(dir, name);
  const results = {
    workload: 'synthetic',
    createdAt: '2026-01-01T00:00:00.000Z',
    partial: false,
    stoppedBecause: null,
    systems: Object.entries(systems).map(([system, latencyMs]) => {
      const lines = Array.from(latencyMs, (x, id) => (Number.isFinite(x) ? `{"id":${id},"outcome":"answer","latencyUs":${Math.round(x * 1000)}}` : `{"id":${id},"outcome":"lost"}`));
      writeFileSync(join(dir, `${name}-${system}.ndjson`), lines.join('\n') + '\n');
      return { system, files: { records: `../${name}-${system}.ndjson` }, summary: { validity: { valid: true, reasons: [] }, partial: false } };
    }),
  };
  return { kind: 'run', dir: runDir, results, config: { workload: 'synthetic', seeds: 1, resolved: {} }, configHash: `hash-${name}`, git: null } as unknown as BenchRunDirectory;
}

test('compareRuns says which bootstrap each system took: in the JSON (pairing.method, each figure) and in the Markdown and text interval line', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-compare-method-'));
  try {
    const r = new SeededRandom(3);
    const lat = (n: number, scale: number) => Float64Array.from({ length: n }, () => scale * 20 * Math.exp(0.2 * r.nextNormal()));
    const a = fakeRun(dir, 'a', { big: lat(120_000, 1), small: lat(5000, 1) });
    const b = fakeRun(dir, 'b', { big: lat(120_000, 1.2), small: lat(5000, 1.2) });
    const c = compareRuns(a, b, { ...DEFAULT_COMPARE_OPTIONS, resamples: 300 });
    assert.deepEqual(c.points[0].pairing.map((p) => [p.system, p.paired, p.method]), [['big', false, 'order-statistics'], ['small', false, 'resample']]);
    const methods = (system: string) => c.points[0].metrics.filter((m) => m.system === system).map((m) => m.bootstrap);
    assert.deepEqual(methods('big'), ['order-statistics', 'order-statistics', 'order-statistics', 'order-statistics', 'normal-bulk', null, 'category-counts']);
    assert.deepEqual(methods('small'), ['resample', 'resample', 'resample', 'resample', 'resample', null, 'resample']);
    assert.ok(c.points[0].metrics.filter((m) => m.metric === 'p50').every((m) => m.verdict === 'regression'));
    assert.match(c.rule.interval, /^95% percentile bootstrap, 300 resamples, seed 1; order-statistics method for big \(more than 100,000 measured queries\)/);
    const json = JSON.parse(formatComparison(c, 'json'));
    assert.equal(json.points[0].pairing[0].method, 'order-statistics');
    assert.match(formatComparison(c, 'markdown'), /^- Interval: 95% percentile bootstrap, 300 resamples, seed 1; order-statistics method for big /m);
    assert.match(formatComparison(c, 'text'), /^interval: .*order-statistics method for big .*the mean: the draws in each run's lowest and highest 1% exactly/m);
    // Small runs only: the interval line is what it always was.
    const small = compareRuns(fakeRun(dir, 'c', { small: lat(5000, 1) }), fakeRun(dir, 'd', { small: lat(5000, 1) }), { ...DEFAULT_COMPARE_OPTIONS, resamples: 300 });
    assert.equal(small.rule.interval, '95% percentile bootstrap, 300 resamples, seed 1');
    assert.equal(small.points[0].pairing[0].method, 'resample');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
