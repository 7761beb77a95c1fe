import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { SeededRandom } from '../harness/seeded-random.ts';
import type { ContentionSchedule } from '../harness/contention/contention-schedule.ts';
import { REPO_ROOT } from '../harness/software-versions.ts';
import { assertChartSpec, type ChartSpec } from '../reports/charts/chart-spec.ts';
import { percentileAtTailPosition, percentileTailPosition, toChartConfiguration } from '../reports/charts/chart-runtime.js';
import { contentionBands, deepestStatablePercentile, spectrumChart, timelineChart } from '../reports/charts/run-charts.ts';
import { renderChartPng } from '../reports/charts/render-png.ts';
import { pairedRatios, requiredQueries, runIntervals, systemPercentiles } from '../reports/percentile-intervals.ts';
import { resultsSchemaMarkdown } from '../reports/results-schema.ts';
import { pairByQuery, type MeasuredQueries } from '../reports/run-records.ts';
import { canonicalJson } from '../reports/run-manifest.ts';

/** The report's statistics and chart building blocks, on samples whose truth is known. */
const dir = mkdtempSync(join(tmpdir(), 'parm-bench-report-stats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function queries(latencies: readonly number[], ids?: readonly number[], scheduled?: readonly number[]): MeasuredQueries {
  return {
    ids: Uint32Array.from(ids ?? latencies.map((_, i) => i)),
    scheduledMs: Float64Array.from(scheduled ?? latencies.map((_, i) => i)),
    latencyMs: Float64Array.from(latencies),
    lost: latencies.filter((x) => x === Infinity).length,
  };
}

function exponential(n: number, mean: number, seed: number): number[] {
  const r = new SeededRandom(seed);
  return Array.from({ length: n }, () => r.nextExponential(mean));
}

test('the binomial rule: 459 queries for p99 and 4,603 for p99.9; fewer is insufficient', () => {
  assert.equal(requiredQueries(99), 459);
  assert.equal(requiredQueries(99.9), 4603);
  const at = (n: number) => systemPercentiles('s', queries(exponential(n, 10, 1)), { resamples: 50 }).estimates.find((e) => e.percentile === 99)!;
  assert.equal(at(458).sufficient, false);
  assert.equal(at(459).sufficient, true);
});

test('bootstrap intervals cover the true percentiles of a known distribution about 95% of the time and narrow with more queries', () => {
  // Exponential with mean 10 ms: the p-th percentile is -10 ln(1 - p/100). 40 independent samples
  // of 2,000 queries: a 95% interval should miss the truth about twice; far more misses is a bug.
  const truth = (p: number) => -10 * Math.log(1 - p / 100);
  const covered = new Map<number, number>();
  const samples = 40;
  for (let k = 0; k < samples; k++) {
    const result = systemPercentiles('s', queries(exponential(2000, 10, 100 + k)), { resamples: 200, seed: k });
    for (const e of result.estimates) {
      const [lo, hi] = e.ci95Ms;
      assert.ok(lo !== null && hi !== null && lo <= e.valueMs! && e.valueMs! <= hi, `p${e.percentile}: ${e.valueMs} in [${lo}, ${hi}]`);
      if (lo <= truth(e.percentile) && truth(e.percentile) <= hi) covered.set(e.percentile, (covered.get(e.percentile) ?? 0) + 1);
    }
  }
  assert.ok(covered.get(50)! >= 34, `p50 covered ${covered.get(50)} of ${samples}`);
  assert.ok(covered.get(99)! >= 34, `p99 covered ${covered.get(99)} of ${samples}`);
  const small = systemPercentiles('s', queries(exponential(2000, 10, 7)), { resamples: 200, seed: 3 });
  const large = systemPercentiles('s', queries(exponential(50_000, 10, 8)), { resamples: 100, seed: 3 });
  const width = (r: typeof small, p: number) => {
    const e = r.estimates.find((x) => x.percentile === p)!;
    return e.ci95Ms[1]! - e.ci95Ms[0]!;
  };
  assert.ok(width(large, 50) < width(small, 50) / 2, '25 times the queries: a much narrower interval');
  assert.equal(small.estimates.find((e) => e.percentile === 99.9)!.sufficient, false, '2,000 < 4,603 queries');
  assert.equal(large.estimates.find((e) => e.percentile === 99.9)!.sufficient, true);
});

test('lost queries are infinitely slow: a percentile that falls on them is not a number', () => {
  const values = exponential(1000, 5, 2);
  for (let i = 0; i < 20; i++) values[i * 50] = Infinity; // 2% lost
  const r = systemPercentiles('s', queries(values), { resamples: 100 });
  const at = (p: number) => r.estimates.find((e) => e.percentile === p)!;
  assert.equal(r.lost, 20);
  assert.ok(at(50).valueMs !== null && at(50).valueMs! < 20);
  assert.equal(at(99).valueMs, null);
  assert.equal(at(99).ci95Ms[1], null);
});

test('ratios are paired by query id: a system exactly twice as slow on every query gives 2 with no spread', () => {
  const a = exponential(2000, 10, 4);
  // b answers query i in exactly 2 x a's time; its records come in another order (answer order).
  const order = new SeededRandom(9).shuffle(Array.from({ length: a.length }, (_, i) => i));
  const b = queries(order.map((i) => 2 * a[i]), order);
  const ratios = pairedRatios('b', b, 'a', queries(a), { resamples: 300 });
  for (const r of ratios) {
    assert.equal(r.pairs, 2000);
    assert.ok(Math.abs(r.ratio! - 2) < 1e-9 && Math.abs(r.ci95[0]! - 2) < 1e-9 && Math.abs(r.ci95[1]! - 2) < 1e-9, `p${r.percentile}: ${r.ratio} ${r.ci95}`);
  }
  // Independent draws of the same distribution: a ratio near 1 inside an interval of real width.
  const unrelated = pairedRatios('c', queries(exponential(2000, 10, 5)), 'a', queries(a), { resamples: 300 }).find((r) => r.percentile === 50)!;
  assert.ok(unrelated.ci95[0]! <= unrelated.ratio! && unrelated.ratio! <= unrelated.ci95[1]! && unrelated.ci95[1]! - unrelated.ci95[0]! > 0.05, `${unrelated.ratio} ${unrelated.ci95}`);
  assert.ok(Math.abs(unrelated.ratio! - 1) < 0.2, `${unrelated.ratio}`);
});

test('pairing keeps only the queries measured in both systems', () => {
  const pairs = pairByQuery(queries([1, 2, 3], [5, 6, 7]), queries([60, 70, 80], [6, 7, 8]));
  assert.deepEqual([...pairs.a], [2, 3]);
  assert.deepEqual([...pairs.b], [60, 70]);
  const report = runIntervals([
    { system: 'baseline', queries: queries([1, 2]) },
    { system: 'parm', queries: queries([1, 2]) },
  ]);
  assert.deepEqual([...new Set(report.ratios.map((r) => `${r.system}/${r.against}`))], ['parm/baseline'], 'ParM is the reference when measured');
});

test('chart specs are checked before drawing, naming the field', () => {
  const spec = (over: Partial<ChartSpec>): ChartSpec => ({ kind: 'line', title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 's', points: [{ x: 1, y: 1 }] }], ...over });
  assert.throws(() => assertChartSpec(spec({ series: [{ label: 's', points: [{ x: 1, y: NaN }] }] })), /chart "t": series\[0\] \("s"\)\.points\[0\]\.y must be a finite number/);
  assert.throws(() => assertChartSpec(spec({ xScale: 'percentile-tail', series: [{ label: 's', points: [{ x: 100, y: 1 }] }] })), /points\[0\]\.x must be a percentile in \[0, 99\.9999\]/);
  assert.throws(() => assertChartSpec(spec({ series: [{ label: 's', points: [{ x: 1, y: 1, yLow: 2, yHigh: 1 }] }] })), /yLow\/yHigh must be finite numbers with yLow <= yHigh/);
  assert.throws(() => assertChartSpec(spec({ bands: [{ from: 2, to: 1, label: 'b' }] })), /bands\[0\] must be finite from <= to/);
  assert.throws(() => assertChartSpec(spec({ kind: 'pie' as 'line' })), /kind must be 'line' or 'scatter'/);
});

