import { textLines } from '../harness/load/text-lines.ts';

/**
 * The measured (not warm-up) queries of one system's per-query records file, in three aligned
 * typed arrays (20 bytes a query: a million queries take 20 MB; the file itself is streamed line
 * by line). Lost queries have latency Infinity, so a system that loses queries cannot look
 * faster for it. Query ids are the driver's: every system of a run gets the same seeded schedule,
 * so query i has the same scheduled time and sample in each, which is what pairs them.
 */
export interface MeasuredQueries {
  readonly ids: Uint32Array;
  readonly scheduledMs: Float64Array;
  /** Latency from the scheduled send time, ms; Infinity when lost. */
  readonly latencyMs: Float64Array;
  readonly lost: number;
}

export function readMeasuredQueries(recordsPath: string): MeasuredQueries {
  let capacity = 1024;
  let ids = new Uint32Array(capacity);
  let scheduled = new Float64Array(capacity);
  let latency = new Float64Array(capacity);
  let n = 0;
  let lost = 0;
  let lineNumber = 0;
  for (const line of textLines(recordsPath)) {
    lineNumber++;
    if (line.length === 0) continue;
    let r: { id?: unknown; warmup?: unknown; outcome?: unknown; scheduledMs?: unknown; latencyUs?: unknown };
    try {
      r = JSON.parse(line);
    } catch (error) {
      throw new Error(`${recordsPath}:${lineNumber}: not a JSON record (${(error as Error).message}); the file is damaged: re-run bench`);
    }
    if (r.warmup === true) continue;
    if (typeof r.id !== 'number' || !Number.isInteger(r.id) || r.id < 0) throw new Error(`${recordsPath}:${lineNumber}: id: expected an integer >= 0, got ${JSON.stringify(r.id)}`);
    if (typeof r.scheduledMs !== 'number') throw new Error(`${recordsPath}:${lineNumber}: scheduledMs: expected a number, got ${JSON.stringify(r.scheduledMs)}`);
    if (r.outcome !== 'answer' && r.outcome !== 'lost') throw new Error(`${recordsPath}:${lineNumber}: outcome: expected "answer" or "lost", got ${JSON.stringify(r.outcome)}`);
    if (r.outcome === 'answer' && typeof r.latencyUs !== 'number') throw new Error(`${recordsPath}:${lineNumber}: latencyUs: expected a number, got ${JSON.stringify(r.latencyUs)}`);
    if (n === capacity) {
      capacity *= 2;
      ids = grow(ids, new Uint32Array(capacity));
      scheduled = grow(scheduled, new Float64Array(capacity));
      latency = grow(latency, new Float64Array(capacity));
    }
    ids[n] = r.id;
    scheduled[n] = r.scheduledMs;
    if (r.outcome === 'answer') latency[n] = (r.latencyUs as number) / 1000;
    else {
      latency[n] = Infinity;
      lost++;
    }
    n++;
  }
  return { ids: ids.slice(0, n), scheduledMs: scheduled.slice(0, n), latencyMs: latency.slice(0, n), lost };
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * The latencies of the queries measured in both a and b, aligned by query id (same schedule:
 * query i of one system against query i of the other).
 */
export function pairByQuery(a: MeasuredQueries, b: MeasuredQueries): { a: Float64Array; b: Float64Array } {
  let maxId = 0;
  for (const id of b.ids) if (id > maxId) maxId = id;
  const indexInB = new Int32Array(maxId + 1).fill(-1);
  b.ids.forEach((id, i) => (indexInB[id] = i));
  const pa = new Float64Array(Math.min(a.ids.length, b.ids.length));
  const pb = new Float64Array(pa.length);
  let n = 0;
  for (let i = 0; i < a.ids.length; i++) {
    const id = a.ids[i];
    const j = id <= maxId ? indexInB[id] : -1;
    if (j < 0) continue;
    pa[n] = a.latencyMs[i];
    pb[n] = b.latencyMs[j];
    n++;
  }
  return { a: pa.slice(0, n), b: pb.slice(0, n) };
}
