import type { Clock } from '../clock.ts';
import type { ContentionTarget } from '../contention/contention-target.ts';
import type { NeighbourStreamStats } from '../contention/neighbour-stream.ts';
import { NeighbourStreams } from '../contention/neighbour-streams.ts';
import type { Instance } from '../../systems/instance.ts';
import type { SimulatedCluster } from './simulated-cluster.ts';

/**
 * Applies a contention schedule to simulated instances, with the live target's semantics
 * (harness/contention/cluster-contention-target.ts): slowdown factors, pause/resume, crash, and
 * neighbour streams as extra queries queued on the instance (the same NeighbourStream, on the
 * virtual clock). The CPU hog has no meaning in simulation (it loads this computer's cores, not a
 * simulated machine): its events are skipped and counted as such in the playback.
 * `machines[m]` is the system's instance on machine m (undefined: none, the event is skipped).
 */
export class SimContentionTarget implements ContentionTarget {
  private readonly neighbours: NeighbourStreams;
  private cpuHogEventsSkipped = 0;

  constructor(
    clock: Clock,
    private readonly cluster: SimulatedCluster,
    private readonly machines: readonly (Instance | undefined)[],
    neighbourInput: Float32Array,
  ) {
    this.neighbours = new NeighbourStreams(clock, machines, neighbourInput);
  }

  setSlowdown(machine: number, factor: number): boolean {
    const i = this.live(machine);
    if (!i) return false;
    i.setSlowdown(factor);
    return true;
  }

  pause(machine: number): boolean {
    const i = this.live(machine);
    if (!i) return false;
    i.pause();
    return true;
  }

  resume(machine: number): boolean {
    const i = this.live(machine);
    if (!i) return false;
    i.resume();
    return true;
  }

  crash(machine: number): boolean {
    const i = this.live(machine);
    if (!i) return false;
    i.crash();
    return true;
  }

  startNeighbour(machine: number, rate: number, seed: number): boolean {
    return this.neighbours.start(machine, rate, seed);
  }

  stopNeighbour(machine: number): boolean {
    return this.neighbours.stop(machine);
  }

  /** Skipped: a simulation has no processes to compete with for this computer's CPU. */
  startCpuHog(): boolean {
    this.cpuHogEventsSkipped++;
    return false;
  }

  stopCpuHog(): boolean {
    this.cpuHogEventsSkipped++;
    return false;
  }

  /** CPU-hog events met (and skipped) so far. */
  get cpuHogSkipped(): number {
    return this.cpuHogEventsSkipped;
  }

  close(): void {
    this.neighbours.stopAll();
  }

  neighbourStats(): NeighbourStreamStats {
    return this.neighbours.stats();
  }

  private live(machine: number) {
    const instance = this.machines[machine];
    if (instance === undefined) return undefined;
    const i = this.cluster.own(instance);
    if (!i) throw new Error(`sim contention: machine ${machine}'s instance ${instance.id} is not a simulated instance of this cluster`);
    return i.hasCrashed ? undefined : i;
  }
}