test('the percentile-tail axis gives 90, 99, 99.9 one step each, and log axes drop points they cannot place', () => {
  assert.ok(Math.abs(percentileTailPosition(90) - 1) < 1e-12);
  assert.ok(Math.abs(percentileTailPosition(99) - 2) < 1e-12);
  assert.ok(Math.abs(percentileTailPosition(99.9) - 3) < 1e-9);
  assert.ok(Math.abs(percentileAtTailPosition(3) - 99.9) < 1e-9);
  const config = toChartConfiguration({ kind: 'line', title: 't', xLabel: 'x', yLabel: 'y', xScale: 'percentile-tail', yScale: 'log', series: [{ label: 's', points: [{ x: 0, y: 0 }, { x: 99, y: 5 }] }] });
  assert.deepEqual(config.data.datasets[0].data.map((p: { x: number; y: number }) => [Math.round(p.x * 1e9) / 1e9, p.y]), [[2, 5]]);
  assert.equal(config.options.scales.x.ticks.callback(3), '99.9%');
});

test('a rendered PNG shows the series, the error bars and the shaded band', async () => {
  const path = join(dir, 'c.png');
  await renderChartPng(
    {
      kind: 'line',
      title: 'test chart',
      xLabel: 'x',
      yLabel: 'y',
      series: [{ label: 'a', points: [0, 1, 2, 3].map((x) => ({ x, y: 10 + x, yLow: 8 + x, yHigh: 12 + x })) }],
      bands: [{ from: 1, to: 2, label: 'window' }],
    },
    path,
    { width: 400, height: 300 },
  );
  const image = await loadImage(readFileSync(path));
  const canvas = createCanvas(400, 300);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, 400, 300);
  let series = 0;
  let band = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 0x1f) < 12 && Math.abs(data[i + 1] - 0x77) < 12 && Math.abs(data[i + 2] - 0xb4) < 12) series++;
    // The band: orange at 16% over white.
    if (data[i] > 250 && data[i + 1] > 235 && data[i + 1] < 250 && data[i + 2] > 200 && data[i + 2] < 225) band++;
  }
  assert.ok(series > 200, `series pixels ${series}`);
  assert.ok(band > 2000, `band pixels ${band}`);
  await assert.rejects(renderChartPng({ kind: 'line', title: 'bad size', xLabel: '', yLabel: '', series: [] }, path, { width: 0, height: 10 }), /PNG size must be positive integers/);
});

