import type { Clock } from '../clock.ts';
import type { InstanceCluster } from '../instances/instance-cluster.ts';
import type { ArrivalProcess } from '../load/arrival-process.ts';
import { LoadDriver, type SampleSource } from '../load/load-driver.ts';
import { EqualResourcesSystem } from '../../systems/baseline/equal-resources-system.ts';

export interface ClusterWarmUpOptions {
  readonly clock: Clock;
  readonly cluster: InstanceCluster;
  readonly arrivals: ArrivalProcess;
  readonly samples: SampleSource;
  readonly classes: number;
  readonly durationMs: number;
  /** Called with the driver while it runs, so that Ctrl-C can stop it. */
  readonly onDriver?: (driver: LoadDriver | undefined) => void;
}

export interface ClusterWarmUpResult {
  readonly durationMs: number;
  readonly queries: number;
  readonly answered: number;
}

/**
 * An unmeasured run over every instance of a freshly started cluster, before the first system is
 * measured on it. Without it, the first system pays for what a new cluster still does in its first
 * seconds (the instance processes' and the frontend's code warming up, start-up garbage being
 * collected): measured here, the first of two systems on a new cluster had a send-lag p99 three
 * times the second's and a wider tail whichever system went first. Each system's own warm-up still
 * follows. Every instance takes a share of the queries (one shared queue over all of them); no
 * contention is applied and nothing is recorded.
 */
export async function warmUpCluster(options: ClusterWarmUpOptions): Promise<ClusterWarmUpResult> {
  const { cluster } = options;
  const all = [...cluster.instances.deployed, ...cluster.instances.parity, ...cluster.instances.backup];
  const driver = new LoadDriver({
    clock: options.clock,
    arrivals: options.arrivals,
    samples: options.samples,
    warmup: { queries: 0 },
    durationMs: options.durationMs,
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
    return { durationMs: options.durationMs, queries: summary.queries.submitted, answered: summary.queries.answered };
  } finally {
    options.onDriver?.(undefined);
    system.close();
  }
}
