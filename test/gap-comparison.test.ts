import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { bootstrapPercentiles, compareGaps, EXACT_BOOTSTRAP_MAX_QUERIES, measuredLatencies, percentileOfSorted } from '../reports/gap-comparison.ts';
import { orderStatisticBootstrap, radixSortedOrder } from '../reports/order-statistic-bootstrap.ts';
import { binomialVariate } from '../reports/random-variates.ts';

test('linear-interpolated percentiles', () => {
  const v = Float64Array.from([10, 20, 30, 40, 50]);
  assert.equal(percentileOfSorted(v, 50), 30);
  assert.equal(percentileOfSorted(v, 0), 10);
  assert.equal(percentileOfSorted(v, 100), 50);
  assert.equal(percentileOfSorted(v, 90), 46);
});

test('gap comparison: equal medians, a smaller tail gives a gap ratio below 1 with a CI around it; seeded', () => {
  const r = new SeededRandom(3);
  const base = (n: number, tailShare: number, tailMs: number) =>
    Float64Array.from({ length: n }, () => 20 + r.next() * 2 + (r.next() < tailShare ? tailMs * r.next() : 0));
  const parm = base(20_000, 0.002, 40);
  const er = base(20_000, 0.01, 120);
  const c = compareGaps('parm', parm, 'equal-resources', er, { resamples: 200, seed: 9 });
  assert.ok(Math.abs(c.medianRatio - 1) < 0.02, `median ratio ${c.medianRatio}`);
  assert.ok(c.gapRatio < 0.6, `gap ratio ${c.gapRatio}`);
  assert.ok(c.gapRatioCi95[0] <= c.gapRatio && c.gapRatio <= c.gapRatioCi95[1], JSON.stringify(c.gapRatioCi95));
  assert.ok(c.gapRatioCi95[1] < 1, 'the CI excludes 1');
  assert.deepEqual(compareGaps('parm', parm, 'equal-resources', er, { resamples: 200, seed: 9 }), c);
});

