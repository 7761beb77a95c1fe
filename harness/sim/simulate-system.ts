import { setImmediate as nextTurn } from 'node:timers/promises';
import { ContentionPlayer, type ContentionPlayback } from '../contention/contention-player.ts';
import type { ContentionSchedule } from '../contention/contention-schedule.ts';
import type { NeighbourStreamStats } from '../contention/neighbour-stream.ts';
import type { ArrivalProcess } from '../load/arrival-process.ts';
import { LoadDriver, type SampleSource } from '../load/load-driver.ts';
import type { LoadProgress, LoadRunSummary } from '../load/load-run-summary.ts';
import { instancesNeeded, systemInstances } from '../bench/system-instances.ts';
import { createSystem, type SystemName } from '../../systems/create-system.ts';
import { createEncoder } from '../../systems/parm/create-encoder.ts';
import type { EncoderKind, SampleShape } from '../../systems/parm/encoder.ts';
import type { SimServiceTimeProfile } from './empirical-service-times.ts';
import { SimulatedCluster } from './simulated-cluster.ts';
import type { SimulatedInstanceStats } from './simulated-instance.ts';
import { SimContentionTarget } from './sim-contention-target.ts';
import { VirtualClock } from './virtual-clock.ts';

/** Events run between turns of node's event loop (so Ctrl-C and progress get through); results do not depend on it. */
const EVENTS_PER_TURN = 200_000;

/** The accuracy note of every simulated run. */
export const SIM_ACCURACY_NOTE =
  'simulated run (backend sim): latency only. Simulated instances run no model and answer with zero vectors, so predictions and accuracy are not measured (n/a); queries carry no labels.';

export interface SimulateSystemOptions {
  readonly system: SystemName;
  /** Deployed instances and coding-group size (the system gets instancesNeeded(system, n, k)). */
  readonly n: number;
  readonly k: number;
  readonly encoder: EncoderKind;
  readonly sampleShape: SampleShape;
  /** Output values per sample. */
  readonly classes: number;
  readonly batchSize?: number;
  readonly serviceTime: SimServiceTimeProfile;
  /** Seeds the instances' service-time draws (as the live backends seed their processes). */
  readonly instanceSeed: number;
  /** A fresh arrival process for this system (the same seed for every system). */
  readonly arrivals: ArrivalProcess;
  /** Query inputs; give them without labels (simulated answers are not predictions). */
  readonly samples: SampleSource;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly drainTimeoutMs?: number;
  readonly schedule: ContentionSchedule;
  /** Machines the schedule numbers (N + N/k). */
  readonly machines: number;
  /** Input of the neighbour streams' queries. */
  readonly neighbourInput: Float32Array;
  readonly recordsPath?: string;
  readonly onProgress?: (p: LoadProgress) => void;
  /** Called with the driver once it exists and with undefined at the end (for Ctrl-C: driver.stop()). */
  readonly onDriver?: (driver: LoadDriver | undefined) => void;
}

export interface SimulatedSystemRun {
  readonly summary: LoadRunSummary;
  readonly contention: ContentionPlayback;
  readonly neighbour: NeighbourStreamStats;
  readonly sim: {
    /** Events the virtual clock ran. */
    readonly events: number;
    /** Virtual ms simulated. */
    readonly virtualMs: number;
    /** CPU-hog events of the schedule, skipped (no meaning in simulation). */
    readonly cpuHogEventsSkipped: number;
    readonly instances: Record<string, SimulatedInstanceStats>;
  };
}

/**
 * Runs one serving system under the load driver, against simulated instances on a virtual clock,
 * with the contention schedule replayed by the same ContentionPlayer: the same system, driver and
 * summary code as a live run, in virtual time. Each call builds a fresh clock (time 0) and a fresh
 * cluster, so every system starts from the same state and the result depends only on the inputs.
 */
export async function simulateSystem(o: SimulateSystemOptions): Promise<SimulatedSystemRun> {
  const clock = new VirtualClock();
  const cluster = new SimulatedCluster({
    clock,
    counts: instancesNeeded(o.system, o.n, o.k),
    inputSize: o.sampleShape.channels * o.sampleShape.height * o.sampleShape.width,
    outputSize: o.classes,
    serviceTime: o.serviceTime,
    seed: o.instanceSeed,
  });
  const share = systemInstances(o.system, cluster.instances, o.n, o.k, o.machines);
  let finished = false;
  const driver = new LoadDriver({
    clock,
    arrivals: o.arrivals,
    samples: o.samples,
    warmup: { ms: o.warmupMs },
    durationMs: o.durationMs,
    ...(o.drainTimeoutMs !== undefined ? { drainTimeoutMs: o.drainTimeoutMs } : {}),
    ...(o.recordsPath !== undefined ? { recordsPath: o.recordsPath } : {}),
    scheduling: 'clock',
    monitorEventLoop: false,
    onProgress: (p) => {
      if (p.phase === 'done') {
        finished = true;
        clock.halt();
      }
      o.onProgress?.(p);
    },
  });
  const system = createSystem(
    o.system,
    {
      clock,
      instances: share.set,
      classes: o.classes,
      events: driver.events,
      ...(o.system === 'parm' ? { encoder: createEncoder(o.encoder, o.k, o.sampleShape) } : {}),
    },
    { ...((o.batchSize ?? 1) > 1 ? { batchSize: o.batchSize } : {}), ...(o.system === 'hedged' ? { k: o.k } : {}) },
  );
  const target = new SimContentionTarget(clock, cluster, share.machines, o.neighbourInput);
  const player = new ContentionPlayer(clock, o.schedule, target);
  o.onDriver?.(driver);
  let settled = false;
  try {
    const running = driver.run(system);
    void running.then(
      () => (settled = true),
      () => (settled = true),
    );
    player.start();
    while (!finished && !settled) {
      const empty = clock.run(EVENTS_PER_TURN);
      if (finished) break;
      if (empty) {
        await nextTurn();
        if (!finished && !settled) throw new Error(`simulation of ${o.system}: no event left at ${clock.now()} ms but the load driver has not finished (a bug)`);
        break;
      }
      await nextTurn();
    }
    const summary = await running;
    const contention = await player.stop();
    target.close();
    return {
      summary,
      contention,
      neighbour: target.neighbourStats(),
      sim: { events: clock.eventsRun, virtualMs: Math.round(clock.now() * 1000) / 1000, cpuHogEventsSkipped: target.cpuHogSkipped, instances: cluster.stats() },
    };
  } finally {
    o.onDriver?.(undefined);
    system.close();
    await player.stop();
    target.close();
  }
}
