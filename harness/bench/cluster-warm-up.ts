import type { Clock } from '../clock.ts';
import type { InstanceCluster } from '../instances/instance-cluster.ts';
import type { ArrivalProcess } from '../load/arrival-process.ts';
import { LoadDriver, type SampleSource } from '../load/load-driver.ts';
import { EqualResourcesSystem } from '../../systems/baseline/equal-resources-system.ts';

export interface ClusterWarmUpOptions {
  readonly clock: Clock;
  readonly cluster: InstanceCluster;
  /** The arrivals of warm-up window w (0, 1, ...). */
  readonly arrivals: (window: number) => ArrivalProcess;
  readonly samples: SampleSource;
  readonly classes: number;
  /** Length of one warm-up window. */
  readonly windowMs: number;
  /** Windows to run at most, waiting for the machine to settle. */
  readonly maxWindows: number;
  /** The machine has settled when a window's send-lag p99 is at most this (the runs' validity bound). */
  readonly settledLagP99Ms: number;
  /** Called after each window. */
  readonly onWindow?: (window: number, lagP99Ms: number) => void;
  /** Called with the driver while it runs, so that Ctrl-C can stop it. */
  readonly onDriver?: (driver: LoadDriver | undefined) => void;
}

export interface ClusterWarmUpResult {
  readonly windows: number;
  readonly durationMs: number;
  readonly queries: number;
  /** Send-lag p99 of the last window, ms. */
  readonly lastLagP99Ms: number;
  /** Whether the last window's lag was within settledLagP99Ms. */
  readonly settled: boolean;
}

/**
 * An unmeasured run over every instance of a freshly started cluster, before the first system is
 * measured on it. Without it, the first system pays for what a new cluster still does in its first
 * seconds (the instance processes' and the frontend's code warming up, start-up garbage being
 * collected): measured here, the first of two systems on a new cluster had a send-lag p99 three
 * times the second's and a wider tail whichever system went first. Each system's own warm-up still
 * follows. Every instance takes a share of the queries (one shared queue over all of them); no
 * contention is applied and nothing is recorded. It runs in windows until one has a send-lag p99
 * within the validity bound (the machine has settled: e.g. disk write-back after an install made
 * the first 25-40 s of a run late) or the maximum number of windows has run.
 */
export async function warmUpCluster(options: ClusterWarmUpOptions): Promise<ClusterWarmUpResult> {
  const { cluster } = options;
  const all = [...cluster.instances.deployed, ...cluster.instances.parity, ...cluster.instances.backup];
  let queries = 0;
  let lastLagP99Ms = Infinity;
  let windows = 0;
  while (windows < options.maxWindows) {
    const driver = new LoadDriver({
      clock: options.clock,
      arrivals: options.arrivals(windows),
      samples: options.samples,
      warmup: { queries: 0 },
      durationMs: options.windowMs,
      drainTimeoutMs: 10_000,
    });
    const system = new EqualResourcesSystem({
      clock: options.clock,
      instances: { deployed: all, parity: [], backup: [] },
      classes: options.classes,
      events: driver.events,
    });
    options.onDriver?.(driver);
    try {
      const summary = await driver.run(system);
      windows++;
      queries += summary.queries.submitted;
      lastLagP99Ms = summary.lag.p99Us / 1000;
      options.onWindow?.(windows, lastLagP99Ms);
      if (summary.partial || lastLagP99Ms <= options.settledLagP99Ms) break;
    } finally {
      options.onDriver?.(undefined);
      system.close();
    }
  }
  return { windows, durationMs: windows * options.windowMs, queries, lastLagP99Ms, settled: lastLagP99Ms <= options.settledLagP99Ms };
}
