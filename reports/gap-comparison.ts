import { textLines } from '../harness/load/text-lines.ts';
import { SeededRandom } from '../harness/seeded-random.ts';

/**
 * The paper's headline comparison between two systems of one run (e.g. ParM against
 * Equal-Resources): the ratio of their medians and of their tail gaps (p99.9 - p50), each with a
 * percentile-bootstrap 95% confidence interval over the measured queries of both systems.
 * Percentiles are linear-interpolated, as in the paper. Lost queries count as infinitely slow
 * (a system that loses queries cannot look better for it).
 */
export interface GapComparison {
  readonly system: string;
  readonly against: string;
  readonly queries: { readonly system: number; readonly against: number };
  readonly medianMs: { readonly system: number; readonly against: number };
  readonly gapMs: { readonly system: number; readonly against: number };
  /** system / against. */
  readonly medianRatio: number;
  readonly medianRatioCi95: readonly [number, number];
  readonly gapRatio: number;
  readonly gapRatioCi95: readonly [number, number];
  readonly bootstrap: { readonly resamples: number; readonly seed: number };
}

/** Latencies (ms) of the measured queries in a records file; lost queries as Infinity. */
export function measuredLatencies(recordsPath: string): Float64Array {
  let values = new Float64Array(1024);
  let n = 0;
  for (const line of textLines(recordsPath)) {
    if (line.length === 0) continue;
    const r = JSON.parse(line) as { warmup?: boolean; outcome?: string; latencyUs?: number };
    if (r.warmup) continue;
    if (n === values.length) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      values = grown;
    }
    values[n++] = r.outcome === 'answer' && typeof r.latencyUs === 'number' ? r.latencyUs / 1000 : Infinity;
  }
  return values.slice(0, n);
}

/** Linear-interpolated percentile of sorted values. */
export function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  if (lo === hi || !Number.isFinite(sorted[hi])) return sorted[lo] === sorted[hi] ? sorted[lo] : sorted[hi];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

function medianAndGap(sorted: Float64Array): [number, number] {
  const p50 = percentileOfSorted(sorted, 50);
  return [p50, percentileOfSorted(sorted, 99.9) - p50];
}

export function compareGaps(system: string, a: Float64Array, against: string, b: Float64Array, options: { resamples?: number; seed?: number } = {}): GapComparison {
  if (a.length === 0 || b.length === 0) throw new Error(`gap comparison: ${a.length === 0 ? system : against} has no measured queries`);
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 1;
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const [ma, ga] = medianAndGap(sa);
  const [mb, gb] = medianAndGap(sb);
  const random = new SeededRandom(seed);
  const medianRatios = new Float64Array(resamples);
  const gapRatios = new Float64Array(resamples);
  const ra = new Float64Array(a.length);
  const rb = new Float64Array(b.length);
  for (let i = 0; i < resamples; i++) {
    for (let j = 0; j < a.length; j++) ra[j] = a[random.nextInt(a.length)];
    for (let j = 0; j < b.length; j++) rb[j] = b[random.nextInt(b.length)];
    ra.sort();
    rb.sort();
    const [m1, g1] = medianAndGap(ra);
    const [m2, g2] = medianAndGap(rb);
    medianRatios[i] = m1 / m2;
    gapRatios[i] = g1 / g2;
  }
  medianRatios.sort();
  gapRatios.sort();
  const ci = (v: Float64Array): [number, number] => [round(percentileOfSorted(v, 2.5)), round(percentileOfSorted(v, 97.5))];
  return {
    system,
    against,
    queries: { system: a.length, against: b.length },
    medianMs: { system: round(ma), against: round(mb) },
    gapMs: { system: round(ga), against: round(gb) },
    medianRatio: round(ma / mb),
    medianRatioCi95: ci(medianRatios),
    gapRatio: round(ga / gb),
    gapRatioCi95: ci(gapRatios),
    bootstrap: { resamples, seed },
  };
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : x;
}
