import { dirname } from 'node:path';
import { parseArrivalSpec, type ArrivalSpec } from '../harness/load/arrival-spec.ts';
import { parseContentionSpec, checkMachines, type ContentionSpec } from '../harness/contention/contention-spec.ts';
import type { ServiceTimeProfile } from '../harness/instance-server/service-time.ts';
import { INSTANCE_OUTPUTS, type InstanceOutputs } from '../harness/instance-server/instance-server.ts';
import { parseSimServiceTimeProfile, type EmpiricalServiceTimeProfile } from '../harness/sim/empirical-service-times.ts';
import { isEncoderKind } from '../systems/parm/create-encoder.ts';
import type { EncoderKind } from '../systems/parm/encoder.ts';
import { isSystemName, SYSTEM_NAMES, type SystemName } from '../systems/create-system.ts';
import { WorkloadError, type Workload } from './workload-file.ts';

/**
 * The benchmark sections of a workload file, checked: what `npm run bench` runs.
 *
 *   "seed": 1,
 *   "load": {"arrivals": {"kind": "poisson", "rate": 270}, "durationMs": 60000, "warmupMs": 5000, "reason": "..."},
 *   "instances": {"n": 12, "k": 2, "encoder": "addition", "backend": "emulated",
 *                 "serviceTime": {"kind": "lognormal", "medianMs": 20, "sigma": 0.05}, "outputs": "model", "batchSize": 1, "reason": "..."},
 *   "systems": ["parm", "equal-resources"],
 *   "contention": { ... harness/contention/contention-spec.ts ... },
 *   "sweep": {"parameter": "rate", "values": [150, 210, 270, 330, 390], "reason": "..."}   (optional)
 *   "sweep": {"parameter": "load", "values": [0.5, 0.7], "by": {"parameter": "factor", "values": [2, 4]}, "reason": "..."}
 *
 * A sweep runs the workload once per value (every system at each point): "rate" (q/s, poisson or
 * constant arrivals), "load" (a fraction of the N deployed instances' capacity, N x 1000 / median
 * service time: the rate is set from it), "k" (coding-group size; N/k extra instances),
 * "concurrent" (concurrent slowdown episodes), "factor" (the slowdown episodes' factor) or
 * "batchSize". With "by", a grid: every pair of values of the two parameters.
 * Every error names the field ("workload file W: load.durationMs: ...").
 */
export type BenchBackend = 'emulated' | 'real' | 'remote' | 'sim';
export const BENCH_BACKENDS: readonly BenchBackend[] = ['emulated', 'real', 'remote', 'sim'];

export interface BenchLoad {
  readonly arrivals: ArrivalSpec;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly drainTimeoutMs: number;
  readonly reason: string;
}

export interface BenchInstances {
  /** Deployed instances (N) and the coding-group size (k); N/k extra instances. */
  readonly n: number;
  readonly k: number;
  readonly encoder: EncoderKind;
  readonly backend: BenchBackend;
  readonly serviceTime: ServiceTimeProfile | null;
  /** Backend "sim" only: service times drawn from a calibration file (instances.serviceTime {"kind": "empirical", "file": F}). */
  readonly empiricalServiceTime: EmpiricalServiceTimeProfile | null;
  /** Emulated backend: "model" computes real outputs, "none" answers zeros of the output shape (latency only). */
  readonly outputs: InstanceOutputs;
  readonly batchSize: number;
  readonly reason: string;
}

export const SWEEP_PARAMETERS = ['rate', 'load', 'k', 'concurrent', 'factor', 'batchSize'] as const;
export type SweepParameter = (typeof SWEEP_PARAMETERS)[number];

export interface BenchSweep {
  readonly parameter: SweepParameter;
  readonly values: readonly number[];
  /** A second parameter: the sweep is then the grid parameter x by.parameter (every pair of values). */
  readonly by: { readonly parameter: SweepParameter; readonly values: readonly number[] } | null;
  readonly reason: string;
}

/** One point of a sweep: the value of each swept parameter, in the sweep's order. */
export type SweepCoordinates = readonly { readonly parameter: SweepParameter; readonly value: number }[];

/** Every point of a sweep, the first parameter varying slowest. */
export function sweepPoints(sweep: BenchSweep): SweepCoordinates[] {
  const out: SweepCoordinates[] = [];
  for (const value of sweep.values) {
    if (sweep.by === null) out.push([{ parameter: sweep.parameter, value }]);
    else for (const second of sweep.by.values) out.push([{ parameter: sweep.parameter, value }, { parameter: sweep.by.parameter, value: second }]);
  }
  return out;
}

