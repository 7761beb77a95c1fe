import type { InstanceRole } from './instance.ts';
import type { AnswerPath, ServingSystem } from './serving-system.ts';

export const ANSWER_PATHS: readonly AnswerPath[] = ['original', 'reconstruction', 'replica', 'hedge', 'backup', 'default'];

/** A path's position in ANSWER_PATHS (a switch: looking a path up by its string once per answer is a slow keyed access; a test checks the two agree). */
export function answerPathIndex(path: AnswerPath): number {
  switch (path) {
    case 'original':
      return 0;
    case 'reconstruction':
      return 1;
    case 'replica':
      return 2;
    case 'hedge':
      return 3;
    case 'backup':
      return 4;
    case 'default':
      return 5;
  }
}

/**
 * What a serving system counted during a run. Answers and losses count queries; the other
 * counters count inference requests (with batching, a request carries several queries and counts
 * once).
 */
export interface SystemStats {
  readonly system: string;
  readonly submitted: number;
  /** Queries answered, by the path that answered them. */
  readonly answers: Readonly<Record<AnswerPath, number>>;
  /** Queries given up on without an answer (no instance left and no deadline). */
  readonly lost: number;
  /** Queries submitted and neither answered nor lost yet. */
  readonly outstanding: number;
  /** Queries waiting for a batch to fill (batch size > 1). */
  readonly waitingForBatch: number;
  /** Requests put back on their queue after their instance went down or failed. */
  readonly retries: number;
  /** Queued requests removed before they started, because their queries had been answered. */
  readonly cancelledQueued: number;
  /** Results that came back after every query they carried had been answered, and were dropped. */
  readonly discardedLate: number;
  /** Inference requests that failed on an instance that stayed up. */
  readonly inferenceErrors: number;
  /** Instances that reported themselves down. */
  readonly instancesDown: number;
  /** Inference requests started on instances, by role. */
  readonly requestsStarted: Readonly<Record<InstanceRole, number>>;
  /** Redundant requests put on a queue: hedge copies, parity queries, backup copies, replicas. */
  readonly hedgesSent: number;
  readonly parityQueriesSent: number;
  readonly backupRequestsSent: number;
  readonly replicaRequestsSent: number;
  /** Hedged system only: the hedge delay in force when the stats were taken. */
  readonly hedgeDelayMs?: number;
}

/** A serving system that reports its counters. Every system in systems/ is one. */
export interface MeasuredServingSystem extends ServingSystem {
  stats(): SystemStats;
}

/** The counters a system increments itself (answers, losses and instance counts are kept elsewhere). */
export class SystemCounters {
  retries = 0;
  cancelledQueued = 0;
  discardedLate = 0;
  inferenceErrors = 0;
  hedgesSent = 0;
  parityQueriesSent = 0;
  backupRequestsSent = 0;
  replicaRequestsSent = 0;
}
