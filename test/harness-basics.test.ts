import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeJsonAtomic } from '../harness/atomic-write.ts';
import { mostFrequentLabel, overallAccuracy } from '../harness/accuracy-evaluation.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

test('seeded random: same seed, same stream; different seeds differ', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  const xs = Array.from({ length: 100 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, () => c.nextUint32()));
  assert.throws(() => new SeededRandom(-1), /seed must be an integer/);
});

test('seeded random: uniform, normal and permutation are what they claim', () => {
  const r = new SeededRandom(1);
  const n = 200_000;
  let sum = 0;
  let sumSq = 0;
  let uniformSum = 0;
  for (let i = 0; i < n; i++) {
    const z = r.nextNormal();
    sum += z;
    sumSq += z * z;
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    uniformSum += u;
  }
  assert.ok(Math.abs(sum / n) < 0.01, `normal mean ${sum / n}`);
  assert.ok(Math.abs(sumSq / n - 1) < 0.02, `normal variance ${sumSq / n}`);
  assert.ok(Math.abs(uniformSum / n - 0.5) < 0.005);
  const p = r.permutation(1000);
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});

test('overall accuracy interpolates between available and degraded', () => {
  assert.equal(overallAccuracy(0.9, 0.7, 0), 0.9);
  assert.equal(overallAccuracy(0.9, 0.7, 1), 0.7);
  assert.ok(Math.abs(overallAccuracy(0.9, 0.7, 0.25) - 0.85) < 1e-12);
  assert.throws(() => overallAccuracy(0.9, 0.7, 1.5), /in \[0, 1\]/);
});

test('mostFrequentLabel: mode, ties to the lowest class', () => {
  assert.equal(mostFrequentLabel([2, 2, 1, 3, 2], 4), 2);
  assert.equal(mostFrequentLabel([3, 1, 3, 1], 4), 1);
});

test('atomic JSON write leaves only the final file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parm-bench-atomic-'));
  try {
    const p = join(dir, 'sub', 'r.json');
    writeJsonAtomic(p, { a: 1 });
    writeJsonAtomic(p, { a: 2 });
    assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { a: 2 });
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['r.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seeded random: the stream is fixed (committed models and schedules depend on it)', () => {
  const golden: Record<number, [number, number, number, number]> = {
    0: [3809008728, 1133695204, 53579671, 3855962975],
    1: [2442144158, 3238099751, 3819917871, 4020342576],
    42: [2837322924, 544945897, 479756282, 3502085780],
    4294967295: [835879718, 1921286648, 2356205009, 1166679599],
  };
  for (const [seed, expected] of Object.entries(golden)) {
    const r = new SeededRandom(Number(seed));
    const v = Array.from({ length: 1000 }, () => r.nextUint32());
    assert.deepEqual([v[0], v[1], v[2], v[999]], expected, `seed ${seed}`);
  }
});