test('contention windows become shaded bands: slowdowns, pauses, crashes to the end', () => {
  const schedule = {
    schema: 'parm-bench/contention-schedule@1',
    seed: 1,
    machines: 3,
    horizonMs: 10_000,
    spec: {},
    events: [
      { atMs: 1000, kind: 'slowdown-start', episode: 0, machines: [0, 1], factor: 3, transferMB: 10 },
      { atMs: 2000, kind: 'pause', machine: 2, durationMs: 500 },
      { atMs: 2500, kind: 'resume', machine: 2 },
      { atMs: 3000, kind: 'slowdown-end', episode: 0, machines: [0, 1] },
      { atMs: 8000, kind: 'crash', machine: 1 },
    ],
  } as unknown as ContentionSchedule;
  assert.deepEqual(contentionBands(schedule, 10_000), [
    { from: 1, to: 3, label: 'slowdown x3 m0+m1' },
    { from: 2, to: 2.5, label: 'pause m2' },
    { from: 8, to: 10, label: 'crash m1' },
  ]);
  // Concurrent episodes of one kind merge into one band; other kinds stay apart.
  const overlapping = {
    ...schedule,
    events: [
      { atMs: 0, kind: 'slowdown-start', episode: 0, machines: [0, 1], factor: 3, transferMB: 10 },
      { atMs: 500, kind: 'slowdown-start', episode: 1, machines: [1, 2], factor: 3, transferMB: 10 },
      { atMs: 700, kind: 'pause', machine: 2, durationMs: 100 },
      { atMs: 1000, kind: 'slowdown-end', episode: 0, machines: [0, 1] },
      { atMs: 1500, kind: 'slowdown-end', episode: 1, machines: [1, 2] },
      { atMs: 4000, kind: 'slowdown-start', episode: 2, machines: [0, 2], factor: 3, transferMB: 10 },
      { atMs: 4500, kind: 'slowdown-end', episode: 2, machines: [0, 2] },
    ],
  } as unknown as ContentionSchedule;
  assert.deepEqual(contentionBands(overlapping, 10_000), [
    { from: 0, to: 1.5, label: 'slowdown (2 overlapping)' },
    { from: 0.7, to: 0.8, label: 'pause m2' },
    { from: 4, to: 4.5, label: 'slowdown x3 m0+m2' },
  ]);
  // A timeline over 10 s of queries: windows of 250 ms, a slow stretch shows in its windows.
  const n = 4000;
  const scheduled = Array.from({ length: n }, (_, i) => (i * 10_000) / n);
  const latency = scheduled.map((t) => (t >= 2000 && t < 2500 ? 500 : 5));
  const chart = timelineChart([{ system: 's', queries: queries(latency, undefined, scheduled) }], schedule);
  assert.match(chart.title, /250 ms windows/);
  const points = chart.series[0].points;
  assert.equal(points.length, 40);
  assert.deepEqual(points.filter((p) => p.y === 500).map((p) => p.x), [2.125, 2.375]);
  assert.equal(chart.bands!.length, 3);
});

