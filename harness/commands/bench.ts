import { join, relative, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../atomic-write.ts';
import { RealClock } from '../clock.ts';
import { ClusterContentionTarget } from '../contention/cluster-contention-target.ts';
import { ContentionPlayer, type ContentionPlayback } from '../contention/contention-player.ts';
import { generateContentionSchedule, type ContentionSchedule } from '../contention/contention-schedule.ts';
import { startLocalInstances, type LocalInstanceCluster, type LocalInstanceGroup } from '../instances/local-instances.ts';
import { createArrivalProcess } from '../load/arrival-spec.ts';
import { LoadDriver, type SampleSource } from '../load/load-driver.ts';
import { createProgress } from '../progress.ts';
import { SeededRandom } from '../seeded-random.ts';
import { gitRevision, softwareVersions } from '../software-versions.ts';
import { clusterCounts, systemInstances } from '../bench/system-instances.ts';
import { SWEEP_RESULTS_SCHEMA, sweepResultsMarkdown, sweepResultsText, type SweepPointResult, type SweepResults } from '../../reports/sweep-report.ts';
import { BENCH_RESULTS_SCHEMA, benchResultsMarkdown, benchResultsText, type BenchResults, type BenchSystemResult } from '../../reports/bench-report.ts';
import { createSystem, type SystemName } from '../../systems/create-system.ts';
import { createEncoder } from '../../systems/parm/create-encoder.ts';
import { atSweepPoint, parseBenchWorkload, machineCount, type BenchWorkload } from '../../workloads/bench-workload.ts';
import { DatasetError } from '../../workloads/datasets/dataset-error.ts';
import { loadDataset } from '../../workloads/datasets/load-dataset.ts';
import { loadModelSet, type ModelSet } from '../../workloads/models/model-set.ts';
import { modelInputs } from '../../workloads/models/model-inputs.ts';
import { loadWorkload, WorkloadError } from '../../workloads/workload-file.ts';
import { compareGaps, measuredLatencies, type GapComparison } from '../../reports/gap-comparison.ts';

export interface BenchCommandOptions {
  workload: string;
  /** Comma-separated system names (default: the workload's). */
  systems?: string;
  /** Overrides the arrival rate (q/s) of poisson and constant arrivals. */
  rate?: number;
  /** Overrides the measured duration, seconds. */
  duration?: number;
  seed?: number;
  backend?: string;
  dataDir?: string;
  /** Run directory; default runs/bench-<workload>-<time>/. */
  out?: string;
}

/** What the command hands back (for tests): the results and the run directory. */
export interface BenchOutcome {
  readonly results: BenchResults;
  readonly runDir: string;
}

/** The seeds of one run, all derived from the run seed and recorded in settings.json. */
interface RunSeeds {
  readonly run: number;
  readonly arrivals: number;
  readonly samples: number;
  readonly contention: number;
  readonly instances: number;
}

function deriveSeeds(seed: number): RunSeeds {
  const r = new SeededRandom(seed);
  return { run: seed, arrivals: r.nextUint32(), samples: r.nextUint32(), contention: r.nextUint32(), instances: r.nextUint32() };
}

/** Applies the command-line overrides to the workload; errors name the option. */
function withOverrides(bench: BenchWorkload, options: BenchCommandOptions): BenchWorkload {
  let { load, instances, systems, seed } = bench;
  if (options.rate !== undefined) {
    if (!(options.rate > 0)) throw new WorkloadError(`--rate: must be a positive number of queries per second, got ${options.rate}`);
    if (load.arrivals.kind !== 'poisson' && load.arrivals.kind !== 'constant') {
      throw new WorkloadError(`--rate: the workload's arrivals are "${load.arrivals.kind}"; --rate applies to poisson and constant arrivals only (edit load.arrivals in a copy of the workload file)`);
    }
    load = { ...load, arrivals: { kind: load.arrivals.kind, rate: options.rate } };
  }
  if (options.duration !== undefined) {
    if (!(options.duration > 0)) throw new WorkloadError(`--duration: must be a positive number of seconds, got ${options.duration}`);
    load = { ...load, durationMs: options.duration * 1000 };
  }
  if (options.seed !== undefined) seed = options.seed;
  if (options.backend !== undefined) {
    if (options.backend !== 'emulated' && options.backend !== 'real' && options.backend !== 'remote') {
      throw new WorkloadError(`--backend: must be emulated, real or remote, got "${options.backend}"`);
    }
    instances = { ...instances, backend: options.backend, serviceTime: options.backend === 'emulated' ? instances.serviceTime : null };
  }
  if (options.systems !== undefined) {
    const names = options.systems.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === 0) throw new WorkloadError('--systems: give a comma-separated list such as parm,equal-resources');
    const parsed = parseBenchWorkload({ ...bench.workload, bench: { ...bench.workload.bench, systems: names } });
    systems = parsed.systems;
  }
  return { ...bench, load, instances, systems, seed };
}

