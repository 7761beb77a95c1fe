import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { detectChangePoints, segmentLevels } from '../reports/change-points.ts';

function noisy(seed: number, levels: readonly [number, number][], sd: number): number[] {
  const r = new SeededRandom(seed);
  return levels.flatMap(([length, mean]) => Array.from({ length }, () => mean + sd * r.nextNormal()));
}

test('a step is found at the first value of the new level, with the levels on either side', () => {
  const series = noisy(4, [[20, 100], [15, 120]], 3);
  const points = detectChangePoints(series);
  assert.equal(points.length, 1, JSON.stringify(points));
  assert.equal(points[0].index, 20);
  assert.ok(points[0].pValue <= 0.01);
  assert.ok(Math.abs(points[0].before.mean - 100) < 2 && Math.abs(points[0].after.mean - 120) < 3, JSON.stringify(points[0]));
  assert.deepEqual([points[0].before.from, points[0].before.to, points[0].after.from, points[0].after.to], [0, 20, 20, 35]);
});

test('two steps (a staircase) are both found', () => {
  const series = noisy(5, [[12, 50], [10, 60], [12, 75]], 2);
  assert.deepEqual(detectChangePoints(series).map((p) => p.index), [12, 22]);
});

test('a step in the last minSegment runs is found; one outlier at the end is not a change point', () => {
  const base = noisy(6, [[25, 10]], 0.3);
  assert.deepEqual(detectChangePoints([...base, 13, 13.2, 12.9]).map((p) => p.index), [25]);
  assert.deepEqual(detectChangePoints([...base, 13]), []);
});

test('flat noisy series: change points only at about the significance level (100 series each of normal and heavy-tailed noise)', () => {
  // The permutation test is exact: at alpha = 0.01 about 1 flat series in 100 shows a change point
  // (more than 4 of 100 has probability 0.3% for a correct test).
  let normal = 0;
  let heavy = 0;
  for (let seed = 1; seed <= 100; seed++) {
    if (detectChangePoints(noisy(1000 + seed, [[40, 50]], 5), { seed, permutations: 199 }).length > 0) normal++;
    const r = new SeededRandom(seed);
    const lognormal = Array.from({ length: 40 }, () => 50 * Math.exp(0.3 * r.nextNormal()));
    if (detectChangePoints(lognormal, { seed, permutations: 199 }).length > 0) heavy++;
  }
  assert.ok(normal <= 4, `${normal} of 100 flat normal series had a change point`);
  assert.ok(heavy <= 4, `${heavy} of 100 flat lognormal series had a change point`);
});

test('short series, constant series and bad input', () => {
  assert.deepEqual(detectChangePoints([1, 2, 3, 4, 5]), [], 'fewer than 2 x minSegment values');
  assert.deepEqual(detectChangePoints(Array(30).fill(7)), []);
  assert.throws(() => detectChangePoints([1, Number.NaN, 3, 4, 5, 6]), /value 1 is not a finite number/);
  assert.throws(() => detectChangePoints([1, 2], { alpha: 2 }), /alpha/);
});

test('segment levels follow the change points', () => {
  const series = [1, 1, 1, 5, 5, 5];
  const points = detectChangePoints(series, { minSegment: 3, permutations: 99 });
  // 6 values in two blocks of 3: the exact split is the best of only 20 arrangements (p = 2/20 at most).
  assert.deepEqual([...segmentLevels(6, [{ index: 3, pValue: 0, before: { from: 0, to: 3, mean: 1 }, after: { from: 3, to: 6, mean: 5 } }], series)], [1, 1, 1, 5, 5, 5]);
  assert.ok(points.length <= 1);
  assert.deepEqual([...segmentLevels(4, [], [1, 2, 3, 4])], [2.5, 2.5, 2.5, 2.5]);
});
