/**
 * How many queries a run needs before it may claim a latency percentile: MLPerf LoadGen's
 * binomial rule, implemented in general (not as a table). If the true fraction of queries over
 * the latency bound were as large as 1 - p/100, then seeing only `overBound` of n over it would
 * be unlikely: the chance, P[Binomial(n, 1 - p/100) <= overBound], must be at most
 * 1 - confidence. The smallest such n is the minimum. With confidence 0.99 and nothing over the
 * bound this gives LoadGen's 459 queries for p99 and 4,603 for p99.9 (6,636 with one query over).
 */
export const DEFAULT_CONFIDENCE = 0.99;

/** Largest count considered; beyond this the claim is treated as needing more queries than any run has. */
const MAX_QUERIES = 2 ** 40;

export function minQueriesForPercentile(percentile: number, overBound = 0, confidence = DEFAULT_CONFIDENCE): number {
  if (!(percentile > 0 && percentile < 100)) throw new RangeError(`percentile must be between 0 and 100 (exclusive), got ${percentile}`);
  if (!Number.isInteger(overBound) || overBound < 0) throw new RangeError(`overBound must be an integer >= 0, got ${overBound}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1 (exclusive), got ${confidence}`);
  const tail = 1 - percentile / 100;
  const alpha = Math.log(1 - confidence);
  const ok = (n: number) => logBinomialCdf(overBound, n, tail) <= alpha;
  // P[X <= k] falls as n grows: double to an upper bound, then bisect (each test costs O(overBound)).
  let low = overBound; // too few: with n <= overBound, P[X <= overBound] = 1
  let high = Math.max(overBound + 1, 1);
  while (!ok(high)) {
    low = high;
    high *= 2;
    if (high > MAX_QUERIES) return Infinity;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (ok(mid)) high = mid;
    else low = mid;
  }
  return high;
}

/** log P[Binomial(n, q) <= k], by summing the terms in log space (k + 1 terms, no underflow). */
export function logBinomialCdf(k: number, n: number, q: number): number {
  if (k >= n) return 0;
  const logP = Math.log1p(-q);
  const logQ = Math.log(q);
  let logTerm = n * logP; // i = 0: (1 - q)^n
  let total = logTerm;
  for (let i = 0; i < k; i++) {
    // term(i + 1) = term(i) x (n - i) / (i + 1) x q / (1 - q)
    logTerm += Math.log(n - i) - Math.log(i + 1) + logQ - logP;
    total = logAddExp(total, logTerm);
  }
  return total;
}

function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}