test('the spectrum reaches as deep as the answered queries resolve', () => {
  const spec = spectrumChart([{ system: 's', queries: queries(exponential(1000, 10, 3)) }]);
  const xs = spec.series[0].points.map((p) => p.x);
  assert.equal(xs[0], 0);
  assert.ok(Math.max(...xs) <= 99.9 + 1e-9 && Math.max(...xs) > 99.8, `deepest ${Math.max(...xs)}`);
  assertChartSpec(spec);
  // 1,000 queries state percentiles up to about 99.54 (p99 needs 459, p99.9 needs 4,603): beyond, shaded.
  assert.equal(spec.bands!.length, 1);
  assert.ok(requiredQueries(spec.bands![0].from - 0.001) <= 1000 && requiredQueries(spec.bands![0].from + 0.001) > 1000, `${spec.bands![0].from}`);
  assert.ok(deepestStatablePercentile(459) >= 99 && deepestStatablePercentile(458) < 99);
  assert.ok(deepestStatablePercentile(4603) >= 99.9 && deepestStatablePercentile(4602) < 99.9);
});

test('canonical JSON sorts keys at every level', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } }), '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}');
});

test('reports/results-schema.md is the documentation generated from the schema', () => {
  assert.equal(readFileSync(join(REPO_ROOT, 'reports/results-schema.md'), 'utf8'), resultsSchemaMarkdown(), 'regenerate it: node --import tsx -e "import(\'./reports/results-schema.ts\').then(m => process.stdout.write(m.resultsSchemaMarkdown()))" > reports/results-schema.md');
});

