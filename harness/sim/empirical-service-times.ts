/**
 * Empirical service times for the simulator: a file of service times measured on a live run
 * (written by `parm-bench calibrate`), drawn from at random (seeded) by simulated instances.
 *
 * File (JSON, schema parm-bench/service-times@1):
 *   {"schema": "parm-bench/service-times@1", "unit": "ms", "samplesMs": [19.8, 20.1, ...],
 *    "source": {...how it was measured...}}
 *
 * A workload refers to it from instances.serviceTime (backend "sim" only):
 *   {"kind": "empirical", "file": "calibration/service-times.json"}   (relative to the workload file)
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SeededRandom } from '../seeded-random.ts';
import { parseServiceTimeProfile, ServiceTimeSampler, type ServiceTimeProfile } from '../instance-server/service-time.ts';

export const SERVICE_TIMES_SCHEMA = 'parm-bench/service-times@1';

export interface ServiceTimesFile {
  readonly schema: typeof SERVICE_TIMES_SCHEMA;
  readonly unit: 'ms';
  /** Where the figures come from and how they were derived (free-form, for the reader). */
  readonly source: Readonly<Record<string, unknown>>;
  /** Service times, ms, each > 0 (any order; the loader sorts them). */
  readonly samplesMs: readonly number[];
}

/** A workload's reference to an empirical file, resolved (absolute path) and summarised. */
export interface EmpiricalServiceTimeProfile {
  readonly kind: 'empirical';
  readonly file: string;
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Any service-time profile the simulator can draw from. */
export type SimServiceTimeProfile = ServiceTimeProfile | EmpiricalServiceTimeProfile;

/** Something that gives the next service time, ms. */
export interface ServiceTimeSource {
  next(): number;
}

/** Reads and checks a service-times file; returns the samples sorted. Errors name the file and the field. */
export function loadServiceTimes(file: string): Float64Array {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`service-times file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); make one with: parm-bench calibrate --run <live run dir> --out ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`service-times file ${file}: not valid JSON (${(error as Error).message}); make one with parm-bench calibrate`);
  }
  const v = value as Partial<Record<string, unknown>>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`service-times file ${file}: must be a JSON object with "schema": "${SERVICE_TIMES_SCHEMA}"`);
  if (v.schema !== SERVICE_TIMES_SCHEMA) throw new Error(`service-times file ${file}: "schema" must be "${SERVICE_TIMES_SCHEMA}", got ${JSON.stringify(v.schema)}`);
  if (v.unit !== 'ms') throw new Error(`service-times file ${file}: "unit" must be "ms", got ${JSON.stringify(v.unit)}`);
  const samples = v.samplesMs;
  if (!Array.isArray(samples) || samples.length === 0) throw new Error(`service-times file ${file}: "samplesMs" must be a non-empty list of service times in ms`);
  const out = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
      throw new Error(`service-times file ${file}: samplesMs[${i}] must be a number of ms > 0, got ${JSON.stringify(s)}`);
    }
    out[i] = s;
  }
  return out.sort();
}

/** Draws from the empirical distribution: inverse CDF with linear interpolation between the sorted samples. */
export class EmpiricalServiceTimeSampler implements ServiceTimeSource {
  private readonly random: SeededRandom;

  constructor(
    private readonly sorted: Float64Array,
    seed: number,
  ) {
    if (sorted.length === 0) throw new RangeError('empirical service times: no samples');
    this.random = new SeededRandom(seed);
  }

  next(): number {
    const s = this.sorted;
    const x = this.random.next() * (s.length - 1);
    const i = Math.floor(x);
    const f = x - i;
    return i + 1 < s.length ? s[i] + f * (s[i + 1] - s[i]) : s[i];
  }
}

/** Quantile q (0..1) of sorted samples, by linear interpolation (the sampler's inverse CDF). */
export function sortedQuantile(sorted: Float64Array, q: number): number {
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Checks a workload's instances.serviceTime for the simulator: the emulated kinds (constant,
 * lognormal, zero) or {"kind": "empirical", "file": F} with F relative to `baseDir`.
 */
export function parseSimServiceTimeProfile(value: unknown, source: string, baseDir: string): SimServiceTimeProfile {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'empirical') {
    const v = value as Record<string, unknown>;
    const unknown = Object.keys(v).filter((k) => k !== 'kind' && k !== 'file');
    if (unknown.length > 0) throw new Error(`${source}: unknown key ${unknown.map((k) => `"${k}"`).join(', ')} for kind "empirical" (allowed: kind, file)`);
    if (typeof v.file !== 'string' || v.file.length === 0) {
      throw new Error(`${source}: "file" must be the path of a service-times file (made by parm-bench calibrate), relative to the workload file, got ${JSON.stringify(v.file)}`);
    }
    const file = resolve(baseDir, v.file);
    let sorted: Float64Array;
    try {
      sorted = loadServiceTimes(file);
    } catch (error) {
      throw new Error(`${source}: ${(error as Error).message}`);
    }
    return { kind: 'empirical', file, count: sorted.length, p50Ms: round3(sortedQuantile(sorted, 0.5)), p99Ms: round3(sortedQuantile(sorted, 0.99)) };
  }
  return parseServiceTimeProfile(value, source);
}

/** The sampler for a profile and seed: the instance server's own for the emulated kinds, so live and simulated draws agree. */
export function serviceTimeSource(profile: SimServiceTimeProfile, seed: number, cache?: Map<string, Float64Array>): ServiceTimeSource {
  if (profile.kind !== 'empirical') return new ServiceTimeSampler(profile, seed);
  let sorted = cache?.get(profile.file);
  if (!sorted) {
    sorted = loadServiceTimes(profile.file);
    cache?.set(profile.file, sorted);
  }
  return new EmpiricalServiceTimeSampler(sorted, seed);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
