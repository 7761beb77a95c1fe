import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build } from 'hdr-histogram-js';
import { LATENCY_HIGHEST_US, LATENCY_LOWEST_US, LATENCY_SIGNIFICANT_DIGITS, LatencyHistogram } from '../harness/load/latency-histogram.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

/** The reference: hdr-histogram-js with the same settings, fed the same (rounded, clamped) values. */
function reference() {
  return build({
    lowestDiscernibleValue: LATENCY_LOWEST_US,
    highestTrackableValue: LATENCY_HIGHEST_US,
    numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS,
    autoResize: false,
  });
}

const PERCENTILES = [0, 0.1, 1, 25, 50, 75, 90, 99, 99.5, 99.9, 99.99, 99.999, 100];

function check(name: string, valuesUs: readonly number[]): void {
  const ours = new LatencyHistogram();
  const hdr = reference();
  for (const us of valuesUs) {
    ours.recordUs(us);
    let v = Math.round(us);
    if (!(v >= 0)) v = 0;
    if (v > LATENCY_HIGHEST_US) v = LATENCY_HIGHEST_US;
    hdr.recordValue(v);
  }
  const s = ours.summary();
  assert.equal(s.count, hdr.totalCount, `${name}: count`);
  assert.equal(s.meanUs, Math.round(hdr.mean), `${name}: mean`);
  assert.equal(s.maxUs, hdr.maxValue, `${name}: max`);
  for (const p of PERCENTILES) assert.equal(ours.percentileUs(p), hdr.getValueAtPercentile(p), `${name}: p${p}`);
  assert.deepEqual(
    [s.p50Us, s.p90Us, s.p99Us, s.p99_5Us, s.p99_9Us],
    [50, 90, 99, 99.5, 99.9].map((p) => hdr.getValueAtPercentile(p)),
    `${name}: summary percentiles`,
  );
}

test('latency histogram: every percentile, the mean and the max equal hdr-histogram-js on the same values', () => {
  const random = new SeededRandom(3);
  const lognormal = Array.from({ length: 50_000 }, () => 20_000 * Math.exp(0.6 * random.nextNormal()));
  check('lognormal around 20 ms', lognormal);
  check('microseconds', Array.from({ length: 20_000 }, () => random.next() * 3000));
  check('wide', Array.from({ length: 20_000 }, () => 10 ** (random.next() * 9)));
  const edges: number[] = [0, 1, 2, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, LATENCY_HIGHEST_US - 1, LATENCY_HIGHEST_US];
  for (let b = 0; b < 30; b++) edges.push(2 ** b - 1, 2 ** b, 2 ** b + 1);
  check('bucket edges and powers of two', edges);
  check('one value', [12_345]);
  check('repeated value', Array.from({ length: 1000 }, () => 777_777));
});

test('latency histogram: negatives and NaN count as 0, values past 10 minutes as the top (and are counted as clamped)', () => {
  const h = new LatencyHistogram();
  h.recordUs(-5);
  h.recordUs(Number.NaN);
  h.recordMs(700_000);
  h.recordMs(700_000);
  const s = h.summary();
  assert.equal(s.count, 4);
  assert.equal(s.clampedAboveRange, 2);
  assert.equal(h.percentileUs(25), 0);
  assert.equal(s.maxUs, LATENCY_HIGHEST_US);
  check('negatives, NaN and clamped', [-5, Number.NaN, 700_000_000, 700_000_000]);
});

test('latency histogram: empty gives zeros', () => {
  const h = new LatencyHistogram();
  assert.equal(h.percentileUs(99), 0);
  assert.deepEqual(h.summary(), { count: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p99_5Us: 0, p99_9Us: 0, maxUs: 0, clampedAboveRange: 0 });
});
