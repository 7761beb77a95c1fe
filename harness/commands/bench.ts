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
import { warmUpCluster } from '../bench/cluster-warm-up.ts';

/** A fresh cluster is warmed in windows of the workload's warm-up until the driver sends on time, at most this many. */
const CLUSTER_WARM_UP_MAX_WINDOWS = 6;
/** The load driver's default validity bound on the send-lag p99 (LoadDriverOptions.maxLagP99Ms). */
const DEFAULT_MAX_LAG_P99_MS = 2;
import { SWEEP_RESULTS_SCHEMA, sweepResultsMarkdown, sweepResultsText, type SweepPointResult, type SweepResults } from '../../reports/sweep-report.ts';
import { BENCH_RESULTS_SCHEMA, benchResultsMarkdown, benchResultsText, type BenchResults, type BenchSystemResult } from '../../reports/bench-report.ts';
import { createSystem, type SystemName } from '../../systems/create-system.ts';
import { createEncoder } from '../../systems/parm/create-encoder.ts';
import { atSweepPoint, deployedCapacityPerS, parseBenchWorkload, machineCount, sweepPoints, type BenchWorkload } from '../../workloads/bench-workload.ts';
import { DatasetError } from '../../workloads/datasets/dataset-error.ts';
import { loadDataset } from '../../workloads/datasets/load-dataset.ts';
import type { ModelSet } from '../../workloads/models/model-set.ts';
import { loadBenchModelSet } from '../bench/generated-model-set.ts';
import { connectRemoteBenchCluster, type RemoteBenchCluster } from '../bench/remote-bench-cluster.ts';
import { readRemoteInstancesFile } from '../instances/remote-instances.ts';
import { SYNTHETIC_SAMPLE_COUNT, syntheticInputs } from '../bench/synthetic-samples.ts';
import { modelInputs } from '../../workloads/models/model-inputs.ts';
import { loadWorkload, WorkloadError } from '../../workloads/workload-file.ts';
import { compareGaps, measuredLatencies, type GapComparison } from '../../reports/gap-comparison.ts';
import { writeRunReport } from '../../reports/run-report.ts';
import { writeSweepReport } from '../../reports/sweep-run-report.ts';
import { runSimulatedBenchSystem, SIM_ACCURACY_NOTE, unlabelledSamples } from '../sim/sim-bench.ts';

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
  /** --backend remote: the endpoints file (parm-bench/remote-instances@1: OIP URL and model per instance and role). */
  remote?: string;
  /** Local instances: seconds each may take to start before the run fails (default: the cluster's, 60 s). */
  startTimeoutS?: number;
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
    if (options.backend !== 'emulated' && options.backend !== 'real' && options.backend !== 'remote' && options.backend !== 'sim') {
      throw new WorkloadError(`--backend: must be emulated, real, remote or sim, got "${options.backend}"`);
    }
    if (options.backend !== 'sim' && instances.empiricalServiceTime !== null) {
      throw new WorkloadError(`--backend ${options.backend}: the workload's instances.serviceTime is "empirical" (a calibration file), which only the sim backend draws from; use --backend sim or a workload with a constant or lognormal service time`);
    }
    instances = {
      ...instances,
      backend: options.backend,
      serviceTime: options.backend === 'emulated' || options.backend === 'sim' ? instances.serviceTime : null,
      outputs: options.backend === 'emulated' ? instances.outputs : 'model',
    };
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
    // One schedule for every system: the same measured queries, paired by query id (unless a run was cut short).
    out.push(compareGaps('parm', parmLatencies, other.system, latencies, { seed, paired: latencies.length === parmLatencies.length }));
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
  if (bench.instances.backend === 'remote' && options.remote === undefined) {
    throw new WorkloadError('--backend remote: give --remote FILE, the OIP v2 endpoints per role ({"schema": "parm-bench/remote-instances@1", "instances": [{"role": "deployed", "url": "http://host:8000", "model": "NAME"}, ...]}; see README)');
  }
  if (options.remote !== undefined && bench.instances.backend !== 'remote') {
    throw new WorkloadError(`--remote: applies to --backend remote only (the backend is "${bench.instances.backend}")`);
  }
  if (options.remote !== undefined) readRemoteInstancesFile(resolve(options.remote)); // a bad file fails before anything runs
  const sweptRate = bench.sweep && [bench.sweep.parameter, bench.sweep.by?.parameter].find((p) => p === 'rate' || p === 'load');
  if (sweptRate && options.rate !== undefined) {
    throw new WorkloadError(`--rate: the workload sweeps the ${sweptRate === 'load' ? 'load (the rate as a fraction of capacity)' : 'rate'}; drop --rate, or edit the sweep in a copy of the workload file`);
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
    const planned = sweepPoints(sweep);
    let last: BenchOutcome | undefined;
    const writeSweep = (): SweepResults => {
      const results: SweepResults = {
        schema: SWEEP_RESULTS_SCHEMA,
        workload: bench.workload.name,
        createdAt,
        parameter: sweep.parameter,
        values: sweep.values,
        by: sweep.by,
        capacityPerS: deployedCapacityPerS(bench.instances),
        reason: sweep.reason,
        partial: interrupt.reason !== null || points.length < planned.length || points.some((p) => p.results.partial),
        points,
      };
      writeJsonAtomic(join(runDir, 'sweep.json'), results);
      writeFileAtomic(join(runDir, 'sweep.md'), sweepResultsMarkdown(results));
      return results;
    };
    try {
      for (const [i, point] of planned.entries()) {
        if (interrupt.reason !== null) break;
        const dir = join(runDir, point.map((c) => `${c.parameter}-${c.value}`).join('-'));
        const at = atSweepPoint(bench, point[0].value, point[1]?.value);
        const arrivals = at.load.arrivals;
        const rate = arrivals.kind === 'poisson' || arrivals.kind === 'constant' ? arrivals.rate : null;
        process.stderr.write(`\n== sweep point ${i + 1}/${planned.length}: ${point.map((c) => `${c.parameter} = ${c.value}`).join(', ')}${rate !== null ? ` (${rate} q/s)` : ''} ==\n`);
        last = await runBench(at, dir, createdAt, options, interrupt);
        points.push({ value: point[0].value, coordinates: Object.fromEntries(point.map((c) => [c.parameter, c.value])), ratePerS: rate, dir: relative(runDir, dir), results: last.results });
        writeSweep();
      }
    } finally {
      const results = writeSweep();
      process.stdout.write(`\n${sweepResultsText(results)}\n\nwrote ${join(runDir, 'sweep.json')} and sweep.md\n`);
    }
    await writeSweepReport(runDir);
    process.stdout.write(`wrote ${join(runDir, 'report.html')}, report.md, charts/\n`);
    return { results: last!.results, runDir };
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

/** One run: every system of `bench` in turn, into `runDir`. */
async function runBench(bench: BenchWorkload, runDir: string, createdAt: string, options: BenchCommandOptions, interrupt: InterruptState): Promise<BenchOutcome> {
  const { instances: inst, load } = bench;
  const models = loadBenchModelSet(bench.workload.models);
  const set = models.set;
  const paths = modelPaths(set, bench);
  // Local instances load the model files (generated ones are made now); remote ones serve their own.
  if (inst.backend !== 'remote') models.ensureFiles([paths.deployed, ...(paths.parity ? [paths.parity] : []), ...(paths.backup ? [paths.backup] : [])], (line) => process.stderr.write(line));
  const seeds = deriveSeeds(bench.seed);
  const machines = machineCount(inst);

  // Samples: the dataset's test split when it can be read; otherwise seeded synthetic inputs, and accuracy n/a.
  // Random-weight (latency-only) models, or instances answering zeros: samples without labels, accuracy n/a.
  const sampleLength = set.sampleShape[0] * set.sampleShape[1] * set.sampleShape[2];
  const noAccuracy = models.latencyOnly ?? (inst.outputs === 'none' ? 'instances.outputs is "none": the instances answer zeros of the output shape, latency only' : null);
  let samples: SampleSource;
  let accuracyNote: string;
  try {
    const test = await loadDataset(set.dataset, 'test', { dataDir: options.dataDir });
    samples = sampleSource(modelInputs(set, test), noAccuracy === null ? test.labels : null, test.count, sampleLength, seeds.samples);
    accuracyNote =
      noAccuracy === null
        ? `answers compared with the labels of the ${set.dataset} test split (samples drawn with seed ${seeds.samples})`
        : `not measured: ${noAccuracy}. Inputs are the ${set.dataset} test split (drawn with seed ${seeds.samples}).`;
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    samples = sampleSource(syntheticInputs(SYNTHETIC_SAMPLE_COUNT, sampleLength, seeds.samples), null, SYNTHETIC_SAMPLE_COUNT, sampleLength, seeds.samples);
    accuracyNote =
      `${noAccuracy === null ? '' : `not measured: ${noAccuracy}; and `}the ${set.dataset} test split could not be read, so queries carry ${SYNTHETIC_SAMPLE_COUNT} seeded synthetic ` +
      `${set.sampleShape.join('x')} inputs (uniform in [0, 1), seed ${seeds.samples}) and no labels: ${error.message.split('\n')[0]}`;
  }
  if (inst.backend === 'sim') {
    samples = unlabelledSamples(samples);
    accuracyNote = SIM_ACCURACY_NOTE;
  }
  const neighbourInput = samples(0).input;

  const horizonMs = load.warmupMs + load.durationMs;
  const schedule: ContentionSchedule = generateContentionSchedule(bench.contention, { seed: seeds.contention, machines, horizonMs });
  const counts = clusterCounts(bench.systems, inst.n, inst.k);
  const groups: LocalInstanceGroup[] = [];
  const serviceTime = {
    ...(inst.backend === 'emulated' && inst.serviceTime ? { serviceTime: inst.serviceTime } : {}),
    ...(inst.backend === 'emulated' && inst.outputs === 'none' ? { outputs: inst.outputs } : {}),
  };
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
    cluster: inst.backend === 'remote' ? { counts, remote: options.remote ? resolve(options.remote) : null } : { counts, groups },
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
  let cluster: LocalInstanceCluster | RemoteBenchCluster | undefined;

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

  let freshCluster = false;
  try {
    for (const name of bench.systems) {
      if (interrupt.reason !== null) break;
      if (inst.backend === 'sim') {
        const shared = { bench, runDir, sampleShape: set.sampleShape, classes: set.classes, samples, neighbourInput, schedule, seeds, machines, interrupt };
        measured.push(await runSimulatedBenchSystem({ name, ...shared }));
        writeResults();
        continue;
      }
      // A crash in the previous system's schedule leaves a dead instance: start afresh.
      if (cluster && cluster.ids.some((id) => cluster!.hasExited(id))) {
        await cluster.stop();
        cluster = undefined;
      }
      if (!cluster && inst.backend === 'remote') {
        cluster = await connectRemoteBenchCluster(resolve(options.remote!), counts, sampleLength);
        freshCluster = true;
        const controlled = cluster.endpoints.filter((e) => e.control).length;
        process.stderr.write(`connected to ${cluster.endpoints.length} remote instances (${controlled} with parm-bench's slowdown control)\n`);
        writeJsonAtomic(join(runDir, 'remote-endpoints.json'), cluster.endpoints);
      }
      if (!cluster) {
        process.stderr.write(`starting ${counts.deployed + counts.parity + counts.backup} ${inst.backend} instances\n`);
        cluster = await startLocalInstances({ mode: inst.backend === 'real' ? 'real' : 'emulated', groups, seed: seeds.instances, ...(options.startTimeoutS !== undefined ? { startTimeoutMs: options.startTimeoutS * 1000 } : {}) });
        freshCluster = true;
      }
      if (interrupt.reason !== null) break;
      if (freshCluster && load.warmupMs > 0) {
        // A new cluster is warmed over all its instances first, so that no system pays for its first seconds.
        freshCluster = false;
        const warmUp = await warmUpCluster({
          clock,
          cluster,
          arrivals: (w) => createArrivalProcess(load.arrivals, { seed: (seeds.arrivals ^ (0x5a5a5a5a + w)) >>> 0, baseDir: resolve(bench.workload.path, '..'), source: 'load.arrivals' }),
          samples,
          classes: set.classes,
          windowMs: load.warmupMs,
          maxWindows: CLUSTER_WARM_UP_MAX_WINDOWS,
          settledLagP99Ms: DEFAULT_MAX_LAG_P99_MS,
          onWindow: (w, lag) => process.stderr.write(`cluster warm-up window ${w}: send lag p99 ${lag.toFixed(3)} ms\n`),
          onDriver: (d) => (interrupt.driver = d),
        });
        process.stderr.write(
          `cluster warm-up: ${warmUp.queries} unmeasured queries in ${warmUp.windows} window(s) of ${(load.warmupMs / 1000).toFixed(1)} s on all instances` +
            (warmUp.settled ? '\n' : `; the machine did not settle (send lag p99 still ${warmUp.lastLagP99Ms.toFixed(3)} ms): runs may be INVALID\n`),
        );
        if (interrupt.reason !== null) break;
      }
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
    // A run ended by an error still gets the report of what it measured; a report failure must not hide the run's error.
    if (interrupt.count === 0 && interrupt.reason?.startsWith('error:')) {
      await writeRunReport(runDir, { recordedBy: 'bench' }).catch((e: Error) => process.stderr.write(`the run report could not be written: ${e.message}\n`));
    }
  }
  const results = writeResults();
  // The run report (manifest, statistics, CSV, charts, report.md/html) from what was just written.
  await writeRunReport(runDir, { recordedBy: 'bench' });
  process.stdout.write(`wrote ${join(runDir, 'report.html')}, report.md, manifest.json, statistics.json, summary.csv, paths.csv, ratios.csv, charts/\n`);
  if (interrupt.reason !== null) process.exitCode = 130;
  return { results, runDir };

  async function runSystem(name: SystemName, c: LocalInstanceCluster | RemoteBenchCluster): Promise<BenchSystemResult> {
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
      const unsupported = target.unsupportedSkips();
      for (const [why, n] of Object.entries(unsupported)) process.stderr.write(`${name}: ${n} contention actions skipped: ${why}\n`);
      writeJsonAtomic(join(systemDir, 'summary.json'), { ...summary, contention: playback, contentionSkipped: unsupported, neighbour: target.neighbourStats() });
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
