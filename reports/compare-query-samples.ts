import { existsSync } from 'node:fs';
import { textLines } from '../harness/load/text-lines.ts';

/**
 * The measured queries of one system in one run, read from its per-query records file
 * (`<system>/records.ndjson`) and ordered by query id, so that two runs of the same schedule line
 * up query by query. Warm-up queries are left out.
 */
export interface QuerySamples {
  /** Query ids, ascending. */
  readonly ids: Float64Array;
  /** Latency from the scheduled send time, ms; a lost query is Infinity (infinitely slow). */
  readonly latencyMs: Float64Array;
  /** 1 right, 0 wrong, NaN when there is no label or no answer. */
  readonly correct: Float64Array;
}

interface RecordLine {
  id?: unknown;
  warmup?: unknown;
  outcome?: unknown;
  latencyUs?: unknown;
  correct?: unknown;
}

export function readQuerySamples(recordsPath: string): QuerySamples {
  if (!existsSync(recordsPath)) throw new Error(`${recordsPath}: per-query records not found (the run directory is incomplete; rerun the bench)`);
  let ids: number[] = [];
  let latency: number[] = [];
  let correct: number[] = [];
  let lineNo = 0;
  for (const line of textLines(recordsPath)) {
    lineNo++;
    if (line.length === 0) continue;
    let r: RecordLine;
    try {
      r = JSON.parse(line) as RecordLine;
    } catch (error) {
      throw new Error(`${recordsPath}:${lineNo}: not valid JSON (${(error as Error).message})`);
    }
    if (r.warmup === true) continue;
    if (typeof r.id !== 'number') throw new Error(`${recordsPath}:${lineNo}: id: expected a number, found ${JSON.stringify(r.id)}`);
    const answered = r.outcome === 'answer';
    if (answered && typeof r.latencyUs !== 'number') throw new Error(`${recordsPath}:${lineNo}: latencyUs: expected a number for an answered query`);
    ids.push(r.id);
    latency.push(answered ? (r.latencyUs as number) / 1000 : Infinity);
    correct.push(answered && typeof r.correct === 'boolean' ? (r.correct ? 1 : 0) : NaN);
  }
  const order = Array.from(ids.keys()).sort((x, y) => ids[x] - ids[y]);
  const out: QuerySamples = {
    ids: Float64Array.from(order, (i) => ids[i]),
    latencyMs: Float64Array.from(order, (i) => latency[i]),
    correct: Float64Array.from(order, (i) => correct[i]),
  };
  ids = latency = correct = [];
  return out;
}

/** True when both hold the same queries (same ids in the same order). */
export function sameQueries(a: QuerySamples, b: QuerySamples): boolean {
  if (a.ids.length !== b.ids.length) return false;
  for (let i = 0; i < a.ids.length; i++) if (a.ids[i] !== b.ids[i]) return false;
  return true;
}
