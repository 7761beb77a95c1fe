import type { Clock } from '../harness/clock.ts';
import type { Encoder } from './parm/encoder.ts';
import type { InstanceSet } from './instance.ts';

/**
 * The contract between the load driver and a serving system (the LoadGen SUT split): the driver
 * submits queries at their scheduled times and receives exactly one answer per query; a system
 * knows nothing of where queries come from, and the driver nothing of how they are served.
 */
export interface Query {
  /** Unique within a run. */
  readonly id: number;
  /** One sample: inputSize values, already preprocessed for the models. */
  readonly input: Float32Array;
  /** The true label, when the sample has one. */
  readonly label?: number;
}

/** How an answer was produced. */
export type AnswerPath = 'original' | 'reconstruction' | 'replica' | 'hedge' | 'backup' | 'default';

export interface Answer {
  readonly queryId: number;
  /** Clock time the system received the query and the time it answered. */
  readonly submittedAt: number;
  readonly answeredAt: number;
  readonly path: AnswerPath;
  /** The instance whose output this is (for a reconstruction: the parity instance); null for a default. */
  readonly instance: string | null;
  /**
   * Raw scores (classes values); for a default prediction, the default output. Valid during the
   * answer() call only, and read-only: it may be a view of an array the system reuses (a batched
   * output, a reconstruction's scratch space). Copy it to keep it.
   */
  readonly output: Float32Array;
  readonly prediction: number;
  /** Present when the query had a label. */
  readonly correct?: boolean;
}

/** A query the system gave up on without any answer (no instance left, no deadline/default). */
export interface LostQuery {
  readonly queryId: number;
  readonly submittedAt: number;
  readonly lostAt: number;
  readonly reason: string;
}

export interface SystemEvents {
  answer(answer: Answer): void;
  lost(lost: LostQuery): void;
}

export interface SystemContext {
  readonly clock: Clock;
  readonly instances: InstanceSet;
  /** Output values per sample (classes). */
  readonly classes: number;
  readonly events: SystemEvents;
  /** ParM: the encoder (its k is the coding-group size). */
  readonly encoder?: Encoder;
  /**
   * Optional deadline for every system: a query with no answer this many ms after submission
   * is answered with `defaultOutput` (path "default"); a later answer is then ignored.
   */
  readonly deadlineMs?: number;
  readonly defaultOutput?: Float32Array;
}

export interface ServingSystem {
  readonly name: string;
  /** Takes a query now (clock.now()); the answer or loss is reported through the context's events. */
  submit(query: Query): void;
  /** Queries submitted and not yet answered or lost. */
  readonly outstanding: number;
  /**
   * No more queries will be submitted (the driver calls it after the last send): a batch still
   * waiting to fill is sent as it is, so the last queries of a run are not stranded.
   */
  flush?(): void;
  /** Stops timers; queued work is dropped (used at the end of a run). */
  close(): void;
}