/**
 * The N deployed instances' capacity, q/s: N x 1000 / the median service time (emulated backend
 * with a constant or lognormal service time; null otherwise). "load" sweep values are fractions of it.
 */
export function deployedCapacityPerS(instances: Pick<BenchInstances, 'n' | 'backend' | 'serviceTime'>): number | null {
  const t = instances.serviceTime;
  if ((instances.backend !== 'emulated' && instances.backend !== 'sim') || t === null) return null;
  const medianMs = t.kind === 'lognormal' ? t.medianMs : t.kind === 'constant' ? t.ms : null;
  return medianMs === null || !(medianMs > 0) ? null : (instances.n * 1000) / medianMs;
}

export interface BenchWorkload {
  readonly workload: Workload;
  readonly seed: number;
  readonly load: BenchLoad;
  readonly instances: BenchInstances;
  readonly systems: readonly SystemName[];
  readonly contention: ContentionSpec;
  readonly sweep: BenchSweep | null;
}

/** Machines in a run: N deployed plus N/k extra. */
export function machineCount(instances: Pick<BenchInstances, 'n' | 'k'>): number {
  return instances.n + instances.n / instances.k;
}

export function parseBenchWorkload(workload: Workload): BenchWorkload {
  const where = `workload file ${workload.path}`;
  const b = workload.bench;
  const fail = (field: string, problem: string): never => {
    throw new WorkloadError(`${where}: ${field}: ${problem}`);
  };
  for (const key of ['load', 'instances', 'systems']) {
    if (b[key] === undefined) fail(key, `missing: npm run bench needs "load", "instances" and "systems" (copy them from workloads/named/fashion-contention.json)`);
  }
  const seed = b.seed === undefined ? 1 : b.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail('seed', `must be an integer from 0 to 4294967295, got ${JSON.stringify(seed)}`);

  const load = object(b.load, 'load', fail);
  onlyKeys(load, 'load', ['arrivals', 'durationMs', 'warmupMs', 'drainTimeoutMs', 'reason'], fail);
  let arrivals: ArrivalSpec;
  try {
    arrivals = parseArrivalSpec(load.arrivals, 'load.arrivals');
  } catch (error) {
    throw new WorkloadError(`${where}: ${(error as Error).message}`);
  }
  const ms = (key: string, zeroOk: boolean, fallback?: number): number => {
    const v = load[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!zeroOk && v === 0)) {
      return fail(`load.${key}`, `must be a ${zeroOk ? 'number >= 0' : 'positive number'} of ms, got ${JSON.stringify(load[key])}`);
    }
    return v;
  };
  const parsedLoad: BenchLoad = {
    arrivals,
    durationMs: ms('durationMs', false),
    warmupMs: ms('warmupMs', true, 0),
    drainTimeoutMs: ms('drainTimeoutMs', false, 10_000),
    reason: reason(load, 'load', fail),
  };

  const inst = object(b.instances, 'instances', fail);
  onlyKeys(inst, 'instances', ['n', 'k', 'encoder', 'backend', 'serviceTime', 'outputs', 'batchSize', 'reason'], fail);
  const int = (key: string, min: number, fallback?: number): number => {
    const v = inst[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) return fail(`instances.${key}`, `must be an integer >= ${min}, got ${JSON.stringify(inst[key])}`);
    return v;
  };
  const n = int('n', 1);
  const k = int('k', 2);
  if (n % k !== 0) fail('instances.k', `N (${n}) must be a multiple of k (${k}): there are N/k parity (or extra) instances`);
  const encoder = inst.encoder ?? 'addition';
  if (!isEncoderKind(encoder)) fail('instances.encoder', `must be "addition" or "concatenation", got ${JSON.stringify(inst.encoder)}`);
  const backend = inst.backend ?? 'emulated';
  if (!BENCH_BACKENDS.includes(backend as BenchBackend)) fail('instances.backend', `must be one of ${BENCH_BACKENDS.join(', ')}, got ${JSON.stringify(inst.backend)}`);
  let serviceTime: ServiceTimeProfile | null = null;
  let empiricalServiceTime: EmpiricalServiceTimeProfile | null = null;
  if (inst.serviceTime !== undefined) {
    if (backend !== 'emulated' && backend !== 'sim') fail('instances.serviceTime', `applies to backends "emulated" and "sim" only (backend is "${String(backend)}")`);
    try {
      const parsed = parseSimServiceTimeProfile(inst.serviceTime, 'instances.serviceTime', dirname(workload.path));
      if (parsed.kind === 'empirical') empiricalServiceTime = parsed;
      else serviceTime = parsed;
    } catch (error) {
      throw new WorkloadError(`${where}: ${(error as Error).message}`);
    }
    if (empiricalServiceTime !== null && backend !== 'sim') fail('instances.serviceTime', `kind "empirical" applies to backend "sim" only (backend is "${String(backend)}")`);
  }
  const outputs = inst.outputs ?? 'model';
  if (!INSTANCE_OUTPUTS.includes(outputs as InstanceOutputs)) fail('instances.outputs', `must be "model" (compute real outputs) or "none" (answer zeros of the output shape: latency only), got ${JSON.stringify(inst.outputs)}`);
  if (outputs === 'none' && backend !== 'emulated') fail('instances.outputs', `"none" applies to backend "emulated" only (backend is "${String(backend)}"): other backends compute their answers`);
  const instances: BenchInstances = {
    n,
    k,
    encoder: encoder as EncoderKind,
    backend: backend as BenchBackend,
    serviceTime,
    empiricalServiceTime,
    outputs: outputs as InstanceOutputs,
    batchSize: int('batchSize', 1, 1),
    reason: reason(inst, 'instances', fail),
  };

  const systems = b.systems;
  if (!Array.isArray(systems) || systems.length === 0) fail('systems', `must be a non-empty list of system names (${SYSTEM_NAMES.join(', ')}), got ${JSON.stringify(systems)}`);
  (systems as unknown[]).forEach((s, i) => {
    if (!isSystemName(s)) fail(`systems[${i}]`, `unknown system ${JSON.stringify(s)}: choose from ${SYSTEM_NAMES.join(', ')}`);
  });
  if (new Set(systems as string[]).size !== (systems as string[]).length) fail('systems', 'lists a system twice');

  let contention: ContentionSpec;
  try {
    contention = parseContentionSpec(b.contention, 'contention');
    checkMachines(contention, machineCount(instances), 'contention');
  } catch (error) {
    throw new WorkloadError(`${where}: ${(error as Error).message}`);
  }
  const bench: BenchWorkload = { workload, seed: seed as number, load: parsedLoad, instances, systems: systems as SystemName[], contention, sweep: null };
  if (b.sweep === undefined) return bench;
  const sw = object(b.sweep, 'sweep', fail);
  onlyKeys(sw, 'sweep', ['parameter', 'values', 'by', 'reason'], fail);
  const axis = (v: Record<string, unknown>, at: string): { parameter: SweepParameter; values: number[] } => {
    if (!SWEEP_PARAMETERS.includes(v.parameter as SweepParameter)) fail(`${at}.parameter`, `must be one of ${SWEEP_PARAMETERS.join(', ')}, got ${JSON.stringify(v.parameter)}`);
    const values = v.values;
    if (!Array.isArray(values) || values.length === 0 || !values.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
      fail(`${at}.values`, `must be a non-empty list of positive numbers, got ${JSON.stringify(values)}`);
    }
    if (new Set(values as number[]).size !== (values as number[]).length) fail(`${at}.values`, 'lists a value twice');
    return { parameter: v.parameter as SweepParameter, values: values as number[] };
  };
  const first = axis(sw, 'sweep');
  let by: BenchSweep['by'] = null;
  if (sw.by !== undefined) {
    const v = object(sw.by, 'sweep.by', fail);
    onlyKeys(v, 'sweep.by', ['parameter', 'values'], fail);
    by = axis(v, 'sweep.by');
    if (by.parameter === first.parameter) fail('sweep.by.parameter', `is "${by.parameter}" again: a grid needs two different parameters`);
    if ([first.parameter, by.parameter].includes('rate') && [first.parameter, by.parameter].includes('load')) fail('sweep.by.parameter', '"rate" and "load" both set the arrival rate: sweep one of them');
  }
  const sweep: BenchSweep = { ...first, by, reason: reason(sw, 'sweep', fail) };
  // Every point must be a valid workload: check them now, not after an hour of running.
  for (const point of sweepPoints(sweep)) {
    try {
      atSweepPoint({ ...bench, sweep }, point[0].value, point[1]?.value);
    } catch (error) {
      const message = (error as Error).message;
      const at = point.length === 1 ? `sweep.values: ${point[0].value}` : `sweep: ${point.map((c) => `${c.parameter} = ${c.value}`).join(', ')}`;
      throw new WorkloadError(`${where}: ${at}: ${message.startsWith(where) ? message.slice(where.length + 2) : message}`);
    }
  }
  return { ...bench, sweep };
}

