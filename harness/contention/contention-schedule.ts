import { SeededRandom } from '../seeded-random.ts';
import { checkMachines, type ContentionSpec } from './contention-spec.ts';

/**
 * A contention and fault schedule: the events of one run, with their times (ms from the start of
 * the load) and machines, generated once from the workload's contention spec and a seed, then
 * replayed identically for every system and written to the results. JSON-serialisable.
 */
export const CONTENTION_SCHEDULE_SCHEMA = 'parm-bench/contention-schedule@1';

export type ContentionEvent =
  | { readonly atMs: number; readonly kind: 'slowdown-start'; readonly episode: number; readonly machines: readonly number[]; readonly factor: number; readonly transferMB: number }
  | { readonly atMs: number; readonly kind: 'slowdown-end'; readonly episode: number; readonly machines: readonly number[] }
  | { readonly atMs: number; readonly kind: 'pause'; readonly machine: number; readonly durationMs: number }
  | { readonly atMs: number; readonly kind: 'resume'; readonly machine: number }
  | { readonly atMs: number; readonly kind: 'crash'; readonly machine: number }
  | { readonly atMs: number; readonly kind: 'restart'; readonly machine: number }
  | { readonly atMs: number; readonly kind: 'neighbour-start'; readonly machines: readonly number[]; readonly rate: number; readonly seed: number }
  | { readonly atMs: number; readonly kind: 'neighbour-stop'; readonly machines: readonly number[] }
  | { readonly atMs: number; readonly kind: 'cpu-hog-start'; readonly processes: number }
  | { readonly atMs: number; readonly kind: 'cpu-hog-stop' };

export type ContentionEventKind = ContentionEvent['kind'];

export interface ContentionSchedule {
  readonly schema: typeof CONTENTION_SCHEDULE_SCHEMA;
  readonly seed: number;
  readonly machines: number;
  /** Events are generated up to this time (the warm-up plus the measured window). */
  readonly horizonMs: number;
  readonly spec: ContentionSpec;
  /** In time order (ties: the order generated, ends before starts at the same instant). */
  readonly events: readonly ContentionEvent[];
}

export interface ScheduleOptions {
  readonly seed: number;
  /** Machines in the run (N + N/k). */
  readonly machines: number;
  readonly horizonMs: number;
}

/** Upper bound on events, so that an extreme spec cannot exhaust memory. */
const MAX_EVENTS = 1_000_000;

export function generateContentionSchedule(spec: ContentionSpec, options: ScheduleOptions): ContentionSchedule {
  const { seed, machines, horizonMs } = options;
  if (!(Number.isFinite(horizonMs) && horizonMs > 0)) throw new RangeError(`contention schedule: horizonMs must be a positive number, got ${horizonMs}`);
  checkMachines(spec, machines);
  const random = new SeededRandom(seed);
  // Each model draws from its own stream: adding a pause does not move the slowdown episodes.
  const slowdownRandom = random.fork();
  const neighbourRandom = random.fork();
  const events: ContentionEvent[] = [];
  const push = (e: ContentionEvent): void => {
    if (events.length >= MAX_EVENTS) {
      throw new RangeError(`contention schedule: more than ${MAX_EVENTS} events up to ${horizonMs} ms; make episodes longer (larger transferMB or smaller bandwidthMBps) or the run shorter`);
    }
    events.push(e);
  };

  const s = spec.slowdowns;
  if (s) {
    let episode = 0;
    for (let slot = 0; slot < s.concurrent; slot++) {
      let t = 0;
      while (t < horizonMs) {
        const a = slowdownRandom.nextInt(machines);
        let b = slowdownRandom.nextInt(machines - 1);
        if (b >= a) b++;
        const [lo, hi] = s.transferMB;
        const transferMB = lo + (hi - lo) * slowdownRandom.next();
        const durationMs = (transferMB / s.bandwidthMBps) * 1000;
        const pair = [Math.min(a, b), Math.max(a, b)];
        push({ atMs: round(t), kind: 'slowdown-start', episode, machines: pair, factor: s.factor, transferMB: round(transferMB) });
        push({ atMs: round(t + durationMs), kind: 'slowdown-end', episode, machines: pair });
        episode++;
        t += durationMs;
      }
    }
  }
  const n = spec.neighbour;
  if (n && n.fromMs < horizonMs) {
    push({ atMs: n.fromMs, kind: 'neighbour-start', machines: n.machines, rate: n.rate, seed: neighbourRandom.nextUint32() });
    if (n.durationMs !== null && n.fromMs + n.durationMs < horizonMs) push({ atMs: n.fromMs + n.durationMs, kind: 'neighbour-stop', machines: n.machines });
  }
  for (const p of spec.pauses) {
    if (p.atMs >= horizonMs) continue;
    push({ atMs: p.atMs, kind: 'pause', machine: p.machine, durationMs: p.durationMs });
    push({ atMs: p.atMs + p.durationMs, kind: 'resume', machine: p.machine });
  }
  for (const c of spec.crashes) {
    if (c.atMs >= horizonMs) continue;
    push({ atMs: c.atMs, kind: 'crash', machine: c.machine });
    if (c.restartAfterMs !== null && c.atMs + c.restartAfterMs < horizonMs) push({ atMs: c.atMs + c.restartAfterMs, kind: 'restart', machine: c.machine });
  }
  const h = spec.cpuHog;
  if (h && h.fromMs < horizonMs) {
    push({ atMs: h.fromMs, kind: 'cpu-hog-start', processes: h.processes });
    if (h.durationMs !== null && h.fromMs + h.durationMs < horizonMs) push({ atMs: h.fromMs + h.durationMs, kind: 'cpu-hog-stop' });
  }
  const order = new Map(events.map((e, i) => [e, i]));
  events.sort((x, y) => x.atMs - y.atMs || isEnd(y) - isEnd(x) || order.get(x)! - order.get(y)!);
  return { schema: CONTENTION_SCHEDULE_SCHEMA, seed, machines, horizonMs, spec, events };
}

function isEnd(e: ContentionEvent): number {
  return e.kind === 'slowdown-end' || e.kind === 'resume' || e.kind === 'neighbour-stop' || e.kind === 'cpu-hog-stop' ? 1 : 0;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
