import type { Clock } from '../clock.ts';
import type { ContentionTarget } from '../contention/contention-target.ts';
import { NeighbourStream, type NeighbourStreamStats } from '../contention/neighbour-stream.ts';
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
  private readonly streams = new Map<number, NeighbourStream>();
  private readonly finishedStreams: NeighbourStreamStats[] = [];
  private cpuHogEventsSkipped = 0;

  constructor(
    private readonly clock: Clock,
    private readonly cluster: SimulatedCluster,
    private readonly machines: readonly (Instance | undefined)[],
    private readonly neighbourInput: Float32Array,
  ) {}

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
    const instance = this.machines[machine];
    if (instance === undefined || this.streams.has(machine)) return false;
    const stream = new NeighbourStream(this.clock, instance, rate, seed, this.neighbourInput);
    this.streams.set(machine, stream);
    stream.start();
    return true;
  }

  stopNeighbour(machine: number): boolean {
    const stream = this.streams.get(machine);
    if (!stream) return false;
    stream.stop();
    this.streams.delete(machine);
    this.finishedStreams.push(stream.stats());
    return true;
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
    for (const machine of [...this.streams.keys()]) this.stopNeighbour(machine);
  }

  neighbourStats(): NeighbourStreamStats {
    const all = [...this.finishedStreams, ...[...this.streams.values()].map((s) => s.stats())];
    return all.reduce((a, s) => ({ sent: a.sent + s.sent, answered: a.answered + s.answered, failed: a.failed + s.failed, skipped: a.skipped + s.skipped }), {
      sent: 0,
      answered: 0,
      failed: 0,
      skipped: 0,
    });
  }

  private live(machine: number) {
    const instance = this.machines[machine];
    if (instance === undefined) return undefined;
    const i = this.cluster.own(instance);
    if (!i) throw new Error(`sim contention: machine ${machine}'s instance ${instance.id} is not a simulated instance of this cluster`);
    return i.hasCrashed ? undefined : i;
  }
}
