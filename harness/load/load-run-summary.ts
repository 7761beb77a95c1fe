import type { AnswerPath } from '../../systems/serving-system.ts';
import type { SystemStats } from '../../systems/system-stats.ts';
import type { EventLoopDelaySummary } from './event-loop-delay.ts';
import type { LatencySummary } from './latency-histogram.ts';
import type { RunValidity, SampleSizeCheck } from './run-validity.ts';

export const LOAD_RUN_SCHEMA = 'parm-bench/load-run@1';

/** How often answers were right. accuracy is null when no answer had a label. */
export interface AccuracyFigures {
  readonly labelled: number;
  readonly correct: number;
  readonly accuracy: number | null;
}

/** The measured answers given by one path. */
export interface PathFigures extends AccuracyFigures {
  readonly answers: number;
  readonly latencyFromScheduled: LatencySummary;
}

/** The driver's own lateness: actual minus scheduled send time of each measured query, µs. */
export interface SendLagFigures {
  readonly count: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

/**
 * What one load run measured (JSON-serialisable). Main figures count measured queries only:
 * warm-up queries are recorded (in the records file and in `warmup`) but excluded. Latency is in
 * µs, "from scheduled" counting from each query's scheduled send time (so the driver's own lag
 * and any stall are counted, not hidden), "from submit" from the moment it was actually handed to
 * the system.
 */
export interface LoadRunSummary {
  readonly schema: typeof LOAD_RUN_SCHEMA;
  readonly system: string;
  readonly arrivals: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  /** True when the run ended early (stop(), overload): the figures cover what was measured until then. */
  readonly partial: boolean;
  readonly endedEarly: string | null;
  readonly validity: RunValidity;
  readonly startedAt: string;
  /** Clock time from the run start to its end (drain included), ms. */
  readonly elapsedMs: number;
  /** The measured window (scheduled times), ms, and the rate offered in it (measured queries / window). */
  readonly measuredWindowMs: number;
  readonly offeredRatePerS: number;
  readonly queries: {
    readonly submitted: number;
    readonly warmup: number;
    readonly measured: number;
    readonly answered: number;
    readonly lost: number;
    /** Every lost query (warm-up too), by reason; "outstanding at end" after the drain timeout. */
    readonly lostByReason: Readonly<Record<string, number>>;
    readonly unexpectedEvents: number;
  };
  readonly latencyFromScheduled: LatencySummary;
  readonly latencyFromSubmit: LatencySummary;
  readonly byPath: Partial<Record<AnswerPath, PathFigures>>;
  readonly accuracy: AccuracyFigures;
  readonly warmup: { readonly answered: number; readonly lost: number; readonly latencyFromScheduled: LatencySummary };
  readonly lag: SendLagFigures;
  /** Live runs only (null under a manual or virtual clock). */
  readonly eventLoopDelay: EventLoopDelaySummary | null;
  readonly sampleSize: SampleSizeCheck;
  readonly percentileDefinition: string;
  readonly records: { readonly path: string; readonly complete: boolean; readonly count: number } | null;
  /** The system's own counters at the end of the run, when it keeps them. */
  readonly systemStats: SystemStats | null;
}

/** Progress of a run, for a progress bar. */
export interface LoadProgress {
  readonly phase: 'warm-up' | 'measuring' | 'draining' | 'done';
  /** Clock time since the run start, ms, and the expected length of the sending part (estimated from the mean rate when bounds are counts), or null. */
  readonly elapsedMs: number;
  readonly plannedMs: number | null;
  readonly submitted: number;
  readonly measuredSubmitted: number;
  /** Measured queries planned (count-bounded runs), or null. */
  readonly plannedQueries: number | null;
  readonly answered: number;
  readonly lost: number;
  readonly outstanding: number;
  readonly lagP99Us: number;
}
