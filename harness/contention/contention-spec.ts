/**
 * The contention and faults of a workload, as written in its workload file ("contention"
 * section). Every model says what it stands for and carries a `reason`: why its parameters are
 * what they are (fixed before any system is measured, never tuned to flatter one).
 *
 * Instances are named by machine number: machines 0..N-1 are the N deployed instances of every
 * system; machines N.. are each system's extra instances in order (ParM's parity instances,
 * Equal-Resources' extra copies, approximate backup's backups, replication's replicas). A system
 * with no instance on a machine is not affected by what happens there.
 *
 *   "contention": {
 *     "slowdowns": {"concurrent": 4, "transferMB": [128, 256], "bandwidthMBps": 125, "factor": 3, "reason": "..."},
 *     "neighbour": {"machines": [0, 1], "rate": 28, "fromMs": 0, "reason": "..."},
 *     "pauses": [{"atMs": 3000, "machine": 2, "durationMs": 500}],
 *     "crashes": [{"atMs": 6000, "machine": 5}, {"atMs": 9000, "machine": 2, "restartAfterMs": 2000, "reason": "..."}],
 *     "cpuHog": {"fromMs": 0, "durationMs": 5000, "processes": 1, "reason": "..."}
 *   }
 */
export interface SlowdownModel {
  /** Episodes under way at every moment (the paper: 4 concurrent background shuffles). */
  readonly concurrent: number;
  /** Each episode moves a transfer size drawn uniformly from [min, max] MB ... */
  readonly transferMB: readonly [number, number];
  /** ... at this bandwidth: its duration is size / bandwidth. */
  readonly bandwidthMBps: number;
  /** Service times on both machines of the pair are multiplied by this while it lasts (>= 1). */
  readonly factor: number;
  readonly reason: string;
}

export interface NeighbourModel {
  /** Machines that share their device with a second deployment. */
  readonly machines: readonly number[];
  /** Its Poisson query rate on each of those machines, q/s (the paper: 28 q/s). */
  readonly rate: number;
  readonly fromMs: number;
  /** Default: until the end of the run. */
  readonly durationMs: number | null;
  readonly reason: string;
}

export interface PauseFault {
  readonly atMs: number;
  readonly machine: number;
  readonly durationMs: number;
}

export interface CrashFault {
  readonly atMs: number;
  readonly machine: number;
  /** Restart the instance (same id, role, model, service-time seed) this many ms after the crash; null: it stays down. */
  readonly restartAfterMs: number | null;
  /** Why the restart delay is what it is (required with restartAfterMs). */
  readonly reason: string | null;
}

export interface CpuHogModel {
  readonly fromMs: number;
  /** Default: until the end of the run. */
  readonly durationMs: number | null;
  /** Busy-looping processes (each takes one core when it can). */
  readonly processes: number;
  readonly reason: string;
}

export interface ContentionSpec {
  readonly slowdowns: SlowdownModel | null;
  readonly neighbour: NeighbourModel | null;
  readonly pauses: readonly PauseFault[];
  readonly crashes: readonly CrashFault[];
  readonly cpuHog: CpuHogModel | null;
}

export const NO_CONTENTION: ContentionSpec = Object.freeze({ slowdowns: null, neighbour: null, pauses: [], crashes: [], cpuHog: null });

export class ContentionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentionConfigError';
  }
}

/** Checks a parsed JSON value; errors name the field, e.g. "contention.pauses[1].durationMs: ...". */
export function parseContentionSpec(value: unknown, source = 'contention'): ContentionSpec {
  if (value === undefined || value === null) return NO_CONTENTION;
  const v = object(value, source, 'an object with any of slowdowns, neighbour, pauses, crashes, cpuHog');
  onlyKeys(v, source, ['slowdowns', 'neighbour', 'pauses', 'crashes', 'cpuHog']);
  return {
    slowdowns: v.slowdowns === undefined || v.slowdowns === null ? null : slowdowns(v.slowdowns, `${source}.slowdowns`),
    neighbour: v.neighbour === undefined || v.neighbour === null ? null : neighbour(v.neighbour, `${source}.neighbour`),
    pauses: list(v.pauses, `${source}.pauses`).map((item, i) => {
      const at = `${source}.pauses[${i}]`;
      const p = object(item, at, '{"atMs": ..., "machine": ..., "durationMs": ...}');
      onlyKeys(p, at, ['atMs', 'machine', 'durationMs']);
      return { atMs: num(p, 'atMs', at, (n) => n >= 0, 'ms >= 0'), machine: machine(p, at), durationMs: num(p, 'durationMs', at, (n) => n > 0, 'a positive number of ms') };
    }),
    crashes: list(v.crashes, `${source}.crashes`).map((item, i) => {
      const at = `${source}.crashes[${i}]`;
      const c = object(item, at, '{"atMs": ..., "machine": ..., "restartAfterMs": ... (optional), "reason": "..."}');
      onlyKeys(c, at, ['atMs', 'machine', 'restartAfterMs', 'reason']);
      const restartAfterMs = c.restartAfterMs === undefined || c.restartAfterMs === null ? null : num(c, 'restartAfterMs', at, (n) => n > 0, 'a positive number of ms (the restart delay)');
      if (restartAfterMs !== null && c.reason === undefined) {
        throw new ContentionConfigError(`${at}.reason: a crash with restartAfterMs needs a reason: why the instance comes back after ${restartAfterMs} ms (a non-empty string)`);
      }
      return { atMs: num(c, 'atMs', at, (n) => n >= 0, 'ms >= 0'), machine: machine(c, at), restartAfterMs, reason: c.reason === undefined ? null : reason(c, at) };
    }),
    cpuHog: v.cpuHog === undefined || v.cpuHog === null ? null : cpuHog(v.cpuHog, `${source}.cpuHog`),
  };
}

