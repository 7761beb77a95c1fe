import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArrivalProcess } from '../harness/load/arrival-process.ts';
import { ArrivalConfigError } from '../harness/load/arrival-process.ts';
import { createArrivalProcess, parseArrivalSpec } from '../harness/load/arrival-spec.ts';
import { BurstyArrivals } from '../harness/load/bursty-arrivals.ts';
import { ConstantArrivals } from '../harness/load/constant-arrivals.ts';
import { DiurnalArrivals } from '../harness/load/diurnal-arrivals.ts';
import { PoissonArrivals } from '../harness/load/poisson-arrivals.ts';
import { StepArrivals } from '../harness/load/step-arrivals.ts';

/** The first `n` times of a process (or all, if it ends first). */
function take(p: ArrivalProcess, n: number): number[] {
  const out: number[] = [];
  const it = p.times();
  for (let r = it.next(); !r.done && out.length < n; r = it.next()) out.push(r.value);
  return out;
}

/** Times before `endMs`. */
function until(p: ArrivalProcess, endMs: number, cap = 2_000_000): number[] {
  const out: number[] = [];
  const it = p.times();
  for (let r = it.next(); !r.done && r.value < endMs && out.length < cap; r = it.next()) out.push(r.value);
  return out;
}

function gaps(times: readonly number[]): number[] {
  return times.map((t, i) => t - (i === 0 ? 0 : times[i - 1]));
}

function meanAndCv(xs: readonly number[]): { mean: number; cv: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, cv: Math.sqrt(variance) / mean };
}

/** Variance / mean of the counts in consecutive windows (1 for Poisson arrivals, more for bursty ones). */
function dispersion(times: readonly number[], windowMs: number, endMs: number): number {
  const counts = new Array(Math.floor(endMs / windowMs)).fill(0);
  for (const t of times) if (t < counts.length * windowMs) counts[Math.floor(t / windowMs)]++;
  const { mean, cv } = meanAndCv(counts);
  return (cv * mean) ** 2 / mean;
}

function countIn(times: readonly number[], from: number, to: number): number {
  return times.filter((t) => t >= from && t < to).length;
}

test('poisson: exponential gaps with mean 1000/rate and CV 1; the same seed gives the same times, another seed others', () => {
  const p = new PoissonArrivals(500, 42);
  const times = take(p, 20_000);
  const { mean, cv } = meanAndCv(gaps(times));
  assert.ok(Math.abs(mean - 2) < 0.05, `mean gap ${mean} ms, expected 2`);
  assert.ok(Math.abs(cv - 1) < 0.03, `gap CV ${cv}, expected 1`);
  assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]));
  assert.deepEqual(take(new PoissonArrivals(500, 42), 1000), times.slice(0, 1000));
  assert.deepEqual(take(p, 1000), times.slice(0, 1000), 'times() starts the sequence again');
  assert.notDeepEqual(take(new PoissonArrivals(500, 43), 1000), times.slice(0, 1000));
  assert.equal(p.meanRatePerS, 500);
  assert.equal(p.finite, false);
});

test('constant: query i at i x 1000/rate ms exactly, no drift', () => {
  const times = take(new ConstantArrivals(300), 300_001);
  assert.equal(times[0], 0);
  assert.equal(times[3], 10);
  assert.equal(times[300_000], 1_000_000);
  const { cv } = meanAndCv(gaps(times.slice(1, 1000)));
  assert.ok(cv < 1e-9);
});

test('steps: the rate changes at each step; a last rate of 0 ends the sequence', () => {
  const p = new StepArrivals([{ atMs: 0, rate: 100 }, { atMs: 5000, rate: 1000 }, { atMs: 8000, rate: 0 }], 7);
  assert.equal(p.finite, true);
  const times = until(p, Infinity);
  assert.ok(times.length > 0 && times[times.length - 1] < 8000, 'nothing after the rate drops to 0');
  const before = countIn(times, 3000, 5000);
  const after = countIn(times, 5000, 7000);
  assert.ok(Math.abs(before - 200) < 50, `${before} arrivals in the 2 s before the step, expected ~200`);
  assert.ok(Math.abs(after - 2000) < 150, `${after} arrivals in the 2 s after the step, expected ~2000`);
  // In the first 100 ms after the step the new rate already holds (no gap carried over from the slow step).
  const early = countIn(times, 5000, 5100);
  assert.ok(early > 60, `${early} arrivals in 5000-5100 ms, expected ~100`);
  assert.ok(Math.abs(p.meanRatePerS - (100 * 5000 + 1000 * 3000) / 8000) < 1e-9);
  assert.equal(new StepArrivals([{ atMs: 0, rate: 5 }, { atMs: 100, rate: 50 }], 1).rateAt(150), 50);
});

test('diurnal: the rate follows the sinusoid (low at the start, high mid-period) and averages (min + max) / 2', () => {
  const p = new DiurnalArrivals({ minRate: 100, maxRate: 900, periodMs: 10_000 }, 3);
  const times = until(p, 100_000);
  const rate = times.length / 100;
  assert.ok(Math.abs(rate - 500) < 15, `mean rate ${rate}/s, expected 500`);
  let trough = 0;
  let peak = 0;
  for (let k = 0; k < 10; k++) {
    trough += countIn(times, k * 10_000, k * 10_000 + 1000) + countIn(times, k * 10_000 + 9000, (k + 1) * 10_000);
    peak += countIn(times, k * 10_000 + 4000, k * 10_000 + 6000);
  }
  // Expected over 10 periods: trough ~ 2 s x ~120/s x 10 = 2,400; peak ~ 2 s x ~880/s x 10 = 17,600.
  assert.ok(trough > 2000 && trough < 2900, `trough count ${trough}`);
  assert.ok(peak > 16_800 && peak < 18_400, `peak count ${peak}`);
  assert.equal(p.rateAt(0), 100);
  assert.equal(p.rateAt(5000), 900);
});

