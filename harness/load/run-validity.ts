import { DEFAULT_CONFIDENCE, minQueriesForPercentile } from './percentile-sample-size.ts';

/** Whether a load run's figures may be used, and why not. */
export interface RunValidity {
  readonly valid: boolean;
  readonly reasons: readonly string[];
}

/** Whether enough queries were measured for the percentile the run claims. */
export interface SampleSizeCheck {
  readonly percentile: number;
  readonly confidence: number;
  /** Measured queries over the latency bound (lost ones included); 0 when no bound is set. */
  readonly overBound: number;
  readonly latencyBoundMs: number | null;
  readonly required: number;
  readonly measured: number;
  readonly enough: boolean;
  readonly rule: string;
}

export interface ValidityFacts {
  /** Measured (not warm-up) queries: answered or lost. */
  readonly measured: number;
  /** Measured queries lost (by the system, or still outstanding at the end). */
  readonly lost: number;
  /** The driver's send lag p99, µs, and the bound it must stay under, ms. */
  readonly lagP99Us: number;
  readonly maxLagP99Ms: number;
  readonly sampleSize: SampleSizeCheck;
  /** Set when the run ended early (stop(), overload); says why. */
  readonly stoppedEarly: string | null;
  /** Answers or losses the system reported for unknown, finished or already-answered queries. */
  readonly unexpectedEvents: number;
}

/** The sample-size check of MLPerf LoadGen's binomial rule at the given confidence. */
export function checkSampleSize(
  percentile: number,
  measured: number,
  overBound: number,
  latencyBoundMs: number | null,
  confidence = DEFAULT_CONFIDENCE,
): SampleSizeCheck {
  const required = minQueriesForPercentile(percentile, overBound, confidence);
  return {
    percentile,
    confidence,
    overBound,
    latencyBoundMs,
    required,
    measured,
    enough: measured >= required,
    rule:
      `MLPerf LoadGen binomial rule (general form): the smallest n with P[Binomial(n, ${round(1 - percentile / 100)}) <= ${overBound}] <= ` +
      `${round(1 - confidence)}; with 0 over the bound p99 needs 459 queries and p99.9 4,603`,
  };
}

/** Judges a run: every failed condition is one reason, stated with its figures. */
export function judgeRun(f: ValidityFacts): RunValidity {
  const reasons: string[] = [];
  if (f.stoppedEarly) reasons.push(`the run ended early (${f.stoppedEarly}): its figures are partial`);
  if (f.lost > 0) reasons.push(`${f.lost} measured quer${f.lost === 1 ? 'y was' : 'ies were'} lost (no answer)`);
  if (f.lagP99Us > f.maxLagP99Ms * 1000) {
    reasons.push(
      `the load driver sent late: send lag p99 ${(f.lagP99Us / 1000).toFixed(3)} ms is over the bound of ${f.maxLagP99Ms} ms ` +
        `(the machine is too busy for this rate, or the rate is too high for one driver)`,
    );
  }
  const s = f.sampleSize;
  if (!s.enough) {
    reasons.push(
      `too few queries for p${s.percentile}: ${s.measured} measured, at least ${s.required} needed ` +
        `(binomial rule, ${s.confidence * 100}% confidence, ${s.overBound} over the bound): run longer or at a higher rate`,
    );
  }
  if (f.unexpectedEvents > 0) {
    reasons.push(`the system reported ${f.unexpectedEvents} answer(s) or loss(es) for queries that were not open: it broke the one-answer-per-query contract`);
  }
  return { valid: reasons.length === 0, reasons };
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
