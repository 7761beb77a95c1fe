import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  gapReduction,
  judgeBaseAccuracy,
  judgeDegradedAccuracy,
  judgeGapReduced,
  judgeGapReductionUpTo,
  judgeMedianKept,
  judgeResourcesVsReplication,
  reportComparison,
  type ClaimContext,
  type ComparisonPoint,
} from '../harness/reproduce/claims.ts';
import { percentileWithInterval } from '../harness/reproduce/percentile-interval.ts';
import { wilsonInterval } from '../harness/reproduce/proportion-interval.ts';
import { SeededRandom } from '../harness/seeded-random.ts';
import { claimsMarkdown, claimsText, CLAIMS_SCHEMA, type ClaimsReport } from '../reports/claims-table.ts';

/** The claims rules on synthetic comparisons: each verdict, and how INVALID or missing points weigh. */
const ctx: ClaimContext = { figure: '9a', runDir: '/runs/r', parameter: 'rate', missingPoints: [] };

function point(x: number, median: [number, number, number], gap: [number, number, number], valid = true): ComparisonPoint {
  return {
    x,
    against: 'equal-resources',
    medianRatio: median[0],
    medianRatioCi95: [median[1], median[2]],
    gapRatio: gap[0],
    gapRatioCi95: [gap[1], gap[2]],
    valid,
    invalidReasons: valid ? [] : ['parm: too few queries for p99.9'],
  };
}

test('median kept: holds when every CI stays at or below 1.05, fails when a valid CI lies above, else inconclusive', () => {
  const ok = [point(150, [0.98, 0.96, 1.0], [0.5, 0.4, 0.6]), point(270, [1.01, 0.99, 1.04], [0.6, 0.5, 0.7])];
  assert.equal(judgeMedianKept(ok, ctx).verdict, 'holds');
  // ParM faster at the median is not a failure to "keep" it.
  assert.equal(judgeMedianKept([point(150, [0.8, 0.75, 0.85], [1, 0.9, 1.1])], ctx).verdict, 'holds');
  const above = [...ok, point(390, [1.2, 1.1, 1.3], [0.9, 0.8, 1.0])];
  const failed = judgeMedianKept(above, ctx);
  assert.equal(failed.verdict, 'does not hold');
  assert.match(failed.ours, /highest CI \[1\.100, 1\.300\] at rate = 390/);
  // A CI straddling the margin cannot decide.
  assert.equal(judgeMedianKept([...ok, point(390, [1.04, 1.0, 1.08], [1, 1, 1])], ctx).verdict, 'inconclusive');
  // An INVALID point cannot make it fail, and it keeps it from holding everywhere.
  const withInvalid = judgeMedianKept([...ok, point(390, [1.2, 1.1, 1.3], [1, 1, 1], false)], ctx);
  assert.equal(withInvalid.verdict, 'inconclusive');
  assert.match(withInvalid.notes.join(' '), /rate = 390 INVALID/);
  // Points missing after Ctrl-C: the claim cannot hold "at every point".
  assert.equal(judgeMedianKept(ok, { ...ctx, missingPoints: [390] }).verdict, 'inconclusive');
  assert.equal(judgeMedianKept([], ctx).verdict, 'inconclusive');
});

test('gap reduced: holds when some valid CI lies below 1; does not hold when every valid CI is at or above 1', () => {
  assert.equal(judgeGapReduced([point(150, [1, 1, 1], [1.1, 0.9, 1.3]), point(270, [1, 1, 1], [0.5, 0.4, 0.7])], ctx).verdict, 'holds');
  assert.equal(judgeGapReduced([point(150, [1, 1, 1], [1.2, 1.05, 1.4]), point(270, [1, 1, 1], [1.0, 1.0, 1.3])], ctx).verdict, 'does not hold');
  assert.equal(judgeGapReduced([point(150, [1, 1, 1], [0.9, 0.7, 1.1])], ctx).verdict, 'inconclusive');
  // The only point showing a reduction is INVALID: not counted.
  assert.equal(judgeGapReduced([point(150, [1, 1, 1], [1.2, 1.05, 1.4]), point(270, [1, 1, 1], [0.5, 0.4, 0.7], false)], ctx).verdict, 'inconclusive');
});

test('gap reduction up to 3.5x: the best valid point must reach 3.5 within its CI and exceed 1', () => {
  const r = gapReduction(point(1, [1, 1, 1], [0.25, 0.2, 0.5]));
  assert.equal(r.value, 4);
  assert.deepEqual(r.ci95, [2, 5]);
  // Best point: reduction 4x [2, 5] reaches 3.5.
  const holds = judgeGapReductionUpTo([point(150, [1, 1, 1], [0.8, 0.6, 1.0]), point(270, [1, 1, 1], [0.25, 0.2, 0.5])], ctx);
  assert.equal(holds.verdict, 'holds');
  assert.match(holds.ours, /up to 4\.00x \[2\.00, 5\.00\] at rate = 270/);
  // Best 1.67x [1.25, 2.5]: below 3.5 everywhere.
  assert.equal(judgeGapReductionUpTo([point(150, [1, 1, 1], [0.6, 0.4, 0.8]), point(270, [1, 1, 1], [0.9, 0.8, 1.0])], ctx).verdict, 'does not hold');
  // A CI reaching 3.5 but also including 1 (no reduction) cannot decide.
  assert.equal(judgeGapReductionUpTo([point(150, [1, 1, 1], [0.5, 0.2, 1.1])], ctx).verdict, 'inconclusive');
  // A large reduction seen only at an INVALID point does not count.
  const invalid = judgeGapReductionUpTo([point(150, [1, 1, 1], [0.9, 0.8, 1.0]), point(270, [1, 1, 1], [0.2, 0.1, 0.25], false)], ctx);
  assert.equal(invalid.verdict, 'inconclusive');
});

