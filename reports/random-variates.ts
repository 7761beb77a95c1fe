import type { SeededRandom } from '../harness/seeded-random.ts';

/**
 * Exact samplers for the Gamma, Beta and Binomial distributions over a SeededRandom, for the
 * order-statistic bootstrap (reports/order-statistic-bootstrap.ts), which needs multinomial
 * counts of a resample of a million queries without drawing a million indices.
 *
 * "Exact" means each sampler's output has the named distribution (up to floating point), not an
 * approximation to it (no normal or Poisson approximation at large n):
 * - Gamma(shape >= 1): Marsaglia and Tsang's rejection method ("A simple method for generating
 *   gamma variables", ACM TOMS 26(3), 2000).
 * - Beta(a, b) = Ga / (Ga + Gb) with independent Ga ~ Gamma(a), Gb ~ Gamma(b).
 * - Binomial(n, p): for a large mean, the order-statistic splitting of Knuth (TAOCP vol. 2,
 *   3.4.1, algorithm B's idea; Devroye, "Non-Uniform Random Variate Generation", X.4): the a-th
 *   smallest of n uniforms is X ~ Beta(a, n + 1 - a); if X >= p, the uniforms below p are among
 *   the a - 1 below X, which are uniform on [0, X): Binomial(a - 1, p / X); otherwise the a
 *   smallest are below p and the other n - a are uniform on (X, 1]: a + Binomial(n - a,
 *   (p - X) / (1 - X)). Each step halves n; once the mean is small (n min(p, 1-p) < 20),
 *   sequential inversion of the probability function finishes it in O(mean) steps.
 * Uniforms are 53-bit (two 32-bit draws), so inversion does not truncate the probability
 * function at 2^-32.
 */

/** Uniform in (0, 1) with 53 bits of randomness (never 0, so its logarithm is finite). */
export function uniform53(random: SeededRandom): number {
  for (;;) {
    const u = (random.nextUint32() * 2097152 + (random.nextUint32() >>> 11)) / 9007199254740992;
    if (u > 0) return u;
  }
}

/** Gamma(shape, 1) for shape >= 1 (Marsaglia-Tsang). */
export function gammaVariate(random: SeededRandom, shape: number): number {
  if (!(shape >= 1) || !Number.isFinite(shape)) throw new RangeError(`gammaVariate: shape must be a finite number >= 1, got ${shape}`);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.nextNormal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform53(random);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) for a, b >= 1. */
export function betaVariate(random: SeededRandom, a: number, b: number): number {
  const x = gammaVariate(random, a);
  const y = gammaVariate(random, b);
  return x / (x + y);
}

/** Below this mean (n min(p, 1 - p)), inversion; above it, splitting by a Beta order statistic. */
const INVERSION_MEAN = 20;

/** Binomial(n, p): the number of successes in n independent trials of probability p. */
export function binomialVariate(random: SeededRandom, n: number, p: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomialVariate: n must be an integer >= 0, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomialVariate: p must be in [0, 1], got ${p}`);
  let successes = 0;
  for (;;) {
    if (n === 0 || p <= 0) return successes;
    if (p >= 1) return successes + n;
    if (n * Math.min(p, 1 - p) < INVERSION_MEAN) {
      return successes + (p <= 0.5 ? binomialInversion(random, n, p) : n - binomialInversion(random, n, 1 - p));
    }
    const a = 1 + (n >> 1);
    const b = n + 1 - a;
    const x = betaVariate(random, a, b);
    if (x >= p) {
      n = a - 1;
      p = p / x;
    } else {
      successes += a;
      n = b - 1;
      p = (p - x) / (1 - x);
    }
  }
}

/** Binomial(n, p) for p <= 0.5 and a small mean, by sequential search from 0 (O(n p) steps). */
function binomialInversion(random: SeededRandom, n: number, p: number): number {
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  const p0 = Math.exp(n * Math.log1p(-p));
  for (;;) {
    let r = p0;
    let u = uniform53(random);
    let x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) break; // rounding left u above the whole mass: draw again
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}