function modelPaths(set: ModelSet, bench: BenchWorkload): { deployed: string; parity?: string; backup?: string } {
  const { k, encoder } = bench.instances;
  const out: { deployed: string; parity?: string; backup?: string } = { deployed: set.deployed.path };
  if (bench.systems.includes('parm')) {
    const parity = set.parity.find((p) => p.k === k && p.encoder === encoder);
    if (!parity) {
      const have = set.parity.map((p) => `k=${p.k} ${p.encoder}`).join(', ') || 'none';
      throw new WorkloadError(`workload file ${bench.workload.path}: instances.k / instances.encoder: the model set ${set.manifestPath} has no parity model for k=${k} ${encoder} (it has: ${have})`);
    }
    out.parity = parity.path;
  }
  if (bench.systems.includes('approximate-backup')) {
    if (!set.backup) throw new WorkloadError(`workload file ${bench.workload.path}: systems: approximate-backup needs a backup model, and the model set ${set.manifestPath} has none`);
    out.backup = set.backup.path;
  }
  return out;
}

/** Samples for query i: a seeded draw from the test split, the same for every system. */
function sampleSource(inputs: Float32Array, labels: Uint8Array | null, count: number, size: number, seed: number): SampleSource {
  return (i) => {
    const n = new SeededRandom((seed + Math.imul(i, 0x9e3779b9)) >>> 0).nextInt(count);
    const input = inputs.subarray(n * size, (n + 1) * size);
    return labels ? { input, label: labels[n] } : { input };
  };
}

/** ParM against every other measured system, from the per-query records (nothing when ParM was not measured). */
function compareWithParm(measured: readonly BenchSystemResult[], seed: number): GapComparison[] {
  const parm = measured.find((r) => r.system === 'parm');
  if (!parm?.summary.records) return [];
  const out: GapComparison[] = [];
  let parmLatencies: Float64Array | undefined;
  for (const other of measured) {
    if (other === parm || !other.summary.records) continue;
    parmLatencies ??= measuredLatencies(parm.summary.records.path);
    const latencies = measuredLatencies(other.summary.records.path);
    if (parmLatencies.length === 0 || latencies.length === 0) continue;
    out.push(compareGaps('parm', parmLatencies, other.system, latencies, { seed }));
  }
  return out;
}

/** Ctrl-C state shared by every run of a command (one run, or the points of a sweep). */
interface InterruptState {
  reason: string | null;
  count: number;
  driver: LoadDriver | undefined;
}