test('bursty (MMPP-2): the mean rate holds, and counts are far more dispersed than Poisson arrivals at the same rate', () => {
  const options = { burstRate: 2000, baseRate: 100, burstMs: 100, baseMs: 900 };
  const p = new BurstyArrivals(options, 11);
  assert.equal(p.meanRatePerS, 290);
  // 1,000 s: about 1,000 bursts, so that the mean is known to ~3% (bursts of exponential length make it vary).
  const times = until(p, 1_000_000);
  const rate = times.length / 1000;
  assert.ok(Math.abs(rate - 290) < 25, `mean rate ${rate}/s, expected 290`);
  const poisson = until(new PoissonArrivals(290, 11), 1_000_000);
  const dBursty = dispersion(times, 100, 1_000_000);
  const dPoisson = dispersion(poisson, 100, 1_000_000);
  assert.ok(dPoisson > 0.85 && dPoisson < 1.15, `Poisson dispersion ${dPoisson}, expected ~1`);
  assert.ok(dBursty > 10, `MMPP dispersion ${dBursty}, expected >> 1`);
  assert.ok(meanAndCv(gaps(times)).cv > 1.5, 'gaps vary more than exponential ones');
  // On/off: no arrivals between bursts.
  const onOff = new BurstyArrivals({ ...options, baseRate: 0 }, 11);
  assert.equal(onOff.meanRatePerS, 200);
  assert.deepEqual(take(new BurstyArrivals(options, 11), 500), times.slice(0, 500));
});

test('arrival specs: validation names the field and what was expected; the factory makes each kind', () => {
  const bad: [unknown, RegExp][] = [
    [null, /^arrivals: must be an arrival spec such as/],
    [{ kind: 'poison', rate: 3 }, /^arrivals\.kind: must be one of "poisson", .* got "poison"/],
    [{ kind: 'poisson', rate: -1 }, /^arrivals\.rate: must be a positive number of queries per second, got -1/],
    [{ kind: 'poisson' }, /^arrivals\.rate: must be .* got nothing/],
    [{ kind: 'poisson', rate: '300' }, /^arrivals\.rate: .* got "300"/],
    [{ kind: 'constant', rate: 3, seed: 1 }, /^arrivals\.seed: unknown field for kind "constant" \(fields: kind, rate\)/],
    [{ kind: 'bursty', burstRate: 10, burstMs: 5 }, /^arrivals\.baseMs: must be a positive number of milliseconds/],
    [{ kind: 'steps', steps: [] }, /^arrivals\.steps: must be a non-empty list/],
    [{ kind: 'steps', steps: [{ atMs: 5, rate: 1 }] }, /^arrivals\.steps\[0\]\.atMs: must be 0/],
    [{ kind: 'steps', steps: [{ atMs: 0, rate: 1 }, { atMs: 0, rate: 2 }] }, /^arrivals\.steps\[1\]\.atMs: must be after steps\[0\]\.atMs/],
    [{ kind: 'steps', steps: [{ atMs: 0, rate: 1, x: 1 }] }, /^arrivals\.steps\[0\]\.x: unknown field/],
    [{ kind: 'steps', steps: [{ atMs: 0, rate: 0 }] }, /every rate is 0/],
    [{ kind: 'diurnal', minRate: 10, maxRate: 5, periodMs: 1000 }, /^arrivals\.maxRate: must be >= minRate \(10\), got 5/],
    [{ kind: 'trace', file: 'a.csv' }, /^arrivals\.values: must be "timestamps" .* or "gaps"/],
    [{ kind: 'trace', file: 'a.csv', values: 'gaps', column: -1 }, /^arrivals\.column: must be a header name or a 0-based column number/],
    [{ kind: 'trace', file: 'a.csv', values: 'gaps', speedup: 0 }, /^arrivals\.speedup: must be a positive number/],
  ];
  for (const [spec, message] of bad) {
    assert.throws(() => parseArrivalSpec(spec), (e: unknown) => e instanceof ArrivalConfigError && message.test(e.message), JSON.stringify(spec));
  }
  assert.throws(() => parseArrivalSpec({ kind: 'poisson', rate: 0 }, 'workload w.json: arrivals'), /: workload w\.json: arrivals\.rate:/);

  const specs = [
    { kind: 'poisson', rate: 300 },
    { kind: 'constant', rate: 300 },
    { kind: 'bursty', burstRate: 900, burstMs: 200, baseMs: 800 },
    { kind: 'steps', steps: [{ atMs: 0, rate: 100 }, { atMs: 1000, rate: 400 }] },
    { kind: 'diurnal', minRate: 50, maxRate: 400, periodMs: 60_000 },
  ];
  for (const spec of specs) {
    const a = createArrivalProcess(JSON.parse(JSON.stringify(spec)), { seed: 5 });
    assert.equal(a.kind, spec.kind);
    assert.deepEqual(take(a, 200), take(createArrivalProcess(spec, { seed: 5 }), 200), `${spec.kind} is repeatable`);
    assert.doesNotThrow(() => JSON.stringify(a.description));
  }
  assert.deepEqual(parseArrivalSpec(specs[2]), { kind: 'bursty', burstRate: 900, baseRate: 0, burstMs: 200, baseMs: 800 });
});
