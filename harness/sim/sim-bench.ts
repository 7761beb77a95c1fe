/**
 * `bench --backend sim`: one system of a bench run on simulated instances in virtual time. The
 * bench command does everything else as for a live run (seeds, schedule, settings, results and
 * reports); this replaces starting instance processes and driving them on the real clock.
 */
import { join, relative, resolve } from 'node:path';
import { writeJsonAtomic } from '../atomic-write.ts';
import type { ContentionSchedule } from '../contention/contention-schedule.ts';
import { DEFAULT_SERVICE_TIME } from '../instance-server/service-time.ts';
import { createArrivalProcess } from '../load/arrival-spec.ts';
import type { LoadDriver, SampleSource } from '../load/load-driver.ts';
import { createProgress } from '../progress.ts';
import type { BenchSystemResult } from '../../reports/bench-report.ts';
import type { SystemName } from '../../systems/create-system.ts';
import type { BenchWorkload } from '../../workloads/bench-workload.ts';
import { SIM_ACCURACY_NOTE, simulateSystem } from './simulate-system.ts';
import type { SimServiceTimeProfile } from './empirical-service-times.ts';

export { SIM_ACCURACY_NOTE };

/** What the simulated system needs from the bench run. */
export interface SimBenchContext {
  readonly name: SystemName;
  readonly bench: BenchWorkload;
  readonly runDir: string;
  /** The model set's sample shape [channels, height, width] and classes. */
  readonly sampleShape: readonly number[];
  readonly classes: number;
  readonly samples: SampleSource;
  readonly neighbourInput: Float32Array;
  readonly schedule: ContentionSchedule;
  readonly seeds: { readonly arrivals: number; readonly instances: number };
  readonly machines: number;
  /** Ctrl-C: the bench command stops the driver it finds here. */
  readonly interrupt: { driver: LoadDriver | undefined };
}

/** The service-time profile a simulated bench run draws from: the workload's, else the emulated servers' default. */
export function simServiceTime(bench: BenchWorkload): SimServiceTimeProfile {
  return bench.instances.empiricalServiceTime ?? bench.instances.serviceTime ?? DEFAULT_SERVICE_TIME;
}

/** Query samples without labels: simulated answers are zero vectors, not predictions, so nothing is scored. */
export function unlabelledSamples(samples: SampleSource): SampleSource {
  return (i) => ({ input: samples(i).input });
}

/** Runs one system of a bench run in simulation; writes its summary.json and records.ndjson like a live run. */
export async function runSimulatedBenchSystem(c: SimBenchContext): Promise<BenchSystemResult> {
  const { bench, name, runDir } = c;
  const { instances: inst, load } = bench;
  const systemDir = join(runDir, name);
  const horizonMs = load.warmupMs + load.durationMs;
  const total = Math.max(1, Math.round(horizonMs / 1000));
  const progress = createProgress(`${name} (sim)`.padEnd(18), total, { logEverySeconds: 5 });
  const [channels, height, width] = c.sampleShape;
  try {
    const run = await simulateSystem({
      system: name,
      n: inst.n,
      k: inst.k,
      encoder: inst.encoder,
      sampleShape: { channels, height, width },
      classes: c.classes,
      batchSize: inst.batchSize,
      serviceTime: simServiceTime(bench),
      instanceSeed: c.seeds.instances,
      arrivals: createArrivalProcess(load.arrivals, { seed: c.seeds.arrivals, baseDir: resolve(bench.workload.path, '..'), source: 'load.arrivals' }),
      samples: c.samples,
      warmupMs: load.warmupMs,
      durationMs: load.durationMs,
      drainTimeoutMs: load.drainTimeoutMs,
      schedule: c.schedule,
      machines: c.machines,
      neighbourInput: c.neighbourInput,
      recordsPath: join(systemDir, 'records.ndjson'),
      onProgress: (p) => progress.update(Math.min(total, Math.floor(p.elapsedMs / 1000)), `virtual time; ${p.phase}, answered ${p.answered}, lost ${p.lost}, open ${p.outstanding}`),
      onDriver: (d) => (c.interrupt.driver = d),
    });
    const { summary, contention, neighbour } = run;
    writeJsonAtomic(join(systemDir, 'summary.json'), { ...summary, contention, neighbour, sim: run.sim });
    const records = summary.records ? relative(runDir, summary.records.path) : `${name}/records.ndjson`;
    return { system: name, summary, contention, neighbour, files: { summary: `${name}/summary.json`, records } };
  } finally {
    progress.stop();
  }
}