/**
 * The workload at one point of its sweep (without the sweep): `value` of sweep.parameter and, for
 * a grid, `byValue` of sweep.by.parameter. Throws WorkloadError naming the field a value does not fit.
 */
export function atSweepPoint(bench: BenchWorkload, value: number, byValue?: number): BenchWorkload {
  const where = `workload file ${bench.workload.path}`;
  const sweep = bench.sweep;
  if (sweep === null) throw new WorkloadError(`${where}: no sweep`);
  if ((sweep.by === null) !== (byValue === undefined)) throw new WorkloadError(`${where}: sweep: ${sweep.by === null ? 'one value per point' : `a value of ${sweep.by.parameter} is needed too`}`);
  const point = withParameter({ ...bench, sweep: null }, sweep.parameter, value, where);
  return sweep.by === null || byValue === undefined ? point : withParameter(point, sweep.by.parameter, byValue, where);
}

function withParameter(point: BenchWorkload, parameter: SweepParameter, value: number, where: string): BenchWorkload {
  const bench = point;
  switch (parameter) {
    case 'load': {
      const a = bench.load.arrivals;
      if (a.kind !== 'poisson' && a.kind !== 'constant') throw new WorkloadError(`${where}: sweep.parameter: "load" needs poisson or constant load.arrivals, not "${a.kind}"`);
      const capacity = deployedCapacityPerS(bench.instances);
      if (capacity === null) {
        throw new WorkloadError(`${where}: sweep.parameter: "load" is a fraction of the deployed instances' capacity, which needs backend "emulated" with a constant or lognormal instances.serviceTime; sweep "rate" instead`);
      }
      if (value > 2) throw new WorkloadError(`${where}: sweep.values: load = ${value} is a fraction of capacity (${capacity} q/s): give values such as 0.5 or 0.85 (at most 2)`);
      return { ...point, load: { ...bench.load, arrivals: { kind: a.kind, rate: Math.round(value * capacity * 1000) / 1000 } } };
    }
    case 'factor': {
      const s = bench.contention.slowdowns;
      if (s === null) throw new WorkloadError(`${where}: sweep.parameter: "factor" (the slowdown factor) needs contention.slowdowns`);
      if (value < 1) throw new WorkloadError(`${where}: sweep.values: factor = ${value} must be a slowdown factor >= 1`);
      return { ...point, contention: { ...bench.contention, slowdowns: { ...s, factor: value } } };
    }
    case 'rate': {
      const a = bench.load.arrivals;
      if (a.kind !== 'poisson' && a.kind !== 'constant') throw new WorkloadError(`${where}: sweep.parameter: "rate" needs poisson or constant load.arrivals, not "${a.kind}"`);
      return { ...point, load: { ...bench.load, arrivals: { kind: a.kind, rate: value } } };
    }
    case 'k': {
      const k = value;
      if (!Number.isInteger(k) || k < 2 || bench.instances.n % k !== 0) throw new WorkloadError(`${where}: sweep.values: k = ${k} must be an integer >= 2 dividing instances.n (${bench.instances.n})`);
      const instances = { ...bench.instances, k };
      try {
        checkMachines(bench.contention, machineCount(instances), 'contention');
      } catch (error) {
        throw new WorkloadError(`${where}: with k = ${k}: ${(error as Error).message}`);
      }
      return { ...point, instances };
    }
    case 'concurrent': {
      const s = bench.contention.slowdowns;
      if (s === null) throw new WorkloadError(`${where}: sweep.parameter: "concurrent" needs contention.slowdowns`);
      if (!Number.isInteger(value)) throw new WorkloadError(`${where}: sweep.values: concurrent = ${value} must be an integer`);
      return { ...point, contention: { ...bench.contention, slowdowns: { ...s, concurrent: value } } };
    }
    case 'batchSize':
      if (!Number.isInteger(value)) throw new WorkloadError(`${where}: sweep.values: batchSize = ${value} must be an integer`);
      return { ...point, instances: { ...bench.instances, batchSize: value } };
  }
}

function object(value: unknown, at: string, fail: (field: string, problem: string) => never): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, `must be an object, got ${JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

function onlyKeys(v: Record<string, unknown>, at: string, keys: readonly string[], fail: (field: string, problem: string) => never): void {
  for (const key of Object.keys(v)) if (!keys.includes(key)) fail(`${at}.${key}`, `unknown key (allowed: ${keys.join(', ')})`);
}

function reason(v: Record<string, unknown>, at: string, fail: (field: string, problem: string) => never): string {
  const r = v.reason;
  if (typeof r !== 'string' || r.trim().length === 0) return fail(`${at}.reason`, `say why these parameters (a non-empty string), got ${JSON.stringify(r)}`);
  return r;
}
