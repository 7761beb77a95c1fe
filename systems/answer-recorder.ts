import type { Clock } from '../harness/clock.ts';
import { argmaxRow } from '../workloads/models/argmax.ts';
import { ANSWER_PATHS } from './system-stats.ts';
import type { AnswerPath, Query, SystemEvents } from './serving-system.ts';

interface OpenQuery {
  readonly query: Query;
  readonly submittedAt: number;
}

/**
 * The one place where a system's queries are answered: it keeps the open queries, lets the first
 * answer for each through (later ones return false), fills in the prediction and correctness, and
 * counts answers per path. Every system reports through one of these, so "exactly one answer or
 * loss per query" holds by construction.
 */
export class AnswerRecorder {
  private readonly openQueries = new Map<number, OpenQuery>();
  private readonly answerCounts: Record<AnswerPath, number>;
  private submittedCount = 0;
  private lostCount = 0;

  constructor(
    private readonly system: string,
    private readonly clock: Clock,
    private readonly events: SystemEvents,
    private readonly classes: number,
  ) {
    this.answerCounts = Object.fromEntries(ANSWER_PATHS.map((p) => [p, 0])) as Record<AnswerPath, number>;
  }

  /** Registers a query submitted now. */
  open(query: Query): void {
    const before = this.openQueries.size;
    const entry: OpenQuery = { query, submittedAt: this.clock.now() };
    // One hash operation instead of has() then set(): a new id grows the map.
    if (this.openQueries.set(query.id, entry).size === before) {
      throw new Error(`${this.system}: query id ${query.id} was submitted while a query with the same id is still open; ids must be unique within a run`);
    }
    this.submittedCount++;
  }

  isOpen(queryId: number): boolean {
    return this.openQueries.has(queryId);
  }

  /**
   * Answers an open query with `output` (classes values). The answer hands `output` on as it is, without a
   * copy: it may be a view of an array the system reuses (see Answer.output). Returns false, and does
   * nothing, when the query was already answered or lost.
   */
  answer(queryId: number, path: AnswerPath, instance: string | null, output: Float32Array): boolean {
    const entry = this.openQueries.get(queryId);
    if (!entry) return false;
    if (output.length !== this.classes) {
      throw new RangeError(`${this.system}: answer for query ${queryId} has ${output.length} values, expected ${this.classes}`);
    }
    this.openQueries.delete(queryId);
    this.answerCounts[path]++;
    const prediction = argmaxRow(output, 0, this.classes);
    const label = entry.query.label;
    const submittedAt = entry.submittedAt;
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
    const entry = this.openQueries.get(queryId);
    if (!entry) return false;
    this.openQueries.delete(queryId);
    this.lostCount++;
    this.events.lost({ queryId, submittedAt: entry.submittedAt, lostAt: this.clock.now(), reason });
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
    return { ...this.answerCounts };
  }
}
