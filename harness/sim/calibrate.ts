/**
 * `parm-bench calibrate`: turns a live bench run's per-query records into an empirical
 * service-time file for the simulator (see empirical-service-times.ts).
 *
 * Which figure is the service time. A record's latency counts from the scheduled send and so
 * includes queueing in the serving system; the instance server measures its own service time but
 * reports it only as a histogram in its stats, not per request. The systems send an instance one
 * inference at a time and send the next one as soon as the previous answer arrives, so for a
 * system that sends each query to exactly one instance (baseline, equal-resources) the time the
 * instance spent on query i is
 *
 *   answered_i - max(submitted_i, answered of the previous query on the same instance),
 *
 * read from the records (instance, submittedMs, answeredMs). That is the instance's service time
 * as the frontend sees it: the profile's draw plus the transport and server overhead of one
 * request, which is what a simulated instance has to stand for. Queries whose service overlaps a
 * contention event on their instance's machine (slowdown, pause, neighbour stream, crash) or the
 * CPU hog are left out: the simulator applies those itself. Warm-up queries are left out too.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../atomic-write.ts';
import type { ContentionEvent, ContentionSchedule } from '../contention/contention-schedule.ts';
import { textLines } from '../load/text-lines.ts';
import { SERVICE_TIMES_SCHEMA, sortedQuantile, type ServiceTimesFile } from './empirical-service-times.ts';

/** Systems whose records give service times (one instance per query, no copies racing). */
export const CALIBRATION_SYSTEMS = ['equal-resources', 'baseline'] as const;

/** At most this many samples go to the file (evenly spaced quantiles of the measured ones beyond it). */
const MAX_SAMPLES = 50_000;

export interface CalibrateOptions {
  /** A live bench run directory (settings.json, contention-schedule.json, <system>/records.ndjson). */
  readonly run: string;
  readonly out: string;
  /** Default: the first of equal-resources, baseline that the run measured. */
  readonly system?: string;
}

export interface CalibrationResult {
  readonly file: ServiceTimesFile;
  readonly out: string;
  readonly used: number;
  readonly excluded: { readonly warmup: number; readonly contention: number; readonly notOriginal: number };
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Window {
  readonly from: number;
  readonly to: number;
}

/** Per machine, the windows during which the contention schedule touched it (all machines: -1). */
function contentionWindows(schedule: ContentionSchedule): Map<number, Window[]> {
  const windows = new Map<number, Window[]>();
  const add = (machine: number, from: number, to: number) => {
    let list = windows.get(machine);
    if (!list) windows.set(machine, (list = []));
    list.push({ from, to });
  };
  const open = new Map<string, number>();
  const end = schedule.horizonMs + 1e9;
  const startOf = (key: string, at: number) => open.set(key, at);
  const endOf = (key: string, machine: number, at: number) => {
    const from = open.get(key);
    if (from !== undefined) add(machine, from, at);
    open.delete(key);
  };
  for (const e of schedule.events as readonly ContentionEvent[]) {
    switch (e.kind) {
      case 'slowdown-start':
        for (const m of e.machines) startOf(`s${e.episode}:${m}`, e.atMs);
        break;
      case 'slowdown-end':
        for (const m of e.machines) endOf(`s${e.episode}:${m}`, m, e.atMs);
        break;
      case 'pause':
        startOf(`p:${e.machine}`, e.atMs);
        break;
      case 'resume':
        endOf(`p:${e.machine}`, e.machine, e.atMs);
        break;
      case 'crash':
        add(e.machine, e.atMs, end);
        break;
      case 'neighbour-start':
        for (const m of e.machines) startOf(`n:${m}`, e.atMs);
        break;
      case 'neighbour-stop':
        for (const m of e.machines) endOf(`n:${m}`, m, e.atMs);
        break;
      case 'cpu-hog-start':
        startOf('h', e.atMs);
        break;
      case 'cpu-hog-stop':
        endOf('h', -1, e.atMs);
        break;
    }
  }
  for (const [key, from] of open) {
    const machine = key === 'h' ? -1 : Number(key.slice(key.indexOf(':') + 1));
    add(machine, from, end);
  }
  return windows;
}

function overlaps(list: readonly Window[] | undefined, from: number, to: number): boolean {
  if (!list) return false;
  for (const w of list) if (from < w.to && to > w.from) return true;
  return false;
}

/** The machine of a system's instance: deployed-i is machine i; parity/backup-j is machine n + j. */
function machineOf(instance: string, n: number): number | undefined {
  const m = /^(deployed|parity|backup)-(\d+)$/.exec(instance);
  if (!m) return undefined;
  return m[1] === 'deployed' ? Number(m[2]) : n + Number(m[2]);
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`calibrate --run: ${path} (${what}) cannot be read: give the directory of a live bench run (runs/bench-<workload>-<time>/)`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`calibrate --run: ${path} is not valid JSON (${(error as Error).message})`);
  }
}