export async function benchCommand(options: BenchCommandOptions): Promise<BenchOutcome> {
  const bench = withOverrides(parseBenchWorkload(loadWorkload(options.workload)), options);
  if (bench.instances.backend === 'remote') {
    throw new WorkloadError('--backend remote: bench does not drive remote instances yet; use emulated (the default) or real. Remote OIP servers work with the systems API (harness/instances/remote-instances.ts).');
  }
  if (bench.sweep?.parameter === 'rate' && options.rate !== undefined) {
    throw new WorkloadError(`--rate: the workload sweeps the rate (sweep.values ${bench.sweep.values.join(', ')}); drop --rate, or edit sweep.values in a copy of the workload file`);
  }
  const createdAt = new Date().toISOString();
  const stamp = createdAt.replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const runDir = resolve(options.out ?? join('runs', `bench-${bench.workload.name}-${stamp}`));
  const interrupt: InterruptState = { reason: null, count: 0, driver: undefined };
  const onInterrupt = (signal: NodeJS.Signals): void => {
    interrupt.count++;
    if (interrupt.count > 1) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    interrupt.reason = `interrupted (${signal})`;
    process.stderr.write(`\n${signal}: stopping; what was measured is kept and marked partial (again to exit at once)\n`);
    interrupt.driver?.stop(interrupt.reason);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  try {
    const sweep = bench.sweep;
    if (sweep === null) return await runBench(bench, runDir, createdAt, options, interrupt);
    const points: SweepPointResult[] = [];
    let last: BenchOutcome | undefined;
    const writeSweep = (): SweepResults => {
      const results: SweepResults = {
        schema: SWEEP_RESULTS_SCHEMA,
        workload: bench.workload.name,
        createdAt,
        parameter: sweep.parameter,
        values: sweep.values,
        reason: sweep.reason,
        partial: interrupt.reason !== null || points.length < sweep.values.length || points.some((p) => p.results.partial),
        points,
      };
      writeJsonAtomic(join(runDir, 'sweep.json'), results);
      writeFileAtomic(join(runDir, 'sweep.md'), sweepResultsMarkdown(results));
      return results;
    };
    try {
      for (const value of sweep.values) {
        if (interrupt.reason !== null) break;
        const dir = join(runDir, `${sweep.parameter}-${value}`);
        process.stderr.write(`\n== sweep point ${sweep.parameter} = ${value} ==\n`);
        last = await runBench(atSweepPoint(bench, value), dir, createdAt, options, interrupt);
        points.push({ value, dir: relative(runDir, dir), results: last.results });
        writeSweep();
      }
    } finally {
      const results = writeSweep();
      process.stdout.write(`\n${sweepResultsText(results)}\n\nwrote ${join(runDir, 'sweep.json')} and sweep.md\n`);
    }
    return { results: last!.results, runDir };
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

/** One run: every system of `bench` in turn, into `runDir`. */
async function runBench(bench: BenchWorkload, runDir: string, createdAt: string, options: BenchCommandOptions, interrupt: InterruptState): Promise<BenchOutcome> {
  const { instances: inst, load } = bench;
  const set = loadModelSet(bench.workload.models);
  const paths = modelPaths(set, bench);
  const seeds = deriveSeeds(bench.seed);
  const machines = machineCount(inst);

  // Samples: the dataset's test split when it can be read; otherwise zeros, and accuracy n/a.
  const sampleLength = set.sampleShape[0] * set.sampleShape[1] * set.sampleShape[2];
  let samples: SampleSource;
  let accuracyNote: string;
  try {
    const test = await loadDataset(set.dataset, 'test', { dataDir: options.dataDir });
    samples = sampleSource(modelInputs(set, test), test.labels, test.count, sampleLength, seeds.samples);
    accuracyNote = `answers compared with the labels of the ${set.dataset} test split (samples drawn with seed ${seeds.samples})`;
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    const zeros = new Float32Array(sampleLength);
    samples = () => ({ input: zeros });
    accuracyNote = `the ${set.dataset} test split could not be read, so queries carry blank inputs and no labels: ${error.message.split('\n')[0]}`;
  }
  const neighbourInput = samples(0).input;

  const horizonMs = load.warmupMs + load.durationMs;
  const schedule: ContentionSchedule = generateContentionSchedule(bench.contention, { seed: seeds.contention, machines, horizonMs });
  const counts = clusterCounts(bench.systems, inst.n, inst.k);
  const groups: LocalInstanceGroup[] = [];
  const serviceTime = inst.backend === 'emulated' && inst.serviceTime ? { serviceTime: inst.serviceTime } : {};
  groups.push({ role: 'deployed', modelPath: paths.deployed, count: counts.deployed, ...serviceTime });
  if (counts.parity > 0 && paths.parity) groups.push({ role: 'parity', modelPath: paths.parity, count: counts.parity, ...serviceTime });
  if (counts.backup > 0 && paths.backup) groups.push({ role: 'backup', modelPath: paths.backup, count: counts.backup, ...serviceTime });

  const settings = {
    schema: 'parm-bench/bench-settings@1',
    createdAt,
    workload: { name: bench.workload.name, path: bench.workload.path, dataset: bench.workload.dataset, models: bench.workload.models },
    command: { systems: options.systems ?? null, rate: options.rate ?? null, duration: options.duration ?? null, seed: options.seed ?? null, backend: options.backend ?? null },
    seeds,
    resolved: { load: bench.load, instances: bench.instances, systems: bench.systems, contention: bench.contention, machines },
    cluster: { counts, groups },
    accuracyNote,
    git: gitRevision(),
    software: softwareVersions(),
  };
  writeJsonAtomic(join(runDir, 'settings.json'), settings);
  writeJsonAtomic(join(runDir, 'contention-schedule.json'), schedule);
  process.stderr.write(`run directory: ${runDir}\n`);

  const clock = new RealClock();
  const measured: BenchSystemResult[] = [];
  const comparisons: GapComparison[] = [];
  let cluster: LocalInstanceCluster | undefined;

  const writeResults = (): BenchResults => {
    const results: BenchResults = {
      schema: BENCH_RESULTS_SCHEMA,
      workload: bench.workload.name,
      createdAt,
      partial: interrupt.reason !== null || measured.some((r) => r.summary.partial) || measured.length < bench.systems.length,
      stoppedBecause: interrupt.reason,
      systemsPlanned: bench.systems,
      accuracyNote,
      systems: measured,
      comparisons,
    };
    writeJsonAtomic(join(runDir, 'results.json'), results);
    writeFileAtomic(join(runDir, 'results.md'), benchResultsMarkdown(results));
    return results;
  };

  try {
    for (const name of bench.systems) {
      if (interrupt.reason !== null) break;
      // A crash in the previous system's schedule leaves a dead instance: start afresh.
      if (cluster && cluster.ids.some((id) => cluster!.hasExited(id))) {
        await cluster.stop();
        cluster = undefined;
      }
      if (!cluster) {
        process.stderr.write(`starting ${counts.deployed + counts.parity + counts.backup} ${inst.backend} instances\n`);
        cluster = await startLocalInstances({ mode: inst.backend === 'real' ? 'real' : 'emulated', groups, seed: seeds.instances });
      }
      if (interrupt.reason !== null) break;
      measured.push(await runSystem(name, cluster));
      writeResults();
    }
  } catch (error) {
    // After Ctrl-C, failures caused by the stop (instances ended under a starting cluster) are not news.
    if (interrupt.count === 0) {
      interrupt.reason ??= `error: ${(error as Error).message}`;
      throw error;
    }
  } finally {
    await cluster?.stop();
    try {
      comparisons.push(...compareWithParm(measured, seeds.run));
    } catch (error) {
      process.stderr.write(`the ParM comparison could not be computed from the records: ${(error as Error).message}\n`);
    }
    const results = writeResults();
    process.stdout.write(`\n${benchResultsText(results)}\n\nwrote ${join(runDir, 'results.json')}, results.md, settings.json, contention-schedule.json\n`);
  }
  const results = writeResults();
  if (interrupt.reason !== null) process.exitCode = 130;
  return { results, runDir };

  async function runSystem(name: SystemName, c: LocalInstanceCluster): Promise<BenchSystemResult> {
    const share = systemInstances(name, c.instances, inst.n, inst.k, machines);
    const systemDir = join(runDir, name);
    const recordsPath = join(systemDir, 'records.ndjson');
    const progress = createProgress(name.padEnd(18), Math.max(1, Math.round(horizonMs / 1000)), { logEverySeconds: 5 });
    const driver = new LoadDriver({
      clock,
      arrivals: createArrivalProcess(load.arrivals, { seed: seeds.arrivals, baseDir: resolve(bench.workload.path, '..'), source: 'load.arrivals' }),
      samples,
      warmup: { ms: load.warmupMs },
      durationMs: load.durationMs,
      drainTimeoutMs: load.drainTimeoutMs,
      recordsPath,
      onProgress: (p) => progress.update(Math.min(Math.round(horizonMs / 1000), Math.floor(p.elapsedMs / 1000)), `${p.phase}, answered ${p.answered}, lost ${p.lost}, open ${p.outstanding}`),
    });
    const system = createSystem(
      name,
      {
        clock,
        instances: share.set,
        classes: set.classes,
        events: driver.events,
        ...(name === 'parm' ? { encoder: createEncoder(inst.encoder, inst.k, { channels: set.sampleShape[0], height: set.sampleShape[1], width: set.sampleShape[2] }) } : {}),
      },
      { ...(inst.batchSize > 1 ? { batchSize: inst.batchSize } : {}), ...(name === 'hedged' ? { k: inst.k } : {}) },
    );
    const target = new ClusterContentionTarget(clock, c, share.machines, neighbourInput);
    const player = new ContentionPlayer(clock, schedule, target);
    interrupt.driver = driver;
    let playback: ContentionPlayback;
    try {
      if (interrupt.reason !== null) driver.stop(interrupt.reason);
      const running = driver.run(system);
      player.start();
      const summary = await running;
      playback = await player.stop();
      await target.close();
      progress.stop();
      writeJsonAtomic(join(systemDir, 'summary.json'), { ...summary, contention: playback, neighbour: target.neighbourStats() });
      const records = summary.records ? relative(runDir, summary.records.path) : `${name}/records.ndjson`;
      return { system: name, summary, contention: playback, neighbour: target.neighbourStats(), files: { summary: `${name}/summary.json`, records } };
    } finally {
      interrupt.driver = undefined;
      system.close();
      await player.stop();
      await target.close();
    }
  }
}
