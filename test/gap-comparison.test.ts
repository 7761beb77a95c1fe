import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SeededRandom } from '../harness/seeded-random.ts';
import { compareGaps, measuredLatencies, percentileOfSorted } from '../reports/gap-comparison.ts';

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