export function calibrate(options: CalibrateOptions): CalibrationResult {
  const runDir = resolve(options.run);
  const settings = readJson(join(runDir, 'settings.json'), 'the run settings') as {
    resolved?: { instances?: { n?: number; k?: number; backend?: string; serviceTime?: unknown }; systems?: string[] };
    workload?: { name?: string };
  };
  const inst = settings.resolved?.instances;
  if (typeof inst?.n !== 'number' || !Array.isArray(settings.resolved?.systems)) throw new Error(`calibrate --run: ${join(runDir, 'settings.json')} has no resolved.instances.n / resolved.systems: is it a bench run directory?`);
  if (inst.backend === 'sim') throw new Error(`calibrate --run: ${runDir} is a simulated run (backend sim); calibrate from a live run (backend emulated or real)`);
  const systems = settings.resolved.systems;
  let system = options.system;
  if (system === undefined) {
    system = CALIBRATION_SYSTEMS.find((s) => systems.includes(s));
    if (system === undefined) throw new Error(`calibrate: the run measured ${systems.join(', ')}; calibration needs one of ${CALIBRATION_SYSTEMS.join(', ')} (one instance per query). Run e.g. npm run bench -- --systems equal-resources`);
  } else if (!(CALIBRATION_SYSTEMS as readonly string[]).includes(system)) {
    throw new Error(`calibrate --system: must be one of ${CALIBRATION_SYSTEMS.join(', ')} (systems that send each query to exactly one instance), got "${system}"`);
  } else if (!systems.includes(system)) {
    throw new Error(`calibrate --system: the run at ${runDir} did not measure ${system} (it measured ${systems.join(', ')})`);
  }
  const schedule = readJson(join(runDir, 'contention-schedule.json'), 'the contention schedule') as ContentionSchedule;
  if (!Array.isArray(schedule.events)) throw new Error(`calibrate --run: ${join(runDir, 'contention-schedule.json')} has no "events" list`);
  const windows = contentionWindows(schedule);
  const everywhere = windows.get(-1);

  const recordsPath = join(runDir, system, 'records.ndjson');
  const perInstance = new Map<string, { submitted: number; answered: number; warmup: boolean }[]>();
  let notOriginal = 0;
  let lineNo = 0;
  try {
    for (const line of textLines(recordsPath)) {
      lineNo++;
      if (line.length === 0) continue;
      const r = JSON.parse(line) as { outcome?: string; path?: string; instance?: string; submittedMs?: number; answeredMs?: number; warmup?: boolean };
      if (r.outcome !== 'answer' || r.path !== 'original' || typeof r.instance !== 'string' || typeof r.submittedMs !== 'number' || typeof r.answeredMs !== 'number') {
        notOriginal++;
        continue;
      }
      let list = perInstance.get(r.instance);
      if (!list) perInstance.set(r.instance, (list = []));
      list.push({ submitted: r.submittedMs, answered: r.answeredMs, warmup: r.warmup === true });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`calibrate: ${recordsPath} does not exist: the run has no complete records for ${system}`);
    throw new Error(`calibrate: ${recordsPath} line ${lineNo}: ${(error as Error).message}`);
  }
  const samples: number[] = [];
  let warmup = 0;
  let contention = 0;
  for (const [instance, list] of perInstance) {
    list.sort((a, b) => a.answered - b.answered);
    const machine = machineOf(instance, inst.n);
    let previous = -Infinity;
    for (const q of list) {
      const start = Math.max(q.submitted, previous);
      previous = q.answered;
      if (q.warmup) {
        warmup++;
        continue;
      }
      if (overlaps(everywhere, start, q.answered) || (machine !== undefined && overlaps(windows.get(machine), start, q.answered))) {
        contention++;
        continue;
      }
      const ms = q.answered - start;
      if (ms > 0) samples.push(Math.round(ms * 1000) / 1000);
    }
  }
  if (samples.length === 0) throw new Error(`calibrate: no usable service times in ${recordsPath} (${warmup} warm-up, ${contention} during contention, ${notOriginal} not original answers)`);
  const sorted = Float64Array.from(samples).sort();
  const kept = sorted.length <= MAX_SAMPLES ? [...sorted] : Array.from({ length: MAX_SAMPLES }, (_, i) => Math.round(sortedQuantile(sorted, i / (MAX_SAMPLES - 1)) * 1000) / 1000);
  const p50Ms = Math.round(sortedQuantile(sorted, 0.5) * 1000) / 1000;
  const p99Ms = Math.round(sortedQuantile(sorted, 0.99) * 1000) / 1000;
  const file: ServiceTimesFile = {
    schema: SERVICE_TIMES_SCHEMA,
    unit: 'ms',
    source: {
      run: runDir,
      workload: settings.workload?.name ?? null,
      system,
      backend: inst.backend ?? null,
      configuredServiceTime: inst.serviceTime ?? null,
      method:
        'per instance, answered_i - max(submitted_i, answered of the previous query on that instance), from the records of a system that sends each query to one instance; warm-up queries and queries overlapping a contention event on their machine (or the CPU hog) left out',
      measured: sorted.length,
      kept: kept.length,
      excluded: { warmup, contention, notOriginal },
      p50Ms,
      p99Ms,
    },
    samplesMs: kept,
  };
  const out = resolve(options.out);
  writeJsonAtomic(out, file);
  return { file, out, used: sorted.length, excluded: { warmup, contention, notOriginal }, p50Ms, p99Ms };
}
