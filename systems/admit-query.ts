import type { Clock } from '../harness/clock.ts';
import type { AnswerRecorder } from './answer-recorder.ts';
import type { DeadlineGuard } from './deadline-guard.ts';
import type { QueryBatcher } from './query-batcher.ts';
import type { Query } from './serving-system.ts';

/** What every system takes a query in with. */
export interface QueryIntake {
  readonly system: string;
  readonly inputSize: number;
  readonly clock: Clock;
  readonly recorder: AnswerRecorder;
  readonly deadline: DeadlineGuard | undefined;
  readonly batcher: QueryBatcher;
}

/**
 * The first step of every system's submit(): refuses a query after close() or with the wrong
 * input size, opens its answer record and its deadline, and adds it to the forming batch.
 * Returns the batch this query completes, if it completes one.
 */
export function admitQuery(intake: QueryIntake, query: Query, closed: boolean): readonly Query[] | undefined {
  if (closed) throw new Error(`${intake.system}: submit() after close()`);
  if (query.input.length !== intake.inputSize) {
    throw new RangeError(`${intake.system}: query ${query.id} has ${query.input.length} input values, the instances take ${intake.inputSize}`);
  }
  intake.recorder.open(query);
  intake.deadline?.track(query.id, intake.clock.now());
  return intake.batcher.add(query);
}