test('resources against replication: k extra instances fewer, structural', () => {
  const c = judgeResourcesVsReplication(12, [2, 3, 4], { figure: '10', runDir: '/r' });
  assert.equal(c.verdict, 'holds');
  assert.match(c.ours, /k=2: 6 vs 12 .*2\.00x.*k=3: 4 vs 12 .*3\.00x.*k=4: 3 vs 12 .*4\.00x/);
  // k = 6 gives 6x: outside the 2-4x the paper states.
  assert.equal(judgeResourcesVsReplication(12, [6], { figure: '10', runDir: '/r' }).verdict, 'does not hold');
});

test('comparisons without a paper number are reported, not judged', () => {
  const c = reportComparison([{ ...point(270, [1, 0.9, 1.1], [0.7, 0.6, 0.8]), against: 'approximate-backup' }], ctx);
  assert.equal(c.verdict, 'reported');
  assert.match(c.claim, /approximate-backup/);
});

test('accuracy claims: Wilson intervals against the published range and the 89.5% base accuracy', () => {
  const w = wilsonInterval(50, 100);
  assert.ok(Math.abs(w[0] - 0.4038) < 1e-3 && Math.abs(w[1] - 0.5962) < 1e-3, JSON.stringify(w));
  assert.throws(() => wilsonInterval(5, 0), /n must be a positive integer/);
  const r = { figure: 'accuracy', runDir: '/r' };
  assert.equal(judgeDegradedAccuracy({ k: 2, encoder: 'addition', accuracy: 0.8, reconstructions: 10_000 }, r).verdict, 'holds');
  assert.equal(judgeDegradedAccuracy({ k: 4, encoder: 'addition', accuracy: 0.4, reconstructions: 10_000 }, r).verdict, 'does not hold');
  assert.equal(judgeDegradedAccuracy({ k: 4, encoder: 'addition', accuracy: 0.64, reconstructions: 10_000 }, r).verdict, 'inconclusive');
  assert.equal(judgeBaseAccuracy({ accuracy: 0.894, count: 10_000 }, r).verdict, 'holds');
  assert.equal(judgeBaseAccuracy({ accuracy: 0.85, count: 10_000 }, r).verdict, 'does not hold');
  assert.equal(judgeBaseAccuracy({ accuracy: 0.884, count: 10_000 }, r).verdict, 'inconclusive');
});

test('order-statistic percentile intervals cover the value and widen with fewer samples; too few samples leave p99.9 unbounded', () => {
  const rnd = new SeededRandom(4);
  const sample = (n: number) => Float64Array.from({ length: n }, () => 20 + 10 * rnd.next()).sort();
  const big = percentileWithInterval(sample(20_000), 50);
  const small = percentileWithInterval(sample(500), 50);
  assert.ok(big.ci95[0] <= big.value && big.value <= big.ci95[1]);
  assert.ok(Math.abs(big.value - 25) < 0.2, `${big.value}`);
  assert.ok(big.ci95[1] - big.ci95[0] < small.ci95[1] - small.ci95[0]);
  assert.equal(percentileWithInterval(sample(1000), 99.9).ci95[1], Infinity);
  assert.ok(Number.isFinite(percentileWithInterval(sample(10_000), 99.9).ci95[1]));
  // Exact on a known case: 1..100, the median's interval spans ranks 40..61.
  const ranks = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(percentileWithInterval(ranks, 50).ci95, [40, 61]);
});

test('the claims table lists claim, paper, ours, verdict and run dir, and the rules', () => {
  const claims = [judgeMedianKept([point(150, [1.2, 1.1, 1.3], [1, 1, 1])], ctx), judgeResourcesVsReplication(12, [2], { figure: '9a', runDir: '/runs/r' })];
  const report: ClaimsReport = { schema: CLAIMS_SCHEMA, createdAt: 'now', quick: true, partial: false, claims };
  const text = claimsText(report, '/runs');
  assert.match(text, /0 hold|1 hold/);
  assert.match(text, /does not hold/);
  assert.match(text, /\[1\] 9a/);
  assert.match(text, /Rules and notes:/);
  assert.match(text, / r\s*$/m, 'run dir shown relative to the base');
  assert.match(claimsText(report, '/runs/r'), /  \.\s*$/m, 'the base itself is shown as .');
  const md = claimsMarkdown(report);
  assert.match(md, /^\| figure \| claim \| paper \| ours \[95% CI\] \| verdict \| run dir \|$/m);
  assert.match(md, /\| 9a \| ParM keeps the median of equal-resources \| same median \|/);
});
