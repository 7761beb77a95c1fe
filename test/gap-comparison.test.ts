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