test('up to 100,000 queries a system the report keeps the exact bootstrap: exactly the intervals it gave before the order-statistics method', () => {
  // Numbers written by the code before the order-statistics method existed (same data, seed, resamples).
  const a = exponential(3000, 10, 41);
  const b = exponential(3000, 12, 42);
  a[100] = Infinity;
  const report = runIntervals([{ system: 'baseline', queries: queries(b) }, { system: 'parm', queries: queries(a) }], { resamples: 200, seed: 6 });
  assert.deepEqual(
    report.systems.map((s) => s.estimates.map((e) => e.ci95Ms)),
    [
      [[8.0936, 8.9983], [51.6188, 62.1152], [77.2313, 100.6796]],
      [[6.3886, 7.1718], [43.8114, 50.4616], [57.0333, null]],
    ],
  );
  assert.deepEqual(report.ratios.map((r) => r.ci95), [[0.743, 0.8461], [0.7346, 0.911], [0.6273, null]]);
  assert.equal(report.bootstrap.method, 'percentile bootstrap, 95%; ratios resample query indices shared by both systems (same seeded schedule)');
});

test('above 100,000 queries the report uses the order-statistics bootstrap: it says so, agrees with the exact one, contains the true ratios and is seeded', () => {
  // 150,000 queries of two systems on one schedule: lognormal, b 1.2 times a in distribution and
  // correlated with it query by query (0.8 in log space): every true percentile ratio is 1.2.
  const n = 150_000;
  const r = new SeededRandom(77);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z1 = r.nextNormal();
    const z2 = r.nextNormal();
    a[i] = Math.exp(2 + 0.6 * z1);
    b[i] = Math.exp(2 + Math.log(1.2) + 0.6 * (0.8 * z1 + 0.6 * z2));
  }
  const measured = (latencyMs: Float64Array): MeasuredQueries => ({ ids: Uint32Array.from(latencyMs.keys()), scheduledMs: Float64Array.from(latencyMs.keys()), latencyMs, lost: 0 });
  const systems = [
    { system: 'parm', queries: measured(b) },
    { system: 'equal-resources', queries: measured(a) },
  ];
  const fast = runIntervals(systems, { seed: 3 });
  assert.equal(fast.bootstrap.resamples, 1000);
  assert.match(fast.bootstrap.method, /^percentile bootstrap, 95%; .*order-statistics method for every sample/);
  const exact = runIntervals(systems, { seed: 3, resamples: 150, method: 'resample' });
  assert.doesNotMatch(exact.bootstrap.method, /order-statistics/);
  // Both estimate the same bootstrap distribution: interval ends within a quarter of the exact
  // interval's width. The Monte Carlo standard error of a 2.5% quantile of R resamples is about
  // 2.67 sd / sqrt(R) (test/gap-comparison.test.ts): 0.22 sd for the exact run (R = 150, what the
  // test affords at O(n) a resample of three bootstraps), 0.08 sd for the fast one, 0.23 sd or 0.06
  // of the width (3.92 sd) for their difference: the bound is 4.2 standard errors.
  const close = (what: string, f: readonly (number | null)[], e: readonly (number | null)[]) => {
    const text = `${what}: order-statistics ${JSON.stringify(f)}, exact ${JSON.stringify(e)}`;
    const width = e[1]! - e[0]!;
    assert.ok(width > 0 && Math.abs(f[0]! - e[0]!) <= 0.25 * width && Math.abs(f[1]! - e[1]!) <= 0.25 * width, text);
  };
  fast.systems.forEach((s, i) => s.estimates.forEach((est, j) => close(`${s.system} p${est.percentile}`, est.ci95Ms, exact.systems[i].estimates[j].ci95Ms)));
  assert.deepEqual(
    fast.systems.map((s) => s.estimates.map((e) => e.valueMs)),
    exact.systems.map((s) => s.estimates.map((e) => e.valueMs)),
  );
  fast.ratios.forEach((ratio, i) => {
    close(`ratio p${ratio.percentile}`, ratio.ci95, exact.ratios[i].ci95);
    assert.equal(ratio.ratio, exact.ratios[i].ratio);
    assert.ok(ratio.ci95[0]! <= 1.2 && 1.2 <= ratio.ci95[1]!, `ratio p${ratio.percentile} ${JSON.stringify(ratio.ci95)} contains the true 1.2`);
  });
  assert.deepEqual(runIntervals(systems, { seed: 3 }), fast, 'same seed, same numbers');
});