/** Checks that every machine named exists (machines 0..count-1). */
export function checkMachines(spec: ContentionSpec, count: number, source = 'contention'): void {
  const check = (m: number, at: string): void => {
    if (m >= count) throw new ContentionConfigError(`${at}: machine ${m} does not exist: this workload has ${count} machines (0..${count - 1}: N deployed, then N/k extra)`);
  };
  spec.neighbour?.machines.forEach((m, i) => check(m, `${source}.neighbour.machines[${i}]`));
  spec.pauses.forEach((p, i) => check(p.machine, `${source}.pauses[${i}].machine`));
  spec.crashes.forEach((c, i) => check(c.machine, `${source}.crashes[${i}].machine`));
  if (spec.slowdowns && count < 2) throw new ContentionConfigError(`${source}.slowdowns: an episode needs a pair of machines; this workload has ${count}`);
}

function slowdowns(value: unknown, at: string): SlowdownModel {
  const v = object(value, at, '{"concurrent": 4, "transferMB": [128, 256], "bandwidthMBps": 125, "factor": 3, "reason": "..."}');
  onlyKeys(v, at, ['concurrent', 'transferMB', 'bandwidthMBps', 'factor', 'reason']);
  const range = v.transferMB;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0) || range[0] > range[1]) {
    throw new ContentionConfigError(`${at}.transferMB: must be [min, max], two positive numbers of MB with min <= max, got ${JSON.stringify(range)}`);
  }
  return {
    concurrent: int(v, 'concurrent', at, 1),
    transferMB: [range[0], range[1]],
    bandwidthMBps: num(v, 'bandwidthMBps', at, (n) => n > 0, 'a positive number of MB/s'),
    factor: num(v, 'factor', at, (n) => n >= 1, 'a slowdown factor >= 1 (1 = none)'),
    reason: reason(v, at),
  };
}

function neighbour(value: unknown, at: string): NeighbourModel {
  const v = object(value, at, '{"machines": [0, 1], "rate": 28, "reason": "..."}');
  onlyKeys(v, at, ['machines', 'rate', 'fromMs', 'durationMs', 'reason']);
  const machines = v.machines;
  if (!Array.isArray(machines) || machines.length === 0 || !machines.every((m) => Number.isInteger(m) && m >= 0) || new Set(machines).size !== machines.length) {
    throw new ContentionConfigError(`${at}.machines: must be a non-empty list of distinct machine numbers (integers >= 0), got ${JSON.stringify(machines)}`);
  }
  return {
    machines: machines as number[],
    rate: num(v, 'rate', at, (n) => n > 0, 'a positive number of queries per second'),
    fromMs: num(v, 'fromMs', at, (n) => n >= 0, 'ms >= 0', 0),
    durationMs: v.durationMs === undefined || v.durationMs === null ? null : num(v, 'durationMs', at, (n) => n > 0, 'a positive number of ms'),
    reason: reason(v, at),
  };
}

function cpuHog(value: unknown, at: string): CpuHogModel {
  const v = object(value, at, '{"fromMs": 0, "durationMs": 5000, "processes": 1, "reason": "..."}');
  onlyKeys(v, at, ['fromMs', 'durationMs', 'processes', 'reason']);
  return {
    fromMs: num(v, 'fromMs', at, (n) => n >= 0, 'ms >= 0', 0),
    durationMs: v.durationMs === undefined || v.durationMs === null ? null : num(v, 'durationMs', at, (n) => n > 0, 'a positive number of ms'),
    processes: int(v, 'processes', at, 1, 1),
    reason: reason(v, at),
  };
}

function object(value: unknown, at: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ContentionConfigError(`${at}: must be ${expected}, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function list(value: unknown, at: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ContentionConfigError(`${at}: must be a list, got ${JSON.stringify(value)}`);
  return value;
}

function onlyKeys(v: Record<string, unknown>, at: string, keys: readonly string[]): void {
  for (const key of Object.keys(v)) {
    if (!keys.includes(key)) throw new ContentionConfigError(`${at}.${key}: unknown field (fields: ${keys.join(', ')})`);
  }
}

function num(v: Record<string, unknown>, key: string, at: string, ok: (n: number) => boolean, what: string, fallback?: number): number {
  const n = v[key];
  if (n === undefined && fallback !== undefined) return fallback;
  if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) {
    throw new ContentionConfigError(`${at}.${key}: must be ${what}, got ${n === undefined ? 'nothing' : JSON.stringify(n)}`);
  }
  return n;
}

function int(v: Record<string, unknown>, key: string, at: string, min: number, fallback?: number): number {
  return num(v, key, at, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`, fallback);
}

function machine(v: Record<string, unknown>, at: string): number {
  return int(v, 'machine', at, 0);
}

function reason(v: Record<string, unknown>, at: string): string {
  const r = v.reason;
  if (typeof r !== 'string' || r.trim().length === 0) {
    throw new ContentionConfigError(`${at}.reason: say why the parameters are what they are (a non-empty string), got ${JSON.stringify(r)}`);
  }
  return r;
}
