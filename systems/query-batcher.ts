import type { Query } from './serving-system.ts';

/**
 * Collects consecutive queries into batches of B for one batched inference request. A batch is
 * released only when B queries are there: there is no fill timer (the paper's batching experiment
 * waited for the batch to fill as well), so with B > 1 the last queries of a run wait until the
 * batch is full or their deadline answers them.
 */
export class QueryBatcher {
  private waitingQueries: Query[] = [];

  constructor(readonly batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
  }

  /** Adds a query; returns the full batch when this query completes one. */
  add(query: Query): readonly Query[] | undefined {
    // Batches of one (the usual case): an exact-size array, no waiting list touched.
    if (this.batchSize === 1 && this.waitingQueries.length === 0) return [query];
    this.waitingQueries.push(query);
    if (this.waitingQueries.length < this.batchSize) return undefined;
    const batch = this.waitingQueries;
    this.waitingQueries = [];
    return batch;
  }

  /** Queries waiting for their batch to fill. */
  get waiting(): readonly Query[] {
    return this.waitingQueries;
  }

  /** Takes a query out of the waiting batch (its deadline answered it); false if it is not waiting. */
  remove(queryId: number): boolean {
    const i = this.waitingQueries.findIndex((q) => q.id === queryId);
    if (i < 0) return false;
    this.waitingQueries.splice(i, 1);
    return true;
  }

  /** Empties the waiting batch and returns what was in it. */
  takeWaiting(): Query[] {
    const w = this.waitingQueries;
    this.waitingQueries = [];
    return w;
  }
}

/** The input of a batched request: the queries' samples one after the other (no copy for one query). */
export function batchInput(queries: readonly Query[], inputSize: number): Float32Array {
  if (queries.length === 1) return queries[0].input;
  const out = new Float32Array(queries.length * inputSize);
  for (let i = 0; i < queries.length; i++) out.set(queries[i].input, i * inputSize);
  return out;
}
