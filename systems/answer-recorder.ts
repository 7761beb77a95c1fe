import type { Clock } from '../harness/clock.ts';
import { argmaxRow } from '../workloads/models/argmax.ts';
import { OpenQueryIndex } from './open-query-index.ts';
import { ANSWER_PATHS, answerPathIndex } from './system-stats.ts';
import type { AnswerPath, Query, SystemEvents } from './serving-system.ts';

/**
 * The one place where a system's queries are answered: it keeps the open queries, lets the first
 * answer for each through (later ones return false), fills in the prediction and correctness, and
 * counts answers per path. Every system reports through one of these, so "exactly one answer or
 * loss per query" holds by construction.
 */
export class AnswerRecorder {
  private readonly openQueries = new OpenQueryIndex();
  /** Answers per path, in the order of ANSWER_PATHS. */
  private readonly answerCounts = new Float64Array(ANSWER_PATHS.length);
  private submittedCount = 0;
  private lostCount = 0;

  constructor(
    private readonly system: string,
    private readonly clock: Clock,
    private readonly events: SystemEvents,
    private readonly classes: number,
  ) {}

  /** Registers a query submitted now. */
  open(query: Query): void {
    if (!this.openQueries.open(query.id, this.clock.now(), query.label)) {
      throw new Error(`${this.system}: query id ${query.id} was submitted while a query with the same id is still open; ids must be unique within a run`);
    }
    this.submittedCount++;
  }

  isOpen(queryId: number): boolean {
    return this.openQueries.isOpen(queryId);
  }

  /**
   * Answers an open query with `output` (classes values). The answer hands `output` on as it is, without a
   * copy: it may be a view of an array the system reuses (see Answer.output). Returns false, and does
   * nothing, when the query was already answered or lost.
   */
  answer(queryId: number, path: AnswerPath, instance: string | null, output: Float32Array): boolean {
    const open = this.openQueries;
    if (!open.isOpen(queryId)) return false;
    if (output.length !== this.classes) {
      throw new RangeError(`${this.system}: answer for query ${queryId} has ${output.length} values, expected ${this.classes}`);
    }
    const label = open.label(queryId);
    const submittedAt = open.submitted(queryId);
    open.close(queryId);
    this.answerCounts[answerPathIndex(path)]++;
    const prediction = argmaxRow(output, 0, this.classes);
    const answeredAt = this.clock.now();
    // Two literal shapes rather than a spread: this runs once per query.
    this.events.answer(
      label === undefined
        ? { queryId, submittedAt, answeredAt, path, instance, output, prediction }
        : { queryId, submittedAt, answeredAt, path, instance, output, prediction, correct: prediction === label },
    );
    return true;
  }

  /** Gives up on an open query. Returns false when it was already answered or lost. */
  lose(queryId: number, reason: string): boolean {
    const open = this.openQueries;
    if (!open.isOpen(queryId)) return false;
    const submittedAt = open.submitted(queryId);
    open.close(queryId);
    this.lostCount++;
    this.events.lost({ queryId, submittedAt, lostAt: this.clock.now(), reason });
    return true;
  }

  get outstanding(): number {
    return this.openQueries.size;
  }

  get submitted(): number {
    return this.submittedCount;
  }

  get lost(): number {
    return this.lostCount;
  }

  get answers(): Readonly<Record<AnswerPath, number>> {
    const counts = {} as Record<AnswerPath, number>;
    ANSWER_PATHS.forEach((path, i) => (counts[path] = this.answerCounts[i]));
    return counts;
  }
}
