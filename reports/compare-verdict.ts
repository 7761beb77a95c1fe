import type { MetricDefinition } from './compare-metrics.ts';

/**
 * The verdict rule of `compare`, one rule for every figure:
 * - ratio figures (B/A): a regression when the whole confidence interval of the ratio lies beyond
 *   1 + minEffect on the worse side (above it for latencies, below 1 - minEffect for accuracy),
 *   an improvement when it lies wholly beyond 1 -/+ minEffect on the better side;
 * - difference figures (B - A, the share of lost queries): a regression when the whole interval
 *   lies above 0, an improvement when it lies below 0 (any real change in losses matters);
 * - otherwise no change. A latency percentile that either run measured too few queries to claim
 *   (MLPerf LoadGen's binomial rule) is "insufficient samples", never a regression.
 */
export type Verdict = 'regression' | 'improvement' | 'no change' | 'insufficient samples' | 'n/a';

export interface VerdictRule {
  /** Two-sided confidence level of the interval, e.g. 0.95. */
  readonly confidence: number;
  /** Smallest relative change that counts, e.g. 0.05. */
  readonly minEffect: number;
}

export function judgeChange(metric: MetricDefinition, ci: readonly [number, number], rule: VerdictRule): Verdict {
  const [lo, hi] = ci;
  if (Number.isNaN(lo) || Number.isNaN(hi)) return 'n/a';
  const worseIfUp = metric.better === 'lower';
  if (metric.change === 'difference') {
    if (lo > 0) return worseIfUp ? 'regression' : 'improvement';
    if (hi < 0) return worseIfUp ? 'improvement' : 'regression';
    return 'no change';
  }
  if (lo > 1 + rule.minEffect) return worseIfUp ? 'regression' : 'improvement';
  if (hi < 1 - rule.minEffect) return worseIfUp ? 'improvement' : 'regression';
  return 'no change';
}

/** The rule in words, printed with every comparison. */
export function verdictRuleText(rule: VerdictRule): string {
  const c = `${trim(rule.confidence * 100)}%`;
  const e = `${trim(rule.minEffect * 100)}%`;
  return (
    `B/A ratio with a ${c} percentile-bootstrap interval; regression when the whole interval is worse than a ${e} change ` +
    `(above ${trim(1 + rule.minEffect)} for latencies, below ${trim(1 - rule.minEffect)} for accuracy), improvement when it is wholly better than ${e}, ` +
    `otherwise no change; lost queries: the difference of their shares, a regression when its interval lies above 0. ` +
    `A percentile either run has too few queries to claim (binomial rule, 99% confidence) is "insufficient samples", never a regression.`
  );
}

function trim(x: number): string {
  return String(Number(x.toPrecision(6)));
}