test('records: warm-up skipped, lost queries infinitely slow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-gap-'));
  try {
    const path = join(dir, 'records.ndjson');
    const lines = [
      { id: 0, warmup: true, outcome: 'answer', latencyUs: 1000 },
      { id: 1, warmup: false, outcome: 'answer', latencyUs: 2500 },
      { id: 2, warmup: false, outcome: 'lost', reason: 'x' },
    ];
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    assert.deepEqual([...measuredLatencies(path)], [2.5, Infinity]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('records come back in query-id order (written in completion order), so two systems of one schedule align', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-gap-'));
  try {
    const path = join(dir, 'records.ndjson');
    const lines = [
      { id: 3, warmup: false, outcome: 'answer', latencyUs: 3000 },
      { id: 1, warmup: false, outcome: 'answer', latencyUs: 1000 },
      { id: 2, warmup: false, outcome: 'lost', reason: 'x' },
    ];
    writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    assert.deepEqual([...measuredLatencies(path)], [1, Infinity, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paired comparison: a system exactly 1.5x slower on every query has ratios of 1.5 with no spread; unpaired has spread', () => {
  const r = new SeededRandom(5);
  const a = Float64Array.from({ length: 5000 }, () => 10 + 50 * r.next() ** 8);
  const b = a.map((x) => x * 1.5);
  const paired = compareGaps('parm', b, 'equal-resources', a, { resamples: 200, seed: 2, paired: true });
  assert.equal(paired.bootstrap.paired, true);
  assert.deepEqual(paired.medianRatioCi95, [1.5, 1.5]);
  assert.deepEqual(paired.gapRatioCi95, [1.5, 1.5]);
  const unpaired = compareGaps('parm', b, 'equal-resources', a, { resamples: 200, seed: 2 });
  assert.ok(unpaired.gapRatioCi95[1] - unpaired.gapRatioCi95[0] > 0.01, JSON.stringify(unpaired.gapRatioCi95));
  assert.throws(() => compareGaps('parm', b.subarray(1), 'equal-resources', a, { paired: true }), /paired needs aligned samples/);
});

/**
 * Paired lognormal latencies (ms) whose true ratio is known: log a = 2 + 0.6 z1 and
 * log b = 2 + ln(shift) + 0.6 (0.8 z1 + 0.6 z2), so b has a's distribution scaled by `shift`
 * (every percentile of b, and so every gap p99.9 - p50, is exactly `shift` times a's), and query
 * i of both is correlated (0.8 in log space) as two systems on one schedule are.
 */
function shiftedPairs(n: number, seed: number, shift: number): { a: Float64Array; b: Float64Array } {
  const r = new SeededRandom(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z1 = r.nextNormal();
    const z2 = r.nextNormal();
    a[i] = Math.exp(2 + 0.6 * z1);
    b[i] = Math.exp(2 + Math.log(shift) + 0.6 * (0.8 * z1 + 0.6 * z2));
  }
  return { a, b };
}

/** Two-sample Kolmogorov-Smirnov distance of two sorted arrays (non-finite values compare as the largest: Infinity, then NaN). */
function ksDistance(x: Float64Array, y: Float64Array): number {
  const key = (v: number) => (Number.isNaN(v) ? 2 : v === Infinity ? 1 : 0);
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

test('up to 100,000 queries a system the exact bootstrap runs, with exactly the numbers it gave before the order-statistics method', () => {
  // Numbers written by the code before the order-statistics method existed (same data, seed, resamples).
  assert.equal(EXACT_BOOTSTRAP_MAX_QUERIES, 100_000);
  const r = new SeededRandom(21);
  const a = Float64Array.from({ length: 3000 }, () => Math.exp(2 + 0.6 * r.nextNormal()));
  const b = Float64Array.from(a, (x) => x * (0.9 + 0.5 * r.next()));
  a[17] = Infinity;
  const paired = compareGaps('parm', a, 'er', b, { resamples: 200, seed: 4, paired: true });
  assert.deepEqual(paired, {
    system: 'parm',
    against: 'er',
    queries: { system: 3000, against: 3000 },
    medianMs: { system: 7.5948, against: 8.5801 },
    gapMs: { system: 39.2806, against: 42.8637 },
    medianRatio: 0.8852,
    medianRatioCi95: [0.8732, 0.9003],
    gapRatio: 0.9164,
    gapRatioCi95: [0.7232, Infinity],
    bootstrap: { resamples: 200, seed: 4, paired: true, method: 'resample' },
  });
  const unpaired = compareGaps('parm', a, 'er', b, { resamples: 200, seed: 4 });
  assert.deepEqual([unpaired.medianRatioCi95, unpaired.gapRatioCi95, unpaired.bootstrap.method], [[0.858, 0.929], [0.6811, Infinity], 'resample']);
});

test('above 100,000 queries: order-statistics intervals agree with the exact bootstrap on the same data and contain the true ratio', () => {
  // 200,000 pairs, b 1.2 times a in distribution: every true ratio (medians, gaps) is 1.2.
  // Both methods estimate the same bootstrap distribution; they differ by Monte Carlo error only.
  // The 2.5% quantile of R draws from a near-normal distribution of sd s has a standard error of
  // about sqrt(0.025 * 0.975 / R) / phi(1.96) * s = 2.67 s / sqrt(R): 0.19 s for the exact run
  // (R = 200, what the test can afford at O(n) a resample), 0.08 s for the fast one (R = 1,000),
  // 0.21 s for their difference, i.e. 0.053 of the interval's width (3.92 s). A bound of 0.25 of
  // the width is 4.7 standard errors: a chance failure is about 1 in 300,000, while a method
  // whose intervals were a quarter too narrow or off-centre by a quarter of a width would fail.
  const { a, b } = shiftedPairs(200_000, 31, 1.2);
  for (const paired of [true, false]) {
    const fast = compareGaps('b', b, 'a', a, { seed: 5, paired });
    const exact = compareGaps('b', b, 'a', a, { seed: 5, paired, resamples: 200, method: 'resample' });
    assert.equal(fast.bootstrap.method, 'order-statistics', 'chosen by size');
    assert.equal(fast.bootstrap.resamples, 1000);
    assert.equal(exact.bootstrap.method, 'resample');
    assert.deepEqual([fast.medianRatio, fast.gapRatio], [exact.medianRatio, exact.gapRatio], 'the point estimates do not depend on the bootstrap');
    for (const [name, f, e] of [
      ['median ratio', fast.medianRatioCi95, exact.medianRatioCi95],
      ['gap ratio', fast.gapRatioCi95, exact.gapRatioCi95],
    ] as const) {
      const what = `${paired ? 'paired' : 'unpaired'} ${name}: order-statistics ${JSON.stringify(f)}, exact ${JSON.stringify(e)}`;
      const width = e[1] - e[0];
      assert.ok(width > 0, what);
      assert.ok(Math.abs(f[0] - e[0]) <= 0.25 * width && Math.abs(f[1] - e[1]) <= 0.25 * width, what);
      assert.ok(f[0] <= 1.2 && 1.2 <= f[1], `${what}: contains the true ratio 1.2`);
    }
  }
});

test('the order-statistics method draws the same bootstrap distribution as the exact one (KS test), ties and lost queries included', () => {
  // Forced on 30,000 queries, where the exact method is cheap enough for 1,000 resamples: the
  // distributions of every statistic must pass a two-sample Kolmogorov-Smirnov test at the 0.1%
  // level (critical distance 1.95 sqrt(2 / R); conservative for these discrete distributions).
  const r = new SeededRandom(8);
  const n = 30_000;
  const a = Float64Array.from({ length: n }, () => (r.next() < 0.002 ? Infinity : Math.round(4 * Math.exp(2 + 0.6 * r.nextNormal())) / 4));
  const b = Float64Array.from(a, (x) => Math.round(4 * x * (0.7 + 0.6 * r.next())) / 4);
  const resamples = 1000;
  const critical = 1.95 * Math.sqrt(2 / resamples);
  const statistics = ([x, y]: readonly Float64Array[]) => [x[0], x[2], x[0] / y[0], x[1] / y[1], (x[2] - x[0]) / (y[2] - y[0])];
  for (const paired of [true, false]) {
    const exact = bootstrapPercentiles([a, b], [50, 99, 99.9], statistics, { resamples, seed: 1, paired, method: 'resample' });
    const fast = bootstrapPercentiles([a, b], [50, 99, 99.9], statistics, { resamples, seed: 2, paired, method: 'order-statistics' });
    assert.deepEqual([exact.method, fast.method], ['resample', 'order-statistics']);
    const distances = exact.distributions.map((e, k) => ksDistance(e, fast.distributions[k]));
    assert.ok(distances.every((d) => d < critical), `${paired ? 'paired' : 'unpaired'}: KS distances ${distances.map((d) => d.toFixed(3))} (critical ${critical.toFixed(3)})`);
    if (paired) {
      // Windows of 0.3 sd (+ 64 positions): the p50 ranks often fall outside them, into a coarse
      // bucket that is then expanded in full. Slower, and still the same distribution.
      const narrow = orderStatisticBootstrap([a, b], [50, 99, 99.9], statistics, { resamples, seed: 3, paired, windowSds: 0.3 });
      const narrowDistances = exact.distributions.map((e, k) => ksDistance(e, narrow[k]));
      assert.ok(narrowDistances.every((d) => d < critical), `narrow windows: KS distances ${narrowDistances.map((d) => d.toFixed(3))} (critical ${critical.toFixed(3)})`);
    }
  }
});

test('the order-statistics bootstrap is seeded: the same seed gives the same numbers, another seed others', () => {
  const { a, b } = shiftedPairs(150_000, 3, 1.1);
  const once = compareGaps('b', b, 'a', a, { seed: 12, paired: true, resamples: 300 });
  assert.equal(once.bootstrap.method, 'order-statistics');
  assert.deepEqual(compareGaps('b', b, 'a', a, { seed: 12, paired: true, resamples: 300 }), once);
  const other = compareGaps('b', b, 'a', a, { seed: 13, paired: true, resamples: 300 });
  assert.notDeepEqual([other.medianRatioCi95, other.gapRatioCi95], [once.medianRatioCi95, once.gapRatioCi95]);
});

test('exact samplers: binomial draws have the binomial mean and variance; large-sample sort order is the stable ascending order (NaN last, -0 before 0)', () => {
  const r = new SeededRandom(17);
  const draws = 20_000;
  for (const [n, p] of [[40, 0.3], [60, 0.93], [1_000_000, 0.00001], [1_402_880, 0.5], [1_402_880, 0.999], [5000, 0.2]]) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < draws; i++) {
      const x = binomialVariate(r, n, p);
      assert.ok(Number.isInteger(x) && x >= 0 && x <= n);
      sum += x;
      squares += x * x;
    }
    const mean = sum / draws;
    const variance = squares / draws - mean * mean;
    const sd = Math.sqrt(n * p * (1 - p));
    // 4.5 standard errors for the mean; the sample variance's relative standard error is about sqrt(2 / draws) = 1%.
    assert.ok(Math.abs(mean - n * p) < (4.5 * sd) / Math.sqrt(draws), `Binomial(${n}, ${p}): mean ${mean}`);
    assert.ok(Math.abs(variance / (sd * sd) - 1) < 0.06, `Binomial(${n}, ${p}): variance ${variance} against ${sd * sd}`);
  }
  assert.equal(binomialVariate(r, 10, 0), 0);
  assert.equal(binomialVariate(r, 10, 1), 10);
  const values = Float64Array.from({ length: 5000 }, () => (r.next() < 0.01 ? NaN : r.next() < 0.01 ? Infinity : Math.round(r.nextNormal() * 50) / 10));
  const expected = Array.from(values.keys()).sort((x, y) => {
    const u = values[x];
    const v = values[y];
    if (Number.isNaN(u) || Number.isNaN(v)) return Number.isNaN(u) === Number.isNaN(v) ? x - y : Number.isNaN(u) ? 1 : -1;
    if (u !== v) return u < v ? -1 : 1;
    return Object.is(u, v) ? x - y : Object.is(u, -0) ? -1 : 1; // -0 before 0, as Float64Array.prototype.sort
  });
  assert.deepEqual([...radixSortedOrder(values)], expected);
});
